"""The dishwasher: keeps plates clean and hands one out for each order."""

from fastapi import APIRouter, FastAPI

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.dishwasher.models import CleanPlate, PlateRequest
from mini_services.services.dishwasher.store import RackStore


class Dishwasher:
    """The domain logic (the one-cook monolith calls this object directly)."""

    def __init__(self, store: RackStore):
        self.store = store

    async def plate_for(self, request: PlateRequest) -> CleanPlate:
        return CleanPlate(**self.store.hand_out(request.order_id))


def routes(dishwasher: Dishwasher) -> APIRouter:
    router = APIRouter(tags=["dishwasher"])

    @router.post("/plates")
    async def plate(request: PlateRequest) -> CleanPlate:
        """A clean plate for this order."""
        return await dishwasher.plate_for(request)

    return router


def build(ctx: ReplicaContext) -> Dishwasher:
    return Dishwasher(RackStore(ctx.db_path("dishwasher")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    dishwasher = build(ctx)
    return service_app(ctx, [routes(dishwasher)], dishwasher.store.db.tables)
