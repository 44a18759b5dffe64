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

PATIENCE_S = 30  # a page run, a hanging dependency included
PAGE_PATIENCE_S = 1  # the pages' own patience for a request (3 s in class): the hang (8 s) outlasts either


def no_exception(at, where: str) -> None:
    assert not at.exception, f"{where}: {[e.message for e in at.exception]}"


def said(at) -> str:
    """Everything the page says in words (its alerts, text and captions)."""
    return "\n".join(str(e.value) for kind in (at.error, at.warning, at.info, at.success, at.markdown, at.caption)
                     for e in kind)


def press_every_button(at, where: str, heard: list[str] | None = None) -> int:
    """Click each enabled button of the page's main area once, in order (the page run after each press included);
    answer how many were pressed (and keep what the page said after each press in ``heard``)."""
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
        if heard is not None:
            heard.append(said(at))
    return pressed


@pytest.mark.parametrize("broken", BREAKS)
def test_every_button_of_every_page_with_the_kitchens_broken(broken, kitchens, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KITCHEN_PAGE_PATIENCE_S", str(PAGE_PATIENCE_S))  # read by the pages at each request
    broken_kitchens = list(kitchens.values())
    pressed: dict[str, int] = {}
    heard: list[str] = []
    began = time.monotonic()
    try:
        for page in PAGES:
            at = run_page(page)  # every kitchen the page needs is running...
            BREAKS[broken](broken_kitchens)  # ...then broken (again: a button of the page before may have mended it)
            at.run(timeout=PATIENCE_S)
            no_exception(at, f"{page} ({broken})")
            pressed[page] = press_every_button(at, f"{page} ({broken})", heard)
    finally:
        for k in broken_kitchens:
            k.reset()
    print(f"{broken}: {sum(pressed.values())} buttons pressed in {time.monotonic() - began:.0f} s: {pressed}")
    # every lesson and the Control room rendered its controls, however broken the kitchen behind them
    unpressed = [p for p in PAGES if (p[0].isdigit() or p == "control_room.py") and not pressed[p]]
    assert not unpressed, f"pages with no button to press (did they render?): {unpressed}; {pressed}"
    if broken == "a dependency hangs":  # the hang was real: pages waited their patience out and said so
        gave_up = [s for s in heard if f"did not answer within {PAGE_PATIENCE_S:g} s" in s]
        assert len(gave_up) >= 5, f"only {len(gave_up)} presses met the hang and said so"
