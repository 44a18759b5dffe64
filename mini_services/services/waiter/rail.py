"""The waiter in rail mode: takes the order, pins its ticket on the rail, and need not wait.

    POST /api/orders       order + ticket in one transaction (the outbox) -> 202 {"order_id", "status": "taken"}
    relay (a task)         outbox -> rail (cashier's queue); each row marked sent after the broker's ack
    GET  /api/orders/{id}  the order's progress, each step read from that station's own database

The saga (choreographed on the rail): the cashier charges, then puts the chef's and the bartender's
tickets on the rail; a chef who cannot cook it (sold out, or a dish that always burns) puts a refund
ticket on the rail, and the cashier refunds.
"""

from __future__ import annotations

import asyncio
import json
import logging

from opentelemetry import context as otel_context
from opentelemetry.propagate import extract, inject

from mini_services.kit.calls import DependencyFailed
from mini_services.kit.messaging import RailLink
from mini_services.services.bartender.client import BartenderClient
from mini_services.services.cashier.client import CashierClient
from mini_services.services.chef.client import ChefClient
from mini_services.services.waiter.models import OrderRequest, RailOrder, Step
from mini_services.services.waiter.outbox import Outbox

log = logging.getLogger("kitchen.waiter")
RELAY_IDLE_S = 0.5  # the relay looks at the outbox this often when nothing told it to


class RailWaiter:
    def __init__(self, outbox: Outbox, rail: RailLink, chef: ChefClient, bartender: BartenderClient,
                 cashier: CashierClient):
        self.outbox, self.rail = outbox, rail
        self.chef, self.bartender, self.cashier = chef, bartender, cashier
        self._wake = asyncio.Event()

    def take_order(self, order_id: str, request: OrderRequest, key: str) -> dict:
        """Durable before it answers: the order and its ticket in one transaction; the relay does the rest."""
        body = request.model_dump()
        carrier: dict[str, str] = {}
        inject(carrier)  # this request's trace goes with the ticket, so one order is one trace
        order, _created = self.outbox.take(order_id, key, body, {"order_id": order_id, **body}, carrier)  # 409
        self._wake.set()
        return {"order_id": order["order_id"], "status": "taken"}

    async def relay(self) -> None:
        """Publish every unsent outbox row, oldest first; a row is marked sent only after the broker's ack."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), RELAY_IDLE_S)
            except TimeoutError:
                pass
            self._wake.clear()
            while self.rail.connected:
                rows = await asyncio.to_thread(self.outbox.unsent)
                if not rows:
                    break
                sent = await asyncio.gather(*(self._publish(row) for row in rows))
                await asyncio.to_thread(self.outbox.mark_sent, [row["id"] for row, ok in zip(rows, sent) if ok])
                if not all(sent):
                    break  # the rail went away: the rest waits in the outbox

    async def _publish(self, row: dict) -> bool:
        token = otel_context.attach(extract(json.loads(row["trace_context"])))
        try:
            await self.rail.publish(row["queue"], json.loads(row["body"]), row["msg_id"])
            return True
        except Exception as exc:  # the rail is away or slow: the row stays unsent, to be published again
            log.debug("outbox row %s not published: %s", row["id"], exc)
            return False
        finally:
            otel_context.detach(token)

    async def order(self, order_id: str) -> RailOrder | None:
        found = self.outbox.get(order_id)
        return (await self.progress([found]))[0] if found else None

    async def recent(self, limit: int) -> list[RailOrder]:
        return await self.progress(self.outbox.recent(limit))

    async def progress(self, orders: list[dict]) -> list[RailOrder]:
        """Each order's steps, read from the cashier's, the chef's and the bartender's own databases."""
        ids = [o["order_id"] for o in orders]
        charges, cooked, poured = await asyncio.gather(
            _ask("cashier", self.cashier.charges(ids)), _ask("chef", self.chef.tickets(ids)),
            _ask("bartender", self.bartender.pours(ids)))
        return [_compose(o, charges, cooked, poured) for o in orders]


async def _ask(station: str, call) -> dict[str, dict] | str:
    """{order_id: row} from a station's database, or why it could not be read (in words)."""
    try:
        return {row["order_id"]: row for row in await call}
    except DependencyFailed as failure:
        return f"the {station} is not answering ({failure.reason})"


def _step(station: str, rows: dict | str, order_id: str, waiting: str) -> Step:
    if isinstance(rows, str):
        return Step(station=station, status="waiting", detail=rows, at=None)
    row = rows.get(order_id)
    if row is None:
        return Step(station=station, status="waiting", detail=waiting, at=None)
    return Step(station=station, status=row["status"], detail=row["detail"], at=row["at"])


def _compose(order: dict, charges, cooked, poured) -> RailOrder:
    oid = order["order_id"]
    steps = [_step("cashier", charges, oid, "the ticket waits on the rail for the cashier"),
             _step("chef", cooked, oid, "not cooked yet: waiting for the bill, or on the rail for the chef")]
    if order["drink"]:
        steps.append(_step("bartender", poured, oid, "not poured yet"))
    return RailOrder(**order, status=_status(steps), steps=steps)


def _status(steps: list[Step]) -> str:
    """One word for the order, from what each station's database says about it."""
    till, chef = steps[0], steps[1]
    bar = steps[2] if len(steps) > 2 else None
    if till.status == "failed" or chef.detail.startswith("dead-lettered"):
        return "failed"
    if till.status == "refunded":
        return "refunded"
    if till.status == "waiting":
        return "taken"
    if chef.status == "waiting":
        return "cooking" if chef.detail == "cooking" else "paid"
    if chef.status == "failed":
        return "paid"  # the chef said no; the refund is on its way: for now the bill and the kitchen disagree
    return "served" if bar is None or bar.status != "waiting" else "ready"
