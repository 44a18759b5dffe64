"""OpenTelemetry at the edges: set-up, a server-span middleware, and a client-span helper.

Handlers hold no tracing code. Every process exports its spans over OTLP/HTTP (protobuf) to
the control plane, and also to a real collector when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.
W3C ``traceparent`` headers carry the trace across every hop.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Iterator

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_tracer: trace.Tracer = trace.get_tracer("kitchen")
INTERNAL_PREFIXES = ("/_kitchen", "/health", "/docs", "/openapi.json")

PEER = "peer.service"  # on client spans: which service was called (the graph's edges)
REPLICA = "service.instance.id"
DEGRADED = "kitchen.degraded"  # on the entry span: optional services that failed
QUEUED_MS = "kitchen.queued_ms"  # on a server span: how long the request waited for a free worker of its station
WORK_MS = "kitchen.work_ms"  # ... and the station's own (simulated) work on it
ATTEMPT, ATTEMPTS = "kitchen.attempt", "kitchen.attempts"  # on a call: attempt n of the m allowed


def setup_tracing(service: str, replica_id: str, control_url: str, delay_ms: int) -> TracerProvider:
    """Install a tracer provider that ships spans to the control plane (and a collector, if set)."""
    global _tracer
    provider = TracerProvider(resource=Resource.create({"service.name": service, REPLICA: replica_id,
                                                         "process.pid": os.getpid()}))  # this process's own
    exporters = [OTLPSpanExporter(endpoint=f"{control_url}/v1/traces", timeout=5)]
    collector = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if collector:
        exporters.append(OTLPSpanExporter(endpoint=collector.rstrip("/") + "/v1/traces", timeout=5))
    for exporter in exporters:
        provider.add_span_processor(PromptBatchSpanProcessor(exporter, delay_ms))
    trace.set_tracer_provider(provider)
    _tracer = provider.get_tracer("kitchen")
    return provider


class PromptBatchSpanProcessor(BatchSpanProcessor):
    """The SDK's batching processor, shipping each batch ``delay_ms`` after its first span, and asleep while no span
    ends: the SDK's own worker wakes every ``schedule_delay`` even when there is nothing to send, which at our 100 ms
    was ten wake-ups a second in every idle replica (~40 % of its idle CPU; an idle class of 60 kitchens has 300).

    Its queue, batches, export lock and shutdown stay the SDK's; one thread of ours waits (no timeout) for a span to
    end, then waits ``delay_ms`` and flushes everything queued. The SDK's worker only wakes every ``IDLE_WAKE_MS``.
    """

    IDLE_WAKE_MS = 30_000

    def __init__(self, exporter, delay_ms: int, max_export_batch_size: int = 1024):
        super().__init__(exporter, schedule_delay_millis=self.IDLE_WAKE_MS, max_export_batch_size=max_export_batch_size)
        self._delay_s = delay_ms / 1000
        self._ended = threading.Event()  # a span has ended since the last flush
        self._closing = False
        threading.Thread(target=self._ship, name="span-shipper", daemon=True).start()

    def on_end(self, span) -> None:
        super().on_end(span)
        self._ended.set()

    def _ship(self) -> None:
        while True:
            self._ended.wait()
            if self._closing:
                return
            time.sleep(self._delay_s)  # the spans ending meanwhile go in the same batch
            self._ended.clear()
            self.force_flush()

    def shutdown(self) -> None:
        self._closing = True
        self._ended.set()
        super().shutdown()  # exports what is left


class ServerSpanMiddleware:
    """Pure ASGI middleware: one SERVER span per request, continuing the caller's trace.

    Answers carry the trace id in ``x-trace-id``; a 5xx answer marks the span as an error.
    """

    def __init__(self, app, service: str):
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(INTERNAL_PREFIXES):
            return await self.app(scope, receive, send)
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        parent = _propagator.extract(carrier)
        name = f"{scope['method']} {scope['path']}"
        with _tracer.start_as_current_span(name, context=parent, kind=SpanKind.SERVER,
                                           record_exception=False, set_status_on_exception=True) as span:
            trace_id = format(span.get_span_context().trace_id, "032x").encode()

            async def send_with_trace_id(message):
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500 and _unmarked(span):  # no reason said yet
                        span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-trace-id", trace_id)]
                await send(message)

            await self.app(scope, receive, send_with_trace_id)


def _unmarked(span: trace.Span) -> bool:
    status = getattr(span, "status", None)
    return status is None or status.status_code is StatusCode.UNSET


@contextlib.contextmanager
def client_span(peer: str, method: str, path: str, headers: dict[str, str], attempt: int = 1,
                attempts: int = 1) -> Iterator[trace.Span]:
    """A CLIENT span around one attempt to call ``peer``; injects ``traceparent`` into ``headers``. Its
    failure is marked by the caller with the reason in words (``mark_error``), never an exception's name."""
    with _tracer.start_as_current_span(f"→ {peer}: {method} {path.split('?')[0]}", kind=SpanKind.CLIENT,
                                       record_exception=False, set_status_on_exception=False,
                                       attributes={PEER: peer, ATTEMPT: attempt, ATTEMPTS: attempts}) as span:
        _propagator.inject(headers)
        yield span


def call_not_made(peer: str, method: str, path: str, reason: str, attempt: int = 1, attempts: int = 1) -> None:
    """A call that never left this process (its circuit is open) still leaves a failed CLIENT span naming
    the peer, so the trace says why the peer was not asked."""
    with client_span(peer, method, path, {}, attempt, attempts) as span:
        mark_error(span, reason)


@contextlib.contextmanager
def internal_span(name: str, peer: str) -> Iterator[trace.Span]:
    """An INTERNAL span for an in-process call (the monolith's parts calling each other)."""
    with _tracer.start_as_current_span(name, kind=SpanKind.INTERNAL, record_exception=False,
                                       set_status_on_exception=True, attributes={PEER: peer}) as span:
        yield span


def mark_error(span: trace.Span | None, reason: str) -> None:
    """Mark ``span`` (default: the current request's) failed, with the reason in words."""
    (span or trace.get_current_span()).set_status(Status(StatusCode.ERROR, reason))


def mark_station_time(queued_ms: float, work_ms: float) -> None:
    """Record on the current request's span where its station's time went: waiting for a worker, then working."""
    span = trace.get_current_span()
    span.set_attribute(QUEUED_MS, round(queued_ms, 3))
    span.set_attribute(WORK_MS, work_ms)


def mark_degraded(services: list[str]) -> None:
    """Record on the current request's span which optional services it had to do without."""
    if services:
        trace.get_current_span().set_attribute(DEGRADED, services)

