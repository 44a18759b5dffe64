"""Browser-test fixtures: the app attached to the test session's kitchens.

    attached_app       one Streamlit server for the session (per pytest-xdist worker), shared by the tests that
                       need no server of their own: each test has a browser of its own, so a learner of its own
    fresh_attached_app a new server for one test (what a first visitor of a fresh server sees)
"""

from __future__ import annotations

import pytest

from tests.browser.browser import running_app


@pytest.fixture
def _kitchens_as_new(streaming, restaurant, restaurant_monolith_kitchen, streaming_monolith_kitchen) -> dict[str, str]:
    """The session's four kitchens, each reset, as the app's `KITCHEN_*_URL` (the first two reset by their fixtures)."""
    for kitchen in (restaurant_monolith_kitchen, streaming_monolith_kitchen):
        kitchen.reset()
    return _attach(streaming, restaurant, restaurant_monolith_kitchen, streaming_monolith_kitchen)


def _attach(streaming, restaurant, restaurant_monolith, streaming_monolith) -> dict[str, str]:
    kitchens = {"KITCHEN_CONTROL_URL": streaming, "KITCHEN_RESTAURANT_URL": restaurant,
                "KITCHEN_RESTAURANT_MONOLITH_URL": restaurant_monolith,
                "KITCHEN_STREAMING_MONOLITH_URL": streaming_monolith}
    return {name: k.url for name, k in kitchens.items()}


@pytest.fixture(scope="session")
def _session_app(tmp_path_factory, streaming_kitchen, restaurant_kitchen, restaurant_monolith_kitchen,
                 streaming_monolith_kitchen):
    with running_app(tmp_path_factory.mktemp("attached-app"), attach=_attach(
            streaming_kitchen, restaurant_kitchen, restaurant_monolith_kitchen, streaming_monolith_kitchen)) as app:
        yield app


@pytest.fixture
def attached_app(_session_app, _kitchens_as_new):
    """The app attached to the test session's kitchens (reset), as `KITCHEN_*_URL` allows: the pages and the
    Control room are the same, and the suite does not start four more kitchens (or a server a test) for them."""
    assert _session_app[2].poll() is None, "the session's app server has stopped: see its streamlit.log"
    yield _session_app


@pytest.fixture
def fresh_attached_app(tmp_path, _kitchens_as_new):
    """A server of this test's own on the session's kitchens (reset): nobody has visited it yet."""
    with running_app(tmp_path, attach=_kitchens_as_new) as app:
        yield app
