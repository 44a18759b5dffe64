"""Fixtures of the learner-facing tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lessons.progress import store


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The cached learner store points at this test's own folder."""
    monkeypatch.setenv("KITCHEN_DATA_ROOT", str(tmp_path))
    store.clear()
    yield tmp_path
    store.clear()


@pytest.fixture(autouse=True)
def no_kitchen_client_outlives_its_test() -> Iterator[None]:
    """The app's cached kitchen clients point at whatever URL a test set: forget them after each test, so the
    next test's ``KITCHEN_CONTROL_URL`` is the one it talks to."""
    yield
    from lessons.app_state import kitchen

    kitchen.clear()
