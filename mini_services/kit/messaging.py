"""The rail, as every service sees it: one nats-py JetStream connection per replica, traced at the edges.

    stream TICKETS   subjects tickets.<queue>, work-queue retention, file storage (a ticket stays until acked)
      durable pull consumers, one per queue, shared by every replica of its station (competing consumers):
        cashier (charge the order) · chef (cook) · bartender (pour) · refunds (the saga's compensation)
    stream DEAD      subjects dead.<queue>: tickets that failed MAX_DELIVERIES times (the dead-letter queue)

    publish(queue, body, msg_id)   PRODUCER span; W3C traceparent and the publish time in the headers;
                                   Nats-Msg-Id lets the broker drop a duplicate publish
    consume(queue, handle, ...)    per delivery: a "waited on the rail" span (publish -> taken) and a CONSUMER
                                   span (the station's work), both children of the producer's span; ack only
                                   after ``handle`` returned (its own database committed), nak on Redeliver,
                                   dead letter then term on DeadLetter

The connection is made after the replica starts and retried until the rail answers; nats-py reconnects
by itself when the rail comes back, and every loop here simply waits while it is away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger("kitchen.rail")
STREAM, DEAD_STREAM = "TICKETS", "DEAD"
QUEUES = ("cashier", "chef", "bartender", "refunds")
DEAD_LETTER = "dead-letter"
MAX_DELIVERIES = 3  # a ticket that failed this many times goes to the dead-letter queue
ACK_WAIT_S = 4.0  # a ticket taken and not acked by then (its station died) is handed to another replica
RAIL = "rail"  # the broker's name in traces and in the graph
PUBLISHED_AT = "Kitchen-Published-Ns"  # header: when the ticket was pinned on the rail (epoch ns)
_propagator = TraceContextTextMapPropagator()


def subject(queue: str) -> str:
    return f"tickets.{queue}"


class Redeliver(Exception):
    """Not done: hand the ticket back to the rail, to be tried again (``reason`` in words)."""


class DeadLetter(Exception):
    """This ticket will never succeed: move it to the dead-letter queue (``reason`` in words)."""


async def ensure_streams(js: Any) -> None:
    """Create the streams and every queue's durable consumer if missing (the same config again is a no-op)."""
    from nats.js.api import ConsumerConfig, RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import BadRequestError

    streams = [StreamConfig(name=STREAM, subjects=["tickets.>"], retention=RetentionPolicy.WORK_QUEUE,
                            storage=StorageType.FILE, duplicate_window=120.0),
               StreamConfig(name=DEAD_STREAM, subjects=["dead.>"], storage=StorageType.FILE, max_msgs=100_000,
                            duplicate_window=120.0)]
    for config in streams:
        try:
            await js.add_stream(config)
        except BadRequestError as exc:  # exists with another config (an older kitchen's): keep it
            log.info("stream %s kept as it is: %s", config.name, exc)
    for queue in QUEUES:
        try:
            await js.add_consumer(STREAM, ConsumerConfig(durable_name=queue, filter_subject=subject(queue),
                                                         ack_wait=ACK_WAIT_S, max_deliver=-1, max_ack_pending=2000),
                                  timeout=2)
        except BadRequestError as exc:
            log.info("consumer %s kept as it is: %s", queue, exc)


async def connect(url: str, name: str) -> Any:
    """One connection that reconnects forever (the rail may be killed and restarted)."""
    nats = _import_nats()

    async def quiet(exc: Exception) -> None:
        log.debug("rail: %s", exc)

    return await nats.connect(servers=[url], name=name, allow_reconnect=True, max_reconnect_attempts=-1,
                              reconnect_time_wait=0.25, connect_timeout=1, error_cb=quiet)


def _import_nats() -> Any:
    """nats-py, without the aiohttp it would load for websockets (we speak plain TCP): ~10 MB less in each
    station that calls no one and so never loads aiohttp itself."""
    if "aiohttp" in sys.modules or "nats" in sys.modules:
        import nats
        return nats
    sys.modules["aiohttp"] = None  # type: ignore[assignment]  # makes nats-py's optional import fail: no websockets
    try:
        import nats
    finally:
        del sys.modules["aiohttp"]
    return nats


class RailLink:
    """One replica's connection to the rail, its publisher and its consumers."""

    def __init__(self, name: str, rail_url: Callable[[], str | None]):
        self.name, self.rail_url = name, rail_url
        self.nc: Any = None
        self.js: Any = None
        self.ready = asyncio.Event()  # connected once and the streams exist
        self._tasks: list[asyncio.Task] = []
        self._consumers: list[tuple[str, Callable, int]] = []

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    def consume(self, queue: str, handle: Callable[[dict, int], Awaitable[None]], workers: int) -> None:
        """Take tickets of ``queue``, ``workers`` at a time; ``handle(ticket, delivery)`` commits, then we ack."""
        self._consumers.append((queue, handle, workers))

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._connect_loop()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.nc is not None:
            await self.nc.close()

    async def _connect_loop(self) -> None:
        while self.nc is None:
            url = self.rail_url()
            if url:
                try:
                    self.nc = await connect(url, self.name)
                    self.js = self.nc.jetstream(timeout=2)
                except Exception as exc:  # the rail is not up (yet): try again shortly
                    log.debug("rail not reachable at %s: %s", url, exc)
            if self.nc is None:
                await asyncio.sleep(0.25)
        while True:
            try:
                await ensure_streams(self.js)
                break
            except Exception as exc:
                log.debug("streams not ready: %s", exc)
                await asyncio.sleep(0.25)
        self.ready.set()
        log.info("%s connected to the rail", self.name)
        for queue, handle, workers in self._consumers:
            for _ in range(max(1, workers)):
                self._tasks.append(asyncio.create_task(self._work(queue, handle)))

    async def publish(self, queue: str, body: dict, msg_id: str) -> None:
        """Pin a ticket on the rail and wait for the broker's ack (it is on disk then). Traced as a PRODUCER span
        of the current context; raises if the rail is away (the caller keeps the ticket and tries again)."""
        if not self.connected:
            raise ConnectionError("the rail is not reachable")
        tracer = trace.get_tracer("kitchen")
        with tracer.start_as_current_span(f"publish {subject(queue)}", kind=SpanKind.PRODUCER,
                                          record_exception=False, attributes={
                                              "peer.service": RAIL, "messaging.system": "nats",
                                              "messaging.operation.type": "publish",
                                              "messaging.destination.name": subject(queue),
                                              "messaging.message.id": msg_id}) as span:
            headers = {"Nats-Msg-Id": msg_id, PUBLISHED_AT: str(time.time_ns())}
            _propagator.inject(headers)
            try:
                await self.js.publish(subject(queue), json.dumps(body).encode(), headers=headers, timeout=1)
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, f"the rail did not take the ticket: {_said(exc)}"))
                raise

    async def _work(self, queue: str, handle: Callable) -> None:
        """One worker of a competing consumer: take a ticket, do the work, ack after the commit."""
        await self.ready.wait()
        sub = None
        while True:
            try:
                if sub is None:
                    sub = await self.js.pull_subscribe_bind(consumer=queue, stream=STREAM)
                msgs = await sub.fetch(1, timeout=1)
            except asyncio.CancelledError:
                raise
            except Exception:  # no ticket within a second, or the rail is away: ask again
                if not self.connected:
                    await asyncio.sleep(0.2)
                continue
            for msg in msgs:
                await self._deliver(queue, msg, handle)

    async def _deliver(self, queue: str, msg: Any, handle: Callable) -> None:
        taken_ns = time.time_ns()
        headers = dict(msg.headers or {})
        parent = _propagator.extract(headers)
        tracer = trace.get_tracer("kitchen")
        published_ns = int(headers.get(PUBLISHED_AT, taken_ns))
        delivery = msg.metadata.num_delivered
        attributes = {"messaging.system": "nats", "messaging.destination.name": subject(queue),
                      "messaging.consumer.group.name": queue, "messaging.message.id": headers.get("Nats-Msg-Id", ""),
                      "peer.service": RAIL, "kitchen.delivery": delivery}
        waited = tracer.start_span("waited on the rail", context=parent, kind=SpanKind.INTERNAL,
                                   start_time=min(published_ns, taken_ns), attributes=attributes)
        waited.end(end_time=taken_ns)
        with tracer.start_as_current_span(f"process {subject(queue)}", context=parent,
                                          kind=SpanKind.CONSUMER, record_exception=False,
                                          set_status_on_exception=False,
                                          attributes={**attributes, "messaging.operation.type": "process"}) as span:
            keep_alive = asyncio.create_task(_in_progress(msg))
            try:
                await handle(json.loads(msg.data), delivery)
                await msg.ack()
            except Redeliver as exc:
                span.set_status(Status(StatusCode.ERROR, f"{exc} (delivery {delivery}): back on the rail"))
                await _quietly(msg.nak(delay=0.2))
            except DeadLetter as exc:
                span.set_status(Status(StatusCode.ERROR, f"{exc}: dead-lettered after {delivery} deliveries"))
                try:
                    await self.publish_dead(queue, msg.data, headers, str(exc))
                    await msg.term()
                except Exception:
                    await _quietly(msg.nak(delay=0.2))
            except Exception as exc:  # the station could not finish (its database, a publish): try again
                span.set_status(Status(StatusCode.ERROR, f"{_said(exc)} (delivery {delivery}): back on the rail"))
                await _quietly(msg.nak(delay=0.2))
            finally:
                keep_alive.cancel()

    async def publish_dead(self, queue: str, data: bytes, headers: dict, reason: str) -> None:
        dead = {"Nats-Msg-Id": "dead:" + headers.get("Nats-Msg-Id", ""), "Kitchen-Reason": reason}
        await self.js.publish(f"dead.{queue}", data, headers=dead, timeout=1)


async def _in_progress(msg: Any) -> None:
    """A slow station (added latency) tells the rail it still works on the ticket, so it is not handed out again."""
    while True:
        await asyncio.sleep(ACK_WAIT_S / 2)
        await _quietly(msg.in_progress())


async def _quietly(call: Awaitable) -> None:
    try:
        await call
    except Exception as exc:  # the rail is away: it will hand the ticket out again after ACK_WAIT_S
        log.debug("rail: %s", exc)


def _said(exc: BaseException) -> str:
    """A failure in words (never a class name alone)."""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "the rail did not answer in time"
    return str(exc) or "the rail connection failed"
