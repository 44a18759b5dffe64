"""The graph says each service's state in a word within a second or two, and failed calls name their cause."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.utils.kitchen import Kitchen, wait_for


def state_of(kitchen: Kitchen, name: str) -> str:
    nodes = {n["id"]: n for n in kitchen.control.get("/graph", params={"window_s": 2}).json()["nodes"]}
    return nodes[name]["state"]


@pytest.fixture
def traffic(streaming: Kitchen) -> Iterator[None]:
    """A home screen every 50 ms from a thread of the test, as a learner's load would send (stops with the test)."""
    done = threading.Event()

    def send() -> None:
        while not done.is_set():
            try:
                streaming.entry(timeout=5)
            except Exception:  # a refused or timed-out request is part of what the test makes happen
                pass
            done.wait(0.05)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    yield
    done.set()
    sender.join(timeout=10)


def test_a_kill_reads_down_at_once_and_a_restart_comes_back_up(streaming: Kitchen):
    assert state_of(streaming, "billing") == "up"
    streaming.post("/services/billing/kill")
    assert state_of(streaming, "billing") == "down"  # the control plane knows at once: no span needed
    streaming.post("/services/billing/restart")
    assert state_of(streaming, "billing") in ("starting", "recovering", "up")
    wait_for(lambda: state_of(streaming, "billing") == "up", 10, "billing up again")


@pytest.mark.alone
def test_errors_read_failing_and_clear_to_up_within_two_seconds(streaming: Kitchen, traffic):
    streaming.control.put("/services/users/faults", json={"error_rate": 0.5}).raise_for_status()
    began = time.monotonic()
    wait_for(lambda: state_of(streaming, "users") == "failing", 2, "users failing")
    streaming.control.put("/services/users/faults", json={"error_rate": 0}).raise_for_status()
    began = time.monotonic()
    wait_for(lambda: state_of(streaming, "users") in ("up", "recovering"), 2.5, "users no longer failing")
    assert time.monotonic() - began <= 2.5


def test_added_latency_reads_slow_and_a_hang_too(streaming: Kitchen, traffic):
    streaming.control.put("/services/streaming/faults", json={"latency_ms": 600}).raise_for_status()
    wait_for(lambda: state_of(streaming, "streaming") == "slow", 2, "streaming slow")
    streaming.control.put("/services/streaming/faults", json={"latency_ms": 0}).raise_for_status()
    wait_for(lambda: state_of(streaming, "streaming") == "up", 3, "streaming up again")
    streaming.control.put("/services/billing/faults", json={"latency_ms": 8000}).raise_for_status()
    wait_for(lambda: state_of(streaming, "billing") == "slow", 2, "a hanging billing reads slow")


def test_a_smaller_delay_reads_slow_from_the_spans(streaming: Kitchen, traffic):
    wait_for(lambda: state_of(streaming, "users") == "up", 3, "users quiet first")
    streaming.control.put("/services/users/faults", json={"latency_ms": 120}).raise_for_status()
    wait_for(lambda: state_of(streaming, "users") == "slow", 2, "users slow at +120 ms")


def test_a_refused_call_and_an_open_circuit_each_leave_a_span_naming_the_callee(streaming: Kitchen):
    streaming.post("/services/users/kill")
    for _ in range(8):  # enough failures in a row to open the circuit (5)
        assert streaming.entry().status_code == 503
    answer = streaming.entry()
    assert answer.status_code == 503
    trace = streaming.trace(answer.headers["x-trace-id"], {"gateway"})
    calls = [s for s in trace["spans"] if s["kind"] == "client" and s["peer"] == "users"]
    assert calls and all(s["status"] == "error" for s in calls)
    assert any(s["error"].startswith("circuit open: users not called") for s in calls), calls
    edge = next(e for e in streaming.control.get("/graph", params={"window_s": 2}).json()["edges"]
                if (e["source"], e["target"]) == ("gateway", "users"))
    assert edge["breaker"] == "open" and edge["breaker_failures"] >= 5
    # before the circuit opened: the registry had no users replica left (the kill told every caller at once)
    not_called = wait_for(lambda: [s for t in streaming.control.get("/traces", params={"limit": 20}).json()
                                   for s in t["spans"] if s.get("error") == "no replica of users is up: not called"],
                          2, "a 'no replica' span")
    assert not_called[0]["peer"] == "users" and not_called[0]["language"] == "python"


def test_each_retry_is_a_span_of_its_own(streaming: Kitchen):
    streaming.control.put("/services/streaming/faults", json={"error_rate": 1}).raise_for_status()
    answer = streaming.entry()
    assert answer.status_code == 200 and "streaming" in answer.json()["degraded"]
    trace = streaming.trace(answer.headers["x-trace-id"], {"gateway", "streaming"})
    calls = sorted((s for s in trace["spans"] if s["kind"] == "client" and s["peer"] == "streaming"),
                   key=lambda s: s["start_ms"])
    assert [(s["attempt"], s["attempts"]) for s in calls] == [(1, 3), (2, 3), (3, 3)]
    assert all(s["error"].startswith("HTTP 500") and "injected failure" in s["error"] for s in calls)
    assert not any("Retryable" in (s.get("error") or "") or "Retryable" in s["name"] for s in trace["spans"])


def test_a_timeout_is_said_in_milliseconds(streaming: Kitchen):
    streaming.control.put("/services/billing/faults", json={"latency_ms": 3000}).raise_for_status()
    answer = streaming.entry()
    assert answer.status_code == 200 and "billing" in answer.json()["degraded"]
    trace = streaming.trace(answer.headers["x-trace-id"], {"gateway"})
    errors = {s["error"] for s in trace["spans"] if s["kind"] == "client" and s["peer"] == "billing"}
    assert "timed out after 1000 ms" in errors, errors
