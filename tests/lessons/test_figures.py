"""The figure builders on plain control-plane JSON (no Streamlit, no processes)."""

from __future__ import annotations

from lessons.figures import call_order, graph_figure, health, positions, waterfall_figure


def service(name, up=1, desired=1, calls=()):
    return {"name": name, "calls": list(calls), "desired_replicas": desired,
            "replicas": [{"id": f"{name}-{i}", "state": "up" if i <= up else "down"} for i in range(1, max(up, desired) + 1)]}


CLUSTER = {"gateway": "gateway", "services": [service("gateway", calls=("users", "billing")), service("users", up=3, desired=3),
                                              service("billing", up=0)]}
GRAPH = {"nodes": [{"id": "gateway", "rps": 5, "error_rate": 0, "p50_ms": 9, "p95_ms": 20, "replicas_up": 1},
                   {"id": "users", "rps": 5, "error_rate": 0, "p50_ms": 3, "p95_ms": 4, "replicas_up": 3}],
         "edges": [{"source": "gateway", "target": "users", "calls": 50, "rps": 5, "error_rate": 0.0, "p50_ms": 4, "p95_ms": 6},
                   {"source": "gateway", "target": "billing", "calls": 50, "rps": 5, "error_rate": 1.0, "p50_ms": 1, "p95_ms": 1}]}


def test_positions_stay_put_whatever_the_traffic():
    assert positions(CLUSTER) == positions({**CLUSTER, "services": list(reversed(CLUSTER["services"]))[::-1]})
    assert positions(CLUSTER)["gateway"] == (0.0, 1.0)


def test_health_reads_replicas_and_errors():
    assert health(service("a", up=0), None) == "down"
    assert health(service("a", up=1, desired=2), None) == "degraded"
    assert health(service("a"), {"error_rate": 0.5}) == "degraded"
    assert health(service("a"), {"error_rate": 0.0}) == "up"


def test_graph_shows_health_replicas_and_failing_edges():
    fig = graph_figure(CLUSTER, GRAPH)
    nodes = fig.data[-1]
    assert list(nodes.marker.color) == ["#15803d", "#15803d", "#b91c1c"]  # gateway up, users up, billing down
    assert nodes.marker.size[1] > nodes.marker.size[0], "more replicas, bigger node"
    assert "3×" in nodes.text[1]
    edge_colours = [t.line.color for t in fig.data[:-1]]
    assert edge_colours == ["#64748b", "#b91c1c"], "the failing edge is red"
    assert any("100% errors" in a.text for a in fig.layout.annotations)
    assert fig.layout.uirevision == "kitchen-graph"


def test_waterfall_is_in_call_order_with_failures_red():
    trace = {"name": "gateway: GET /api/home", "duration_ms": 30, "spans": [
        {"span_id": "c", "parent_id": "a", "service": "billing", "name": "GET /x", "start_ms": 5, "duration_ms": 2, "status": "error", "error": "HTTP 500"},
        {"span_id": "a", "parent_id": None, "service": "gateway", "name": "GET /api/home", "start_ms": 0, "duration_ms": 30, "status": "ok"},
        {"span_id": "b", "parent_id": "a", "service": "gateway", "kind": "client", "peer": "users", "name": "→ users: GET /users/7", "start_ms": 1, "duration_ms": 3, "status": "ok"},
        {"span_id": "d", "parent_id": "b", "service": "users", "name": "db", "start_ms": 2, "duration_ms": 1, "status": "ok"}]}
    assert [(s["span_id"], depth) for s, depth in call_order(trace["spans"])] == [("a", 0), ("b", 1), ("d", 2), ("c", 1)]
    bar = waterfall_figure(trace).data[0]
    assert list(bar.base) == [0, 1, 2, 5]
    assert bar.marker.color[3] == "#b91c1c" and bar.marker.color[0] != "#b91c1c"
    assert "HTTP 500" in bar.text[3]
    assert list(bar.y) == ["gateway · GET /api/home", "  gateway → users", "    users · db", "  billing · GET /x"]
