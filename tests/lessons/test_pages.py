"""Every page runs under Streamlit's AppTest against a real kitchen, with no exception; its main control works."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.utils.kitchen import ROOT, Kitchen, wait_for

PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


@pytest.fixture
def app_env(streaming: Kitchen, monkeypatch):
    monkeypatch.setenv("KITCHEN_CONTROL_URL", streaming.url)
    from lessons.app_state import kitchen
    kitchen.clear()
    yield streaming
    kitchen.clear()


def run_page(name: str) -> AppTest:
    at = AppTest.from_file(str(Path(ROOT, "pages", name)), default_timeout=30)
    return at.run()


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception(app_env, page):
    at = run_page(page)
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_home_sends_the_entry_request(app_env):
    at = run_page("home.py")
    at.button[0].click().run()
    assert any("HTTP 200" in c.value for c in at.caption)


def test_control_room_kills_and_restarts_billing(app_env: Kitchen):
    at = run_page("control_room.py")
    at.button(key="kill-billing").click().run()
    assert not at.exception
    assert app_env.service("billing")["replicas"][0]["state"] == "down"
    at.button(key="restart-billing").click().run()
    wait_for(lambda: app_env.up("billing"), 10, "billing back")


def test_control_room_scales_recommendations(app_env: Kitchen):
    at = run_page("control_room.py")
    at.number_input(key="replicas-recommendations").set_value(3).run()
    assert not at.exception
    wait_for(lambda: len(app_env.up("recommendations")) == 3, 10, "three recommendation replicas")
