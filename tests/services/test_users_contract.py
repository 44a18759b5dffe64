"""The User service's contract, for both of its implementations (Python, and Node.js in services/users/node).

Each test runs once with every users replica a Python process, and once with every one a Node.js process:
the same answers, the same refusals of bad input, faults, capacity, kill and restart, tracing, no orphans.
"""

from __future__ import annotations

import collections
import os
import socket
import time

import httpx
import psutil
import pytest

from mini_services.control.node import find_node
from tests.utils.kitchen import Kitchen, alive, wait_for

# one worker runs this module: its module-scoped fixtures start once (pytest-xdist, --dist loadgroup)
pytestmark = pytest.mark.xdist_group("users-contract")

NO_NODE = find_node()[2]  # why the Node.js build cannot run here (None: it can)

LANGUAGES = ["python", "node"]
SPAN_LANGUAGE = {"python": "python", "node": "nodejs"}  # what OpenTelemetry's telemetry.sdk.language says
HANA = {"id": 7, "name": "Hana Moreau", "email": "hana.7@example.com", "country": "US"}


def users_in(kitchen: Kitchen, language: str) -> None:
    """Every users replica up and running ``language``, v1, no faults, no rollout under way."""
    for s in kitchen.cluster()["services"]:
        kitchen.control.put(f"/services/{s['name']}/faults", json={"latency_ms": 0, "jitter_ms": 0, "error_rate": 0})
    kitchen.control.delete("/load")
    kitchen.control.put("/resilience", json={}).raise_for_status()
    kitchen.post("/services/users/restart")
    kitchen.post("/services/users/scale", {"replicas": 1})
    users = kitchen.service("users")
    if users["deploying"] or {r["version"] for r in users["replicas"]} != {"v1"} or \
            {r["language"] for r in users["replicas"]} != {language}:
        kitchen.post("/services/users/deploy", {"version": "v1", "language": language})

    def settled() -> bool:
        users = kitchen.service("users")
        return not users["deploying"] and len(users["replicas"]) == 1 and all(
            r["state"] == "up" and r["language"] == language and r["version"] == "v1" for r in users["replicas"])
    wait_for(settled, 60, f"one v1 users replica in {language}")  # the first Node.js one may wait for npm ci
    wait_for(kitchen.all_up, 15, "every service up")


@pytest.fixture(params=LANGUAGES, scope="module")
def language(request) -> str:
    if request.param == "node" and NO_NODE:
        pytest.skip(str(NO_NODE))
    return request.param


@pytest.fixture
def users(streaming_kitchen: Kitchen, language: str) -> tuple[Kitchen, str]:
    """The session's streaming kitchen with its users in ``language``."""
    users_in(streaming_kitchen, language)
    return streaming_kitchen, language


def replica_url(kitchen: Kitchen) -> str:
    return kitchen.up("users")[0]["url"]


def test_the_same_answers(users):
    kitchen, language = users
    url = replica_url(kitchen)
    assert httpx.get(f"{url}/users/7").json() == HANA
    assert httpx.get(f"{url}/users/+7").json() == HANA  # read as FastAPI reads an int
    health = httpx.get(f"{url}/health").json()
    assert health["ok"] is True and health["service"] == "users" and health["version"] == "v1"
    tables = httpx.get(f"{url}/_kitchen/tables").json()
    assert [(t["name"], t["rows"]) for t in tables] == [("users", 50)]
    assert tables[0]["sample"][0] == {"id": 50, "name": "Ada Okafor", "email": "ada.50@example.com", "country": "SE"}
    assert httpx.get(f"{url}/_kitchen/breakers").json() == {}
    assert "/users/{user_id}" in httpx.get(f"{url}/openapi.json").json()["paths"]
    home = kitchen.entry()
    assert home.status_code == 200 and home.json()["user"] == HANA
    assert psutil.Process(kitchen.up("users")[0]["pid"]).name() == ("node" if language == "node" else
                                                                      psutil.Process(os.getpid()).name())


def test_bad_input_is_a_4xx_that_says_why(users):
    kitchen, _ = users
    url = replica_url(kitchen)
    for path, field_type in (("/users/0", "greater_than_equal"), ("/users/abc", "int_parsing"),
                             ("/users/99999999999", "less_than_equal")):
        answer = httpx.get(url + path)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["detail"][0]["type"] == field_type and answer.json()["detail"][0]["loc"] == ["path", "user_id"]
    missing = httpx.get(f"{url}/users/999")
    assert missing.status_code == 404 and missing.json() == {"detail": "there is no user 999"}
    assert httpx.get(f"{url}/nothing-here").status_code == 404
    assert httpx.post(f"{url}/users/7").status_code == 405
    broken = httpx.put(f"{url}/_kitchen/config", content=b"{not json")
    assert broken.status_code == 422 and broken.json()["detail"]
    out_of_range = httpx.put(f"{url}/_kitchen/config", json={"faults": {"latency_ms": -1}})
    assert out_of_range.status_code == 422 and out_of_range.json()["detail"][0]["loc"] == ["body", "faults", "latency_ms"]
    through_gateway = kitchen.gateway.get("/api/home?user_id=999")
    assert through_gateway.status_code == 404 and "there is no user 999" in through_gateway.text
    assert httpx.get(f"{url}/users/7").json() == HANA, "a refused config changed nothing"


def test_faults_apply_to_every_request(users):
    kitchen, _ = users
    url = replica_url(kitchen)
    kitchen.control.put("/services/users/faults", json={"error_rate": 1}).raise_for_status()
    failed = httpx.get(f"{url}/users/7")
    assert failed.status_code == 500 and failed.json() == {"detail": "users: injected failure (error_rate 1)"}
    home = kitchen.entry()
    assert home.status_code == 503 and home.json()["failed"] == ["users"]
    kitchen.control.put("/services/users/faults", json={"error_rate": 0, "latency_ms": 300}).raise_for_status()
    began = time.monotonic()
    assert httpx.get(f"{url}/users/7").json() == HANA
    assert time.monotonic() - began >= 0.3
    assert httpx.get(f"{url}/health").elapsed.total_seconds() < 0.3, "faults never touch /health"
    kitchen.control.put("/services/users/faults", json={"latency_ms": 0}).raise_for_status()
    kitchen.post("/services/users/deploy", {"version": "v3", "bad": True})
    wait_for(lambda: kitchen.up("users") and kitchen.up("users")[0]["version"] == "v3" and
             not kitchen.service("users")["deploying"], 30, "users v3 rolled out")
    bad = httpx.get(f"{replica_url(kitchen)}/users/7")
    assert bad.status_code == 500 and bad.json()["detail"] == "users v3 is a bad deploy: it fails every request"


def _burst(port: int, n: int) -> list[tuple[int, str]]:
    """``n`` requests sent at once, each on its own connection opened beforehand: (status, body) of each."""
    request = b"GET /users/7 HTTP/1.1\r\nHost: users\r\nConnection: close\r\n\r\n"
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
    for sock in sockets:
        sock.sendall(request)
    answers = []
    for sock in sockets:
        with sock, sock.makefile("rb") as reply:
            status = int(reply.readline().split()[1])
            answers.append((status, reply.read().decode(errors="replace")))
    return answers


def test_capacity_sheds_beyond_its_queue(users):
    """Eight workers and 64 waiting (topologies.py): a burst beyond that is shed with a 503 that says why."""
    kitchen, _ = users
    answers = _burst(kitchen.up("users")[0]["port"], 600)
    said = collections.Counter(status for status, _ in answers)
    assert said[200] >= 72 and said[503] > 0, said
    assert all(status == 200 or "users is overloaded: 64 requests already waiting" in body for status, body in answers)
    assert httpx.get(f"{replica_url(kitchen)}/users/7").json() == HANA, "it serves again once the burst is over"


def test_kill_and_restart(users):
    kitchen, language = users
    replica = kitchen.up("users")[0]
    kitchen.post("/services/users/kill")
    assert not alive(replica["pid"]) and kitchen.service("users")["replicas"][0]["state"] == "down"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{replica['url']}/users/7")
    began = time.monotonic()
    home = kitchen.entry()
    assert home.status_code == 503 and home.json()["failed"] == ["users"] and time.monotonic() - began < 2.5
    kitchen.post("/services/users/restart")
    back = wait_for(lambda: kitchen.up("users"), 20, "users up again")[0]
    assert (back["port"], back["language"]) == (replica["port"], language) and back["pid"] != replica["pid"]
    assert wait_for(lambda: kitchen.entry().status_code == 200, 5, "the home screen again")


def test_one_trace_across_languages(users):
    kitchen, language = users
    answer = kitchen.entry()
    assert answer.status_code == 200
    trace = kitchen.trace(answer.headers["x-trace-id"], {"gateway", "users"}, timeout=3)
    spans = {s["span_id"]: s for s in trace["spans"]}
    served = next(s for s in spans.values() if s["service"] == "users" and s["kind"] == "server")
    call = spans[served["parent_id"]]
    assert (call["service"], call["kind"], call["peer"], call["language"]) == ("gateway", "client", "users", "python")
    assert served["language"] == SPAN_LANGUAGE[language] and served["replica"] == kitchen.up("users")[0]["id"]
    assert served["name"] == "GET /users/7" and served["status"] == "ok"
    assert all(s["language"] for s in spans.values()), "every span says the language of its process"
    direct = httpx.get(f"{replica_url(kitchen)}/users/7")
    assert len(direct.headers["x-trace-id"]) == 32


def test_no_orphans(new_kitchen, language):
    """The control plane killed outright (SIGKILL): no users replica of either language outlives it (a SIGTERM'd one
    is checked by every kitchen's stop)."""
    kitchen = new_kitchen()
    if language == "node":
        kitchen.post("/services/users/scale", {"replicas": 2})
        users_in_node = kitchen.post("/services/users/deploy", {"version": "v1", "language": "node"})
        assert users_in_node["deploying"]
        wait_for(lambda: len(kitchen.up("users")) == 2 and not kitchen.service("users")["deploying"] and
                 {r["language"] for r in kitchen.up("users")} == {"node"}, 60, "two Node.js users replicas")
    pids = [r["pid"] for r in kitchen.up("users")]
    kitchen.process.kill()
    kitchen.process.wait()
    wait_for(lambda: not any(alive(p) for p in pids), 5, "the users replicas to die with the control plane")
    kitchen.stop()
