"""How the waiter asks the bartender for a drink."""

from mini_services.kit.calls import Link
from mini_services.services.bartender.models import DrinkOrder, Glass


class BartenderClient:
    def __init__(self, link: Link):
        self.link = link

    async def pour(self, order: DrinkOrder) -> Glass:
        answer = await self.link.call("POST", "/pours", json=order.model_dump(), idempotency_key=order.order_id)
        return Glass.model_validate(answer)

    async def pours(self, order_ids: list[str]) -> list[dict]:
        """The rail's drink tickets of these orders, read from the bartender's own database."""
        return await self.link.call("GET", "/pours?order_ids=" + ",".join(order_ids)) if order_ids else []
