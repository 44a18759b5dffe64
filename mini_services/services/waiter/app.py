"""The waiter: the restaurant's API gateway. Takes an order, passes tickets to the stations, brings it all back.

    POST /api/orders        chef (required) + bartender, dishwasher (optional), in parallel
                            -> cashier bills it (required, idempotent) -> the order book
    GET  /api/orders/{id}   the order book + its bill from the cashier
"""

import asyncio
import uuid
from typing import Annotated, Callable

from fastapi import APIRouter, FastAPI, Header, HTTPException, Query

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.kit.calls import Degraded
from mini_services.services.bartender.client import BartenderClient
from mini_services.services.bartender.models import DrinkOrder
from mini_services.services.cashier.client import CashierClient
from mini_services.services.cashier.models import BillRequest
from mini_services.services.chef.client import ChefClient
from mini_services.services.chef.models import CookTicket
from mini_services.services.dishwasher.client import DishwasherClient
from mini_services.services.dishwasher.models import PlateRequest
from mini_services.services.waiter.models import Order, OrderRequest, Served
from mini_services.services.waiter.store import OrderBook

OptionalKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


def order_id_for(key: str) -> str:
    """The same idempotency key always names the same order, so every retry lands on one ticket."""
    return "ord-" + uuid.uuid5(uuid.NAMESPACE_URL, key).hex[:12]


class Waiter:
    """Takes orders; the monolith builds it with the stations themselves instead of clients."""

    def __init__(self, book: OrderBook, chef: ChefClient, bartender: BartenderClient, cashier: CashierClient,
                 dishwasher: DishwasherClient, fallbacks: Callable[[], bool]):
        self.book, self.chef, self.bartender, self.cashier, self.dishwasher = book, chef, bartender, cashier, dishwasher
        self.fallbacks = fallbacks

    async def take_order(self, request: OrderRequest, key: str) -> Order:
        body = request.model_dump()
        known = self.book.by_key(key)
        if known is not None:
            if known.pop("body_hash") != self.book.fingerprint(body):
                raise HTTPException(409, f"idempotency key {key!r} was already used for a different order")
            return await self._with_bill(known)
        order_id = order_id_for(key)
        degraded = Degraded(self.fallbacks())
        no_drink = asyncio.sleep(0, None)
        plate, glass, clean_plate = await asyncio.gather(
            self.chef.cook(CookTicket(order_id=order_id, dish=request.dish)),  # required: no dish, no order
            degraded.optional("bartender", self.bartender.pour(DrinkOrder(order_id=order_id, drink=request.drink)),
                              None) if request.drink else no_drink,
            degraded.optional("dishwasher", self.dishwasher.plate_for(PlateRequest(order_id=order_id)), None),
        )
        items = [request.dish] + ([request.drink] if glass else [])
        bill = await self.cashier.write_bill(BillRequest(order_id=order_id, items=items), key)
        served = Served(plate=plate, glass=glass, clean_plate=clean_plate).model_dump()
        order = self.book.record(order_id, key, body, served, degraded.services)
        return Order(**order, bill=bill)

    async def order(self, order_id: str) -> Order:
        found = self.book.get(order_id)
        if found is None:
            raise HTTPException(404, f"there is no order {order_id}")
        return await self._with_bill(found)

    async def _with_bill(self, order: dict) -> Order:
        degraded = Degraded(fallbacks=True)
        bill = await degraded.optional("cashier", self.cashier.bill_for(order["order_id"]), None)
        return Order(**{**order, "degraded": order["degraded"] + degraded.services}, bill=bill)


def routes(waiter: Waiter) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["waiter"])

    @router.post("/orders")
    async def take_order(request: OrderRequest, key: OptionalKey = None) -> Order:
        """Order a dish (and a drink); send an Idempotency-Key to make retries safe (one is made if not)."""
        return await waiter.take_order(request, key or f"waiter-{uuid.uuid4()}")

    @router.get("/orders/{order_id}")
    async def order(order_id: str) -> Order:
        """Read an order back, with its bill from the cashier."""
        return await waiter.order(order_id)

    @router.get("/orders")
    async def recent_orders(limit: int = Query(20, ge=1, le=1000)) -> list[dict]:
        """The newest orders in the order book."""
        return waiter.book.recent(limit)

    return router


def create_app(ctx: ReplicaContext) -> FastAPI:
    book = OrderBook(ctx.db_path("waiter"))
    waiter = Waiter(book, ChefClient(ctx.link("chef")), BartenderClient(ctx.link("bartender")),
                    CashierClient(ctx.link("cashier")), DishwasherClient(ctx.link("dishwasher")),
                    fallbacks=lambda: ctx.config.resilience.fallbacks)
    return service_app(ctx, [routes(waiter)], book.db.tables)
