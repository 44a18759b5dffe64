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
