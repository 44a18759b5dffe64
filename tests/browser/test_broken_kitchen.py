"""Kill every service of every kitchen and press every button on every page in a real browser: a sentence, never a
traceback, and nothing the browser fails to draw.

The pages' own code meets all three breaks of tests/utils/breaks.py (gateway killed, a dependency hangs, everything
killed) in tests/lessons/test_broken_pages.py, where a press costs a script run and no browser; the browser walks
the break that leaves the pages the least to draw (no graph, no traces, no answers), once.
"""

from __future__ import annotations

import time

import pytest
from playwright import sync_api as playwright

from tests.browser.browser import ARTIFACTS, browser_page, open_from_sidebar
from tests.browser.test_app import LESSON_LINKS
from tests.utils.breaks import BREAKS

MAIN_BUTTONS = "[data-testid=stMain] [data-testid=stButton] button:not([disabled])"  # ours, not the charts' toolbars
PATIENCE_MS = 20_000  # a button's run, a hanging dependency included (the pages' own patience is 3 s a request)


def settled(page) -> None:
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=PATIENCE_MS)


def no_traceback(page, where: str) -> None:
    assert page.locator("[data-testid=stException]").count() == 0, f"an exception is shown: {where}"
    assert "Traceback" not in page.inner_text("body"), f"a traceback is shown: {where}"


# Before a click: note when the app's next script run (started after the click) has ended, or that none started
ARM = """() => { window.kitchenRunEnded = false; const app = document.querySelector('[data-testid=stApp]');
    let started = false;
    const seen = new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') { started = true; }
        else if (started) { window.kitchenRunEnded = true; seen.disconnect(); }
    });
    seen.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    setTimeout(() => { if (!started) { window.kitchenRunEnded = true; seen.disconnect(); } }, 1500); }"""


def press_every_button(page, where: str) -> int:
    """Click each visible, enabled button of the page's main area once, in order; answer how many were pressed."""
    pressed = 0
    for index in range(page.locator(MAIN_BUTTONS).count()):
        buttons = page.locator(MAIN_BUTTONS)
        if index >= buttons.count():  # the page changed under us: fewer buttons now
            break
        button = buttons.nth(index)
        try:
            if not button.is_visible():  # inside a closed expander or popover: not on the screen to press
                continue
            label = button.inner_text(timeout=1_000).strip()
            page.evaluate(ARM)
            button.click(timeout=5_000)
        except playwright.Error:  # gone or covered meanwhile (the page changed): not a page error
            continue
        pressed += 1
        page.wait_for_function("() => window.kitchenRunEnded", timeout=PATIENCE_MS, polling=50)
        no_traceback(page, f"{where}, after pressing {label!r}")
    settled(page)
    return pressed


@pytest.mark.parametrize("broken", ["everything killed"])
def test_every_button_of_every_page_with_the_kitchens_broken(broken, attached_app, streaming, restaurant,
                                                             restaurant_monolith_kitchen, streaming_monolith_kitchen):
    url, _control_url, _server = attached_app
    kitchens = [streaming, restaurant, restaurant_monolith_kitchen, streaming_monolith_kitchen]
    pressed: dict[str, int] = {}  # page → buttons pressed there
    began = time.monotonic()
    with browser_page(url, 1920, 1080) as page:
        try:
            for link in LESSON_LINKS:
                first = link == LESSON_LINKS[0]
                if not first:  # broken again: a button of the page before (a restart, a reset) may have mended it
                    BREAKS[broken](kitchens)
                open_from_sidebar(page, link, PATIENCE_MS)
                if first:
                    BREAKS[broken](kitchens)  # broken once every kitchen a page needs is running
                pressed[link] = press_every_button(page, f"{link} ({broken})")
                no_traceback(page, f"{link} ({broken})")
        finally:
            page.screenshot(path=str(ARTIFACTS / f"broken-{broken.replace(' ', '-')}.png"))
            for k in kitchens:
                k.reset()
    print(f"{broken}: {sum(pressed.values())} buttons pressed in {time.monotonic() - began:.0f} s: {pressed}")
    # every lesson and the Control room rendered its controls, however broken the kitchen behind them
    unpressed = [link for link in LESSON_LINKS if (link[0].isdigit() or link == "Control room") and not pressed[link]]
    assert not unpressed, f"pages with no button to press (did they render?): {unpressed}; {pressed}"
