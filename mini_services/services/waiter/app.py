"""The waiter: the restaurant's API gateway. Takes an order, passes tickets to the stations, brings it all back.

    POST /api/orders        chef (required) + bartender, dishwasher (optional), in parallel
                            -> cashier bills it (required, idempotent) -> the order book
    GET  /api/orders/{id}   the order book + its bill from the cashier
    (rail mode, rail.py: 202 once the order and its ticket are in the outbox; the stations take it from there)
"""

import asyncio
import uuid
from contextlib import asynccontextmanager
from typing import Annotated, Callable

from fastapi import APIRouter, FastAPI, Header, HTTPException, Query
from fastapi.responses import JSONResponse

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.kit.calls import Degraded
from mini_services.kit.messaging import RailLink
from mini_services.services.bartender.client import BartenderClient
from mini_services.services.bartender.models import DrinkOrder
from mini_services.services.cashier.client import CashierClient
from mini_services.services.cashier.models import BillRequest
from mini_services.services.chef.client import ChefClient
from mini_services.services.chef.models import CookTicket
from mini_services.services.dishwasher.client import DishwasherClient
from mini_services.services.dishwasher.models import PlateRequest
from mini_services.services.waiter.models import Order, OrderRequest, RailOrder, Served
from mini_services.services.waiter.outbox import Outbox
from mini_services.services.waiter.rail import RailWaiter
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


def routes(waiter: Waiter, rail: RailWaiter | None = None, messaging: Callable[[], str] = lambda: "calls") -> APIRouter:
    """The entry routes; with ``rail`` and the kitchen's messaging switch on ``rail``, orders go on the rail."""
    router = APIRouter(prefix="/api", tags=["waiter"])

    def on_rail() -> bool:
        return rail is not None and messaging() == "rail"

    @router.post("/orders", responses={202: {"description": "rail mode: the order is taken (durable)"}})
    async def take_order(request: OrderRequest, key: OptionalKey = None) -> Order:
        """Order a dish (and a drink); send an Idempotency-Key to make retries safe (one is made if not).
        In rail mode: 202 {"order_id", "status": "taken"} once the order and its ticket are committed."""
        key = key or f"waiter-{uuid.uuid4()}"
        if on_rail():
            return JSONResponse(rail.take_order(order_id_for(key), request, key), status_code=202)
        return await waiter.take_order(request, key)

    @router.get("/orders/{order_id}")
    async def order(order_id: str) -> Order | RailOrder:
        """Read an order back: with its bill (calls), or each station's part of it (an order passed on the rail)."""
        found = await rail.order(order_id) if rail is not None else None
        return found if found is not None else await waiter.order(order_id)

    @router.get("/orders")
    async def recent_orders(limit: int = Query(20, ge=1, le=1000)) -> list[dict] | list[RailOrder]:
        """The newest orders in the order book (in rail mode: the rail's orders, each with its steps)."""
        return await rail.recent(limit) if on_rail() else waiter.book.recent(limit)

    return router


def relay_router(rail: RailWaiter) -> APIRouter:
    """The rail connection and the outbox relay run while the replica serves; ``GET /_kitchen/outbox`` says how many
    tickets wait in the outbox (taken, not yet on the rail: all of them while the rail is down)."""
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        rail.rail.start()
        relay = asyncio.create_task(rail.relay())
        yield
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)
        await rail.rail.close()

    router = APIRouter(lifespan=lifespan)

    @router.get("/_kitchen/outbox", tags=["kitchen"])
    async def outbox() -> dict:
        """Tickets in the outbox not yet pinned on the rail (one count for every waiter: they share one file)."""
        return {"waiting": rail.outbox.waiting()}

    return router


def create_app(ctx: ReplicaContext) -> FastAPI:
    book = OrderBook(ctx.db_path("waiter"))
    chef, bartender, cashier = ChefClient(ctx.link("chef")), BartenderClient(ctx.link("bartender")), \
        CashierClient(ctx.link("cashier"))
    waiter = Waiter(book, chef, bartender, cashier, DishwasherClient(ctx.link("dishwasher")),
                    fallbacks=lambda: ctx.config.resilience.fallbacks)
    outbox = Outbox(ctx.db_path("waiter"))
    rail = RailWaiter(outbox, RailLink(ctx.replica_id, lambda: ctx.config.rail_url), chef, bartender, cashier)

    def tables() -> list[dict]:
        return outbox.db.tables()  # one file: the order book, the rail's orders and the outbox

    return service_app(ctx, [routes(waiter, rail, lambda: ctx.config.messaging), relay_router(rail)], tables)
