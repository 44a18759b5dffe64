"""Every failed attempt of a call leaves a CLIENT span naming the peer and the reason in words, also when no
byte left the process. Real sockets on loopback, the real OpenTelemetry SDK (its in-memory exporter)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mini_services.kit import tracing
from mini_services.kit.calls import DependencyFailed, Link, Registry, close_http_session
from mini_services.kit.knobs import Resilience


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    before, tracing._tracer = tracing._tracer, provider.get_tracer("test")
    yield exporter
    tracing._tracer = before


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens here once the socket is closed


def silent_server() -> socket.socket:
    """Accepts connections (the kernel's backlog) and never answers: a hanging service."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def call(link: Link) -> str:
    async def go() -> str:
        try:
            await link.call("GET", "/users/7")
        except DependencyFailed as failed:
            return failed.reason
        finally:
            await close_http_session()
        return "answered"
    return asyncio.run(go())


def client_spans(exporter: InMemorySpanExporter) -> list:
    return [s for s in exporter.get_finished_spans() if s.kind.name == "CLIENT"]


def link_to(url: str | None, **switches) -> Link:
    registry = Registry()
    registry.update({"users": [url] if url else []})
    resilience = Resilience(**switches)
    return Link("users", registry, lambda: resilience)


def test_refused_each_retry_a_span_of_its_own(spans):
    reason = call(link_to(f"http://127.0.0.1:{closed_port()}", retries=2))
    assert reason == "connection refused"
    made = client_spans(spans)
    assert [(s.attributes[tracing.ATTEMPT], s.attributes[tracing.ATTEMPTS]) for s in made] == [(1, 3), (2, 3), (3, 3)]
    assert {s.status.description for s in made} == {"connection refused"}
    assert {s.attributes[tracing.PEER] for s in made} == {"users"}


def test_timed_out_says_after_how_long(spans):
    server = silent_server()
    try:
        reason = call(link_to(f"http://127.0.0.1:{server.getsockname()[1]}", retries=0, timeout_ms=200))
    finally:
        server.close()
    assert reason == "timed out after 200 ms"
    (made,) = client_spans(spans)
    assert made.status.description == "timed out after 200 ms"


def test_an_open_circuit_leaves_a_span_though_nothing_was_sent(spans):
    link = link_to(f"http://127.0.0.1:{closed_port()}", retries=0)
    for _ in range(link.breaker.threshold):
        call(link)
    spans.clear()
    reason = call(link)
    assert reason.startswith("circuit open: users not called")
    (made,) = client_spans(spans)
    assert made.status.description.startswith("circuit open: users not called")
    assert made.attributes[tracing.PEER] == "users"


def test_no_replica_up_is_said_and_not_sent(spans):
    assert call(link_to(None, retries=0)) == "no replica of users is up: not called"
    (made,) = client_spans(spans)
    assert made.status.description == "no replica of users is up: not called"
    assert "Retryable" not in made.name and "AttemptFailed" not in (made.status.description or "")
