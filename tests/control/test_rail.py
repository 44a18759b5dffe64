"""Issue #10's acceptance on a real kitchen: the real nats-server, real replicas, real HTTP.

The chef down: orders are still taken and pile up on the rail, then drain; one order is one trace;
the saga refunds a sold-out dish; a poison ticket is dead-lettered after 3 deliveries.
"""

from __future__ import annotations

import uuid

import httpx

from tests.utils.kitchen import Kitchen, wait_for

ORDER = {"table": 3, "dish": "soup", "drink": "lemonade"}


def rail_mode(kitchen: Kitchen) -> None:
    assert kitchen.control.put("/messaging", json={"mode": "rail"}).json() == {"mode": "rail"}


def order(kitchen: Kitchen, body: dict = ORDER, key: str | None = None) -> httpx.Response:
    return kitchen.gateway.post("/api/orders", json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())})


def status_of(kitchen: Kitchen, order_id: str) -> dict:
    return kitchen.gateway.get(f"/api/orders/{order_id}").raise_for_status().json()


def queue(kitchen: Kitchen, name: str) -> dict:
    return next(q for q in kitchen.control.get("/queues").raise_for_status().json() if q["name"] == name)


def all_end(kitchen: Kitchen, ids: list[str], endings: set[str], timeout: float) -> dict[str, dict]:
    """Wait until every order's status is one of ``endings``; answer them all."""
    seen: dict[str, dict] = {}

    def done() -> bool:
        for oid in ids:
            if oid not in seen or seen[oid]["status"] not in endings:
                seen[oid] = status_of(kitchen, oid)
        return all(seen[oid]["status"] in endings for oid in ids)
    wait_for(done, timeout, f"{len(ids)} orders to end {sorted(endings)}", every=0.2)
    return seen


def test_the_chef_walks_out_orders_are_still_taken_and_the_backlog_drains(restaurant):
    rail_mode(restaurant)
    restaurant.post("/services/chef/kill")
    answers = [order(restaurant) for _ in range(30)]
    assert [a.status_code for a in answers] == [202] * 30
    assert {a.json()["status"] for a in answers} == {"taken"}
    wait_for(lambda: queue(restaurant, "chef")["pending"] == 30, 15, "30 tickets pending on the chef's queue")
    # the history takes a point a second, and a forked chef is back in a tenth of that: let a point see the backlog
    wait_for(lambda: max(p["queues"].get("chef", {}).get("pending", 0)
                         for p in restaurant.control.get("/queues/history").json()["points"]) == 30, 5,
             "the backlog in the history")
    restaurant.post("/services/chef/restart")
    wait_for(lambda: (q := queue(restaurant, "chef"))["pending"] == 0 and q["in_flight"] == 0 and not q.get("stale"),
             20, "the chef's queue to drain")
    ended = all_end(restaurant, [a.json()["order_id"] for a in answers], {"served"}, 15)
    assert all(s["status"] == "done" for o in ended.values() for s in o["steps"] if s["station"] != "cashier")
    history = restaurant.control.get("/queues/history").json()
    assert history["window_s"] == 60 and max(p["queues"]["chef"]["pending"] for p in history["points"]) == 30


def test_one_rail_order_is_one_trace_through_the_rail(restaurant):
    rail_mode(restaurant)
    answer = order(restaurant)
    assert answer.status_code == 202
    all_end(restaurant, [answer.json()["order_id"]], {"served"}, 10)
    trace = restaurant.trace(answer.headers["x-trace-id"], {"waiter", "cashier", "chef", "bartender"}, timeout=5)
    kinds = {(s["service"], s["kind"]) for s in trace["spans"]}
    assert {("waiter", "server"), ("waiter", "producer"), ("cashier", "consumer"), ("cashier", "producer"),
            ("chef", "consumer"), ("bartender", "consumer")} <= kinds
    waits = [s for s in trace["spans"] if s["name"].startswith("waited on the rail")]
    assert {s["service"] for s in waits} == {"cashier", "chef", "bartender"}
    edges = {(e["source"], e["target"]) for e in restaurant.control.get("/graph?window_s=30").json()["edges"]}
    assert {("waiter", "rail"), ("rail", "cashier"), ("rail", "chef"), ("rail", "bartender")} <= edges


def test_the_saga_refunds_a_sold_out_dish_and_dead_letters_a_poison_one(restaurant):
    rail_mode(restaurant)
    assert restaurant.control.put("/stock", json={"dish": "pasta", "portions": 0}).json()["dishes"]["pasta"] == 0
    sold_out = order(restaurant, {"table": 1, "dish": "pasta"}).json()["order_id"]
    poison = order(restaurant, {"table": 2, "dish": "burnt toast"}).json()["order_id"]
    dead_before = queue(restaurant, "dead-letter")["pending"]
    refunded = all_end(restaurant, [sold_out], {"refunded"}, 10)[sold_out]
    assert [s["status"] for s in refunded["steps"]] == ["refunded", "failed"]
    assert "sold out" in refunded["steps"][1]["detail"]
    failed = all_end(restaurant, [poison], {"failed"}, 15)[poison]
    wait_for(lambda: failed["steps"][0]["status"] == "refunded" or
             status_of(restaurant, poison)["steps"][0]["status"] == "refunded", 10, "the poison order refunded")
    wait_for(lambda: queue(restaurant, "chef")["dead_lettered"] >= 1 and
             queue(restaurant, "dead-letter")["pending"] == dead_before + 1, 5, "the poison ticket dead-lettered")


def test_the_rail_contract_refuses_what_it_cannot_do(restaurant, streaming):
    assert restaurant.control.post("/services/rail/scale", json={"replicas": 2}).status_code == 422
    assert "one broker" in restaurant.control.post("/services/rail/scale", json={"replicas": 2}).json()["detail"]
    assert restaurant.control.put("/messaging", json={"mode": "pigeons"}).status_code == 422
    assert streaming.control.get("/messaging").json() == {"mode": "calls"}
    refused = streaming.control.put("/messaging", json={"mode": "rail"})
    assert refused.status_code == 409 and "restaurant" in refused.json()["detail"]
    assert streaming.control.get("/queues").json() == []
    restaurant.post("/services/chef/kill")
    assert restaurant.control.get("/stock").status_code == 409
    assert restaurant.control.put("/stock", json={"dish": "pasta", "portions": -1}).status_code == 422


def test_the_rail_down_the_outbox_holds_and_queues_read_stale(restaurant):
    rail_mode(restaurant)
    wait_for(lambda: not queue(restaurant, "chef").get("stale"), 10, "the queues read once (a first test may be early)")
    restaurant.post("/services/rail/kill")
    answers = [order(restaurant) for _ in range(10)]
    assert [a.status_code for a in answers] == [202] * 10
    stale = wait_for(lambda: queue(restaurant, "chef").get("stale") and queue(restaurant, "chef"), 5, "stale figures")
    assert stale["as_of"] is not None
    waiter = restaurant.up("waiter")[0]["url"]
    assert httpx.get(f"{waiter}/_kitchen/outbox").json()["waiting"] >= 10, "the tickets wait in the outbox"
    restaurant.post("/services/rail/restart")
    all_end(restaurant, [a.json()["order_id"] for a in answers], {"served"}, 20)
    assert httpx.get(f"{waiter}/_kitchen/outbox").json() == {"waiting": 0}, "every ticket went onto the rail"
    address = restaurant.up("rail")[0]["url"]
    restaurant.post("/services/rail/scale", {"replicas": 0})  # stopped, then a new one: the same address
    wait_for(lambda: not restaurant.service("rail")["replicas"], 10, "the rail stopped")
    restaurant.post("/services/rail/scale", {"replicas": 1})
    assert wait_for(lambda: restaurant.up("rail"), 20, "a new rail")[0]["url"] == address
    all_end(restaurant, [order(restaurant).json()["order_id"]], {"served"}, 20)
    assert restaurant.control.post("/reset", json={}).status_code == 200
    assert restaurant.control.get("/messaging").json() == {"mode": "calls"}
    assert restaurant.entry().status_code == 200  # calls mode: the waiter waits for every station again


def test_three_chefs_compete_for_one_queue_and_a_later_waiter_knows_the_mode(restaurant):
    rail_mode(restaurant)
    restaurant.post("/services/chef/scale", {"replicas": 3})
    restaurant.post("/services/waiter/scale", {"replicas": 2})  # started after the switch: told at its start
    wait_for(lambda: len(restaurant.up("chef")) == 3 and len(restaurant.up("waiter")) == 2, 30, "3 chefs, 2 waiters")
    for waiter in restaurant.up("waiter"):
        taken = httpx.post(waiter["url"] + "/api/orders", json=ORDER, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert taken.status_code == 202, (waiter["id"], taken.text)
    ids = [order(restaurant).json()["order_id"] for _ in range(40)]
    all_end(restaurant, ids, {"served"}, 20)
    wait_for(lambda: queue(restaurant, "chef")["consumers"] == 3, 5, "3 consumers sharing the chef's queue")
    cooks = {s["replica"] for t in restaurant.control.get("/traces?limit=200").json() for s in t["spans"]
             if s["service"] == "chef" and s["kind"] == "consumer"}
    assert len(cooks) >= 2, f"the tickets went to {cooks} only"
