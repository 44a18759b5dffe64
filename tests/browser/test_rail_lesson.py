"""Lesson 8 in a real browser: kill the chef while orders stream onto the rail, and the page shows the chef's backlog
rise; restart the chef, and the page shows it fall back to nothing (every figure read from the live kitchen)."""

from __future__ import annotations

import httpx

from tests.browser.browser import ARTIFACTS, browser_page

# the chef's backlog as the page says it in words, or null while the line is not drawn
BACKLOG = """() => { const line = document.querySelector('.st-key-rail-backlog-line');
    const m = line && line.innerText.match(/the chef.s backlog: (\\d+) tickets? waiting/);
    return m ? parseInt(m[1]) : null; }"""


# the page's rail switch (a Streamlit toggle: a checkbox input) reads off
SWITCH_OFF = """() => { const box = [...document.querySelectorAll('[data-testid=stCheckbox]')]
    .find(b => b.innerText.includes('Pin tickets on the rail'));
    const input = box && box.querySelector('input');
    return input && !input.checked; }"""


def backlog_reaches(page, test: str, timeout_ms: int) -> int:
    """Wait until the page's chef backlog passes ``test`` (a JS expression on ``n``); answer what it said."""
    return page.wait_for_function(f"() => {{ const n = ({BACKLOG})(); return n !== null && ({test}) ? n + 1 : 0; }}",
                                  polling=100, timeout=timeout_ms).json_value() - 1


def test_killing_the_chef_piles_tickets_on_the_page_and_the_restart_drains_them(attached_app, restaurant):
    url, _control_url, _server = attached_app
    control = httpx.Client(base_url=restaurant.url, timeout=10)
    try:
        with browser_page(url, 1920, 1080) as page:
            page.get_by_role("link", name="8 · Tickets on a rail").first.click()
            page.wait_for_selector("h1:has-text('Tickets on a rail')")
            page.get_by_text("Pin tickets on the rail").click()  # the switch's label: a click turns it on
            page.wait_for_function("() => document.body.innerText.includes('Tickets are passed on the rail')",
                                   timeout=10_000, polling=100)
            assert control.get("/messaging").json()["mode"] == "rail"
            page.get_by_role("button", name="A stream: 10 orders a second").click()
            page.get_by_role("button", name="Send the chef home (kill)").click()
            page.wait_for_function("() => document.body.innerText.includes('The chef is down')", timeout=10_000,
                                   polling=100)
            risen = backlog_reaches(page, "n >= 15", 15_000)
            page.locator(".st-key-rail-backlog-line").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "rail-backlog-risen.png"))
            pending = {q["name"]: q["pending"] for q in control.get("/queues").json()}["chef"]
            assert pending >= risen, "the page says no more than the kitchen has"
            page.get_by_role("button", name="Stop the stream").click()
            page.get_by_role("button", name="Call the chef back (restart)").click()
            backlog_reaches(page, "n === 0", 30_000)
            page.locator(".st-key-rail-backlog-line").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "rail-backlog-drained.png"))
            assert not page.evaluate("() => document.body.innerText.includes('The chef is down')")
            assert page.locator("[data-testid=stException]").count() == 0
            control.put("/messaging", json={"mode": "calls"}).raise_for_status()  # switched elsewhere (a story, a tab)
            page.wait_for_function(SWITCH_OFF, timeout=5_000, polling=100)  # the page's switch follows the kitchen
    finally:
        control.delete("/load")
        control.put("/messaging", json={"mode": "calls"})
        control.close()
