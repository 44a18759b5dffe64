"""The rail (issue #10): tickets through a real nats-server with tracing on, a ticket's end-to-end time, the
drain of a backlog by one and by three chefs, and the memory of the broker and of the whole kitchen.

    throughput   a burst of --burst orders (dish and drink) sent as fast as 8 threads can, chef ×3:
                 tickets taken off the rail per second (3 an order: charge, cook, pour), first POST -> last done
    end to end   --rps orders a second for --steady-s seconds, chef ×1: taken (the waiter's commit) -> the last
                 station done, from the stations' own databases; p50 / p95
    drain        the chef down, 500 orders taken (500 tickets pending on the chef's queue), then 1 chef
                 (and then 3) started: from the first chef up to the last ticket cooked (its database's time)
    memory       RSS of the nats-server, and of the whole kitchen (the control plane and every child)

Targets: 3 chefs drain >= 2.5x faster than 1; the whole restaurant kitchen with the rail <= 450 MB.
What decides the drain is the chef's capacity model (topologies.py: 2 workers x 30 ms a ticket, about
66 tickets a second a replica), so 3 chefs can at best be 3x faster; CPU on a shared 2-core machine is the
other limit, printed beside the figures. Run: ``python bench/rail.py`` (about 1 minute).
"""

from __future__ import annotations

import argparse
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from _common import CpuShare, Kitchen, kitchen, ms, percentile, tree, wait_for

TARGET_DRAIN_RATIO = 2.5
TARGET_KITCHEN_MB = 450.0
MB = 1024 * 1024


def send(k: Kitchen, n: int, body: dict, threads: int = 8) -> list[str]:
    """``n`` orders as fast as ``threads`` can; every one must be taken (202). Their order ids."""
    with httpx.Client(base_url=k.cluster()["gateway_url"], timeout=10) as client, ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(lambda _: client.post("/api/orders", json=body,
                                                      headers={"Idempotency-Key": str(uuid.uuid4())}), range(n)))
    assert all(a.status_code == 202 for a in answers), {a.status_code for a in answers}
    return [a.json()["order_id"] for a in answers]


def station_rows(k: Kitchen, service: str, path: str, ids: list[str]) -> list[dict]:
    """The station's own rows of these tickets (asked of its replicas directly, in chunks)."""
    rows: list[dict] = []
    url = k.up(service)[0]["url"]
    for i in range(0, len(ids), 400):
        rows += httpx.get(f"{url}{path}?order_ids={','.join(ids[i:i + 400])}", timeout=10).json()
    return rows


def all_done(k: Kitchen, service: str, path: str, ids: list[str], timeout: float) -> list[dict]:
    def check():
        rows = station_rows(k, service, path, ids)
        return rows if len(rows) == len(ids) and all(r["status"] == "done" for r in rows) else None
    return wait_for(check, timeout, f"{len(ids)} tickets done by the {service}", every=0.25)


def scale_chef(k: Kitchen, n: int) -> None:
    k.post("/services/chef/scale", {"replicas": n})
    wait_for(lambda: len(k.up("chef")) == n, 30, f"{n} chefs up")


def throughput(k: Kitchen, burst: int) -> None:
    scale_chef(k, 3)
    began = time.time()
    ids = send(k, burst, {"table": 1, "dish": "soup", "drink": "cola"})
    cooked = all_done(k, "chef", "/tickets", ids, 120)
    poured = all_done(k, "bartender", "/pours", ids, 60)
    took = max(r["at"] for r in cooked + poured) - began
    print(f"throughput: {burst} orders ({3 * burst} tickets) in {took:.1f} s: {3 * burst / took:,.0f} tickets/s "
          f"through the rail ({burst / took:,.0f} orders/s), tracing on, chef x3")


def end_to_end(k: Kitchen, rps: float, seconds: float) -> None:
    scale_chef(k, 1)
    ids = []
    with httpx.Client(base_url=k.cluster()["gateway_url"], timeout=10) as client:
        start = time.monotonic()
        for n in range(int(rps * seconds)):
            time.sleep(max(0.0, start + n / rps - time.monotonic()))
            answer = client.post("/api/orders", json={"table": 2, "dish": "salad", "drink": "water"},
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["order_id"])
        orders = wait_for(lambda: (got := client.get(f"/api/orders?limit={len(ids)}").json()) and
                          all(o["status"] == "served" for o in got) and got, 60, "every steady order served")
    spans = [(max(s["at"] for s in o["steps"]) - o["taken_at"]) * 1000 for o in orders]
    print(f"end to end at {rps:g} orders/s for {seconds:g} s (chef x1): taken -> served p50 "
          f"{ms(percentile(spans, 50))}, p95 {ms(percentile(spans, 95))} ({len(spans)} orders)")


def drain(k: Kitchen, chefs: int, backlog: int = 500) -> float:
    """The same start for 1 and 3 chefs: the backlog waits while the rail is down and the chefs come up; the
    clock starts when the rail is back (every chef connected within its 0.25 s reconnect wait)."""
    scale_chef(k, 1)
    k.post("/services/chef/kill")
    ids = send(k, backlog, {"table": 3, "dish": "soup"})
    wait_for(lambda: next(q for q in k.control.get("/queues").json() if q["name"] == "chef")["pending"] >= backlog,
             60, f"{backlog} tickets pending on the chef's queue")
    k.post("/services/rail/kill")
    k.post("/services/chef/restart")
    scale_chef(k, chefs)
    k.post("/services/rail/restart")
    rail_up = wait_for(lambda: k.up("rail") and time.time(), 30, "the rail up again")
    cooked = all_done(k, "chef", "/tickets", ids, 120)
    took = max(r["at"] for r in cooked) - rail_up
    print(f"drain: {backlog} pending tickets, {chefs} chef{'s' if chefs > 1 else ''}: {took:.2f} s "
          f"({backlog / took:,.0f} tickets/s)")
    return took


def memory(k: Kitchen) -> None:
    """The broker's RSS, and the whole kitchen's: RSS summed (counts the pages forked replicas share with the
    warm template once per process, so it overstates) and PSS (each shared page split among its sharers)."""
    scale_chef(k, 1)
    rail = k.up("rail")[0]

    def settled() -> bool:  # scaled-down chefs gone: every replica the cluster lists is up, no other is left
        replicas = [r for s in k.cluster()["services"] for r in s["replicas"]]
        pids = {p.pid for p in tree(k.process.pid)}
        return all(r["state"] == "up" and r["pid"] in pids for r in replicas) and len(pids) <= len(replicas) + 2

    wait_for(settled, 10, "retired replicas gone")
    processes = tree(k.process.pid)
    rss = sum(p.memory_info().rss for p in processes) / MB
    pss = sum(p.memory_full_info().pss for p in processes) / MB
    print(f"memory: the broker (nats-server) {rail['rss_mb']:.0f} MB RSS; the whole restaurant kitchen with the "
          f"rail ({len(processes)} processes, the warm template included): PSS {pss:.0f} MB = "
          f"{pss / TARGET_KITCHEN_MB:.2f}x the {TARGET_KITCHEN_MB:.0f} MB target; RSS summed {rss:.0f} MB = "
          f"{rss / TARGET_KITCHEN_MB:.2f}x (shared pages counted once per process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=600)
    parser.add_argument("--rps", type=float, default=20)
    parser.add_argument("--steady-s", type=float, default=10)
    args = parser.parse_args()
    with kitchen("restaurant") as k:
        k.control.put("/messaging", json={"mode": "rail"}).raise_for_status()
        for dish in ("soup", "salad"):  # enough for every order here: a sold-out dish is refused (and refunded)
            k.control.put("/stock", json={"dish": dish, "portions": 100_000}).raise_for_status()
        with CpuShare() as cpu:
            throughput(k, args.burst)
            end_to_end(k, args.rps, args.steady_s)
            one, three = drain(k, 1), drain(k, 3)
        print(f"drain ratio: 3 chefs {one / three:.2f}x faster than 1 — target >= {TARGET_DRAIN_RATIO}x: "
              f"{one / three / TARGET_DRAIN_RATIO:.2f} of it")
        memory(k)
        print(cpu.summary())


if __name__ == "__main__":
    main()
