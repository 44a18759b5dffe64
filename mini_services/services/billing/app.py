"""The Billing service: plans, subscription status and card charges (each charged once per key)."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Path, Query

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.billing.models import Charge, ChargeRequest, Subscription
from mini_services.services.billing.store import BillingStore

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


class Billing:
    """The domain logic (the monolith calls this object directly)."""

    def __init__(self, store: BillingStore):
        self.store = store

    async def subscription(self, user_id: int) -> Subscription:
        row = self.store.subscription(user_id)
        if row is None:
            return Subscription(user_id=user_id, plan="none", status="none", monthly_cents=0)
        return Subscription(**row, status="active")

    async def charge(self, request: ChargeRequest, key: str) -> Charge:
        charge, _created = self.store.charge(request.user_id, request.plan, key)
        return Charge(**charge)

    async def charges(self, user_id: int) -> list[Charge]:
        return [Charge(**row) for row in self.store.charges(user_id)]


def routes(billing: Billing) -> APIRouter:
    router = APIRouter(tags=["billing"])

    @router.get("/subscriptions/{user_id}")
    async def subscription(user_id: int = Path(ge=1)) -> Subscription:
        """This user's plan and whether it is paid up."""
        return await billing.subscription(user_id)

    @router.post("/charges")
    async def charge(request: ChargeRequest, key: IdempotencyKey) -> Charge:
        """Charge a card; the same Idempotency-Key twice charges once and answers the same."""
        return await billing.charge(request, key)

    @router.get("/charges")
    async def charges(user_id: int = Query(ge=1)) -> list[Charge]:
        """Every charge of one user, oldest first."""
        return await billing.charges(user_id)

    return router


def build(ctx: ReplicaContext) -> Billing:
    return Billing(BillingStore(ctx.db_path("billing")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    billing = build(ctx)
    return service_app(ctx, [routes(billing)], billing.store.db.tables)
