"""The live view against a real kitchen: picking a trace shows its waterfall, and it stays picked after newer
traces push it out of the newest fifteen; every tab shares one reading of the kitchen a second."""

from __future__ import annotations

import json
import threading

import pytest
from streamlit.testing.v1 import AppTest

from lessons.figures import _ms
from lessons.live import TRACES, LiveFeed, changed, feed, what_is_set
from tests.utils.kitchen import Kitchen, wait_for


def live_script(url: str) -> None:
    from lessons.live import live_view

    live_view(url, key="t")


def live_figures(at: AppTest) -> list[dict]:
    """The figures of the live view's charts, in page order (lessons/live_chart.py: each a component that the
    browser updates in place, or a plotly chart where static serving is off)."""
    return [json.loads(json.loads(c.proto.json)["figure"]) for c in at.get("bidi_component")] or [
        json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def waterfall_title(at: AppTest) -> str:
    charts = live_figures(at)
    assert len(charts) == 2, "the graph and a waterfall"
    return charts[1]["layout"]["title"]["text"]


def title_of(kitchen: Kitchen, trace_id: str) -> str:
    trace = kitchen.control.get(f"/traces/{trace_id}").raise_for_status().json()
    return f"{trace['name']} — {_ms(trace['duration_ms'])}"


def fresh(at: AppTest) -> AppTest:
    changed()  # no waiting for the shared frame to age: read the kitchen now
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture
def quiet(streaming: Kitchen) -> Kitchen:
    streaming.reset()
    return streaming


def test_a_picked_trace_shows_its_waterfall_and_stays_picked(quiet: Kitchen):
    at = AppTest.from_function(live_script, args=(quiet.url,), default_timeout=30)
    first = quiet.entry().headers["x-trace-id"]

    def offered(trace_id: str) -> bool:
        pickers = [box for box in fresh(at).selectbox if box.key == "t-trace"]  # none until a trace has finished
        return bool(pickers) and any(trace_id[:8] in option for option in pickers[0].options)

    wait_for(lambda: offered(first), 10, "the first request offered in the trace picker")
    at.selectbox(key="t-trace").set_value(first)
    fresh(at)
    assert waterfall_title(at) == title_of(quiet, first)

    newer = [quiet.entry().headers["x-trace-id"] for _ in range(TRACES + 2)]
    wait_for(lambda: offered(newer[-1]), 10, "the newest request offered")
    assert first not in [t["trace_id"] for t in quiet.control.get("/traces", params={"limit": TRACES, "complete": True}).json()]
    picker = at.selectbox(key="t-trace")
    assert picker.value == first and any(first[:8] in option for option in picker.options)
    assert waterfall_title(at) == title_of(quiet, first), "still the picked trace, not the newest"

    at.selectbox(key="t-trace").set_value("newest")
    fresh(at)
    assert waterfall_title(at) == title_of(quiet, newer[-1])


def test_newest_moves_on_to_a_like_trace_once_a_second_and_to_a_failure_at_once(quiet: Kitchen, monkeypatch):
    """Under load a new trace ends at every tick: "newest" holds a trace like the one it shows (the hold made long
    here, so no clock decides the test), and shows a request that went otherwise at once."""
    import lessons.live

    at = AppTest.from_function(live_script, args=(quiet.url,), default_timeout=30)
    first = quiet.entry().headers["x-trace-id"]
    wait_for(lambda: len(live_figures(fresh(at))) == 2 and waterfall_title(at) == title_of(quiet, first), 10,
             "the first request's waterfall")
    monkeypatch.setattr(lessons.live, "NEWEST_HELD_S", 600)
    alike = quiet.entry().headers["x-trace-id"]
    wait_for(lambda: any(alike[:8] in o for o in fresh(at).selectbox(key="t-trace").options), 10, "the next offered")
    assert waterfall_title(at) == title_of(quiet, first), "a request like the one shown: still the one shown"
    quiet.control.put("/services/users/faults", json={"error_rate": 1.0}).raise_for_status()
    otherwise = quiet.entry().headers["x-trace-id"]
    wait_for(lambda: waterfall_title(fresh(at)) == title_of(quiet, otherwise), 10, "a request that went otherwise")
    monkeypatch.setattr(lessons.live, "NEWEST_HELD_S", 0)
    quiet.control.put("/services/users/faults", json={"error_rate": 0}).raise_for_status()
    last = quiet.entry().headers["x-trace-id"]
    wait_for(lambda: waterfall_title(fresh(at)) == title_of(quiet, last), 10, "the newest, once the hold is over")


def test_every_tab_shares_one_reading_a_second(quiet: Kitchen):
    """Twenty tabs asking at once get one frame: the kitchen is read once, the figures built once."""
    shared: LiveFeed = feed(quiet.url)
    shared.stale()
    frames: list = []
    start = threading.Barrier(20)

    def tab() -> None:
        start.wait()
        frames.append(shared.frame())

    tabs = [threading.Thread(target=tab) for _ in range(20)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(timeout=10)
    assert len(frames) == 20 and len({id(f) for f in frames}) == 1
    assert frames[0].problem is None and frames[0].graph is not None
    assert frames[0].data["scenario"]["status"] == "ready", "the frame carries the kitchen's story too"


def test_a_dead_kitchen_is_said_plainly(tmp_path):
    at = AppTest.from_function(live_script, args=("http://127.0.0.1:9",), default_timeout=30).run()
    assert not at.exception
    assert "does not answer" in at.error[0].value


def test_the_rail_pages_own_reads_are_not_offered_as_requests(restaurant: Kitchen):
    """On the rail page the feed reads the newest orders, and the page the learner's own order once it is off that
    list: both go through the waiter, and neither is offered in the trace picker as a request someone sent."""
    rail_feed = LiveFeed(restaurant.url)
    rail_feed.reads_rail = True
    taken = restaurant.entry()
    assert taken.status_code in (200, 201, 202), taken.text
    order_id = taken.json()["order_id"]
    followed = restaurant.gateway.get(f"/api/orders/{order_id}")
    assert followed.status_code == 200, followed.text
    mine, own = taken.headers["x-trace-id"], followed.headers["x-trace-id"]
    wait_for(lambda: {mine, own} <= {t["trace_id"] for t in restaurant.control.get(
        "/traces", params={"limit": TRACES, "complete": True}).json()}, 10, "both traces complete in the kitchen")

    def offered() -> set[str]:
        rail_feed.stale()
        current = rail_feed.frame()
        assert current.problem is None, current.problem
        return {t["trace_id"] for t in current.data["traces"]}

    ids = wait_for(lambda: (found := offered()) and mine in found and found, 10, "the order taken offered")
    assert own not in ids, "the read of the followed order is offered as if someone had sent it"
    assert not any(t["name"].split(": ", 1)[1].startswith("GET /api/orders") for t in rail_feed.frame().data["traces"])


def test_the_now_line_names_every_change_a_node_build_included():
    def service(name: str, **changed) -> dict:
        view = {"name": name, "desired_replicas": 1, "deploying": False, "version": "v1",
                "faults": {"latency_ms": 0, "error_rate": 0}, "replicas": [{"state": "up", "language": "python"}]}
        view.update(changed)
        return view

    plain = {"services": [service("gateway"), service("users")]}
    assert what_is_set(plain).startswith("Now: nothing changed by hand")
    swapped = {"services": [service("gateway"), service("users", replicas=[{"state": "up", "language": "node"}])]}
    assert what_is_set(swapped) == "Now: **users** Node.js"
    slowed = {"services": [service("users", faults={"latency_ms": 120, "error_rate": 0.5}, desired_replicas=2)]}
    assert what_is_set(slowed) == "Now: **users** 1 of 2 up, +120 ms, 50% errors"
