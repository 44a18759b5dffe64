"""The restaurant's two stories of lesson 8, played by the real control plane on the real restaurant kitchen (its
rail a real nats-server): offered there and nowhere else; the chef walks out and the backlog drains; the rail goes
down and the outbox keeps every order; a reset puts the waiter back on calls. Each shipped story is played with its
clock sped up (the same steps, in the same order), so a test takes seconds, not the story's minute."""

from __future__ import annotations

import uuid

from mini_services.scenario import load_scenario
from tests.utils.kitchen import Kitchen, wait_for

STORIES = {"chef_walks_out", "rail_goes_down"}
FASTER = 0.3  # the story's clock, sped up: 8 s of chef away become 2.4 s


def sped_up(stem: str) -> dict:
    """The shipped story ``stem`` with every time (and its load's length) multiplied by ``FASTER``."""
    story = load_scenario(stem).model_dump(exclude_unset=True)
    for step in story["steps"]:
        step["at_s"] = round(step["at_s"] * FASTER, 2)
        if "duration_s" in step:
            step["duration_s"] = round(step["duration_s"] * FASTER, 2)
    return story


def pending(kitchen: Kitchen, name: str = "chef") -> int:
    return next(q["pending"] + q["in_flight"] for q in kitchen.control.get("/queues").json() if q["name"] == name)


def mode(kitchen: Kitchen) -> str:
    return kitchen.control.get("/messaging").json()["mode"]


def state(kitchen: Kitchen) -> dict:
    return kitchen.control.get("/scenario").raise_for_status().json()


def test_the_restaurant_offers_its_two_stories_and_the_other_kitchens_do_not(restaurant, streaming_kitchen,
                                                                           restaurant_monolith_kitchen):
    assert {s["stem"] for s in restaurant.control.get("/scenarios").json()} == STORIES
    assert not STORIES & {s["stem"] for s in streaming_kitchen.control.get("/scenarios").json()}
    assert not STORIES & {s["stem"] for s in restaurant_monolith_kitchen.control.get("/scenarios").json()}, \
        "the one-cook restaurant has no rail to take down"
    refused = restaurant_monolith_kitchen.control.post("/scenario/play", json={"name": "rail_goes_down"})
    assert refused.status_code == 422 and "rail" in refused.json()["detail"], refused.text


def test_the_chef_walks_out_the_backlog_grows_and_drains_when_the_chef_returns(restaurant):
    restaurant.post("/scenario/play", {"scenario": sped_up("chef_walks_out")})
    wait_for(lambda: mode(restaurant) == "rail", 5, "the waiter on the rail")
    wait_for(lambda: not restaurant.up("chef"), 10, "the chef walking out")
    grown = wait_for(lambda: (n := pending(restaurant)) >= 5 and n, 10, "tickets piling up for the chef")
    assert not restaurant.up("chef"), "they piled up while the chef was away"
    wait_for(lambda: restaurant.up("chef"), 15, "the chef back")
    wait_for(lambda: pending(restaurant) == 0, 30, f"the backlog of {grown}+ tickets drained")
    done = wait_for(lambda: (s := state(restaurant))["status"] == "finished" and s, 20, "the story to end")
    assert [n["summary"] for n in done["narration"]][:3] == ["tickets passed by rail", "load 10 requests/s for 12 s",
                                                               "kill chef"]
    assert mode(restaurant) == "calls", "the story's last step puts the waiter back on calls"


def test_the_rail_goes_down_and_the_outbox_keeps_every_order(restaurant):
    restaurant.post("/scenario/play", {"scenario": sped_up("rail_goes_down")})
    wait_for(lambda: not restaurant.up("rail"), 10, "the rail down")
    taken = restaurant.gateway.post("/api/orders", json={"table": 5, "dish": "pasta", "drink": "lemonade"},
                                    headers={"Idempotency-Key": f"outbox-{uuid.uuid4().hex}"})
    assert taken.status_code == 202 and taken.json()["status"] == "taken", taken.text
    wait_for(lambda: all(q.get("stale") and q.get("as_of") for q in restaurant.control.get("/queues").json()), 5,
             "/queues: the rail's last figures, said to be so (still 200)")
    order_id = taken.json()["order_id"]
    wait_for(lambda: restaurant.up("rail"), 15, "the rail back")
    wait_for(lambda: restaurant.gateway.get(f"/api/orders/{order_id}").json()["status"] == "served", 30,
             "the order taken while the rail was down, served from the outbox")
    wait_for(lambda: state(restaurant)["status"] == "finished", 20, "the story to end")


def test_a_reset_puts_the_waiter_back_on_calls(restaurant):
    restaurant.control.put("/messaging", json={"mode": "rail"}).raise_for_status()
    restaurant.post("/scenario/reset")
    assert mode(restaurant) == "calls"
