"""Acceptance (i): when `serve` stops, for whatever reason, every process it started stops too."""

from __future__ import annotations

import signal

import pytest

from tests.utils.kitchen import alive, wait_for


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_serve_stops_every_replica(new_kitchen, sig):
    kitchen = new_kitchen("restaurant")
    kitchen.post("/services/chef/scale", {"replicas": 3})
    wait_for(lambda: len(kitchen.up("chef")) == 3, 10, "three chefs")
    pids = {r["pid"] for s in kitchen.cluster()["services"] for r in s["replicas"]}
    assert len(pids) == 7 and all(alive(p) for p in pids)
    kitchen.stop(sig)  # asserts every process it started is gone
    assert kitchen.process.returncode is not None


def test_a_killed_control_plane_takes_its_replicas_with_it(new_kitchen):
    kitchen = new_kitchen("streaming")
    pids = {r["pid"] for s in kitchen.cluster()["services"] for r in s["replicas"]}
    kitchen.process.kill()  # SIGKILL: no chance to clean up; the kernel and the replicas' own watch do it
    kitchen.process.wait()
    wait_for(lambda: not any(alive(p) for p in pids), 5, "replicas to die with their control plane")
