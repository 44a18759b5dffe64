"""Throughput: entry requests per second through the traced gateway, and the load generator's own ceiling.

Targets (the issue): >= 300 entry requests/s through the gateway with tracing on, on 2 cores;
the built-in load generator sustains >= 500 requests/s against a bare endpoint.

(a) closed loop: C concurrent aiohttp clients send GET /api/home?user_id=7 to the streaming
    kitchen's gateway for D seconds each, first with recommendations at 1 replica (its capacity,
    2 workers x 40 ms, is 50/s: most answers come back degraded), then scaled to 8 replicas.
    Prints requests/s, p50/p95, degraded answers, and the CPU seconds each process burnt.
    At 8 replicas, runs alternate with a second kitchen whose tracing is off (OTEL_SDK_DISABLED=true
    in its environment: no spans made or exported), for the share of the cost that tracing takes.
(b) open loop: mini_services.control.load.LoadGenerator, built in this process as the control
    plane builds it, aimed at GET /ping of bench/_bare_app.py at 600, 1000 and 2000 requests/s
    (POST /load accepts at most settings.load_max_rps, 1000; 2000 shows the headroom beyond).
    Prints completions/s and p50/p95 (and how many ticks it skipped).

Run: ``python bench/throughput.py [--concurrency 48] [--seconds 5] [--rounds 2]`` (about 70 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import aiohttp
import psutil
import uvloop
from _common import CpuShare, Kitchen, bare_server, kitchen, ms, percentile, tree, wait_for

from mini_services.control.load import LoadGenerator
from mini_services.control.models import Entry
from mini_services.settings import settings
from mini_services.topologies import STREAMING

TARGET_ENTRY_RPS = 300
TARGET_LOADGEN_RPS = 500
LOADGEN_RATES = (600, 1000, 2000)  # POST /load caps rps at settings.load_max_rps (1000); built here, it has no cap
LOADGEN_SECONDS = 4.0


@dataclass
class Run:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    degraded: Counter[str] = field(default_factory=Counter)  # service -> answers without it
    degraded_answers: int = 0
    cpu_s: float = 0.0  # burnt by the kitchen and this client together

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s / max(len(self.latencies), 1) * 1000


async def closed_loop(url: str, concurrency: int, seconds: float) -> Run:
    """``concurrency`` clients, each sending the next request as soon as the last is answered."""
    run = Run()
    connector = aiohttp.TCPConnector(limit=concurrency, ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = time.monotonic() + seconds

        async def client() -> None:
            while time.monotonic() < deadline:
                began = time.monotonic()
                try:
                    async with session.get(url) as resp:
                        body = await resp.read()
                        status = str(resp.status)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    body, status = b"", type(exc).__name__
                run.latencies.append((time.monotonic() - began) * 1000)
                run.statuses[status] += 1
                if status == "200":
                    degraded = json.loads(body)["degraded"]
                    run.degraded_answers += bool(degraded)
                    run.degraded.update(degraded)

        began = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        run.seconds = time.monotonic() - began
    return run


def cpu_seconds(pids: dict[int, str]) -> dict[str, float]:
    spent: defaultdict[str, float] = defaultdict(float)
    for pid, name in pids.items():
        try:
            t = psutil.Process(pid).cpu_times()
            spent[name] += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return spent


def process_names(k: Kitchen) -> dict[int, str]:
    names = {os.getpid(): "bench client", k.process.pid: "control plane"}
    for s in k.cluster()["services"]:
        names.update({r["pid"]: s["name"] for r in s["replicas"] if r["pid"] and r["state"] == "up"})
    return names


async def entry_run(k: Kitchen, label: str, concurrency: int, seconds: float) -> Run:
    url = k.cluster()["gateway_url"] + STREAMING.entry_path
    await closed_loop(url, concurrency, 1.0)  # warm up connections (and let queues settle)
    names = process_names(k)
    assert set(names) == {p.pid for p in tree(k.process.pid)} | {os.getpid()}, "unlisted processes in the kitchen"
    before = cpu_seconds(names)
    with CpuShare() as share:
        run = await closed_loop(url, concurrency, seconds)
    after = cpu_seconds(names)
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    ok = run.statuses["200"]
    print(f"  {label}: {run.rps:6.1f} entry requests/s   p50 {ms(percentile(run.latencies, 50))}"
          f"   p95 {ms(percentile(run.latencies, 95))}   ({len(run.latencies)} in {run.seconds:.1f} s)")
    print(f"      answers: {dict(run.statuses)}; degraded {run.degraded_answers} of {ok} 200s"
          f" ({run.degraded_answers / max(ok, 1):.0%}) {dict(run.degraded) or ''}")
    run.cpu_s = sum(used.values())
    print(f"      CPU {run.cpu_ms:.2f} ms per entry request; CPU-seconds: "
          + ", ".join(f"{n} {s:.2f}" for n, s in sorted(used.items(), key=lambda x: -x[1])))
    print(f"      {share.summary()}")
    return run


async def loadgen_run(base_url: str, rps: int, seconds: float) -> float:
    generator = LoadGenerator(lambda: (base_url, Entry(method="GET", path="/ping")))
    try:
        with CpuShare() as share:
            await generator.start(rps, seconds)
            while generator.running:
                await asyncio.sleep(0.05)
        status = generator.status()
    finally:
        await generator.close()
    elapsed = generator.stopped - generator.started
    achieved = status.completed / elapsed
    print(f"  asked {rps:5d}/s for {seconds:g} s: sent {status.sent}, completed {status.completed} in {elapsed:.2f} s"
          f" = {achieved:6.1f}/s (its own live figure: {status.achieved_rps:.1f}/s)   p50 {ms(status.p50_ms)}"
          f"   p95 {ms(status.p95_ms)}   skipped {status.skipped}, failed {status.failed}"
          f"\n      {share.summary()}")
    return achieved


def merged(runs: list[Run]) -> Run:
    whole = Run()
    for run in runs:
        whole.seconds += run.seconds
        whole.cpu_s += run.cpu_s
        whole.latencies += run.latencies
        whole.statuses += run.statuses
        whole.degraded += run.degraded
        whole.degraded_answers += run.degraded_answers
    return whole


async def main(concurrency: int, seconds: float, rounds: int) -> None:
    print(f"(a) entry requests through the gateway: {concurrency} concurrent clients, {seconds:g} s a run")
    with kitchen("streaming") as traced, kitchen("streaming", env={"OTEL_SDK_DISABLED": "true"}) as untraced:
        one = await entry_run(traced, "tracing on, recommendations x1", concurrency, seconds)
        for k in (traced, untraced):
            k.post("/services/recommendations/scale", {"replicas": 8})
        for k in (traced, untraced):
            await asyncio.to_thread(wait_for, k.all_up, 20, "8 recommendations replicas up")
        runs: dict[str, list[Run]] = {"on": [], "off": []}
        for _ in range(rounds):  # alternate, so that noise on this machine falls on both alike
            for mode, k in (("on", traced), ("off", untraced)):
                runs[mode].append(await entry_run(k, f"tracing {mode.upper()}, recommendations x8", concurrency, seconds))
    on, off = merged(runs["on"]), merged(runs["off"])
    print(f"(b) the load generator (open loop) against a bare GET /ping, {LOADGEN_SECONDS:g} s each")
    with bare_server() as bare_url:
        achieved = [await loadgen_run(bare_url, rps, LOADGEN_SECONDS) for rps in LOADGEN_RATES]
    print()
    print(f"  entry requests/s, tracing on, recommendations x8: {on.rps:.1f} = {on.rps / TARGET_ENTRY_RPS:.2f}x the"
          f" target of {TARGET_ENTRY_RPS}/s ({'PASS' if on.rps >= TARGET_ENTRY_RPS else 'FAIL'});"
          f" p50 {ms(percentile(on.latencies, 50))}, {on.degraded_answers} degraded")
    print(f"    (recommendations x1: {one.rps:.1f}/s, {one.degraded_answers / max(one.statuses['200'], 1):.0%} degraded)")
    print(f"  tracing off vs on: {off.rps / on.rps:.2f}x the requests/s ({off.rps:.1f} vs {on.rps:.1f});"
          f" CPU per entry request {off.cpu_ms:.2f} vs {on.cpu_ms:.2f} ms = tracing costs {on.cpu_ms / off.cpu_ms:.2f}x")
    print(f"  load generator: {max(achieved):.1f}/s achieved at most = {max(achieved) / TARGET_LOADGEN_RPS:.2f}x the target"
          f" of {TARGET_LOADGEN_RPS}/s ({'PASS' if max(achieved) >= TARGET_LOADGEN_RPS else 'FAIL'});"
          f" the API lets it be asked for {settings.load_max_rps}/s at most")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=48, help="concurrent entry clients (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each entry run (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=2, help="tracing on/off runs, alternated (default %(default)s)")
    args = parser.parse_args()
    uvloop.run(main(args.concurrency, args.seconds, args.rounds))  # the control plane runs the load generator on uvloop too
