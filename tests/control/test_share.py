"""Classroom sharing: with --share every change needs the instructor's key; reads never do."""

from __future__ import annotations

import psutil
import pytest

from tests.utils.kitchen import Kitchen, wait_for

# one worker runs this module: its module-scoped fixtures start once (pytest-xdist, --dist loadgroup)
pytestmark = pytest.mark.xdist_group("share")

KEY = "class-of-2026-secret"
CHANGES = [("POST", "/services/billing/kill", {}), ("POST", "/services/billing/scale", {"replicas": 2}),
           ("PUT", "/services/users/faults", {"latency_ms": 10}), ("PUT", "/resilience", {}),
           ("POST", "/load", {"rps": 1, "duration_s": 1}), ("DELETE", "/load", None),
           ("POST", "/services/billing/deploy", {"version": "v2"}), ("PUT", "/self-healing", {"enabled": True}),
           ("POST", "/scenario/pause", {}), ("POST", "/scenario/reset", {})]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One shared kitchen for this module (each change below is harmless to the next)."""
    kitchen = Kitchen("streaming", tmp_path_factory.mktemp("shared"), args=("--share",),
                      env={"KITCHEN_INSTRUCTOR_KEY": KEY})
    yield kitchen
    kitchen.stop()


def listening_on(pid: int) -> set[str]:
    return {c.laddr.ip for c in psutil.Process(pid).net_connections("tcp") if c.status == psutil.CONN_LISTEN}


@pytest.mark.parametrize("method, path, body", CHANGES)
def test_a_change_needs_the_key(shared: Kitchen, method, path, body):
    missing = shared.control.request(method, path, json=body)
    assert missing.status_code == 401 and "instructor's key" in missing.json()["detail"]
    wrong = shared.control.request(method, path, json=body, headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403 and "private kitchen" in wrong.json()["detail"]
    right = shared.control.request(method, path, json=body, headers={"Authorization": f"Bearer {KEY}"})
    assert right.status_code == 200, right.text


def test_reads_need_no_key_and_spans_still_flow(shared: Kitchen):
    shared.control.post("/services/billing/restart", json={}, headers={"Authorization": f"Bearer {KEY}"})
    wait_for(lambda: shared.all_up() and not any(s["deploying"] for s in shared.cluster()["services"]), 30,
             "the shared kitchen whole again")
    cluster = shared.cluster()
    assert cluster["shared"] is True
    answer = shared.entry()
    assert answer.status_code == 200
    shared.trace(answer.headers["x-trace-id"], {"gateway", "users"})
    assert shared.control.get("/graph").status_code == 200 and shared.control.get("/load").status_code == 200


def test_shared_binds_beyond_loopback_and_private_does_not(shared: Kitchen, streaming: Kitchen):
    gateway = shared.service("gateway")["replicas"][0]["pid"]
    assert listening_on(shared.process.pid) == {"0.0.0.0"} and listening_on(gateway) == {"0.0.0.0"}
    users = shared.service("users")["replicas"][0]["pid"]
    assert listening_on(users) == {"127.0.0.1"}, "only the door is shared, not the kitchen's back rooms"
    assert streaming.cluster()["shared"] is False
    assert listening_on(streaming.process.pid) == {"127.0.0.1"}
    assert streaming.control.post("/services/billing/kill", json={}).status_code == 200, "not shared: no key needed"


def test_a_generated_key_is_printed_once_and_never_logged(tmp_path):
    kitchen = Kitchen("restaurant", tmp_path, args=("--share",), env={"KITCHEN_INSTRUCTOR_KEY": ""})
    try:
        line = kitchen.read_line(5)
        key = line.rsplit(": ", 1)[1].strip()
        assert "Instructor key" in line and len(key) >= 16
        assert kitchen.control.post("/auth/check", json={}).status_code == 401
        assert kitchen.control.post("/auth/check", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    finally:
        kitchen.stop()
    assert key not in (tmp_path / "serve.log").read_text() + "".join(
        p.read_text() for p in (tmp_path / "logs").glob("*.log"))
