"""The circuit breaker's states, driven by its real clock."""

from __future__ import annotations

import pytest

from mini_services.kit.calls import Breaker
from tests.utils.kitchen import wait_for


@pytest.mark.alone
def test_opens_after_repeated_failures_then_lets_one_trial_through():
    breaker = Breaker(failures=3, cooldown_s=0.2)
    for _ in range(2):
        breaker.record(False)
    assert breaker.state == "closed" and breaker.allow()
    breaker.record(False)
    assert breaker.state == "open" and not breaker.allow()
    wait_for(lambda: breaker.state == "half-open", 2, "the cool-down to pass")
    assert breaker.allow() and not breaker.allow(), "exactly one trial while half-open"
    breaker.record(True)
    assert breaker.state == "closed" and breaker.allow()


def test_a_failed_trial_opens_it_again():
    breaker = Breaker(failures=1, cooldown_s=0.1)
    breaker.record(False)
    wait_for(lambda: breaker.state == "half-open", 2, "the cool-down to pass")
    assert breaker.allow()
    breaker.record(False)
    assert breaker.state == "open"
