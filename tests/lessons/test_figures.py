"""The figure builders on plain control-plane JSON (no Streamlit, no processes)."""

from __future__ import annotations

from lessons.figures import (
    STATE_COLOURS,
    TEXT_PX,
    call_order,
    graph_figure,
    history_figure,
    node_label,
    positions,
    row_label,
    short_duration,
    versions,
    waterfall_figure,
)


def service(name, up=1, desired=1, calls=(), version="v1"):
    return {"name": name, "calls": list(calls), "desired_replicas": desired, "version": version,
            "replicas": [{"id": f"{name}-{i}", "state": "up" if i <= up else "down", "version": version}
                         for i in range(1, max(up, desired) + 1)]}


def node(name, state, up=1, rps=5.0, error_rate=0.0):
    return {"id": name, "state": state, "why": "", "rps": rps, "error_rate": error_rate, "p50_ms": 3, "p95_ms": 4,
            "replicas_up": up}


CLUSTER = {"gateway": "gateway", "services": [service("gateway", calls=("users", "billing")),
                                              service("users", up=3, desired=3), service("billing", up=0)]}
GRAPH = {"nodes": [node("gateway", "up"), node("users", "slow", up=3), node("billing", "down", up=0, rps=0)],
         "edges": [{"source": "gateway", "target": "users", "calls": 50, "rps": 5, "error_rate": 0.0, "p50_ms": 4,
                    "p95_ms": 640, "breaker": "closed"},
                   {"source": "gateway", "target": "billing", "calls": 50, "rps": 5, "error_rate": 1.0, "p50_ms": 1,
                    "p95_ms": 1, "breaker": "open", "breaker_failures": 5}]}


def test_positions_stay_put_whatever_the_traffic():
    assert positions(CLUSTER) == positions({**CLUSTER, "services": list(reversed(CLUSTER["services"]))[::-1]})
    assert positions(CLUSTER)["gateway"] == (0.0, 1.0)


def test_every_node_says_its_state_in_a_word_and_colours_it():
    nodes = graph_figure(CLUSTER, GRAPH).data[-1]
    assert [t.split("<br>")[1] for t in nodes.text] == ["<b>up</b> · 1×", "<b>slow</b> · 3×", "<b>down</b> · 0 of 1"]
    assert list(nodes.marker.color) == [STATE_COLOURS["up"], STATE_COLOURS["slow"], STATE_COLOURS["down"]]
    assert nodes.marker.size[1] > nodes.marker.size[0], "more replicas, bigger node"
    assert nodes.textfont.size >= 14


def test_the_calls_to_a_service_are_said_under_it_with_its_breaker():
    fig = graph_figure(CLUSTER, GRAPH)
    users, billing = fig.data[-1].text[1], fig.data[-1].text[2]
    assert "p95 640 ms" in users and "0% failed" in users
    assert "every call failed" in billing and "p95" not in billing and "circuit open" in billing
    assert [t.line.color for t in fig.data[:-1]] == ["#64748b", "#b91c1c"], "the failing edge is red"
    assert not fig.layout.annotations, "no label floats on an edge, so none can cover another"
    assert fig.layout.uirevision == "kitchen-graph"


def test_versions_during_a_rollout():
    rolling = service("billing", up=3, desired=3)
    rolling["replicas"][0]["version"] = rolling["replicas"][1]["version"] = "v2"
    assert versions(rolling) == "v2 ×2 · v1 ×1"
    assert versions(service("billing")) == "v1"
    assert "v2 ×2 · v1 ×1" in graph_figure({**CLUSTER, "services": [CLUSTER["services"][0], rolling]},
                                           GRAPH).data[-1].text[1]


def span(span_id, parent, service, start, ms, status="ok", kind="server", peer=None, name="GET /x", **more):
    return {"span_id": span_id, "parent_id": parent, "service": service, "name": name, "start_ms": start,
            "duration_ms": ms, "status": status, "kind": kind, "peer": peer, **more}


def test_waterfall_is_in_call_order_one_row_per_retry_with_reasons_in_words():
    trace = {"name": "gateway: GET /api/home", "duration_ms": 30, "spans": [
        span("c", "a", "billing", 5, 2, "error", error="HTTP 500: billing: injected failure (error_rate 0.6)"),
        span("a", None, "gateway", 0, 30, name="GET /api/home"),
        span("b", "a", "gateway", 1, 3, kind="client", peer="users", attempt=1, attempts=3),
        span("d", "b", "users", 2, 1, name="db"),
        span("e", "a", "gateway", 8, 1, "error", kind="client", peer="users", attempt=2, attempts=3,
             error="connection refused"),
        span("f", "a", "gateway", 9, 0.1, "error", kind="client", peer="users", attempt=3, attempts=3,
             error="circuit open: users not called (5 failures in a row)")]}
    assert [(s["span_id"], depth) for s, depth in call_order(trace["spans"])] == [
        ("a", 0), ("b", 1), ("d", 2), ("c", 1), ("e", 1), ("f", 1)]
    fig = waterfall_figure(trace)
    bar = fig.data[0]
    assert list(bar.base) == [0, 1, 2, 5, 8, 9]
    assert list(bar.y) == list(range(6)), "every span its own row: two attempts never share one"
    assert bar.marker.color[3] == "#b91c1c" and bar.marker.color[0] != "#b91c1c"
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[1].endswith("gateway → users"), "a first attempt that worked needs no attempt number"
    assert "attempt 2 of 3" in labels[4] and "connection refused" in labels[4]
    assert "circuit open: users not called" in labels[5]
    assert all("Retryable" not in label for label in labels)
    assert fig.layout.yaxis.tickfont.size >= 14 and fig.layout.title.font.size >= 14


def test_long_reasons_are_cut_at_a_word_and_kept_whole_in_the_hover():
    failed = span("x", None, "gateway", 0, 2, "error", error="HTTP 503: users is unavailable: circuit open: users "
                                                              "not called (5 failures in a row)")
    label = row_label(failed, 0)
    assert len(label.split("<br>")[1].split(">")[1].split("<")[0]) <= 34 and "…" in label
    assert "5 failures in a row" in waterfall_figure({"name": "t", "duration_ms": 2, "spans": [failed]}).data[0].hovertext[0]


def test_history_draws_the_last_minute():
    fig = history_figure([{"t": 100, "answered": 30, "failed": 0, "degraded": 12, "p95_ms": 20.0},
                          {"t": 101, "answered": 10, "failed": 20, "degraded": 0, "p95_ms": 900.0}], now_s=102)
    failed, degraded, p95 = fig.data
    assert list(p95.x) == [-2, -1] and list(p95.y) == [20.0, 900.0] and list(failed.y) == [0, 20]
    assert list(degraded.y) == [12, 0] and degraded.name == "degraded per second"  # said in words, not colour only
    assert fig.layout.xaxis.range == (-60, 0) and TEXT_PX >= 14


def test_history_changes_only_when_a_second_ends():
    """Every tick within one second draws the same figure (the browser skips an unchanged one); the next second
    moves every point one second further back."""
    points = [{"t": 100, "answered": 30, "failed": 0, "degraded": 0, "p95_ms": 20.0}]
    early, late = history_figure(points, now_s=101.02), history_figure(points, now_s=101.97)
    assert early.to_json() == late.to_json() and list(early.data[2].x) == [-1]
    assert list(history_figure(points, now_s=102.01).data[2].x) == [-2]


def test_a_rolling_deploy_says_its_extra_replica_and_each_build_on_its_own_line():
    rolling = {"name": "billing", "desired_replicas": 3, "deploying": True, "version": "v2",
               "replicas": [{"state": "up", "version": v, "language": "python"} for v in ("v2", "v2", "v2", "v1")]}
    lines = node_label(rolling, {"state": "up"}, None, gateway=False).split("<br>")
    assert lines[1:4] == ["<b>up</b> · 4× (+1 rolling)", "v2 ×3 · v1 ×1", "Python"]
    settled = {**rolling, "deploying": False, "replicas": rolling["replicas"][:2]}
    assert node_label(settled, {"state": "up"}, None, gateway=False).split("<br>")[1:3] == [
        "<b>up</b> · 2 of 3", "v2 · Python"]


def test_a_p95_tile_says_seconds_from_one_second_up():
    assert [short_duration(v) for v in (None, 8.4, 640.2, 999.4, 3742.0)] == ["–", "8 ms", "640 ms", "999 ms", "3.74 s"]


def test_an_answer_says_where_its_own_time_went_when_it_is_worth_a_line():
    def answer(queued, work, kind="server"):
        return {"service": "monolith", "name": "POST /api/orders", "kind": kind, "status": "ok",
                "queued_ms": queued, "work_ms": work}

    assert row_label(answer(3400.0, 60.0), 0).endswith("queued 3,400 ms · worked 60 ms</span>")
    assert row_label(answer(0.2, 60.0), 0).endswith("worked 60 ms</span>"), "no queue: only the work"
    assert "<br>" not in row_label(answer(0.2, 2.0), 0), "a quick answer needs no second line"
    assert "<br>" not in row_label(answer(None, None), 0), "a span without it (the Node.js build) has none"
