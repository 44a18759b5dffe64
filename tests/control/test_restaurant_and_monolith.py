"""Acceptance (f) the monolith twin and (j) the restaurant kitchen."""

from __future__ import annotations

import httpx
import pytest

from tests.utils.kitchen import Kitchen, alive, wait_for

STATIONS = {"waiter", "chef", "bartender", "cashier", "dishwasher"}


def test_restaurant_serves_a_traced_order(restaurant: Kitchen):
    assert {s["name"] for s in restaurant.cluster()["services"]} == STATIONS | {"rail"}  # the rail: issue #10
    answer = restaurant.entry()
    assert answer.status_code == 200
    order = answer.json()
    assert order["dish"] == "pasta" and order["served"]["glass"]["drink"] == "lemonade"
    assert order["bill"]["total_cents"] > 0 and order["degraded"] == []
    restaurant.trace(answer.headers["x-trace-id"], STATIONS)
    read_back = restaurant.gateway.get(f"/api/orders/{order['order_id']}").json()
    assert read_back["bill"] == order["bill"]
    edges = {(e["source"], e["target"]) for e in restaurant.control.get("/graph").json()["edges"]}
    assert {("waiter", s) for s in STATIONS - {"waiter"}} <= edges


def test_without_the_bartender_food_still_comes_out(restaurant: Kitchen):
    pids = [r["pid"] for r in restaurant.service("bartender")["replicas"]]
    restaurant.post("/services/bartender/kill")
    assert not any(alive(p) for p in pids)
    order = restaurant.entry().json()
    assert order["degraded"] == ["bartender"] and order["served"]["glass"] is None
    assert order["bill"]["items"] == ["pasta"], "no drink poured, no drink billed"
    restaurant.post("/services/bartender/restart")
    wait_for(lambda: restaurant.up("bartender"), 10, "the bartender back")
    assert restaurant.entry().json()["degraded"] == []


def test_without_the_chef_there_is_no_order(restaurant: Kitchen):
    restaurant.post("/services/chef/kill")
    answer = restaurant.entry()
    assert answer.status_code == 503 and answer.json()["failed"] == ["chef"]


@pytest.mark.parametrize("topology", ["streaming", "restaurant"])
def test_the_monolith_twin_answers_and_dies_whole(new_kitchen, topology):
    kitchen: Kitchen = new_kitchen(topology, "monolith")
    assert [s["name"] for s in kitchen.cluster()["services"]] == ["monolith"]
    answer = kitchen.entry()
    assert answer.status_code == 200 and answer.json()["degraded"] == []
    trace = kitchen.trace(answer.headers["x-trace-id"], {"monolith"})
    assert {s["kind"] for s in trace["spans"]} >= {"server", "internal"}, "the parts show up inside the one process"
    kitchen.post("/services/monolith/kill")
    for _ in range(3):
        with pytest.raises(httpx.ConnectError):
            kitchen.entry()
