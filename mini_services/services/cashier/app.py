"""The cashier: writes each order's bill, exactly once however often it is asked."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, HTTPException

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.kit.messaging import RailLink
from mini_services.kit.rail_station import progress_router, rail_router
from mini_services.services.cashier.charges import CashierOnRail, ChargeBook
from mini_services.services.cashier.models import Bill, BillRequest
from mini_services.services.cashier.store import TillStore

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


class Cashier:
    """The domain logic (the one-cook monolith calls this object directly)."""

    def __init__(self, store: TillStore):
        self.store = store

    async def write_bill(self, request: BillRequest, key: str) -> Bill:
        return Bill(**self.store.write_bill(request.order_id, request.items, key))

    async def bill_for(self, order_id: str) -> Bill:
        row = self.store.bill_for(order_id)
        if row is None:
            raise HTTPException(404, f"no bill for order {order_id}")
        return Bill(**row)

    async def bills(self) -> list[Bill]:
        return [Bill(**row) for row in self.store.bills()]


def routes(cashier: Cashier) -> APIRouter:
    router = APIRouter(tags=["cashier"])

    @router.post("/bills")
    async def write_bill(request: BillRequest, key: IdempotencyKey) -> Bill:
        """Bill an order; the same Idempotency-Key twice bills once and answers the same."""
        return await cashier.write_bill(request, key)

    @router.get("/bills/{order_id}")
    async def bill_for(order_id: str) -> Bill:
        """The bill of one order."""
        return await cashier.bill_for(order_id)

    @router.get("/bills")
    async def bills() -> list[Bill]:
        """Every bill, oldest first, each with its idempotency key."""
        return await cashier.bills()

    return router


def build(ctx: ReplicaContext) -> Cashier:
    return Cashier(TillStore(ctx.db_path("cashier")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    cashier = build(ctx)
    book, rail = ChargeBook(ctx.db_path("cashier")), RailLink(ctx.replica_id, lambda: ctx.config.rail_url)
    CashierOnRail(book, rail, ctx)
    return service_app(ctx, [routes(cashier), progress_router("/charges", "cashier", book.of), rail_router(rail)], book.db.tables)
