"""Lesson 6: the hop figures from real traces, the language on the graph, and the page, with and without Node.js."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lessons.experiments.polyglot import by_language, hops, remember, replica_rows
from lessons.figures import graph_figure, languages
from mini_services.control.node import find_node
from tests.utils.kitchen import ROOT, Kitchen, wait_for

NO_NODE = find_node()[2]  # why the Node.js build cannot run here (None: it can)


def _trace(trace_id: str, language: str, replica: str, hop_ms: float, inside_ms: float) -> dict:
    return {"trace_id": trace_id, "spans": [
        {"span_id": "a", "parent_id": None, "service": "gateway", "kind": "server", "status": "ok",
         "duration_ms": hop_ms + 5, "language": "python"},
        {"span_id": "b", "parent_id": "a", "service": "gateway", "kind": "client", "peer": "users", "status": "ok",
         "duration_ms": hop_ms, "language": "python"},
        {"span_id": "c", "parent_id": "b", "service": "users", "kind": "server", "status": "ok", "replica": replica,
         "duration_ms": inside_ms, "language": language}]}


def test_hops_pair_the_gateways_call_with_the_users_span():
    found = hops([_trace("t1", "nodejs", "users-2", 3.0, 1.0), _trace("t2", "python", "users-1", 5.0, 2.5)])
    assert found == [{"trace_id": "t1", "replica": "users-2", "language": "Node.js", "hop_ms": 3.0, "inside_ms": 1.0},
                     {"trace_id": "t2", "replica": "users-1", "language": "Python", "hop_ms": 5.0, "inside_ms": 2.5}]


def test_remember_keeps_each_trace_once_and_the_newest_of_each_language():
    kept = remember([], hops([_trace(f"p{i}", "python", "users-1", i, 1) for i in range(5)]), most=3)
    kept = remember(kept, hops([_trace("p4", "python", "users-1", 4, 1), _trace("n1", "nodejs", "users-2", 2, 1)]),
                    most=3)
    assert [s["trace_id"] for s in kept] == ["p2", "p3", "p4", "n1"]
    rows = by_language(kept)
    assert [(r["language"], r["calls"], r["hop p50 (ms)"]) for r in rows] == [("Node.js", 1, 2), ("Python", 3, 3)]


def test_replica_rows_say_language_memory_and_hop():
    cluster = {"services": [{"name": "users", "replicas": [
        {"id": "users-2", "language": "node", "state": "up", "version": "v1", "rss_mb": 55.0},
        {"id": "users-3", "language": "python", "state": "starting", "version": "v1", "rss_mb": None}]}]}
    rows = replica_rows(cluster, hops([_trace("t1", "nodejs", "users-2", 3.0, 1.0)]))
    assert rows[0] == {"replica": "users-2", "language": "Node.js", "state": "up", "version": "v1",
                       "memory (MB)": 55.0, "calls seen": 1, "hop p50 (ms)": 3.0}
    assert rows[1]["language"] == "Python" and rows[1]["hop p50 (ms)"] is None


def test_the_graph_says_each_services_language():
    def service(name: str, *langs: str) -> dict:
        return {"name": name, "calls": [], "desired_replicas": len(langs), "version": "v1",
                "replicas": [{"state": "up", "version": "v1", "language": lang} for lang in langs]}
    assert languages(service("users", "node", "python")) == "Node.js+Python"
    assert languages(service("users", "node")) == "Node.js" and languages(service("billing", "python")) == "Python"
    cluster = {"gateway": "gateway", "services": [{**service("gateway", "python"), "calls": ["users"]},
                                                  service("users", "node")]}
    text = graph_figure(cluster, {"nodes": [], "edges": []}).data[-1].text
    assert "v1 · Node.js" in text[1] and "v1 · Python" in text[0]


def _lesson(url: str, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("KITCHEN_CONTROL_URL", url)
    monkeypatch.setenv("KITCHEN_DATA_ROOT", str(tmp_path))
    from lessons.app_state import kitchen
    kitchen.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at = at.switch_page("app_pages/06_right_tool.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.skipif(NO_NODE is not None, reason=str(NO_NODE))
def test_lesson_six_swaps_users_and_watching_changes_the_row(streaming: Kitchen, monkeypatch, tmp_path):
    at = _lesson(streaming.url, monkeypatch, tmp_path)
    assert not at.error, [e.value for e in at.error]
    code = [c.value for c in at.code]
    assert any("class Users" in c for c in code) and any("function userId" in c for c in code), "both builds shown"
    assert any("def train" in c and "similarity" in c for c in code), "the model's code"
    assert any(m.label == "CPU per request (p50)" for m in at.metric)
    at.button(key="watch-send").click().run()
    assert any("Stored: viewer 7 watched" in s.value for s in at.success), [e.value for e in at.main]
    at.button(key="tool-node").click().run()
    wait_for(lambda: {r["language"] for r in streaming.up("users")} == {"node"} and
             not streaming.service("users")["deploying"], 60, "users rolled out in Node.js")
    at.button(key="tool-python").click().run()
    wait_for(lambda: {r["language"] for r in streaming.up("users")} == {"python"} and
             not streaming.service("users")["deploying"], 60, "users back in Python")


def test_without_node_the_deploy_is_refused_and_lesson_six_says_so(tmp_path, monkeypatch):
    """The control plane runs with a PATH that has no node on it: a 422 that says why and how; the lesson says it."""
    hidden = tmp_path / "bin-without-node"
    hidden.mkdir()
    (tmp_path / "kitchen").mkdir()
    kitchen = Kitchen("streaming", tmp_path / "kitchen", env={"PATH": str(hidden)})
    try:
        refused = kitchen.control.post("/services/users/deploy", json={"version": "v1", "language": "node"})
        assert refused.status_code == 422
        reason = refused.json()["detail"]
        assert "Node.js is not installed here" in reason and "install Node.js 20 or newer" in reason
        said = kitchen.control.get("/languages").json()["node"]
        assert said["available"] is False and said["reason"] == reason
        assert kitchen.entry().status_code == 200 and {r["language"] for r in kitchen.up("users")} == {"python"}
        at = _lesson(kitchen.url, monkeypatch, tmp_path)
        assert any("Node.js is not available to this kitchen" in i.value for i in at.info), [e.value for e in at.main]
        assert all(b.key != "tool-node" for b in at.button), "no swap offered without Node.js"
        assert any("def train" in c.value for c in at.code), "the rest of the lesson is there"
    finally:
        kitchen.stop()
