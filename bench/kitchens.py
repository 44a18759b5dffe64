"""How many private kitchens fit on this machine: streaming kitchens started in waves until 30 run, or something fails.

Each kitchen is ``python -m mini_services serve --topology streaming --port 0 --data-dir DIR`` (its own data
dir, and ``--owner-pid`` so it dies with this script). First one kitchen is started alone by exec, as the CLI
does (the CPU it takes to start, from /proc, until every replica is up: target <= 1.2 CPU-s on a quiet machine),
then one alone forked from a kitchen template, as the app starts private kitchens (``lessons/private.py``), then
the rest from that template ``--wave`` at a time (10 by default: ten started together, the last up <= 10 s),
the next wave once the last one is up.
The run stops growing at ``--max`` kitchens (the target: 30, a class each with a private kitchen), or when a
kitchen does not have every replica up within ``--start-timeout`` seconds, or when the machine's available
memory would drop below ``--reserve-mb``, or when the time budget is spent. PSS per kitchen: target <= 150 MB.

Per kitchen: the start time (serve started until /cluster shows every replica up) and the memory of the serve
process and all its children (RSS, and PSS: shared pages split between their users, the honest sum). With all
of them running: one entry request to each (does every kitchen still serve, and how fast). Then every kitchen is
stopped (SIGTERM) and every process any of them started is checked gone.

Run: ``python bench/kitchens.py [--max 30] [--wave 10]`` (about 1.5 minutes on a quiet machine; under 5 in all).
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from _common import ROOT, CpuShare, _assert_gone, _terminate, cpu_seconds, ms, percentile, tree

from mini_services.control.forked import WarmTemplate

TARGET_KITCHENS = 30
TARGET_START_CPU_S = 1.2  # CPU to start one kitchen, alone on the machine (issue 12)
TARGET_TEN_UP_S = 10.0  # ten kitchens started together: the last one up
TARGET_PSS_MB = 150.0  # per kitchen
MB = 2**20


@dataclass
class Started:
    """One kitchen being started or running."""

    index: int
    data_dir: Path
    process: subprocess.Popen
    began: float
    url: str | None = None
    up_s: float | None = None  # serve started -> every replica up
    start_cpu_s: float = 0.0  # CPU time its processes had used by then
    pids: set[int] = field(default_factory=set)  # every process it was seen with
    failure: str | None = None

    def poll(self, client: httpx.Client) -> bool:
        """One step towards running; True once every replica is up (or it has failed)."""
        if self.process.poll() is not None:
            self.failure = f"serve exited with {self.process.returncode}"
            return True
        if self.url is None:
            ready, _, _ = select.select([self.process.stdout], [], [], 0)
            if not ready:
                return False
            line = self.process.stdout.readline().decode()
            if " on http://" not in line:
                self.failure = f"unexpected first line {line!r}"
                return True
            self.url = line.split(" on ", 1)[1].split(",", 1)[0].strip()
        try:
            cluster = client.get(f"{self.url}/cluster", timeout=5).json()
        except httpx.HTTPError:
            return False
        self.pids |= {r["pid"] for s in cluster["services"] for r in s["replicas"] if r["pid"]}
        if all(len([r for r in s["replicas"] if r["state"] == "up"]) == s["desired_replicas"]
               for s in cluster["services"]):
            self.up_s = time.monotonic() - self.began
            self.start_cpu_s = self.cpu_s()
            return True
        if any(r["state"] == "down" for s in cluster["services"] for r in s["replicas"]):
            timed_out = (self.data_dir / "serve.log").read_text(errors="replace").count("did not start in time")
            self.failure = (f"replicas down: {[r['id'] for s in cluster['services'] for r in s['replicas'] if r['state'] == 'down']}"
                            f" ({timed_out} killed by the supervisor for not starting in time)")
            return True
        return False

    def cpu_s(self) -> float:
        return cpu_seconds(tree(self.process.pid))

    def memory(self) -> tuple[float, float, int]:
        """(RSS, PSS) in MB summed over serve and every child, and how many processes."""
        rss = pss = 0.0
        processes = tree(self.process.pid)
        for p in processes:
            self.pids.add(p.pid)
            try:
                m = p.memory_full_info()
            except psutil.Error:
                continue
            rss, pss = rss + m.rss / MB, pss + m.pss / MB
        return rss, pss, len(processes)


def start(index: int, root: Path, template: WarmTemplate | None = None) -> Started:
    """``serve`` by exec, or (``template``) forked from a kitchen template, as the app starts private kitchens."""
    data_dir = root / f"kitchen-{index:02d}"
    data_dir.mkdir()
    argv = ["serve", "--topology", "streaming", "--port", "0", "--data-dir", str(data_dir), "--owner-pid",
            str(os.getpid())]
    with open(data_dir / "serve.log", "wb") as log:
        if template is None:
            process = subprocess.Popen([sys.executable, "-m", "mini_services", *argv], cwd=ROOT,
                                       stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, bufsize=0)
            return Started(index, data_dir, process, time.monotonic())
        began, (out_r, out_w) = time.monotonic(), os.pipe()
        process = template.launch_kitchen(argv, out_w, log.fileno())
        os.close(out_w)
        process.stdout = os.fdopen(out_r, "rb", buffering=0)  # its first line says where it listens
        return Started(index, data_dir, process, began)


def ratio(what: str, value: float | None, target: float, unit: str) -> None:
    """One figure as a ratio to its target (at most the target is a pass)."""
    if value is None:
        print(f"  {what}: not measured (target <= {target:g} {unit})")
        return
    print(f"  {what}: {value:.2f} {unit} = {value / target:.2f}x the {target:g} {unit} target "
          f"({'PASS' if value <= target else 'FAIL'})")


def available_mb() -> float:
    return psutil.virtual_memory().available / MB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=TARGET_KITCHENS, help="kitchens to reach (default %(default)s)")
    parser.add_argument("--wave", type=int, default=10, help="kitchens started together (default %(default)s)")
    parser.add_argument("--start-timeout", type=float, default=60.0,
                        help="seconds for a kitchen to have every replica up (default %(default)s)")
    parser.add_argument("--reserve-mb", type=float, default=2048.0,
                        help="stop before available memory drops below this (default %(default)s)")
    parser.add_argument("--budget-s", type=float, default=200.0,
                        help="no new wave after this many seconds (default %(default)s)")
    args = parser.parse_args()

    total_mb = psutil.virtual_memory().total / MB
    before_mb = available_mb()
    print(f"Private kitchens on one machine ({psutil.cpu_count()} cores, {total_mb:,.0f} MB memory, "
          f"{before_mb:,.0f} MB available before)")
    kitchens: list[Started] = []
    alones: dict[str, float | None] = {}
    template: WarmTemplate | None = None
    stopped_because = f"reached {args.max}"
    began, waves = time.monotonic(), 0
    cpu = CpuShare().start()
    client = httpx.Client()
    with tempfile.TemporaryDirectory(prefix="bench-kitchens-") as tmp:
        try:
            template = WarmTemplate.exec_new(Path(tmp) / "template.log", kitchens=True)  # as the app does
            template.ready.wait(30)
            for how, via in (("by exec (the CLI)", None), ("forked from the kitchen template (the app)", template)):
                alone = start(len(kitchens) + 1, Path(tmp), via)  # one kitchen alone: nothing else starting
                kitchens.append(alone)
                while not alone.poll(client) and time.monotonic() - alone.began < args.start_timeout:
                    time.sleep(0.05)
                alones[how] = alone.start_cpu_s if alone.up_s else None
                print(f"  one kitchen alone, {how}: up in {alone.up_s or float('nan'):.2f} s, {alone.start_cpu_s:.2f} "
                      f"CPU-s to start, PSS {alone.memory()[1]:.0f} MB{f'; FAILED: {alone.failure}' if alone.failure else ''}",
                      flush=True)
            first_wave: list[Started] = []
            while len(kitchens) < args.max and not any(k.failure for k in kitchens):
                if time.monotonic() - began > args.budget_s:
                    stopped_because = f"time budget of {args.budget_s:g} s spent"
                    break
                running = [k for k in kitchens if k.up_s is not None]
                per_kitchen_mb = statistics.mean(k.memory()[0] for k in running) if running else 500.0
                n = min(args.wave, args.max - len(kitchens))
                if available_mb() - n * per_kitchen_mb < args.reserve_mb:
                    stopped_because = (f"memory: {available_mb():,.0f} MB available, a wave of {n} needs about "
                                       f"{n * per_kitchen_mb:,.0f} MB and {args.reserve_mb:g} MB stay free")
                    break
                wave, waves = [start(len(kitchens) + i + 1, Path(tmp), template) for i in range(n)], waves + 1
                kitchens += wave
                first_wave = first_wave or wave
                wave_began, pending = time.monotonic(), list(wave)
                while pending and time.monotonic() - wave_began < args.start_timeout:
                    pending = [k for k in pending if not k.poll(client)]
                    if pending:
                        time.sleep(0.05)  # polling /cluster of the kitchens still starting
                for k in pending:
                    k.failure = f"not every replica up within {args.start_timeout:g} s"
                failed = [k for k in wave if k.failure]
                ups = [k.up_s for k in wave if k.up_s is not None]
                print(f"  wave {waves:2d}: kitchens "
                      f"{wave[0].index:2d}-{wave[-1].index:2d} up in {', '.join(f'{s:.1f}' for s in ups)} s"
                      f"{f'; FAILED: {[(k.index, k.failure) for k in failed]}' if failed else ''}; "
                      f"{available_mb():,.0f} MB available; {time.monotonic() - began:.0f} s in", flush=True)
                if failed:
                    stopped_because = f"kitchen(s) {[k.index for k in failed]} failed to start"
                    break
            cpu.stop()

            running = [k for k in kitchens if k.up_s is not None and not k.failure]
            memories = [k.memory() for k in running]
            idle0, t0 = sum(k.cpu_s() for k in running), time.monotonic()
            time.sleep(5)  # idle: what the running kitchens cost when nobody uses them
            idle_cores = (sum(k.cpu_s() for k in running) - idle0) / (time.monotonic() - t0)
            during_mb = available_mb()
            latencies, served, asking_until = [], 0, time.monotonic() + 30
            for k in running:  # does each kitchen still serve while all of them run? (its first entry request)
                if time.monotonic() > asking_until:
                    break  # counted as not served
                t0 = time.monotonic()
                try:
                    gateway = client.get(f"{k.url}/cluster", timeout=5).json()["gateway_url"]
                    t0 = time.monotonic()
                    served += client.get(f"{gateway}/api/home", params={"user_id": 7}, timeout=5).status_code == 200
                except httpx.HTTPError:
                    pass
                latencies.append((time.monotonic() - t0) * 1000)

            rss, pss = sum(m[0] for m in memories), sum(m[1] for m in memories)
            starts = [k.up_s for k in running]
            print(f"\n  {len(running)} kitchens running ({sum(m[2] for m in memories)} processes); "
                  f"stopped growing: {stopped_because}")
            if running:
                print(f"  start until every replica up: mean {statistics.mean(starts):.2f} s, "
                      f"median {statistics.median(starts):.2f} s, max {max(starts):.2f} s "
                      f"(first wave {statistics.mean(starts[:args.wave]):.2f} s, last wave "
                      f"{statistics.mean(starts[-args.wave:]):.2f} s)")
                print(f"  CPU to start one kitchen: {statistics.mean(k.start_cpu_s for k in running):.1f} CPU-s (mean); "
                      f"all {len(running)} idle: {idle_cores:.0%} of one core ({idle_cores / len(running):.1%} each)")
                print(f"  memory, all kitchens: RSS {rss:,.0f} MB, PSS {pss:,.0f} MB; "
                      f"per kitchen: RSS {rss / len(running):.0f} MB, PSS {pss / len(running):.0f} MB (mean)")
                print(f"  machine available memory: {before_mb:,.0f} MB before, {during_mb:,.0f} MB with all running "
                      f"({before_mb - during_mb:,.0f} MB used, {(before_mb - during_mb) / len(running):.0f} MB per kitchen)")
                print(f"  first entry request to each kitchen with all running: {served}/{len(running)} answered 200, "
                      f"p50 {ms(percentile(latencies, 50))}, max {ms(max(latencies) if latencies else None)}")
                used_each = max(before_mb - during_mb, 1.0) / len(running)
                print(f"  by memory, about {int((during_mb - args.reserve_mb) // used_each)} more would fit "
                      f"({args.reserve_mb:g} MB kept free)")
            print(f"  {len(running)} / {TARGET_KITCHENS} target kitchens = {len(running) / TARGET_KITCHENS:.2f}x the target "
                  f"({'PASS' if len(running) >= TARGET_KITCHENS else 'FAIL'})")
            for how, cpu_s in alones.items():
                ratio(f"CPU to start one kitchen alone, {how}", cpu_s, TARGET_START_CPU_S, "CPU-s")
            last_of_first = max(k.up_s or float("inf") for k in first_wave) if first_wave else None
            ratio(f"the last of the first {len(first_wave)} started together up", last_of_first, TARGET_TEN_UP_S, "s")
            ratio("PSS per kitchen (all running)", pss / len(running) if running else None, TARGET_PSS_MB, "MB")
            print(f"  ({cpu.summary()})")
        finally:
            pids: set[int] = {template.pid} if template else set()
            for k in kitchens:
                pids |= k.pids | {p.pid for p in tree(k.process.pid)}
                if k.process.poll() is None:
                    k.process.terminate()  # all at once; each stops its replicas
            stop_began = time.monotonic()
            for k in kitchens:
                _terminate(k.process)  # waits (SIGKILL after 15 s)
                k.process.stdout.close()
            client.close()
            if template:
                template.close()
            _assert_gone(pids, f"{len(kitchens)} kitchens")
            print(f"  stopped every kitchen in {time.monotonic() - stop_began:.1f} s: none of their {len(pids)} "
                  f"processes is left; {available_mb():,.0f} MB available after")


if __name__ == "__main__":
    main()
