"""What the Control room shows in a real browser agrees with the kitchen within a second or two, in words."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.browser import ARTIFACTS, READY, browser_page, node_reads

pytestmark = pytest.mark.alone  # timed against the clock (conftest: alone under -n)


def within(seconds: float, change, page, name: str, said: str) -> float:
    """Make ``change`` and assert the graph says it within ``seconds`` (measured from before the change), on a page
    that has finished drawing the change before (a switch that moved makes the whole page run again)."""
    page.wait_for_selector(READY, timeout=10_000)
    began = time.monotonic()
    change()
    node_reads(page, name, said, int(seconds * 1000) + 200)
    took = time.monotonic() - began
    assert took <= seconds, f"{name} read {said!r} after {took:.2f} s (more than {seconds} s)"
    return took


def a_switch_says(page, text: str, says: bool) -> None:
    """Wait until one of the page's sliders shows ``text`` (or, ``says`` false, none does): the page's switches
    follow what the API set within a tick and a page run (a whole page run, which a timed change must not meet)."""
    page.wait_for_function(
        "([t, says]) => [...document.querySelectorAll('[data-testid=stSlider]')].some(s => s.innerText.includes(t))"
        " === says", arg=[text, says], timeout=4_000, polling=100)


def load_is_drawn(page, rate: str) -> None:
    """Wait until the page shows the load sent at ``rate`` and the waterfall of one of its answers: the first
    ticks under load draw new charts (more than a tick's work), which a timed change must not meet."""
    page.wait_for_function(
        """(rate) => [...document.querySelectorAll('[data-testid=stMetric]')].some(
               m => m.innerText.includes('load sent') && m.innerText.includes(rate))
           && document.querySelector('.st-key-control-room-waterfall .js-plotly-plot .bars') !== null""",
        arg=rate, timeout=10_000, polling=100)


def test_a_fault_a_fix_and_a_kill_show_in_words_within_seconds(attached_app):
    url, control_url, _server = attached_app
    control = httpx.Client(base_url=control_url, timeout=10)
    with browser_page(url, 1920, 1080) as page:
        page.get_by_role("link", name="Control room", exact=True).click()
        page.wait_for_selector("h1:has-text('Control room')")
        node_reads(page, "users", "up", 15_000)
        control.post("/load", json={"rps": 20, "duration_s": 60}).raise_for_status()
        load_is_drawn(page, "20/s")  # the load's first answers drawn (a waterfall appears): not timed
        within(2, lambda: control.put("/services/users/faults", json={"error_rate": 0.2}), page, "users", "failing")
        page.screenshot(path=str(ARTIFACTS / "truth-users-failing.png"))
        within(2, lambda: control.put("/services/users/faults", json={"error_rate": 0}), page, "users", "up")
        within(2, lambda: control.put("/services/streaming/faults", json={"latency_ms": 600}), page, "streaming", "slow")
        a_switch_says(page, "600 ms", True)  # the page's own switch follows what the API set
        within(2, lambda: control.put("/services/streaming/faults", json={"latency_ms": 0}), page, "streaming", "up")
        a_switch_says(page, "600 ms", False)  # ...and back: that page run is over before the kill is timed
        within(1, lambda: control.post("/services/billing/kill", json={}), page, "billing", "down")
        page.screenshot(path=str(ARTIFACTS / "truth-billing-down.png"))
        control.post("/services/billing/restart", json={}).raise_for_status()
        node_reads(page, "billing", "up", 15_000)
        assert page.locator("[data-testid=stException]").count() == 0
    control.delete("/load")


def test_the_dinner_rush_overwhelms_the_one_cook_on_the_page(attached_app):
    """Lesson 1: one order alone, then the rush: within 5 s the page's p95 is at least 5× that one order."""
    url, _control_url, _server = attached_app
    with browser_page(url, 1920, 1080) as page:
        page.get_by_role("link", name="1 · Day one").first.click()
        page.get_by_role("button", name="Take one order (pasta and a lemonade)").click()
        page.wait_for_selector("text=answered in", timeout=15_000)
        page.get_by_role("button", name="Dinner rush: 30 orders a second").click()
        began = time.monotonic()
        ratio = page.wait_for_function(
            """() => { const m = document.body.innerText.match(/([0-9.,]+)× as long/);
                       const r = m && parseFloat(m[1].replace(/,/g, ''));
                       return r >= 5 ? r : null; }""", polling=100, timeout=8_000).json_value()
        took = time.monotonic() - began
        page.screenshot(path=str(ARTIFACTS / "truth-dinner-rush.png"))
        page.get_by_role("button", name="Close the doors (stop the rush)").click()
    assert ratio >= 5 and took <= 5.5, f"the rush's p95 reached {ratio}× one order after {took:.1f} s"


def test_the_live_graph_changes_in_place_not_drawn_anew(attached_app):
    """Under load the graph's figures change at every tick; the browser updates the same plot (lessons/live_chart.py),
    instead of throwing it away and drawing a new one each time, what made most of a live view's cost."""
    url, control_url, _server = attached_app
    control = httpx.Client(base_url=control_url, timeout=10)
    graph = ".st-key-control-room-graph .js-plotly-plot"
    with browser_page(url, 1920, 1080) as page:
        page.get_by_role("link", name="Control room", exact=True).click()
        node_reads(page, "users", "up", 15_000)
        control.post("/load", json={"rps": 20, "duration_s": 30}).raise_for_status()
        load_is_drawn(page, "20/s")
        page.evaluate(f"""() => {{ const plot = document.querySelector({graph!r}); plot.seen = plot.textContent;
                                    plot.changes = 0; window.firstPlot = plot; }}""")
        changed = page.wait_for_function(f"""() => {{ const plot = document.querySelector({graph!r});
            if (plot !== window.firstPlot) return 'drawn anew';
            if (plot.textContent !== plot.seen) {{ plot.seen = plot.textContent; plot.changes += 1; }}
            return plot.changes >= 3 ? 'in place' : null; }}""", polling=50, timeout=10_000).json_value()
        control.delete("/load")
    assert changed == "in place", "the graph's plot was thrown away and drawn anew when its figure changed"
