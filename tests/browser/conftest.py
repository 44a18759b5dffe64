"""Browser-test fixtures: the app attached to the test session's kitchens."""

from __future__ import annotations

import pytest

from tests.browser.browser import running_app


@pytest.fixture
def attached_app(tmp_path, streaming, restaurant, restaurant_monolith_kitchen, streaming_monolith_kitchen):
    """The app attached to the test session's kitchens (reset), as `KITCHEN_*_URL` allows: the pages and the
    Control room are the same, and the suite does not start four more kitchens for them."""
    for kitchen in (restaurant_monolith_kitchen, streaming_monolith_kitchen):
        kitchen.reset()
    kitchens = {"KITCHEN_CONTROL_URL": streaming, "KITCHEN_RESTAURANT_URL": restaurant,
                "KITCHEN_RESTAURANT_MONOLITH_URL": restaurant_monolith_kitchen,
                "KITCHEN_STREAMING_MONOLITH_URL": streaming_monolith_kitchen}
    with running_app(tmp_path, attach={name: k.url for name, k in kitchens.items()}) as app:
        yield app
