"""Every button of every page pressed with the session's kitchens broken three ways, through Streamlit's AppTest:
the pages' own code, run as the server runs it, says what is broken in a sentence and never raises.

A page's Python is what meets a dead or hanging kitchen, so all three breaks are walked here, where a press costs a
script run and no browser; the browser walks the pages with one break (tests/browser/test_broken_kitchen.py), for
what only a browser draws. AppTest also presses what a browser could not reach without opening it first (the
buttons in closed expanders and popovers).
"""

from __future__ import annotations

import time

import pytest

from tests.lessons.test_pages import PAGES, kitchens, run_page  # noqa: F401 (kitchens: the fixture)
from tests.utils.breaks import BREAKS

PATIENCE_S = 30  # a page run, a hanging dependency included (the pages' own patience is 3 s a request)


def no_exception(at, where: str) -> None:
    assert not at.exception, f"{where}: {[e.message for e in at.exception]}"


def press_every_button(at, where: str) -> int:
    """Click each enabled button of the page's main area once, in order (the page run after each press included);
    answer how many were pressed."""
    pressed = index = 0
    while index < len(at.main.button):
        button = at.main.button[index]
        index += 1
        if button.disabled:
            continue
        label = button.label
        button.click().run(timeout=PATIENCE_S)
        pressed += 1
        no_exception(at, f"{where}, after pressing {label!r}")
    return pressed


@pytest.mark.parametrize("broken", BREAKS)
def test_every_button_of_every_page_with_the_kitchens_broken(broken, kitchens):  # noqa: F811
    broken_kitchens = list(kitchens.values())
    pressed: dict[str, int] = {}
    began = time.monotonic()
    try:
        for page in PAGES:
            at = run_page(page)  # every kitchen the page needs is running...
            BREAKS[broken](broken_kitchens)  # ...then broken (again: a button of the page before may have mended it)
            at.run(timeout=PATIENCE_S)
            no_exception(at, f"{page} ({broken})")
            pressed[page] = press_every_button(at, f"{page} ({broken})")
    finally:
        for k in broken_kitchens:
            k.reset()
    print(f"{broken}: {sum(pressed.values())} buttons pressed in {time.monotonic() - began:.0f} s: {pressed}")
    # every lesson and the Control room rendered its controls, however broken the kitchen behind them
    unpressed = [p for p in PAGES if (p[0].isdigit() or p == "control_room.py") and not pressed[p]]
    assert not unpressed, f"pages with no button to press (did they render?): {unpressed}; {pressed}"
