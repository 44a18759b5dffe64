"""Break the kitchens three ways and press every button on every page: a sentence, never a traceback.

    gateway killed        every kitchen's front door (gateway, waiter, the monoliths) SIGKILLed
    a dependency hangs    users / chef / the monoliths answer after 8 s, with timeouts switched off
    everything killed     every service of every kitchen SIGKILLed
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.browser import ARTIFACTS, browser_page
from tests.browser.test_app import LESSON_LINKS
from tests.utils.kitchen import Kitchen

MAIN_BUTTONS = "[data-testid=stMain] [data-testid=stButton] button:not([disabled])"  # ours, not the charts' toolbars
PATIENCE_MS = 20_000  # a button's run, a hanging dependency included (the pages' own patience is 3 s a request)


def kill_front_doors(kitchens: list[Kitchen]) -> None:
    for k in kitchens:
        k.post(f"/services/{k.cluster()['gateway']}/kill")


def hang_a_dependency(kitchens: list[Kitchen]) -> None:
    for k in kitchens:
        cluster = k.cluster()
        required = next((s["name"] for s in cluster["services"] if s["name"] != cluster["gateway"]
                         and not s["optional"]), cluster["gateway"])
        k.control.put("/resilience", json={"timeouts": False}).raise_for_status()
        k.control.put(f"/services/{required}/faults", json={"latency_ms": 8000}).raise_for_status()


def kill_everything(kitchens: list[Kitchen]) -> None:
    for k in kitchens:
        for s in k.cluster()["services"]:
            k.post(f"/services/{s['name']}/kill")


BREAKS: dict[str, Callable[[list[Kitchen]], None]] = {
    "gateway killed": kill_front_doors, "a dependency hangs": hang_a_dependency, "everything killed": kill_everything}


def settled(page) -> None:
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=PATIENCE_MS)


def no_traceback(page, where: str) -> None:
    assert page.locator("[data-testid=stException]").count() == 0, f"an exception is shown: {where}"
    assert "Traceback" not in page.inner_text("body"), f"a traceback is shown: {where}"


def press_every_button(page, where: str) -> int:
    """Click each enabled button of the page's main area once, in order; answer how many were pressed."""
    pressed = 0
    for index in range(page.locator(MAIN_BUTTONS).count()):
        buttons = page.locator(MAIN_BUTTONS)
        if index >= buttons.count():  # the page changed under us: fewer buttons now
            break
        button = buttons.nth(index)
        label = (button.inner_text() or button.get_attribute("aria-label") or "?").strip()
        try:
            button.click(timeout=5_000)
        except Exception:  # hidden or covered meanwhile (it moved): not a page error
            continue
        pressed += 1
        settled(page)
        no_traceback(page, f"{where}, after pressing {label!r}")
    return pressed


@pytest.mark.parametrize("broken", list(BREAKS))
def test_every_button_of_every_page_with_the_kitchens_broken(broken, attached_app, streaming, restaurant,
                                                             restaurant_monolith_kitchen, streaming_monolith_kitchen):
    url, _control_url, _server = attached_app
    kitchens = [streaming, restaurant, restaurant_monolith_kitchen, streaming_monolith_kitchen]
    with browser_page(url, 1920, 1080) as page:
        total = 0
        for link in LESSON_LINKS:
            page.get_by_role("link", name=link).first.click()
            settled(page)
            if link == LESSON_LINKS[0]:
                BREAKS[broken](kitchens)  # broken once every kitchen a page needs is running
            total += press_every_button(page, f"{link} ({broken})")
            no_traceback(page, f"{link} ({broken})")
        page.screenshot(path=str(ARTIFACTS / f"broken-{broken.replace(' ', '-')}.png"))
    assert total >= 30, f"only {total} buttons were pressed: the pages did not render their controls"
    for k in kitchens:
        k.reset()
