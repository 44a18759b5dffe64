"""Three ways to break the session's kitchens, shared by the walks that press every button of every page with them
broken (in the browser: tests/browser/test_broken_kitchen.py; the pages' own code: tests/lessons/test_broken_pages.py).

    gateway killed        every kitchen's front door (gateway, waiter, the monoliths) SIGKILLed
    a dependency hangs    users / chef / the monoliths answer after 8 s, with timeouts switched off
    everything killed     every service of every kitchen SIGKILLed
"""

from __future__ import annotations

from collections.abc import Callable

from tests.utils.kitchen import Kitchen


def kill_front_doors(kitchens: list[Kitchen]) -> None:
    for k in kitchens:
        k.post(f"/services/{k.cluster()['gateway']}/kill")


def hang_a_dependency(kitchens: list[Kitchen]) -> None:
    for k in kitchens:
        cluster = k.cluster()
        required = next((s["name"] for s in cluster["services"] if s["name"] != cluster["gateway"]
                         and not s["optional"]), cluster["gateway"])
        k.control.put("/resilience", json={"timeouts": False}).raise_for_status()
        k.control.put(f"/services/{required}/faults", json={"latency_ms": 8000}).raise_for_status()


def kill_everything(kitchens: list[Kitchen]) -> None:
    for k in kitchens:
        for s in k.cluster()["services"]:
            k.post(f"/services/{s['name']}/kill")


BREAKS: dict[str, Callable[[list[Kitchen]], None]] = {
    "gateway killed": kill_front_doors, "a dependency hangs": hang_a_dependency, "everything killed": kill_everything}
