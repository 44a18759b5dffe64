"""The rail as the control plane sees it: the messaging switch, the queues read from JetStream, the chef's stock.

    GET|PUT /messaging      {"mode": "calls" | "rail"}: pushed to every replica (a later one gets it at start)
    GET /queues             each queue's figures, read twice a second from JetStream; the rail down: the last
                            figures, "stale": true, "as_of"
    GET /queues/history     a point a second over the last minute (pending and in flight per queue)
    GET|PUT /stock          the chef's stock, forwarded to a live chef replica (it owns the stock table)
    POST /reset             the kitchen reset (as /scenario/reset); it also puts messaging back to calls,
                            empties the queues and restocks the chef (so does POST /scenario/reset: the same reset)

Only the restaurant's microservices kitchen has a rail; elsewhere the mode is always ``calls``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI, HTTPException

from mini_services.control.models import Messaging, QueueFigures, QueuesHistory, QueuesPoint, StockUpdate
from mini_services.control.supervisor import Supervisor
from mini_services.kit import messaging as rail

log = logging.getLogger("kitchen.rail")
SAMPLE_EVERY_S = 0.5
HISTORY_S = 60
RATE_SPAN_S = 3.0  # rates are taken over about this long
STALE_AFTER_S = 1.5  # no good read for this long: the figures are the last ones, and say so
RESET_WAIT_S = 5.0  # how long a reset waits for the rail (and a chef) to be back up: the app waits 10 s in all
STATION = {"cashier": "cashier", "chef": "chef", "bartender": "bartender", "refunds": "cashier"}


class RailWatch:
    """Reads the rail's queues from JetStream and keeps their last minute; owns the messaging switch."""

    def __init__(self, supervisor: Supervisor):
        self.supervisor = supervisor
        self.enabled = any(s.station.broker for s in supervisor.services.values())
        self.nc = self.js = None
        self.figures: dict[str, dict] = {name: _empty() for name in (*rail.QUEUES, rail.DEAD_LETTER)}
        self.as_of: float | None = None
        self.points: deque[QueuesPoint] = deque(maxlen=HISTORY_S)
        self._totals: deque[tuple[float, dict[str, tuple[int, int]]]] = deque()
        self._task: asyncio.Task | None = None
        self._http = httpx.AsyncClient()
        self._background: set[asyncio.Task] = set()  # a restock waiting for a chef

    async def chef_call(self, method: str, path: str, body: dict | None = None) -> dict:
        """Forward to a live chef replica (the chef owns the stock table)."""
        if not self.enabled:
            raise HTTPException(409, "only the restaurant's microservices kitchen keeps the chef's stock")
        return await forward(self._http, self.supervisor.services["chef"].up_urls(), method, path, body)

    # ---- reads --------------------------------------------------------------------------
    def queues(self) -> list[QueueFigures]:
        if not self.enabled:
            return []
        stale = self.as_of is None or time.time() - self.as_of > STALE_AFTER_S
        extra = {"stale": True, "as_of": self.as_of} if stale else {}
        return [QueueFigures(name=name, **figures, **extra) for name, figures in self.figures.items()]

    def history(self) -> QueuesHistory:
        return QueuesHistory(window_s=HISTORY_S, points=list(self.points))

    # ---- changes ------------------------------------------------------------------------
    async def set_mode(self, mode: str) -> Messaging:
        if mode == "rail" and not self.enabled:
            raise HTTPException(409, "only the restaurant's microservices kitchen has a rail: this kitchen passes "
                                     "tickets by calls")
        await self.supervisor.set_messaging(mode)
        return Messaging(mode=mode)

    async def reset(self) -> None:
        """Messaging back to calls, the queues emptied, the chef's stock full again."""
        if not self.enabled:
            return
        await self.supervisor.set_messaging("calls")
        deadline = time.monotonic() + RESET_WAIT_S  # a heal has just restarted what was down: wait a moment
        while (js := await self._connected()) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if js is not None:
            for stream in (rail.STREAM, rail.DEAD_STREAM):
                try:
                    await js.purge_stream(stream)
                except Exception as exc:  # the rail is down: nothing to empty now
                    log.warning("could not empty %s: %s", stream, exc)
        restock = asyncio.create_task(self._restock_when_a_chef_is_up())
        self._background.add(restock)
        restock.add_done_callback(self._background.discard)
        await asyncio.wait([restock], timeout=max(0.0, deadline - time.monotonic()))  # later if it takes longer

    async def _restock_when_a_chef_is_up(self, patience_s: float = 60.0) -> None:
        deadline = time.monotonic() + patience_s
        while not self.supervisor.services["chef"].up_urls() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        try:
            await self.chef_call("POST", "/stock/restock")
        except HTTPException:
            log.warning("no chef up: its stock stays as it is until the next reset")

    # ---- the sampler ---------------------------------------------------------------------
    async def start(self) -> None:
        if self.enabled:
            self._task = asyncio.create_task(self._sample_forever())

    async def stop(self) -> None:
        for task in [self._task, *self._background]:
            if task:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.nc is not None:  # bounded: the kitchen's replicas are stopped after this, whatever the rail does
            try:
                await asyncio.wait_for(self.nc.close(), 2)
            except Exception as exc:
                log.warning("the control plane's rail connection did not close cleanly: %r", exc)
        await self._http.aclose()

    async def _connected(self):
        if self.nc is None:
            url = self.supervisor.rail_url()
            if url is None or not self.supervisor.services["rail"].up_urls():
                return None
            try:
                self.nc = await asyncio.wait_for(rail.connect(url, "control-plane"), 2)
                self.js = self.nc.jetstream(timeout=1)
                await rail.ensure_streams(self.js)
            except Exception as exc:
                log.debug("rail not reachable: %s", exc)
                if self.nc is not None:
                    await self.nc.close()
                self.nc = self.js = None
                return None
        return self.js if self.nc.is_connected else None

    async def _sample_forever(self) -> None:
        while True:
            try:
                js = await self._connected()
                if js is not None:
                    await asyncio.wait_for(self._sample(js), 1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the rail went away mid-read: its last figures stand, marked stale
                log.debug("queues not read: %s", exc)
            await asyncio.sleep(SAMPLE_EVERY_S)

    async def _sample(self, js) -> None:
        infos = await asyncio.gather(*(js.consumer_info(rail.STREAM, q, timeout=0.8) for q in rail.QUEUES))
        dead = (await js.stream_info(rail.DEAD_STREAM, subjects_filter="dead.>")).state
        dead_by_queue = {s.split(".", 1)[1]: n for s, n in (dead.subjects or {}).items()}
        now = time.time()
        totals = {}
        for queue, info in zip(rail.QUEUES, infos):
            delivered = info.delivered.consumer_seq if info.delivered else 0
            in_flight = info.num_ack_pending or 0
            totals[queue] = (delivered + (info.num_pending or 0), delivered - in_flight)  # (arrived, finished)
            self.figures[queue] = {
                "pending": info.num_pending or 0, "in_flight": in_flight,
                "consumers": len(self.supervisor.services[STATION[queue]].up_urls()), "delivered": delivered,
                "redelivered": info.num_redelivered or 0, "dead_lettered": dead_by_queue.get(queue, 0)}
        totals[rail.DEAD_LETTER] = (dead.messages, 0)
        self.figures[rail.DEAD_LETTER] = {**_empty(), "pending": dead.messages, "dead_lettered": dead.messages}
        self._rates(now, totals)
        self.as_of = now
        second = int(now)
        if not self.points or self.points[-1].t != second:
            self.points.append(QueuesPoint(t=second, queues={
                name: {"pending": f["pending"], "in_flight": f["in_flight"]} for name, f in self.figures.items()}))

    def _rates(self, now: float, totals: dict[str, tuple[int, int]]) -> None:
        self._totals.append((now, totals))
        while len(self._totals) > 2 and now - self._totals[1][0] >= RATE_SPAN_S:
            self._totals.popleft()
        then, before = self._totals[0]
        span = now - then
        for name, (arrived, finished) in totals.items():
            was = before.get(name, (arrived, finished))
            self.figures[name]["rate_in"] = round(max(0, arrived - was[0]) / span, 2) if span > 0 else 0.0
            self.figures[name]["rate_out"] = round(max(0, finished - was[1]) / span, 2) if span > 0 else 0.0


def _empty() -> dict:
    return {"pending": 0, "in_flight": 0, "consumers": 0, "delivered": 0, "redelivered": 0, "dead_lettered": 0,
            "rate_in": 0.0, "rate_out": 0.0}


def rail_routes(watch: RailWatch, kitchen_reset: Callable[[], Awaitable[object]]) -> APIRouter:
    """GET|PUT /messaging, GET /queues, GET /queues/history, GET|PUT /stock, POST /reset."""
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await watch.start()
        yield
        await watch.stop()

    router = APIRouter(tags=["rail"], lifespan=lifespan)

    @router.get("/messaging")
    async def get_messaging() -> Messaging:
        """How the waiter passes tickets: `calls` (it waits for each station) or `rail` (it pins a ticket)."""
        return Messaging(mode=watch.supervisor.messaging)

    @router.put("/messaging")
    async def put_messaging(request: Messaging) -> Messaging:
        """Switch between calls and the rail (restaurant microservices kitchen only); every replica is told."""
        return await watch.set_mode(request.mode)

    @router.get("/queues", response_model_exclude_none=True)
    async def queues() -> list[QueueFigures]:
        """Each queue on the rail, from JetStream; the rail down: its last figures with `stale` and `as_of`."""
        return watch.queues()

    @router.get("/queues/history")
    async def queues_history() -> QueuesHistory:
        """The last minute of each queue's backlog, a point a second."""
        return watch.history()

    @router.get("/stock")
    async def stock() -> dict:
        """The chef's stock of each dish (read from a live chef)."""
        return await watch.chef_call("GET", "/stock")

    @router.put("/stock")
    async def set_stock(request: StockUpdate) -> dict:
        """Set one dish's portions on the chef (0 sells it out: the saga refunds its orders)."""
        return await watch.chef_call("PUT", "/stock", request.model_dump())

    @router.post("/reset")
    async def reset() -> object:
        """The kitchen reset (as `POST /scenario/reset`): healed, messaging `calls`, the queues emptied."""
        return await kitchen_reset()

    return router


async def forward(client: httpx.AsyncClient, urls: list[str], method: str, path: str, body: dict | None) -> dict:
    """One call to the first live replica that answers; none: a 409 that says so; its 4xx passed on."""
    if not urls:
        raise HTTPException(409, "the chef is down: no chef replica is up to ask about the stock")
    try:
        answer = await client.request(method, urls[0] + path, json=body, timeout=2)
    except httpx.HTTPError:
        raise HTTPException(409, "the chef is not answering right now: try again when it is up") from None
    if answer.status_code >= 400:
        raise HTTPException(answer.status_code if answer.status_code < 500 else 409,
                            answer.json().get("detail", f"the chef said {answer.status_code}"))
    return answer.json()
