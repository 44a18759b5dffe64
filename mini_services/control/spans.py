"""The span window: OTLP/HTTP protobuf in, traces out.

Spans are grouped by trace as they arrive; the window holds at most ``capacity`` spans and
drops the oldest traces first. A trace can be listed before its last span has arrived.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanProto
from opentelemetry.proto.trace.v1.trace_pb2 import Status as StatusProto

from mini_services.control.models import Span, Trace
from mini_services.kit.tracing import ATTEMPT, ATTEMPTS, DEGRADED, PEER, QUEUED_MS, REPLICA, WORK_MS

KINDS = {SpanProto.SPAN_KIND_SERVER: "server", SpanProto.SPAN_KIND_CLIENT: "client",
         SpanProto.SPAN_KIND_INTERNAL: "internal", SpanProto.SPAN_KIND_PRODUCER: "producer",
         SpanProto.SPAN_KIND_CONSUMER: "consumer"}  # producer/consumer: a ticket pinned on / taken off the rail


@dataclass(slots=True)
class SpanRecord:
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    replica: str | None
    name: str
    kind: str
    peer: str | None
    start_ns: int
    end_ns: int
    error: str | None  # the reason, if the span failed
    degraded: list[str]
    language: str | None = None
    attempt: int | None = None
    attempts: int | None = None
    queued_ms: float | None = None
    work_ms: float | None = None

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


def _attributes(attrs) -> dict:
    out = {}
    for kv in attrs:
        v = kv.value
        which = v.WhichOneof("value")
        if which == "array_value":
            out[kv.key] = [x.string_value for x in v.array_value.values]
        elif which is not None:
            out[kv.key] = getattr(v, which)
    return out


SETTLE_NS = 300_000_000  # three export intervals: by then every process has sent its spans of a trace


class SpanStore:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self._traces: OrderedDict[str, list[SpanRecord]] = OrderedDict()
        self._count = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def ingest(self, payload: bytes) -> int:
        """Take one OTLP ExportTraceServiceRequest; answer how many spans it held."""
        request = ExportTraceServiceRequest.FromString(payload)
        records = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            service, replica = resource.get("service.name", "unknown"), resource.get(REPLICA)
            language = resource.get("telemetry.sdk.language")
            for scope in resource_spans.scope_spans:
                for s in scope.spans:
                    attrs = _attributes(s.attributes)
                    failed = s.status.code == StatusProto.STATUS_CODE_ERROR
                    records.append(SpanRecord(
                        trace_id=s.trace_id.hex(), span_id=s.span_id.hex(), parent_id=s.parent_span_id.hex() or None,
                        service=service, replica=replica, name=s.name, kind=KINDS.get(s.kind, "internal"),
                        peer=attrs.get(PEER), start_ns=s.start_time_unix_nano, end_ns=s.end_time_unix_nano,
                        error=(s.status.message or "error") if failed else None, degraded=list(attrs.get(DEGRADED, [])),
                        language=language, attempt=attrs.get(ATTEMPT), attempts=attrs.get(ATTEMPTS),
                        queued_ms=attrs.get(QUEUED_MS), work_ms=attrs.get(WORK_MS)))
        self.add(records)
        return len(records)

    def add(self, records: list[SpanRecord]) -> None:
        with self._lock:
            for r in records:
                self._traces.setdefault(r.trace_id, []).append(r)
            self._count += len(records)
            while self._count > self.capacity and self._traces:
                _, dropped = self._traces.popitem(last=False)
                self._count -= len(dropped)

    def spans_since(self, since_ns: int) -> list[SpanRecord]:
        """Every span that started at or after ``since_ns`` (for the service graph)."""
        with self._lock:
            groups = list(self._traces.values())
        return [s for group in groups for s in group if s.start_ns >= since_ns]

    def spans_ended_since(self, since_ns: int, longest_s: float = 60.0) -> list[SpanRecord]:
        """Every span that ended at or after ``since_ns`` (what decides a node's state now). Traces are kept in
        arrival order, so the walk goes from the newest back and stops at traces far older than any request."""
        oldest_start = since_ns - int(longest_s * 1e9)
        found: list[SpanRecord] = []
        with self._lock:
            for group in reversed(self._traces.values()):
                if group[0].start_ns < oldest_start:
                    break
                found.extend(s for s in group if s.end_ns >= since_ns)
        return found

    def traces(self, limit: int, complete: bool = False) -> list[Trace]:
        """The newest ``limit`` traces, newest first by start time; ``complete``: only those whose entry span
        (the one with no parent) has arrived and ended ``SETTLE_NS`` ago. Every process exports its spans on
        its own every 100 ms, so the entry span can arrive before a callee's: a live view that draws the
        newest trace wants the newest one that has stopped growing."""
        with self._lock:
            groups = [list(g) for g in self._traces.values()]
        if complete:
            settled = time.time_ns() - SETTLE_NS
            groups = [g for g in groups if any(s.parent_id is None and s.end_ns <= settled for s in g)]
        groups.sort(key=lambda g: min(s.start_ns for s in g), reverse=True)
        return [to_trace(g) for g in groups[:limit]]

    def trace(self, trace_id: str) -> Trace | None:
        with self._lock:
            group = list(self._traces.get(trace_id, []))
        return to_trace(group) if group else None


def to_trace(spans: list[SpanRecord]) -> Trace:
    spans = sorted(spans, key=lambda s: s.start_ns)
    t0 = spans[0].start_ns
    ids = {s.span_id for s in spans}
    roots = [s for s in spans if s.parent_id is None or s.parent_id not in ids]
    root = roots[0]
    failed = root.error is not None if root.parent_id is None else any(s.error for s in spans)
    return Trace(
        trace_id=spans[0].trace_id, name=f"{root.service}: {root.name}", start_unix_ms=t0 / 1e6,
        duration_ms=(max(s.end_ns for s in spans) - t0) / 1e6, status="error" if failed else "ok",
        degraded=root.degraded,
        spans=[Span(span_id=s.span_id, parent_id=s.parent_id, service=s.service, replica=s.replica, name=s.name,
                    kind=s.kind, peer=s.peer, start_ms=(s.start_ns - t0) / 1e6, duration_ms=s.duration_ms,
                    status="error" if s.error else "ok", error=s.error, language=s.language, attempt=s.attempt,
                    attempts=s.attempts, queued_ms=s.queued_ms, work_ms=s.work_ms) for s in spans])
