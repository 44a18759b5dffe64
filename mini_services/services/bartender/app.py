"""The bartender: pours the drink of each order."""

from fastapi import APIRouter, FastAPI

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.bartender.models import DrinkOrder, Glass
from mini_services.kit.messaging import RailLink
from mini_services.kit.rail_station import progress_router, rail_router
from mini_services.services.bartender.store import BarStore
from mini_services.services.bartender.tickets import BartenderOnRail


class Bartender:
    """The domain logic (the one-cook monolith calls this object directly)."""

    def __init__(self, store: BarStore):
        self.store = store

    async def pour(self, order: DrinkOrder) -> Glass:
        return Glass(**self.store.pour(order.order_id, order.drink))


def routes(bartender: Bartender) -> APIRouter:
    router = APIRouter(tags=["bartender"])

    @router.post("/pours")
    async def pour(order: DrinkOrder) -> Glass:
        """Pour this order's drink (the same order twice is poured once)."""
        return await bartender.pour(order)

    return router


def build(ctx: ReplicaContext) -> Bartender:
    return Bartender(BarStore(ctx.db_path("bartender")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    bartender = build(ctx)
    rail = RailLink(ctx.replica_id, lambda: ctx.config.rail_url)
    on_rail = BartenderOnRail(bartender.store, rail, ctx)
    return service_app(ctx, [routes(bartender), progress_router("/pours", "bartender", on_rail.of), rail_router(rail)], on_rail.db.tables)
