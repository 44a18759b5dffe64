"""Per-hop overhead: one traced kitchen hop against a bare loopback hop, measured in the same run.

Target (the issue): a traced hop costs at most 1.5x a bare loopback hop.

    bare hop      GET /users/7 on bench/_bare_app.py (uvicorn + FastAPI, no tracing, no middleware)
    bare + sleep  GET /sleep/<service_ms> on the same app: what the simulated service time costs in practice
    replica bare  GET /health on that same users replica: its server, with all three middlewares bypassed
    traced hop    GET /users/7 straight at the streaming kitchen's users replica: tracing, faults and
                  capacity middleware, its SQLite read, and its simulated service time (service_ms)
    entry         GET /api/home?user_id=7 through the gateway (users, then three services in parallel)

One sync ``httpx.Client`` per target (keep-alive), N sequential requests each, interleaved in
rounds so that machine noise falls on every target alike; p50 of each. The traced hop's overhead
is its p50 less the simulated service time, either as configured (service_ms) or as measured
(bare + sleep less bare); the ratio of each to the bare hop is printed, with a plain Python call.

Run: ``python bench/hop_overhead.py [--n 2000] [--entries 200]`` (about 30 s).
"""

from __future__ import annotations

import argparse
import time
import timeit

import httpx
from _common import CpuShare, bare_server, kitchen, ms, percentile

from mini_services.topologies import STREAMING

TARGET_RATIO = 1.5
ROUNDS = 8


def timed(client: httpx.Client, path: str, n: int, into: list[float]) -> None:
    for _ in range(n):
        began = time.perf_counter()
        client.get(path).raise_for_status()
        into.append((time.perf_counter() - began) * 1000)


def function_call_us() -> float:
    def get_user(user_id: int) -> int:
        return user_id

    number = 1_000_000
    return min(timeit.repeat(lambda: get_user(7), number=number, repeat=5)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="requests per hop target (default %(default)s)")
    parser.add_argument("--entries", type=int, default=200, help="entry requests via the gateway (default %(default)s)")
    args = parser.parse_args()
    users = STREAMING.station("users")
    critical_path_ms = users.service_ms + max(STREAMING.station(s).service_ms for s in ("recommendations", "billing", "streaming"))

    call_us = function_call_us()
    with bare_server() as bare_url, kitchen("streaming") as k:
        users_url = k.service("users")["replicas"][0]["url"]
        gateway_url = k.cluster()["gateway_url"]
        clients = {name: httpx.Client(base_url=url, timeout=10) for name, url in
                   (("bare", bare_url), ("sleep", bare_url), ("health", users_url), ("traced", users_url),
                    ("entry", gateway_url))}
        paths = {"bare": "/users/7", "sleep": f"/sleep/{users.service_ms:g}", "health": "/health",
                 "traced": "/users/7", "entry": STREAMING.entry_path}
        samples: dict[str, list[float]] = {name: [] for name in clients}
        try:
            assert "x-trace-id" in clients["traced"].get("/users/7").headers, "the users hop is not traced"
            for name, client in clients.items():  # warm up every connection and code path
                timed(client, paths[name], 50 if name != "entry" else 10, [])
            with CpuShare() as share:
                for _ in range(ROUNDS):
                    for name, client in clients.items():
                        n = args.entries if name == "entry" else args.n
                        timed(client, paths[name], n // ROUNDS, samples[name])
        finally:
            for client in clients.values():
                client.close()

    p50 = {name: percentile(values, 50) for name, values in samples.items()}
    p95 = {name: percentile(values, 95) for name, values in samples.items()}
    bare, traced = p50["bare"], p50["traced"]
    sleep_cost = p50["sleep"] - bare  # what asyncio.sleep(service_ms) really takes on this event loop
    overhead_configured = traced - users.service_ms
    overhead_measured = traced - sleep_cost

    print(f"Per-hop overhead (N={args.n} sequential requests per hop, {args.entries} entry requests; p50 / p95)")
    print(f"  ({share.summary()})")
    print(f"  plain Python function call           {call_us * 1000:7.1f} ns")
    print(f"  bare loopback hop                    {ms(bare)} / {ms(p95['bare'])}")
    print(f"  bare hop + sleep({users.service_ms:g} ms)               {ms(p50['sleep'])} / {ms(p95['sleep'])}"
          f"   -> the simulated {users.service_ms:g} ms really costs {sleep_cost:.2f} ms")
    print(f"  users replica /health (no middleware){ms(p50['health'])} / {ms(p95['health'])}")
    print(f"  traced hop (users replica, direct)   {ms(traced)} / {ms(p95['traced'])}")
    print(f"  entry via gateway (/api/home)        {ms(p50['entry'])} / {ms(p95['entry'])}"
          f"   -> {p50['entry'] - critical_path_ms:.2f} ms beyond the {critical_path_ms:g} ms of simulated work on its critical path")
    print()
    print(f"  network vs function call: a bare hop costs {bare * 1000 / call_us:,.0f}x a function call")
    ratio_configured = overhead_configured / bare
    ratio_measured = overhead_measured / bare
    print(f"  traced hop less configured service_ms ({users.service_ms:g} ms): {overhead_configured:.2f} ms"
          f" = {ratio_configured:.2f}x bare   (target <= {TARGET_RATIO}x: {'PASS' if ratio_configured <= TARGET_RATIO else 'FAIL'})")
    print(f"  traced hop less measured sleep cost ({sleep_cost:.2f} ms):  {overhead_measured:.2f} ms"
          f" = {ratio_measured:.2f}x bare   (target <= {TARGET_RATIO}x: {'PASS' if ratio_measured <= TARGET_RATIO else 'FAIL'})")


if __name__ == "__main__":
    main()
