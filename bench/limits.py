"""The kitchen's limits, each measured: what filling it costs, and the clear refusal just beyond it.

(1) the span window (``KITCHEN_SPAN_WINDOW``, 20,000 spans): synthetic OTLP/HTTP batches (9-span traces,
    900 spans a request, the same ``POST /v1/traces`` every process uses) until three windows' worth has
    been sent. Prints the control plane's RSS before, with the window full, and after three windows (it
    must stay flat: the oldest traces are dropped), the ingest rate, and what reading a full window
    costs (``/graph?window_s=600``, ``/traces?limit=15&complete=true``).
(2) replicas per service (``KITCHEN_MAX_REPLICAS``, 8): recommendations scaled 1 -> 8, the time until all
    are up and the RSS of each; then 9 asked, and the answer.
(3) the load generator (``KITCHEN_LOAD_*``: 1,000 requests/s, 600 s): the answers to 1,001 requests/s and
    601 s (what 1,000/s achieves is bench/throughput.py (b)).
Private kitchens (``KITCHEN_MAX_PRIVATE_KITCHENS``, 30) are measured by bench/kitchens.py.

Run: ``python bench/limits.py`` (about 1 min).
"""

from __future__ import annotations

import os
import time

import httpx
import psutil
from _common import CpuShare, kitchen, ms, percentile, wait_for
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from mini_services.settings import KitchenSettings

BATCH_TRACES = 100  # x 9 spans = 900 spans a request
SPANS_PER_TRACE = 9


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def otlp_batch(first: int) -> bytes:
    """``BATCH_TRACES`` whole traces (a root and 8 children), ids from ``first``; they start now."""
    now = time.time_ns()
    spans = []
    for t in range(first, first + BATCH_TRACES):
        trace_id = t.to_bytes(16, "big")
        root = (t * 16).to_bytes(8, "big")
        spans.append(Span(trace_id=trace_id, span_id=root, name="GET /api/home", kind=Span.SPAN_KIND_SERVER,
                          start_time_unix_nano=now, end_time_unix_nano=now + 20_000_000,
                          status=Status(code=Status.STATUS_CODE_OK)))
        for c in range(1, SPANS_PER_TRACE):
            spans.append(Span(trace_id=trace_id, span_id=(t * 16 + c).to_bytes(8, "big"), parent_span_id=root,
                              name="GET /users/7", kind=Span.SPAN_KIND_CLIENT,
                              start_time_unix_nano=now + c * 1_000_000, end_time_unix_nano=now + c * 1_000_000 + 500_000,
                              attributes=[KeyValue(key="peer.service", value=AnyValue(string_value="users"))]))
    resource = Resource(attributes=[KeyValue(key="service.name", value=AnyValue(string_value="gateway"))])
    return ExportTraceServiceRequest(resource_spans=[ResourceSpans(
        resource=resource, scope_spans=[ScopeSpans(spans=spans)])]).SerializeToString()


def span_window(k, window: int) -> None:
    pid = k.process.pid
    before = rss_mb(pid)
    sent, first, full_rss, began = 0, 1, None, time.perf_counter()
    with httpx.Client(base_url=k.url, timeout=30) as http:
        while sent < 3 * window:
            http.post("/v1/traces", content=otlp_batch(first),
                      headers={"Content-Type": "application/x-protobuf"}).raise_for_status()
            first += BATCH_TRACES
            sent += BATCH_TRACES * SPANS_PER_TRACE
            if full_rss is None and sent >= window:
                full_rss = rss_mb(pid)
        took = time.perf_counter() - began
        after = rss_mb(pid)
        reads = {"/graph?window_s=600": [], "/traces?limit=15&complete=true": []}
        for _ in range(20):
            for path, times in reads.items():
                t0 = time.perf_counter()
                http.get(path).raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
        newest = http.get("/traces?limit=1000").json()
    kept = sum(len(t["spans"]) for t in newest)
    print(f"(1) span window {window:,} spans: sent {sent:,} spans ({sent // window} windows) in {took:.1f} s"
          f" ({sent / took:,.0f} spans/s through POST /v1/traces)")
    print(f"  control plane RSS: {before:.0f} MB before, {full_rss:.0f} MB with the window full, {after:.0f} MB after"
          f" {sent // window} windows (+{after - before:.0f} MB for a full window: "
          f"{(after - before) * 2**20 / window:,.0f} bytes a span); the newest 1,000 traces hold {kept:,} spans")
    for path, times in reads.items():
        print(f"  GET {path} with the window full: p50 {ms(percentile(times, 50))}, p95 {ms(percentile(times, 95))}")


def replicas(k, most: int) -> None:
    began = time.monotonic()
    k.post("/services/recommendations/scale", {"replicas": most})
    wait_for(lambda: len(k.up("recommendations")) == most, 60, f"{most} recommendations replicas up")
    took = time.monotonic() - began
    sizes = [rss_mb(r["pid"]) for r in k.up("recommendations")]
    over = k.control.post("/services/recommendations/scale", json={"replicas": most + 1})
    print(f"(2) replicas per service {most}: recommendations 1 -> {most} all up in {took:.1f} s; RSS per replica"
          f" {min(sizes):.0f}..{max(sizes):.0f} MB ({sum(sizes):.0f} MB for {most})")
    print(f"  {most + 1} asked: HTTP {over.status_code} {refusal(over)}")
    k.post("/services/recommendations/scale", {"replicas": 1})


def refusal(answer: httpx.Response) -> str:
    """Where and why, as the API says it (FastAPI's 422: the field's location and the rule it broke)."""
    detail = answer.json()["detail"][0]
    return f"{'.'.join(map(str, detail['loc']))}: {detail['msg']!r}"


def load(k, settings: KitchenSettings) -> None:
    for body in ({"rps": settings.load_max_rps + 1, "duration_s": 10},
                 {"rps": 10, "duration_s": settings.load_max_duration_s + 1}):
        answer = k.control.post("/load", json=body)
        print(f"(3) load {body}: HTTP {answer.status_code} {refusal(answer)}")


def main() -> None:
    settings = KitchenSettings()
    with CpuShare() as share, kitchen("streaming") as k:
        print(f"a streaming kitchen at {k.url}, all up {k.startup_s:.1f} s after it was started")
        span_window(k, settings.span_window)
        replicas(k, settings.max_replicas)
        load(k, settings)
    print(f"  {share.summary()}")


if __name__ == "__main__":
    os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    main()
