"""Cold start and memory of a whole kitchen: the streaming kitchen, the restaurant, and the monolith twin.

Targets (the issue), for the streaming kitchen as microservices at one replica each:
start-up <= 5 s (``python -m mini_services serve --port 0`` started until /cluster shows every
replica up), and RSS <= 400 MB summed over the serve process and all its children.

For each kitchen: the start-up time (the streaming kitchen is started ``--starts`` times in all and
judged on the median: one start varies by half a second here), then the memory of every process
(RSS; USS, what the process alone holds; PSS, shared pages split between their users: the honest
sum) when idle and again after some entry requests. The restaurant and the monolith twin are for
comparison.

"Cold" is a new set of processes; the OS file cache is warm after the first start.

The warm template (issue 12): the CPU it took to start the streaming kitchen (serve and every child, from
/proc, until every replica is up; target <= 1.2 CPU-s on a quiet machine), its PSS (target <= 150 MB), and a
scale-up of recommendations from 1 to 8 replicas, one at a time (each new replica up <= 0.5 s after the call),
then 1 -> 8 in one call.

Run: ``python bench/startup_memory.py [--warm 50] [--starts 3]`` (about 40 s).
"""

from __future__ import annotations

import argparse
import statistics
import time

import psutil
from _common import CpuShare, Kitchen, cpu_seconds, kitchen, tree

from tests.utils.kitchen import wait_for

TARGET_START_S = 5.0
TARGET_RSS_MB = 400.0
TARGET_START_CPU_S = 1.2
TARGET_PSS_MB = 150.0
TARGET_NEW_REPLICA_S = 0.5
KITCHENS = (("streaming", "microservices"), ("restaurant", "microservices"), ("streaming", "monolith"))
MB = 1024 * 1024
FIGURES: dict[str, float] = {}  # the streaming kitchen's, for the ratios at the end


def memory(k: Kitchen) -> list[tuple[str, float, float, float]]:
    """(name, RSS, USS, PSS) in MB for the serve process and every child, control plane first."""
    names = {k.process.pid: "control plane"}
    for s in k.cluster()["services"]:
        names.update({r["pid"]: r["id"] for r in s["replicas"] if r["pid"]})
    rows = []
    for p in tree(k.process.pid):
        m = p.memory_full_info()
        rows.append((names.get(p.pid, f"pid {p.pid} ({p.name()})"), m.rss / MB, m.uss / MB, m.pss / MB))
    return rows


def show(label: str, rows: list[tuple[str, float, float, float]]) -> float:
    rss, uss, pss = (sum(float(r[i]) for r in rows) for i in (1, 2, 3))
    print(f"    {label}: {len(rows)} processes, RSS {rss:6.1f} MB   USS {uss:6.1f} MB   PSS {pss:6.1f} MB")
    for name, *figures in rows:
        print(f"      {name:20s} RSS {figures[0]:5.1f}   USS {figures[1]:5.1f}   PSS {figures[2]:5.1f}")
    return rss


def ratio(what: str, value: float, target: float, unit: str) -> str:
    return (f"{what} {value:.2f} {unit} = {value / target:.2f}x the {target:g} {unit} target "
            f"({'PASS' if value <= target else 'FAIL'})")


def scale_up(k: Kitchen, service: str = "recommendations", most: int = 8) -> tuple[list[float], float]:
    """1 -> ``most`` replicas one call at a time (seconds from each call until its new replica is up), then
    back to 1 and 1 -> ``most`` in one call (seconds until all are up)."""
    def replicas_up(n: int) -> None:
        wait_for(lambda: len(k.up(service)) == n == len(k.service(service)["replicas"]), 20,
                 f"{n} replicas of {service} up", every=0.01)

    each = []
    for n in range(2, most + 1):
        began = time.monotonic()
        k.post(f"/services/{service}/scale", {"replicas": n})
        replicas_up(n)
        each.append(time.monotonic() - began)
    k.post(f"/services/{service}/scale", {"replicas": 1})
    replicas_up(1)
    began = time.monotonic()
    k.post(f"/services/{service}/scale", {"replicas": most})
    replicas_up(most)
    return each, time.monotonic() - began


def measure(topology: str, architecture: str, warm: int) -> tuple[float, float, float]:
    cpu = CpuShare().start()
    with kitchen(topology, architecture) as k:
        start_cpu_s = cpu_seconds(tree(k.process.pid))
        cpu.stop()
        print(f"    CPU to start: {start_cpu_s:.2f} CPU-s (serve and every child, until every replica was up)")
        print(f"  {topology} ({architecture}): every replica up {k.startup_s:.2f} s after start"
              f" (control plane listening at {k.listening_s:.2f} s)\n    ({cpu.summary()})")
        idle = show("idle", memory(k))
        entry = k.cluster()["entry"]
        for i in range(warm):
            k.gateway.request(entry["method"], entry["path"], json=entry.get("body"),
                              headers={"Idempotency-Key": f"bench-{i}"}).raise_for_status()
        warmed = show(f"after {warm} entry requests", memory(k))
        if (topology, architecture) == KITCHENS[0]:
            pss = sum(row[3] for row in memory(k))
            each, together = scale_up(k)
            print(f"    scale-up of recommendations, one replica a call: {', '.join(f'{s:.2f}' for s in each)} s; "
                  f"1 -> 8 in one call: {together:.2f} s")
            FIGURES.update(start_cpu_s=start_cpu_s, pss_mb=pss, new_replica_s=max(each), together_s=together)
        return k.startup_s, idle, warmed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=50, help="entry requests before the second reading (default %(default)s)")
    parser.add_argument("--starts", type=int, default=3, help="start-ups of the streaming kitchen (default %(default)s)")
    args = parser.parse_args()
    print(f"Start-up and memory ({psutil.cpu_count()} cores)")
    results = {(t, a): measure(t, a, args.warm) for t, a in KITCHENS}
    starts = [results[("streaming", "microservices")][0]]
    for _ in range(args.starts - 1):
        with kitchen("streaming") as k:
            starts.append(k.startup_s)
    print()
    start_s, idle, warmed = statistics.median(starts), *results[("streaming", "microservices")][1:]
    print(f"  streaming start-ups: {', '.join(f'{s:.2f}' for s in starts)} s")
    print(f"  streaming start-up (median) {start_s:.2f} s = {start_s / TARGET_START_S:.2f}x the {TARGET_START_S:g} s target"
          f" ({'PASS' if start_s <= TARGET_START_S else 'FAIL'})")
    print(f"  streaming RSS {warmed:.1f} MB (idle {idle:.1f}) = {warmed / TARGET_RSS_MB:.2f}x the {TARGET_RSS_MB:g} MB target"
          f" ({'PASS' if max(idle, warmed) <= TARGET_RSS_MB else 'FAIL'})")
    print("  " + ratio("CPU to start the streaming kitchen", FIGURES["start_cpu_s"], TARGET_START_CPU_S, "CPU-s"))
    print("  " + ratio(f"PSS of the streaming kitchen after {args.warm} requests", FIGURES["pss_mb"], TARGET_PSS_MB, "MB"))
    print("  " + ratio("slowest new replica of a scale-up (1 -> 8, a call each)", FIGURES["new_replica_s"],
                       TARGET_NEW_REPLICA_S, "s") + f"; 1 -> 8 in one call all up in {FIGURES['together_s']:.2f} s")
    for (t, a), (s, i, w) in results.items():
        print(f"    {t:10s} {a:13s} start {s:5.2f} s   RSS idle {i:6.1f} MB   warm {w:6.1f} MB"
              f"   ({w / warmed:.2f}x streaming microservices)")


if __name__ == "__main__":
    main()
