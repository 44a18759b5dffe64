"""The span window and the service graph, on plain data (no processes needed for pure functions)."""

from __future__ import annotations

import time

from mini_services.control.graph import build_graph, graph_answer, percentile
from mini_services.control.spans import SpanRecord, SpanStore, to_trace

MS = 1_000_000


def span(span_id, parent, service, kind="server", peer=None, start=0, ms=10, error=None, trace="t1", degraded=()):
    return SpanRecord(trace_id=trace, span_id=span_id, parent_id=parent, service=service, replica=f"{service}-1",
                      name=f"GET /{service}", kind=kind, peer=peer, start_ns=start * MS, end_ns=(start + ms) * MS,
                      error=error, degraded=list(degraded))


def test_percentile_is_nearest_rank():
    assert percentile([], 95) is None
    assert percentile([5.0], 50) == 5.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0


def test_a_trace_is_relative_to_its_start_and_carries_the_root_verdict():
    spans = [span("c", "b", "billing", start=12, ms=3, error="HTTP 500"),
             span("a", None, "gateway", start=10, ms=20, degraded=["billing"]),
             span("b", "a", "gateway", kind="client", peer="billing", start=11, ms=5, error="HTTP 500")]
    trace = to_trace(spans)
    assert [s.span_id for s in trace.spans] == ["a", "b", "c"]
    assert trace.spans[0].start_ms == 0 and trace.spans[2].start_ms == 2
    assert trace.duration_ms == 20 and trace.status == "ok" and trace.degraded == ["billing"]
    assert trace.spans[2].status == "error"


def test_the_window_drops_whole_oldest_traces_first():
    store = SpanStore(capacity=4)
    store.add([span("a", None, "gateway", trace="old"), span("b", "a", "users", trace="old")])
    store.add([span("c", None, "gateway", trace="mid", start=1)])
    store.add([span("d", None, "gateway", trace="new", start=2), span("e", "d", "users", trace="new", start=2)])
    assert len(store) == 3
    assert [t.trace_id for t in store.traces(10)] == ["new", "mid"]


def test_complete_traces_are_those_whose_entry_span_arrived_and_settled():
    store = SpanStore(capacity=100)
    store.add([span("a", None, "gateway", trace="done"), span("b", "a", "users", trace="done")])
    store.add([span("d", "c", "users", trace="writing", start=5)])  # its gateway span is still on its way
    now_ms = time.time_ns() // MS
    store.add([span("e", None, "gateway", trace="just-ended", start=now_ms - 5, ms=5)])  # others may still come
    assert [t.trace_id for t in store.traces(10)] == ["just-ended", "writing", "done"]
    assert [t.trace_id for t in store.traces(10, complete=True)] == ["done"]


def test_graph_edges_come_from_client_spans_so_a_dead_callee_still_shows():
    spans = [span("a", None, "gateway", ms=40),
             span("b", "a", "gateway", kind="client", peer="users", ms=8),
             span("c", "b", "users", ms=5),
             span("d", "a", "gateway", kind="client", peer="billing", ms=1, error="connection refused")]
    graph = graph_answer(build_graph(spans, {"gateway": 1, "users": 1, "billing": 0}, window_s=2), 2)
    nodes = {n.id: n for n in graph.nodes}
    edges = {(e.source, e.target): e for e in graph.edges}
    assert nodes["billing"].replicas_up == 0 and nodes["billing"].rps == 0
    assert nodes["users"].rps == 0.5 and nodes["users"].p95_ms == 5
    assert edges[("gateway", "billing")].error_rate == 1.0 and edges[("gateway", "users")].error_rate == 0.0
    assert edges[("gateway", "users")].calls == 1


def test_the_graph_window_holds_answers_given_in_it_a_slow_success_included():
    """A 3 s success that ended just now counts in a 2 s window (the graph takes spans that *ended* in it); a quick
    refusal in the window counts too; an answer given before the window does not."""
    now_ms = 10_000
    store = SpanStore(capacity=100)
    store.add([span("slow", None, "monolith", start=now_ms - 3_000, ms=2_900, trace="a"),
               span("refused", None, "monolith", start=now_ms - 500, ms=1, error="HTTP 503", trace="b"),
               span("old", None, "monolith", start=now_ms - 6_000, ms=50, trace="c")])
    since_ns = (now_ms - 2_000) * MS
    ended = store.spans_ended_since(since_ns)
    assert sorted(s.span_id for s in ended) == ["refused", "slow"]
    assert [s.span_id for s in store.spans_since(since_ns)] == ["refused"], "by start, the slow success is left out"
    node = dict(build_graph(ended, {"monolith": 1}, 2.0).nodes(data=True))["monolith"]
    assert node["p95_ms"] == 2_900 and node["error_rate"] == 0.5
