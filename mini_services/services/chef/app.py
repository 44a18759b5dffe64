"""The chef: cooks the dish on each ticket."""

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.chef.models import CookTicket, Plate
from mini_services.kit.messaging import RailLink
from mini_services.kit.rail_station import progress_router, rail_router
from mini_services.services.chef.store import ChefStore
from mini_services.services.chef.tickets import ChefOnRail, Pass


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


class StockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dish: str = Field(min_length=1, max_length=40)
    portions: int = Field(ge=0, le=100_000)


def rail_routes(book: Pass) -> APIRouter:
    router = APIRouter(tags=["chef"])

    @router.get("/stock")
    async def stock() -> dict:
        """Portions left of each dish (a dish at 0 is sold out: its tickets are refused and refunded)."""
        return {"dishes": book.stock()}

    @router.put("/stock")
    async def set_stock(update: StockUpdate) -> dict:
        """Set one dish's portions (0 sells it out)."""
        if update.dish not in book.stock():
            raise HTTPException(422, f"the chef has no {update.dish!r}; the dishes are {', '.join(book.stock())}")
        book.set_stock(update.dish, update.portions)
        return {"dishes": book.stock()}

    @router.post("/stock/restock")
    async def restock() -> dict:
        """Every dish back to its full stock."""
        book.restock()
        return {"dishes": book.stock()}

    return router


def build(ctx: ReplicaContext) -> Chef:
    return Chef(ChefStore(ctx.db_path("chef")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    chef = build(ctx)
    book, rail = Pass(ctx.db_path("chef")), RailLink(ctx.replica_id, lambda: ctx.config.rail_url)
    ChefOnRail(book, rail, ctx)
    return service_app(ctx, [routes(chef), rail_routes(book), progress_router("/tickets", "chef", book.of), rail_router(rail)], book.db.tables)
