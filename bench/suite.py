"""The whole test suite's length on this machine, and where its CPU goes (issue 12: <= 5 minutes on 2 cores).

Runs the README's test command, ``python -m pytest``, as CI does (``--workers 2`` adds pytest-xdist's ``-n 2``),
and measures, in that one run:

    the suite's wall time                      ratio to the 5-minute target
    the CPU the whole machine used meanwhile   and the floor that puts under the wall time on this machine's
                                               cores (CPU-s / cores, if every core were busy all the time)
    CPU by kind of process                     every process sampled each second from /proc: Chromium, the
                                               kitchens, the Streamlit servers, Node.js, the broker, pytest
    CPU of each test (one process only)        the machine's CPU from its start to its end (bench/_suite_meter.py)

Other programs on the machine are counted in the kinds as "other" and said as a share: a busy machine makes
the figures worse, not wrong. Every process the suite starts is the suite's to stop (its own no-orphans check);
this script adds only that check after it: no kitchen, browser or app server is left.

Run: ``python bench/suite.py [--workers 2] [--top 15] [-- extra pytest args]`` (as long as the suite: ~12 min here).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import psutil
from _suite_meter import machine_cpu_s

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 300.0
HZ = os.sysconf("SC_CLK_TCK")
# the first pattern found in a process's command line names its kind
KINDS = (("chromium", ("chromium", "chrome")), ("nats-server", ("nats-server",)), ("node", ("node ", "/node")),
         ("streamlit", ("streamlit",)), ("kitchen", ("mini_services",)),
         ("pytest", ("pytest", "execnet", "xdist", "exec(eval(sys.stdin")),  # the last: how an xdist worker starts
         ("npm and builds", ("npm", "gyp", "make", "cc1", "g++")))
OURS = ("mini_services", "streamlit", "chromium", "nats-server", "users/node")


def kind(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    return next((name for name, marks in KINDS if any(m in command for m in marks)), "other")


class Sampler:
    """Every process's CPU time, read each second; what each kind of process spent while the sampler ran."""

    def __init__(self) -> None:
        self.spent: Counter[str] = Counter()
        self._seen: dict[tuple[int, str], tuple[str, float]] = {}  # (pid, start time) -> kind, CPU-s so far
        self._stop = threading.Event()
        self._read(count=False)  # what ran before counts nothing
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self, count: bool = True) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cpu, key = (int(fields[11]) + int(fields[12])) / HZ, (int(entry), fields[19])
            named, before = self._seen.get(key, (None, 0.0))
            named = named or kind(int(entry))
            if count:
                self.spent[named] += cpu - before
            self._seen[key] = (named, cpu)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._read()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=0, help="pytest-xdist workers (-n); 0: one test at a time")
    parser.add_argument("--top", type=int, default=15, help="how many of the costliest tests to list")
    parser.add_argument("pytest_args", nargs="*", help="more arguments for pytest (after --)")
    args = parser.parse_args()
    cores = psutil.cpu_count() or 1
    command = [sys.executable, "-m", "pytest", *(["-n", str(args.workers)] if args.workers else []),
               "-p", "_suite_meter", "-p", "no:cacheprovider", "-q", *args.pytest_args]
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        meter = Path(tmp) / "tests.jsonl"
        env = {**os.environ, "SUITE_METER_OUT": str(meter),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")]))}
        print(f"running: {' '.join(command[1:])}  (on {cores} cores)", flush=True)
        cpu0, began = machine_cpu_s(), time.monotonic()
        with Sampler() as sampler:
            finished = subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                      text=True)
        wall, cpu = time.monotonic() - began, machine_cpu_s() - cpu0
        rows = [json.loads(line) for line in meter.read_text().splitlines()] if meter.exists() else []
    summary = [line for line in finished.stdout.splitlines() if " in " in line and ("passed" in line or
                                                                                     "failed" in line)]
    print(f"pytest exit {finished.returncode}: {summary[-1] if summary else finished.stdout[-500:]}")
    if finished.returncode:
        print(finished.stdout[-3000:])

    print(f"\nthe suite: {wall:,.0f} s of wall time = {wall / TARGET_S:.2f}x the {TARGET_S:.0f} s target "
          f"({'PASS' if wall <= TARGET_S else 'FAIL'})")
    floor = cpu / cores
    print(f"the machine's CPU meanwhile: {cpu:,.0f} CPU-s, {cpu / wall:.2f} of {cores} cores busy; "
          f"with every core busy all the time it could take no less than {floor:,.0f} s = "
          f"{floor / TARGET_S:.2f}x the target")
    print("\nCPU by kind of process (sampled every second):")
    for name, spent in sampler.spent.most_common():
        if spent >= 0.5:
            print(f"  {name:16s} {spent:7.1f} CPU-s  {spent / cpu:5.1%}")
    if not rows:
        print("\n(each test's CPU is measured only when one test runs at a time)")
    else:
        by_file: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for row in rows:
            figures = by_file[row["test"].split("::")[0]]
            figures[0] += row["cpu_s"]
            figures[1] += row["wall_s"]
        browser = sum(c for f, (c, _) in by_file.items() if f.startswith("tests/browser/"))
        print(f"\nthe browser tests (tests/browser): {browser:,.0f} CPU-s = {browser / cpu:.0%} of the suite's")
        print(f"the {args.top} costliest tests (the machine's CPU from each one's start to its end):")
        for row in sorted(rows, key=lambda r: -r["cpu_s"])[:args.top]:
            print(f"  {row['cpu_s']:6.1f} CPU-s {row['wall_s']:6.1f} s  {row['test']}")
        print("by file:")
        for name, (spent, took) in sorted(by_file.items(), key=lambda item: -item[1][0])[:args.top]:
            print(f"  {spent:6.1f} CPU-s {took:6.1f} s  {name}")
    started = time.time() - (time.monotonic() - began)  # processes of the suite began after it did
    left = [p.pid for p in psutil.process_iter(["cmdline", "create_time"]) if p.info["create_time"] >= started
            and any(mark in " ".join(p.info["cmdline"] or []) for mark in OURS)]
    print(f"\nprocesses of ours left after the suite: {left or 'none'}")
    sys.exit(1 if finished.returncode or left else 0)


if __name__ == "__main__":
    main()
