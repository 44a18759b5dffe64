"""How the waiter passes a ticket to the chef."""

from mini_services.kit.calls import Link
from mini_services.services.chef.models import CookTicket, Plate


class ChefClient:
    def __init__(self, link: Link):
        self.link = link

    async def cook(self, ticket: CookTicket) -> Plate:
        # a ticket names its order, so cooking it twice is harmless: safe to retry
        answer = await self.link.call("POST", "/tickets", json=ticket.model_dump(), idempotency_key=ticket.order_id)
        return Plate.model_validate(answer)

    async def tickets(self, order_ids: list[str]) -> list[dict]:
        """The rail's cooking tickets of these orders, read from the chef's own database."""
        return await self.link.call("GET", "/tickets?order_ids=" + ",".join(order_ids)) if order_ids else []
