"""Acceptance (i): when `serve` stops, for whatever reason, every process it started stops too (the rail's
nats-server included)."""

from __future__ import annotations

import signal

import psutil
import pytest

from tests.utils.kitchen import alive, wait_for


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_serve_stops_every_replica(new_kitchen, sig):
    kitchen = new_kitchen("restaurant")
    kitchen.post("/services/chef/scale", {"replicas": 3})
    wait_for(lambda: len(kitchen.up("chef")) == 3, 10, "three chefs")
    pids = {r["pid"] for s in kitchen.cluster()["services"] for r in s["replicas"]}
    assert len(pids) == 8 and all(alive(p) for p in pids)  # 7 replicas and the rail's nats-server
    broker = rail_pid(kitchen)
    kitchen.stop(sig)  # asserts every process it started is gone
    assert kitchen.process.returncode is not None and not alive(broker)


@pytest.mark.parametrize("topology", ["streaming", "restaurant"])
def test_a_killed_control_plane_takes_its_replicas_with_it(new_kitchen, topology):
    kitchen = new_kitchen(topology)
    pids = {r["pid"] for s in kitchen.cluster()["services"] for r in s["replicas"]}
    if topology == "restaurant":
        assert rail_pid(kitchen) in pids
    kitchen.process.kill()  # SIGKILL: no chance to clean up; the kernel and the replicas' own watch do it
    kitchen.process.wait()
    wait_for(lambda: not any(alive(p) for p in pids), 5, "replicas (and the broker) to die with their control plane")


def rail_pid(kitchen) -> int:
    """The broker's pid, checked to be the real nats-server."""
    pid = kitchen.up("rail")[0]["pid"]
    assert psutil.Process(pid).name() == "nats-server"
    return pid
