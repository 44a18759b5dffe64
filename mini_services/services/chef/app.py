"""The chef: cooks the dish on each ticket."""

from fastapi import APIRouter, FastAPI, HTTPException

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.chef.models import CookTicket, Plate
from mini_services.services.chef.store import ChefStore


class Chef:
    """The domain logic (the one-cook monolith calls this object directly)."""

    def __init__(self, store: ChefStore):
        self.store = store

    async def cook(self, ticket: CookTicket) -> Plate:
        menu = self.store.menu()
        if ticket.dish not in menu:
            raise HTTPException(422, f"the chef cannot cook {ticket.dish!r}; the menu is {', '.join(menu)}")
        return Plate(**self.store.cook(ticket.order_id, ticket.dish))


def routes(chef: Chef) -> APIRouter:
    router = APIRouter(tags=["chef"])

    @router.post("/tickets")
    async def cook(ticket: CookTicket) -> Plate:
        """Cook the dish on this ticket (the same order twice is cooked once)."""
        return await chef.cook(ticket)

    @router.get("/menu")
    async def menu() -> list[str]:
        """The dishes this chef can cook."""
        return chef.store.menu()

    return router


def build(ctx: ReplicaContext) -> Chef:
    return Chef(ChefStore(ctx.db_path("chef")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    chef = build(ctx)
    return service_app(ctx, [routes(chef)], chef.store.db.tables)
