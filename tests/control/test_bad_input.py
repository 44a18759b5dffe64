"""Acceptance (h): bad input gets a clear 4xx with a reason, and the control plane stays up."""

from __future__ import annotations

import pytest

from tests.utils.kitchen import Kitchen


def reason(answer) -> str:
    detail = answer.json()["detail"]
    return detail if isinstance(detail, str) else " ".join(f"{e['loc'][-1]}: {e['msg']}" for e in detail)


def test_unknown_service_is_404_with_the_services_named(streaming: Kitchen):
    for method, path, body in [("POST", "/services/waffles/scale", {"replicas": 1}), ("POST", "/services/waffles/kill", {}),
                               ("POST", "/services/waffles/restart", {}), ("PUT", "/services/waffles/faults", {"latency_ms": 1})]:
        answer = streaming.control.request(method, path, json=body)
        assert answer.status_code == 404
        assert "waffles" in reason(answer) and "billing" in reason(answer)
    answer = streaming.control.post("/services/billing/kill", json={"replica": "billing-99"})
    assert answer.status_code == 404 and "billing-99" in reason(answer)


@pytest.mark.parametrize("method, path, body, field", [
    ("POST", "/services/billing/scale", {"replicas": -1}, "replicas"),
    ("POST", "/services/billing/scale", {"replicas": 1000}, "replicas"),
    ("POST", "/services/billing/scale", {"replicas": "many"}, "replicas"),
    ("PUT", "/services/users/faults", {"latency_ms": -5}, "latency_ms"),
    ("PUT", "/services/users/faults", {"error_rate": 2}, "error_rate"),
    ("PUT", "/services/users/faults", {"latency_ms": 10_001}, "latency_ms"),
    ("PUT", "/resilience", {"retries": 99}, "retries"),
    ("POST", "/load", {"rps": 0, "duration_s": 5}, "rps"),
    ("POST", "/load", {"rps": 10, "duration_s": 100_000}, "duration_s"),
])
def test_out_of_range_values_are_422_with_the_field_named(streaming: Kitchen, method, path, body, field):
    answer = streaming.control.request(method, path, json=body)
    assert answer.status_code == 422
    assert field in reason(answer)
    assert streaming.control.get("/health").json() == {"ok": True}


@pytest.mark.parametrize("path", ["/services/billing/scale", "/services/billing/kill", "/load"])
def test_malformed_json_is_422(streaming: Kitchen, path):
    answer = streaming.control.post(path, content=b'{"replicas": 2,', headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert "JSON" in reason(answer)
    assert streaming.control.get("/health").json() == {"ok": True}
    assert all(len(s["replicas"]) == 1 for s in streaming.cluster()["services"]), "nothing changed"


def test_bad_requests_to_the_gateway_are_4xx(streaming: Kitchen):
    assert streaming.gateway.get("/api/home", params={"user_id": 9999}).status_code == 404
    assert streaming.gateway.get("/api/home", params={"user_id": "seven"}).status_code == 422
    bad_plan = streaming.gateway.post("/api/subscriptions", json={"user_id": 7, "plan": "platinum"})
    assert bad_plan.status_code == 422
    first = streaming.gateway.post("/api/subscriptions", json={"user_id": 7, "plan": "basic"}, headers={"Idempotency-Key": "k-409"})
    again = streaming.gateway.post("/api/subscriptions", json={"user_id": 7, "plan": "premium"}, headers={"Idempotency-Key": "k-409"})
    assert first.status_code == 200 and again.status_code == 409 and "k-409" in again.json()["detail"]


@pytest.mark.parametrize("version", ["", "v2 beta", "\U000ff56a\xe7", "x" * 33, "v2/../v1", "v2\n"])
def test_a_deploy_version_must_be_a_short_name(streaming: Kitchen, version):
    answer = streaming.control.post("/services/billing/deploy", json={"version": version})
    assert answer.status_code == 422, answer.text
    assert "version" in reason(answer) and "short name" in reason(answer)
    assert streaming.service("billing")["version"] == "v1" and not streaming.service("billing")["deploying"]


def test_the_tables_of_a_service_that_is_down_are_a_409_that_says_so(streaming: Kitchen):
    streaming.post("/services/billing/kill")
    answer = streaming.control.get("/services/billing/tables")
    assert answer.status_code == 409 and "billing is down" in reason(answer)
