"""A pytest plugin for ``bench/suite.py``: the machine's CPU (from /proc/stat) and the wall time of each test.

Loaded with ``-p _suite_meter`` (``bench/`` on PYTHONPATH); writes JSON lines to ``$SUITE_METER_OUT``. The machine's
CPU, not the pytest process's: a test's kitchens, browser and app servers are other processes. So a figure means
something only when one test runs at a time; under pytest-xdist's workers (``-n``) nothing is written.
"""

from __future__ import annotations

import json
import os
import time

import pytest

HZ = os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> float:
    """CPU-seconds the whole machine has spent busy since boot (user, nice, system, irq, softirq)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()
    return sum(int(fields[i]) for i in (1, 2, 3, 6, 7)) / HZ


_rows: list[dict] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cpu, began = machine_cpu_s(), time.monotonic()
    yield
    _rows.append({"test": item.nodeid, "cpu_s": machine_cpu_s() - cpu, "wall_s": time.monotonic() - began})


def pytest_sessionfinish(session) -> None:
    out = os.environ.get("SUITE_METER_OUT")
    if out and not os.environ.get("PYTEST_XDIST_WORKER"):
        with open(out, "w") as written:
            written.writelines(json.dumps(row) + "\n" for row in _rows)
