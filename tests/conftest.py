"""Shared fixtures: real kitchens on 127.0.0.1, one per kind, reset between tests and stopped at the end."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator

import pytest

from tests.utils.kitchen import Kitchen, kill_orphans

_started: list[Kitchen] = []


def _kitchen(tmp_path_factory: pytest.TempPathFactory, topology: str, architecture: str) -> Iterator[Kitchen]:
    kitchen = Kitchen(topology, tmp_path_factory.mktemp(f"{topology}-{architecture}"), architecture)
    _started.append(kitchen)
    try:
        yield kitchen
    finally:
        kitchen.stop()


@pytest.fixture(scope="session")
def streaming_kitchen(tmp_path_factory) -> Iterator[Kitchen]:
    yield from _kitchen(tmp_path_factory, "streaming", "microservices")


@pytest.fixture(scope="session")
def restaurant_kitchen(tmp_path_factory) -> Iterator[Kitchen]:
    yield from _kitchen(tmp_path_factory, "restaurant", "microservices")


@pytest.fixture(scope="session")
def restaurant_monolith_kitchen(tmp_path_factory) -> Iterator[Kitchen]:
    yield from _kitchen(tmp_path_factory, "restaurant", "monolith")


@pytest.fixture(scope="session")
def streaming_monolith_kitchen(tmp_path_factory) -> Iterator[Kitchen]:
    yield from _kitchen(tmp_path_factory, "streaming", "monolith")


@pytest.fixture
def streaming(streaming_kitchen: Kitchen) -> Iterator[Kitchen]:
    """The shared streaming kitchen, as good as new for each test."""
    streaming_kitchen.reset()
    yield streaming_kitchen


@pytest.fixture
def restaurant(restaurant_kitchen: Kitchen) -> Iterator[Kitchen]:
    restaurant_kitchen.reset()
    yield restaurant_kitchen


@pytest.fixture
def new_kitchen(tmp_path) -> Iterator:
    """A factory for a kitchen of a test's own (stopped after the test)."""
    mine: list[Kitchen] = []

    def start(topology: str = "streaming", architecture: str = "microservices") -> Kitchen:
        kitchen = Kitchen(topology, tmp_path / f"{topology}-{architecture}-{len(mine)}", architecture) \
            if (tmp_path / f"{topology}-{architecture}-{len(mine)}").mkdir() is None else None
        mine.append(kitchen)
        _started.append(kitchen)
        return kitchen

    yield start
    for kitchen in mine:
        kitchen.stop()


def pytest_sessionfinish(session, exitstatus) -> None:
    """No orphans: every process any kitchen started during the session must be gone."""
    left = kill_orphans({pid for k in _started for pid in k.pids_seen})
    if left:
        print(f"\nORPHANS left by the test session (now killed): {left}")
        session.exitstatus = 1


@pytest.fixture(scope="session", autouse=True)
def node_packages_installed() -> None:
    """Where Node.js 20+ is here, the users build's npm packages are installed before any test (``npm ci`` from the
    lockfile, as the control plane does the first time a learner swaps to Node.js): a fresh clone's
    ``python -m pytest`` then tests the Node.js build without a first deploy waiting a minute for it."""
    import time

    from mini_services.control.node import PACKAGES, find_node

    if find_node()[2] is not None:
        return  # no usable Node.js: its tests say so and skip; everything else runs
    PACKAGES.ensure()
    deadline = time.monotonic() + 600
    while PACKAGES.state == "installing" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert PACKAGES.state == "installed", f"the users build's npm packages: {PACKAGES.detail}"


@pytest.fixture(autouse=True)
def _alone_when_timed(request, tmp_path_factory) -> Iterator[None]:
    """With pytest-xdist's workers, a test marked ``alone`` (it holds the live system to a deadline: "within 2 s")
    runs while no other test does, so the other worker's browser and kitchens do not take its CPU; every other test
    runs beside any other. A readers-writer lock shared by the workers of one session (flock on two files in its
    shared temporary directory), the turnstile first so that a waiting ``alone`` test is not starved."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield  # one process: every test is alone already
        return
    shared = tmp_path_factory.getbasetemp().parent  # the session's directory; each worker has its own below it
    alone = request.node.get_closest_marker("alone") is not None
    with open(shared / "alone.turnstile", "a") as turnstile, open(shared / "alone.lock", "a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
