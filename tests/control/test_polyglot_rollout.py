"""Swapping the User service to Node.js and back, live: 20 home screens a second and not one of them fails."""

from __future__ import annotations

import psutil
import pytest

from mini_services.control.node import find_node
from tests.utils.kitchen import Kitchen, wait_for

NO_NODE = find_node()[2]  # why the Node.js build cannot run here (None: it can)

pytestmark = pytest.mark.skipif(NO_NODE is not None, reason=str(NO_NODE))


def _rolled_out(kitchen: Kitchen, language: str, replicas: int) -> bool:
    users = kitchen.service("users")
    return not users["deploying"] and len(users["replicas"]) == replicas and all(
        r["state"] == "up" and r["language"] == language for r in users["replicas"])


def _answered_since(kitchen: Kitchen, completed: int, more: int) -> bool:
    return kitchen.control.get("/load").json()["completed"] >= completed + more


def _one_tree_across_languages(kitchen: Kitchen) -> dict | None:
    """The newest trace whose users span came from a Node.js process, as one whole tree."""
    for trace in kitchen.control.get("/traces", params={"limit": 50, "complete": True}).json():
        if any(s["service"] == "users" and s["language"] == "nodejs" for s in trace["spans"]):
            return kitchen.trace(trace["trace_id"], {"gateway", "users", "recommendations", "billing", "streaming"})
    return None


def test_rollout_to_node_and_back_under_load(streaming: Kitchen):
    streaming.post("/services/users/scale", {"replicas": 2})
    wait_for(lambda: len(streaming.up("users")) == 2, 20, "two Python users replicas")
    python_pids = [r["pid"] for r in streaming.up("users")]
    streaming.post("/load", {"rps": 20, "duration_s": 90})
    try:
        wait_for(lambda: _answered_since(streaming, 0, 20), 10, "the first home screens answered")
        streaming.post("/services/users/deploy", {"version": "v1", "language": "node"})
        wait_for(lambda: _rolled_out(streaming, "node", 2), 60, "every users replica in Node.js")
        assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                       for p in python_pids), "the Python replicas were retired"
        for replica in streaming.up("users"):
            assert psutil.Process(replica["pid"]).name() == "node", replica
        load = streaming.control.get("/load").json()
        wait_for(lambda: _answered_since(streaming, load["completed"], 20), 10, "home screens served by Node.js users")
        trace = wait_for(lambda: _one_tree_across_languages(streaming), 5, "a trace through Node.js users")
        spans = {s["span_id"]: s for s in trace["spans"]}
        users = next(s for s in spans.values() if s["service"] == "users")
        assert spans[users["parent_id"]]["service"] == "gateway" and spans[users["parent_id"]]["language"] == "python"
        assert {s["language"] for s in spans.values() if s["service"] != "users"} == {"python"}

        streaming.post("/services/users/deploy", {"version": "v1", "language": "python"})
        wait_for(lambda: _rolled_out(streaming, "python", 2), 60, "every users replica back in Python")
        load = streaming.control.get("/load").json()
        wait_for(lambda: _answered_since(streaming, load["completed"], 20), 10, "home screens after the swap back")
    finally:
        final = streaming.control.delete("/load").json()
    assert final["failed"] == 0 and final["ok"] + final["degraded"] == final["completed"] > 0, final
    assert set(final["statuses"]) == {"200"}, final["statuses"]
