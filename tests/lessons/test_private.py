"""Private kitchens: a learner's own kitchen to break, cleaned up when idle, bounded in number."""

from __future__ import annotations

import threading
import uuid

import pytest
from streamlit.testing.v1 import AppTest

from lessons.kitchen import KitchenUnavailable
from lessons.private import PrivateKitchens, private_kitchens
from tests.utils.kitchen import ROOT, Kitchen, alive, wait_for


@pytest.fixture
def registry(monkeypatch, tmp_path):
    monkeypatch.setenv("KITCHEN_DATA_ROOT", str(tmp_path))
    mine = PrivateKitchens()
    yield mine
    monkeypatch.setenv("KITCHEN_PRIVATE_IDLE_S", "0")
    mine.stop_idle()
    template = mine.template
    mine.close()  # and the kitchen template the private kitchens were forked from
    assert template is None or not alive(template.pid), "the kitchen template outlived its registry"


def pids_of(kitchen) -> set[int]:
    return {kitchen.process.pid} | {r["pid"] for s in kitchen.cluster()["services"] for r in s["replicas"]}


def test_a_private_kitchen_is_its_own_and_goes_when_idle(registry: PrivateKitchens, streaming: Kitchen, monkeypatch):
    learner = uuid.uuid4().hex
    mine = registry.get(learner)
    assert mine.url != streaming.url and registry.get(learner) is mine, "one kitchen per learner, reused"
    mine.kill("billing")
    assert streaming.up("billing"), "breaking my kitchen leaves the class's alone"
    pids = pids_of(mine)
    monkeypatch.setenv("KITCHEN_PRIVATE_IDLE_S", "0.2")
    wait_for(lambda: learner in registry.stop_idle() or learner not in registry.kitchens, 5, "the idle kitchen stopped")
    wait_for(lambda: not any(alive(p) for p in pids), 10, "every process of the private kitchen gone")


def test_the_number_of_private_kitchens_is_bounded(registry: PrivateKitchens, monkeypatch):
    monkeypatch.setenv("KITCHEN_MAX_PRIVATE_KITCHENS", "1")
    registry.get(uuid.uuid4().hex)
    with pytest.raises(KitchenUnavailable, match="private kitchens of this server are in use"):
        registry.get(uuid.uuid4().hex)


def test_a_start_keeps_nobody_else_waiting_and_two_tabs_share_one_start(registry: PrivateKitchens):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    mine = registry.get(first)
    got: list = []
    tabs = [threading.Thread(target=lambda: got.append(registry.get(second))) for _ in range(2)]
    for tab in tabs:
        tab.start()
    wait_for(lambda: second in registry.starting, 5, "the second learner's kitchen starting")
    assert registry.get(first) is mine, "a running kitchen is answered at once"
    assert second in registry.starting, "...while the other learner's kitchen is still starting"
    for tab in tabs:
        tab.join(timeout=60)
    assert len(got) == 2 and got[0] is got[1] and got[0].url != mine.url, "one start for the learner's two tabs"
    assert set(registry.kitchens) == {first, second} and not registry.starting


def test_the_page_says_which_kitchen_and_acts_on_the_private_one(streaming: Kitchen, monkeypatch, tmp_path):
    monkeypatch.setenv("KITCHEN_CONTROL_URL", streaming.url)
    monkeypatch.setenv("KITCHEN_DATA_ROOT", str(tmp_path))
    private_kitchens.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=40).run()
        assert any("the kitchen on this machine" in c.value for c in at.sidebar.caption)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=40)
        at.session_state["private"] = True  # the sidebar's "My own private kitchen" switch (tried in a browser too)
        at.run().switch_page("app_pages/control_room.py").run()
        assert not at.exception
        assert any("your private kitchen" in c.value for c in at.sidebar.caption), [c.value for c in at.sidebar.caption] + [e.value for e in at.error]
        at.button(key="kill-billing").click().run()
        assert not at.exception
        assert streaming.up("billing"), "the kill went to the private kitchen"
        (mine,) = private_kitchens().kitchens.values()
        assert not [r for s in mine.cluster()["services"] if s["name"] == "billing" for r in s["replicas"]
                    if r["state"] == "up"]
    finally:
        monkeypatch.setenv("KITCHEN_PRIVATE_IDLE_S", "0")
        private_kitchens().stop_idle()
        private_kitchens.clear()
