"""Acceptance (g): writes acknowledged while the service that stores them is killed and restarted are never lost
and never stored twice."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.utils.kitchen import Kitchen, wait_for

WRITES = 200
DUPLICATE_EVERY = 5  # every fifth key is sent a second time


def write_until_acknowledged(gateway: httpx.Client, path: str, body: dict, key: str, deadline_s: float = 30) -> dict:
    """What a careful client does: retry the same write, with the same key, until it is acknowledged."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            answer = gateway.post(path, json=body, headers={"Idempotency-Key": key})
        except httpx.HTTPError:
            continue
        if answer.status_code == 200:
            return answer.json()
        assert answer.status_code in (502, 503, 504), answer.text  # never a 4xx for a good write
    raise AssertionError(f"write {key} was never acknowledged")


def chaos(kitchen: Kitchen, service: str, acknowledged: list, rounds: int = 3) -> None:
    """Kill and restart ``service`` ``rounds`` times, spread over the writes (paced by progress, not by sleeps)."""
    for round_no in range(1, rounds + 1):
        wait_for(lambda: len(acknowledged) >= round_no * WRITES // (rounds + 1), 60, f"writes before kill {round_no}")
        kitchen.post(f"/services/{service}/kill")
        kitchen.post(f"/services/{service}/restart")
        wait_for(lambda: kitchen.up(service), 15, f"{service} back after kill {round_no}")


def run_writes(kitchen: Kitchen, service: str, path: str, body_for) -> dict[str, dict]:
    acknowledged: list[tuple[str, dict]] = []
    keys = [f"{service}-key-{i}" for i in range(WRITES)]
    sends = keys + keys[::DUPLICATE_EVERY]  # some keys twice
    chaos_thread = threading.Thread(target=chaos, args=(kitchen, service, acknowledged))
    chaos_thread.start()

    def send(key: str) -> None:
        index = int(key.rsplit("-", 1)[1])
        acknowledged.append((key, write_until_acknowledged(kitchen.gateway, path, body_for(index), key)))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(send, sends))
    chaos_thread.join(timeout=60)
    assert not chaos_thread.is_alive()
    answers: dict[str, dict] = {}
    for key, answer in acknowledged:
        assert answers.setdefault(key, answer) == answer, f"the same key {key} got two different answers"
    assert len(answers) == WRITES
    return answers


def test_no_acknowledged_charge_is_lost_or_doubled(streaming: Kitchen):
    answers = run_writes(streaming, "billing", "/api/subscriptions",
                         lambda i: {"user_id": 1 + i % 10, "plan": ["basic", "standard", "premium"][i % 3]})
    stored = []
    for user_id in range(1, 11):
        stored += streaming.gateway.get("/api/charges", params={"user_id": user_id}).raise_for_status().json()
    ours = [c for c in stored if c["idempotency_key"].startswith("billing-key-")]
    keys = [c["idempotency_key"] for c in ours]
    assert len(keys) == len(set(keys)), "an idempotency key was charged twice"
    by_key = {c["idempotency_key"]: c for c in ours}
    for key, answer in answers.items():
        assert by_key[key]["charge_id"] == answer["charge_id"], f"acknowledged charge {key} is not in billing's database"


def test_no_acknowledged_order_is_lost_or_doubled(restaurant: Kitchen):
    dishes = ["pasta", "pizza", "soup", "salad"]
    answers = run_writes(restaurant, "cashier", "/api/orders",
                         lambda i: {"table": 1 + i % 20, "dish": dishes[i % 4], "drink": "water"})
    for key, answer in answers.items():
        stored = restaurant.gateway.get(f"/api/orders/{answer['order_id']}").raise_for_status().json()
        assert stored["idempotency_key"] == key and stored["bill"]["bill_id"] == answer["bill"]["bill_id"]
    bills = [b for b in httpx.get(restaurant.up("cashier")[0]["url"] + "/bills").json()
             if b["idempotency_key"].startswith("cashier-key-")]
    keys = [b["idempotency_key"] for b in bills]
    assert len(keys) == len(set(keys)) == WRITES, "a key was billed twice, or a bill is missing"
