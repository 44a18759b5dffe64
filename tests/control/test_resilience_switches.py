"""The switches a lesson flips: fallbacks, the circuit breaker, self-healing, a bad deploy and its rollback,
and spans reaching a real collector as well."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.utils.kitchen import Kitchen, wait_for


def test_without_fallbacks_an_optional_failure_fails_the_page(streaming: Kitchen):
    streaming.post("/services/billing/kill")
    assert streaming.entry().json()["degraded"] == ["billing"]
    streaming.control.put("/resilience", json={"fallbacks": False}).raise_for_status()
    answer = streaming.entry()
    assert answer.status_code == 503 and answer.json()["failed"] == ["billing"]


def test_an_open_circuit_fails_fast_without_calling(streaming: Kitchen):
    streaming.control.put("/services/billing/faults", json={"error_rate": 1}).raise_for_status()
    for _ in range(3):  # 3 attempts each (2 retries): enough failures in a row to open the circuit
        assert streaming.entry().json()["degraded"] == ["billing"]
    answer = streaming.entry()
    trace = streaming.trace(answer.headers["x-trace-id"], {"gateway", "users"})
    assert not [s for s in trace["spans"] if s["service"] == "billing"], "an open circuit sends nothing to billing"
    streaming.control.put("/resilience", json={"circuit_breaker": False}).raise_for_status()
    trace_id = streaming.entry().headers["x-trace-id"]

    def billing_spans() -> int:
        return len([s for s in streaming.trace(trace_id, {"gateway", "billing"})["spans"] if s["service"] == "billing"])
    wait_for(lambda: billing_spans() == 3, 1, "breaker off: all three attempts reach billing")


def test_self_healing_brings_a_killed_service_back(streaming: Kitchen):
    streaming.control.put("/self-healing", json={"enabled": True}).raise_for_status()
    old = streaming.service("users")["replicas"][0]["pid"]
    streaming.post("/services/users/kill")
    wait_for(lambda: [r for r in streaming.up("users") if r["pid"] != old], 10, "users back by itself")


def rolled_out(kitchen: Kitchen, name: str, version: str) -> bool:
    service = kitchen.service(name)
    return not service["deploying"] and {(r["version"], r["state"]) for r in service["replicas"]} == {(version, "up")}


def test_a_rolling_deploy_replaces_every_replica_and_the_page_keeps_answering(streaming: Kitchen):
    streaming.post("/services/billing/scale", {"replicas": 2})
    wait_for(lambda: len(streaming.up("billing")) == 2, 10, "two billing replicas")
    old = {r["pid"] for r in streaming.up("billing")}
    assert streaming.post("/services/billing/deploy", {"version": "v2"})["version"] == "v2"
    while not rolled_out(streaming, "billing", "v2"):  # the page answers whole throughout
        answer = streaming.entry()
        assert answer.status_code == 200 and answer.json()["degraded"] == [], answer.text
    assert not old & {r["pid"] for r in streaming.up("billing")}, "every replica was replaced"


def test_a_bad_deploy_fails_and_a_rollback_heals(streaming: Kitchen):
    assert streaming.post("/services/billing/deploy", {"version": "v2", "bad": True})["version"] == "v2"
    wait_for(lambda: rolled_out(streaming, "billing", "v2"), 10, "the bad build rolled out")
    assert streaming.entry().json()["degraded"] == ["billing"]
    streaming.post("/services/billing/deploy", {"version": "v1"})
    wait_for(lambda: rolled_out(streaming, "billing", "v1"), 10, "the rollback rolled out")
    wait_for(lambda: streaming.entry().json()["degraded"] == [], 6, "billing healthy after the rollback", every=0.2)


def test_spans_also_reach_a_collector_named_in_the_environment(tmp_path, monkeypatch):
    received: list[bytes] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the stdlib's name)
            received.append(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    kitchen = Kitchen("streaming", tmp_path)
    try:
        assert kitchen.entry().status_code == 200
        wait_for(lambda: received, 3, "spans at the collector")
    finally:
        kitchen.stop()
        server.shutdown()
