"""Every page runs under Streamlit's AppTest against real kitchens with no exception, and its main control works."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lessons.following import is_knob
from lessons.live import changed
from tests.utils.kitchen import ROOT, Kitchen, wait_for

PAGES = sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))


@pytest.fixture
def kitchens(streaming: Kitchen, restaurant: Kitchen, restaurant_monolith_kitchen: Kitchen,
             streaming_monolith_kitchen: Kitchen, monkeypatch, tmp_path) -> dict[str, Kitchen]:
    """The app pointed at the test session's kitchens (each reset), with its own data root."""
    for kitchen in (restaurant_monolith_kitchen, streaming_monolith_kitchen):
        kitchen.reset()
    monkeypatch.setenv("KITCHEN_CONTROL_URL", streaming.url)
    monkeypatch.setenv("KITCHEN_RESTAURANT_URL", restaurant.url)
    monkeypatch.setenv("KITCHEN_RESTAURANT_MONOLITH_URL", restaurant_monolith_kitchen.url)
    monkeypatch.setenv("KITCHEN_STREAMING_MONOLITH_URL", streaming_monolith_kitchen.url)
    monkeypatch.setenv("KITCHEN_DATA_ROOT", str(tmp_path))
    from lessons.app_state import kitchen
    kitchen.clear()
    yield {"streaming": streaming, "restaurant": restaurant, "restaurant-monolith": restaurant_monolith_kitchen,
           "streaming-monolith": streaming_monolith_kitchen}
    kitchen.clear()


def run_page(name: str) -> AppTest:
    """The real app (its navigation included), switched to one page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    return at.switch_page(f"app_pages/{name}").run()


def knob(at: AppTest, kind: str, name: str):
    """The switch ``name`` (a Control room switch gets a new key when the kitchen moves it: lessons/following.py)."""
    found = [w for w in getattr(at, kind) if w.key and is_knob(w.key, name)]
    assert len(found) == 1, f"{len(found)} {kind} widgets are {name!r}"
    return found[0]


def clean(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception(kitchens, page):
    clean(run_page(page))


def test_home_sends_the_entry_request(kitchens):
    at = clean(run_page("home.py"))
    at.button(key="home-send").click().run()
    assert any("HTTP 200" in s.value for s in at.success), [e.value for e in at.main]


def test_day_one_crashing_the_cook_stops_everything(kitchens):
    at = clean(run_page("01_day_one.py"))
    at.button(key="monolith-kill").click().run()
    assert kitchens["restaurant-monolith"].service("monolith")["replicas"][0]["state"] == "down"
    clean(at.button(key="monolith-restart").click().run())
    wait_for(lambda: kitchens["restaurant-monolith"].up("monolith"), 10, "the monolith back")


def test_day_one_one_order_then_copies_up_and_down(kitchens):
    monolith = kitchens["restaurant-monolith"]
    at = clean(run_page("01_day_one.py"))
    clean(at.button(key="monolith-send").click().run())
    assert any("answered in" in c.value for c in at.caption), "one order's own time is shown"
    clean(at.button(key="monolith-copy").click().run())
    assert monolith.service("monolith")["desired_replicas"] == 2
    wait_for(lambda: len(monolith.up("monolith")) == 2, 15, "a second copy of the whole kitchen")
    clean(at.button(key="monolith-fewer").click().run())
    assert monolith.service("monolith")["desired_replicas"] == 1
    clean(at.button(key="monolith-fewer").click().run())  # the last cook is not let go: a sentence says why
    assert any("Only one copy" in i.value for i in at.info)
    assert monolith.service("monolith")["desired_replicas"] == 1


def test_day_one_while_the_cook_is_down_nothing_is_answered(kitchens):
    at = clean(run_page("01_day_one.py"))
    at.button(key="monolith-kill").click().run()
    at.button(key="monolith-send").click().run()
    assert any("The cook is down" in e.value for e in at.error)
    assert not at.success, "nothing claims an answer while the one process is down"
    assert not at.button(key="monolith-restart").click().run().exception  # the last answer's sentence stays
    wait_for(lambda: kitchens["restaurant-monolith"].up("monolith"), 10, "the monolith back")


def test_specialists_without_a_bartender(kitchens):
    at = clean(run_page("02_specialists.py"))
    clean(at.button(key="bartender-kill").click().run())
    assert not kitchens["restaurant"].up("bartender")
    at.button(key="brigade-send").click().run()
    assert any("without bartender (degraded)" in w.value for w in at.warning), [e.value for e in at.main]
    assert any("bartender" in str(j.value) for j in at.json)


def test_specialists_without_the_chef_no_order(kitchens):
    restaurant = kitchens["restaurant"]
    at = clean(run_page("02_specialists.py"))
    clean(at.button(key="chef-kill").click().run())
    assert not restaurant.up("chef")
    at.button(key="brigade-send").click().run()
    assert any("HTTP 503" in e.value and "chef" in e.value for e in at.error), [e.value for e in at.main]
    assert any("chef" in str(j.value.get("failed") if isinstance(j.value, dict) else j.value) for j in at.json)
    assert not at.button(key="chef-restart").click().run().exception
    wait_for(lambda: restaurant.up("chef"), 10, "the chef back")


def test_streaming_shows_each_services_own_tables(kitchens):
    at = clean(run_page("03_streaming.py"))
    clean(at.radio(key="streaming-db").set_value("billing").run())
    assert any("billing · charges" in m.value for m in at.markdown)


def test_streaming_stops_the_picked_service_and_shows_the_answer(kitchens):
    streaming = kitchens["streaming"]
    at = clean(run_page("03_streaming.py"))
    clean(at.button(key="streaming-send").click().run())
    assert any("HTTP 200" in m.value for m in at.success)
    clean(at.radio(key="streaming-db").set_value("recommendations").run())
    at.button(key="streaming-stop").click().run()
    assert not streaming.up("recommendations")
    at.button(key="streaming-send").click().run()
    assert any("without recommendations (degraded)" in w.value for w in at.warning), [e.value for e in at.main]
    at.button(key="streaming-restart").click().run()
    wait_for(lambda: streaming.up("recommendations"), 10, "recommendations back")


def test_scaling_the_same_spike_on_both_and_each_scaled(kitchens):
    micro, monolith = kitchens["streaming"], kitchens["streaming-monolith"]
    at = clean(run_page("04_scaling.py"))
    try:
        clean(at.button(key="valentine").click().run())
        assert micro.control.get("/load").json()["running"] and monolith.control.get("/load").json()["running"]
        assert [m.label for m in at.metric].count("p95") == 2, "each side has its own p95"
        assert [m.label for m in at.metric].count("memory") == 2
        assert [m.label for m in at.metric].count("failed") >= 2, "each side says its failed share (not in its p95)"
        clean(at.slider(key="scale-streaming").set_value(3).run())
        clean(at.slider(key="scale-streaming-monolith").set_value(2).run())
        wait_for(lambda: len(micro.up("recommendations")) == 3, 10, "three recommendation replicas")
        wait_for(lambda: len(monolith.up("monolith")) == 2, 10, "two copies of the monolith")

        def says_both_added() -> bool:  # the page draws the live view's shared reading: up to a tick old
            said = [c.value for c in clean(at.run()).caption]
            return (any("Added beyond one process per service: **2 processes" in c for c in said)
                    and any("Added beyond one process per service: **1 process," in c for c in said))

        wait_for(says_both_added, 5, "each side's caption to say what it added (2 processes, 1 process)")
        clean(at.button(key="valentine-stop").click().run())
        assert not micro.control.get("/load").json()["running"]
        assert not monolith.control.get("/load").json()["running"]
    finally:
        monolith.reset()


def test_deploys_roll_out_a_new_billing(kitchens):
    at = clean(run_page("05_deploys.py"))
    clean(at.button(key="deploy-v2").click().run())
    wait_for(lambda: {r["version"] for r in kitchens["streaming"].up("billing")} == {"v2"}
             and not kitchens["streaming"].service("billing")["deploying"], 15, "billing v2 rolled out")


def test_deploys_traffic_stops_and_a_dead_billing_is_refused(kitchens):
    streaming = kitchens["streaming"]
    at = clean(run_page("05_deploys.py"))
    assert any("Billing replicas now:" in m.value for m in at.markdown), "the replica line is on the page"
    clean(at.button(key="deploy-traffic").click().run())
    assert streaming.control.get("/load").json()["running"]
    clean(at.button(key="deploy-traffic-stop").click().run())
    assert not streaming.control.get("/load").json()["running"]
    clean(at.button(key="billing-kill").click().run())
    clean(at.button(key="deploy-v2").click().run())
    assert any("billing has no replica up to roll out to: restart it first" in i.value for i in at.info)
    assert streaming.service("billing")["version"] == "v1"
    clean(at.button(key="billing-restart").click().run())
    wait_for(lambda: streaming.up("billing"), 10, "billing back")


def test_right_tool_shows_the_real_code(kitchens):
    at = clean(run_page("06_right_tool.py"))
    clean(at.radio(key="tool-service").set_value("users").run())
    assert any("class Users" in c.value for c in at.code)
    assert any("GET /users/{user_id}" in m.value for m in at.markdown)


def test_premium_measures_a_hop_against_a_function_call(kitchens):
    at = clean(run_page("07_premium.py"))
    clean(at.button(key="premium-measure").click().run())
    ratio = next(m for m in at.metric if m.label == "the network call costs")
    assert float(ratio.value.split("×")[0].replace(",", "")) > 100


def test_premium_charge_lose_the_reply_retry(kitchens):
    """With a key: one new row in billing's database; without: two (read back from billing itself)."""
    streaming = kitchens["streaming"]
    at = clean(run_page("07_premium.py"))
    clean(at.button(key="idem-with-key").click().run())
    assert any("One new row" in s.value for s in at.success), [e.value for e in at.main]
    at.button(key="idem-without-key").click().run()
    assert not at.exception
    assert any("charged 2 times" in e.value for e in at.error), [e.value for e in at.main]
    assert streaming.service("billing")["faults"]["latency_ms"] == 0, "billing's faults are put back"
    keys = [c["idempotency_key"] for c in streaming.gateway.get("/api/charges?user_id=7").json()]
    assert len(keys) == len(set(keys)) and any(k.startswith("lesson7-") for k in keys)


@pytest.mark.parametrize("right", [True, False])
def test_the_detective_game_is_kept_in_the_kitchen(kitchens, right):
    """The game lives in the kitchen: the page keeps no culprit, a reload (a new session) still hides it and
    still plays, and the verdict says what really showed the culprit."""
    kitchen = kitchens["streaming"]
    at = clean(run_page("07_premium.py"))
    clean(at.button(key="game-start").click().run())
    assert kitchen.control.get("/game").json()["status"] == "playing" and kitchen.cluster()["game"] is True
    cluster = kitchen.cluster()
    culprits = [s["name"] for s in cluster["services"] if s["faults"]["latency_ms"] or s["faults"]["error_rate"]
                or not any(r["state"] == "up" for r in s["replicas"])]
    assert len(culprits) == 1, "exactly one service was given a hidden fault"
    assert culprits[0] not in str(list(at.session_state.to_dict().values())), "the page keeps no culprit"
    at = clean(run_page("07_premium.py"))  # a reload: a new session, the same kitchen
    assert not [c.value for c in at.caption if "Now:" in c.value], "no line on the page names the culprit"
    guess = culprits[0] if right else next(s for s in ("users", "billing", "streaming", "recommendations")
                                           if s != culprits[0])
    at.radio(key="game-guess").set_value(guess).run()
    clean(at.button(key="game-accuse").click().run())
    verdict = at.success if right else at.warning
    assert verdict and culprits[0] in verdict[0].value, "the verdict names the real culprit"
    assert "What showed it: the " in verdict[0].value, "and what really showed it"
    assert not any(s["faults"]["latency_ms"] or s["faults"]["error_rate"] for s in kitchen.cluster()["services"])
    assert not kitchen.control.get("/load").json()["running"], "the game's load stopped"
    assert [c.value for c in at.caption if "Now:" in c.value], "after the verdict the line is back"
    wait_for(kitchen.all_up, 10, "every service up again after the game")


def test_rail_lesson_on_the_rail_an_order_is_taken_with_the_chef_away(kitchens):
    """Lesson 8: the switch puts the waiter on the rail; with the chef killed an order is still taken (202)."""
    restaurant = kitchens["restaurant"]
    at = clean(run_page("08_rail.py"))
    try:
        clean(at.toggle(key="rail-mode").set_value(True).run())
        assert restaurant.control.get("/messaging").json()["mode"] == "rail"
        clean(at.button(key="rail-chef-kill").click().run())
        assert not restaurant.up("chef")
        clean(at.button(key="rail-order").click().run())
        assert any("HTTP 202 · taken" in s.value for s in at.success), [e.value for e in at.main]
        clean(at.button(key="rail-sell-out").click().run())  # the chef is down: its stock cannot be changed
        assert any("chef" in i.value for i in at.info), [e.value for e in at.main]
        clean(at.button(key="rail-chef-restart").click().run())
        wait_for(lambda: restaurant.up("chef"), 10, "the chef back")
        clean(at.button(key="rail-sell-out").click().run())
        assert any("0 portions of pasta" in i.value for i in at.info), [e.value for e in at.main]
        clean(at.button(key="rail-count").click().run())
        assert any("orders taken on the rail" in i.value and "none was cooked twice" in i.value for i in at.info)
    finally:
        restaurant.control.put("/stock", json={"dish": "pasta", "portions": 100})
        restaurant.control.put("/messaging", json={"mode": "calls"})


def test_rail_lesson_says_its_list_of_orders_is_old_while_the_waiter_is_down(kitchens):
    """The newest orders are read through the waiter: with the waiter down the page keeps the list it read last, and
    says so, instead of showing it as if it had just been read."""
    restaurant = kitchens["restaurant"]
    at = clean(run_page("08_rail.py"))
    try:
        clean(at.toggle(key="rail-mode").set_value(True).run())
        clean(at.button(key="rail-order").click().run())

        def said(text: str) -> bool:
            changed()  # read the kitchen afresh at this run (the list itself is read every 2 s)
            clean(at.run())
            return any(text in e.value for e in [*at.markdown, *at.warning])

        order_id = at.session_state["rail-answer"]["body"]["order_id"]

        def listed() -> bool:
            said("")
            return any(order_id in t.value.to_string() for t in at.table)

        wait_for(listed, 10, f"the order {order_id} in the list of the newest orders")
        assert not said("the list as last read")
        restaurant.post("/services/waiter/kill")
        wait_for(lambda: said("so this is the list as last read"), 10, "the page to say its list is the last one read")
        assert listed(), "the list as last read is still shown"
    finally:
        restaurant.post("/services/waiter/restart")
        restaurant.control.put("/messaging", json={"mode": "calls"})


def test_control_room_shows_the_restaurant_and_its_stories(kitchens):
    at = clean(run_page("control_room.py"))
    clean(at.selectbox(key="control-room-kitchen").set_value("restaurant").run())
    offered = " ".join(at.selectbox(key="scenario-pick").options)
    assert "The chef walks out" in offered and "The rail goes down" in offered and "Valentine" not in offered
    assert at.button(key="kill-chef") and at.button(key="kill-rail"), "the restaurant's own switches"


def test_real_world_counts_the_processes_of_one_screen(kitchens):
    at = clean(run_page("09_real_world.py"))
    clean(at.button(key="world-send").click().run())
    clean(at.button(key="world-monolith-send").click().run())

    def counted() -> bool:
        said = [m.value for m in clean(at.run()).markdown]
        return any("Microservices:** this one home screen went through **5 processes" in m for m in said) and \
            any("monolith twin:** this one home screen went through **1 process**" in m for m in said)
    wait_for(counted, 10, "both traces counted on the page")


def test_summary_checks_an_answer_on_the_live_kitchen(kitchens):
    streaming = kitchens["streaming"]
    at = clean(run_page("10_summary.py"))
    clean(at.button(key="summary-billing-kill").click().run())
    at.button(key="summary-send").click().run()
    assert any("without billing (degraded)" in w.value for w in at.warning), [e.value for e in at.main]
    clean(at.button(key="summary-billing-restart").click().run())
    wait_for(lambda: streaming.up("billing"), 10, "billing back")


def test_control_room_kills_and_restarts_billing(kitchens):
    kitchen = kitchens["streaming"]
    at = clean(run_page("control_room.py"))
    at.button(key="kill-billing").click().run()
    assert kitchen.service("billing")["replicas"][0]["state"] == "down"
    clean(at.button(key="restart-billing").click().run())
    wait_for(lambda: kitchen.up("billing"), 10, "billing back")


def test_control_room_scales_recommendations(kitchens):
    at = clean(run_page("control_room.py"))
    clean(at.number_input(key="replicas-recommendations").set_value(3).run())
    wait_for(lambda: len(kitchens["streaming"].up("recommendations")) == 3, 10, "three recommendation replicas")


def test_control_room_shows_what_a_scenario_or_another_tab_set(kitchens):
    """Switches changed behind this tab's back (a scenario's thread, the API) show on its next run."""
    from lessons.live import changed

    at = clean(run_page("control_room.py"))
    assert at.slider(key="latency-users").value == 0
    kitchen = kitchens["streaming"]
    kitchen.control.put("/services/users/faults", json={"latency_ms": 300, "error_rate": 0.2}).raise_for_status()
    kitchen.post("/services/recommendations/scale", {"replicas": 2})
    changed()
    clean(at.run())
    assert knob(at, "slider", "latency-users").value == 300 and knob(at, "slider", "errors-users").value == 0.2
    assert knob(at, "number_input", "replicas-recommendations").value == 2
    now = next(c.value for c in at.caption if "Now:" in c.value)
    assert "**users** +300 ms, 20% errors" in now and "**recommendations**" in now and "of 2 up" in now
    kitchen.control.put("/services/billing/faults", json={"latency_ms": 8000}).raise_for_status()  # lesson 7's hang
    changed()
    clean(at.run())
    hang = knob(at, "slider", "latency-billing")
    assert (hang.value, hang.max) == (8000, 8000), "the switch shows a delay beyond its usual 3 s reach as it is"


def test_a_dead_kitchen_is_said_plainly_and_can_be_restarted(monkeypatch, tmp_path):
    """The app's own kitchen dies: the page says so (no traceback) and its button starts a new one."""
    from lessons.kitchen import free_port

    monkeypatch.setenv("KITCHEN_CONTROL_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("KITCHEN_DATA_ROOT", str(tmp_path))
    from lessons.app_state import kitchen
    kitchen.clear()
    try:
        at = clean(run_page("control_room.py"))
        owned = kitchen("streaming").process
        assert owned is not None, "the app started the kitchen itself"
        owned.kill()  # the control plane dies; its replicas go with it
        owned.wait()
        at.run()
        assert not at.exception
        assert at.error and "not running" in at.error[0].value
        clean(at.button(key="restart-kitchen-streaming").click().run())
        assert kitchen("streaming").healthy()
    finally:
        started = kitchen("streaming").process
        if started is not None and started.poll() is None:
            started.terminate()  # SIGTERM: it stops every replica it started, then exits
            started.wait(timeout=15)
        kitchen.clear()


def draw_story(url: str) -> None:
    """The Control room's story panel, drawn from the live frame as the fragment draws it."""
    from lessons.control_room import scenario_story
    from lessons.live import feed

    scenario_story(url, feed(url).frame().data)


def test_control_room_plays_pauses_and_resets_a_scenario(kitchens):
    """Pick a scenario, Play: the kitchen plays it and its line shows; Pause holds its load; Reset heals every
    kitchen the app runs, and says which."""
    from lessons.live import feed

    kitchen, restaurant = kitchens["streaming"], kitchens["restaurant"]
    at = clean(run_page("control_room.py"))
    clean(at.selectbox(key="scenario-pick").set_value("billing_outage").run())
    clean(at.button(key="scenario-play").click().run())
    wait_for(lambda: kitchen.control.get("/load").json()["running"], 10, "the scenario's load on the kitchen")
    assert kitchen.control.get("/scenario").json()["name"] == "Billing outage"

    def first_line_drawn() -> bool:  # the story is drawn in the live fragment (AppTest never ticks it): draw it
        feed(kitchen.url).stale()
        story = AppTest.from_function(draw_story, args=(kitchen.url,))
        return any("A normal evening" in m.value for m in story.run().markdown)
    wait_for(first_line_drawn, 10, "the first narration line, read from the kitchen")
    clean(at.button(key="scenario-pause").click().run())
    state = kitchen.control.get("/scenario").json()
    assert state["status"] == "paused" and not kitchen.control.get("/load").json()["running"], "Pause holds the load"
    restaurant.control.put("/services/chef/faults", json={"latency_ms": 300}).raise_for_status()
    clean(at.button(key="scenario-reset").click().run())
    said = next(i.value for i in at.info if "Back to normal" in i.value)
    assert all(name in said for name in kitchens), f"every running kitchen of the app is named: {said}"
    assert (kitchen.control.get("/scenario").json()["status"], kitchen.control.get("/scenario").json()["done"]) \
        == ("ready", 0)
    assert not kitchen.control.get("/load").json()["running"]
    assert restaurant.service("chef")["faults"]["latency_ms"] == 0, "the restaurant kitchen is reset too"
    wait_for(lambda: kitchen.up("billing"), 10, "billing up after the reset")
