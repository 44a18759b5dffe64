"""How the waiter asks the cashier for a bill."""

from mini_services.kit.calls import Link
from mini_services.services.cashier.models import Bill, BillRequest


class CashierClient:
    def __init__(self, link: Link):
        self.link = link

    async def write_bill(self, request: BillRequest, key: str) -> Bill:
        return Bill.model_validate(await self.link.call("POST", "/bills", json=request.model_dump(), idempotency_key=key))

    async def bill_for(self, order_id: str) -> Bill:
        return Bill.model_validate(await self.link.call("GET", f"/bills/{order_id}"))

    async def bills(self) -> list[Bill]:
        return [Bill.model_validate(b) for b in await self.link.call("GET", "/bills")]

    async def charges(self, order_ids: list[str]) -> list[dict]:
        """The rail's charges of these orders, read from the cashier's own database."""
        return await self.link.call("GET", "/charges?order_ids=" + ",".join(order_ids)) if order_ids else []
