"""What the lessons' experiments promise, measured on real kitchens: the one cook buckles under the rush,
a rollout is slow enough to watch, a deploy with nothing to roll out to is refused with its reason."""

from __future__ import annotations

import statistics
import time

from tests.utils.kitchen import Kitchen, wait_for

RUSH_RPS = 30  # lesson 1's dinner rush


def test_the_dinner_rush_overwhelms_the_one_cook(restaurant_monolith_kitchen: Kitchen):
    """One order alone, then 30 a second: within 5 s the rush's p95 is at least 5x one order's time."""
    kitchen = restaurant_monolith_kitchen
    kitchen.reset()
    kitchen.entry()  # warm: the first request of a process pays for its imports
    alone = statistics.median(kitchen.entry().elapsed.total_seconds() * 1000 for _ in range(5))
    kitchen.post("/load", {"rps": RUSH_RPS, "duration_s": 10})
    began = time.monotonic()

    def overwhelmed() -> dict | None:
        load = kitchen.control.get("/load").json()
        return load if (load["p95_ms"] or 0) >= 5 * alone else None

    try:
        load = wait_for(overwhelmed, 5, f"the rush's p95 to reach 5x one order alone ({alone:.0f} ms)", every=0.2)
    finally:
        kitchen.control.delete("/load").raise_for_status()
    print(f"\none order alone {alone:.0f} ms; rush p95 {load['p95_ms']:.0f} ms "
          f"({load['p95_ms'] / alone:.1f}x) after {time.monotonic() - began:.1f} s")


def test_a_deploy_with_no_replica_up_is_refused_with_the_reason(streaming: Kitchen):
    streaming.post("/services/billing/kill")
    answer = streaming.control.post("/services/billing/deploy", json={"version": "v2"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == "billing has no replica up to roll out to: restart it first"
    billing = streaming.service("billing")
    assert billing["version"] == "v1" and not billing["deploying"], "a refused deploy changes nothing"
    streaming.post("/services/billing/restart")  # a replica starting is something to roll out to
    assert streaming.control.post("/services/billing/deploy", json={"version": "v1"}).status_code == 200


def test_a_rollout_lets_each_new_replica_serve_beside_an_old_one(streaming: Kitchen):
    """Two replicas, deploy v2: both builds are up together for a while, and it ends within reason."""
    from mini_services.settings import settings

    pause = settings.rollout_pause_s  # the kitchen runs with the same environment as this test
    streaming.post("/services/billing/scale", {"replicas": 2})
    wait_for(lambda: len(streaming.up("billing")) == 2, 10, "two billing replicas")
    began = time.monotonic()
    streaming.post("/services/billing/deploy", {"version": "v2"})
    mixed_since: float | None = None
    mixed_for = 0.0
    while time.monotonic() - began < 2 * (pause + 10):
        billing = streaming.service("billing")
        versions = {r["version"] for r in billing["replicas"] if r["state"] == "up"}
        if versions == {"v1", "v2"}:
            mixed_since = mixed_since or time.monotonic()
            mixed_for = time.monotonic() - mixed_since
        if not billing["deploying"]:
            break
        time.sleep(0.1)
    took = time.monotonic() - began
    assert not billing["deploying"], f"the rollout did not end within {took:.0f} s"
    assert {r["version"] for r in billing["replicas"] if r["state"] == "up"} == {"v2"}
    assert mixed_for >= 0.8 * pause, f"v1 and v2 served together for only {mixed_for:.1f} s"
    assert took >= 2 * pause, f"two replicas rolled out in {took:.1f} s: too fast to watch"
    print(f"\nrollout of 2 replicas took {took:.1f} s; v1 and v2 served together for {mixed_for:.1f} s")
