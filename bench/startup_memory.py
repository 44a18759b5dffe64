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

Run: ``python bench/startup_memory.py [--warm 50] [--starts 3]`` (about 35 s).
"""

from __future__ import annotations

import argparse
import statistics

import psutil
from _common import CpuShare, Kitchen, kitchen, tree

TARGET_START_S = 5.0
TARGET_RSS_MB = 400.0
KITCHENS = (("streaming", "microservices"), ("restaurant", "microservices"), ("streaming", "monolith"))
MB = 1024 * 1024


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


def measure(topology: str, architecture: str, warm: int) -> tuple[float, float, float]:
    cpu = CpuShare().start()
    with kitchen(topology, architecture) as k:
        cpu.stop()
        print(f"  {topology} ({architecture}): every replica up {k.startup_s:.2f} s after start"
              f" (control plane listening at {k.listening_s:.2f} s)\n    ({cpu.summary()})")
        idle = show("idle", memory(k))
        entry = k.cluster()["entry"]
        for i in range(warm):
            k.gateway.request(entry["method"], entry["path"], json=entry.get("body"),
                              headers={"Idempotency-Key": f"bench-{i}"}).raise_for_status()
        warmed = show(f"after {warm} entry requests", memory(k))
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
    for (t, a), (s, i, w) in results.items():
        print(f"    {t:10s} {a:13s} start {s:5.2f} s   RSS idle {i:6.1f} MB   warm {w:6.1f} MB"
              f"   ({w / warmed:.2f}x streaming microservices)")


if __name__ == "__main__":
    main()
