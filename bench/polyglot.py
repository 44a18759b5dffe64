"""The User service in Python and in Node.js, in the same run; and what the recommendation model costs.

    1. a streaming kitchen, users at 2 replicas (Python); 20 home screens a second for --seconds
       per replica: RSS (psutil), the gateway's hop to it (its client span, from /traces), the time inside
       users (its server span), and a direct loopback hop from here (keep-alive, one at a time)
    2. users rolled out in Node.js (deploy language=node), the same measurements
    3. the model: its own figures from a live replica (GET /_kitchen/model: numpy's load time and memory,
       training time, CPU per request), and here in-process: training and one recommendation, repeated

Run: python bench/polyglot.py [--seconds 10]  (~45 s; needs node >= 20 and the npm packages: npm ci)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from _common import CpuShare, kitchen, percentile, wait_for

DIRECT_CALLS = 300


def _hops(control: httpx.Client) -> dict[str, dict[str, list[float]]]:
    """replica -> {"hop": gateway's client span durations, "inside": users' server span durations}."""
    found: dict[str, dict[str, list[float]]] = {}
    for trace in control.get("/traces", params={"limit": 1000}).json():
        spans = {s["span_id"]: s for s in trace["spans"]}
        for s in trace["spans"]:
            call = spans.get(s["parent_id"] or "")
            if s["service"] == "users" and s["kind"] == "server" and s["status"] == "ok" and call:
                mine = found.setdefault(s["replica"], {"hop": [], "inside": [], "language": s["language"]})
                mine["hop"].append(call["duration_ms"])
                mine["inside"].append(s["duration_ms"])
    return found


def _direct_p50(url: str) -> float:
    with httpx.Client(base_url=url, timeout=5) as client:
        client.get("/users/7")
        took = []
        for _ in range(DIRECT_CALLS):
            began = time.perf_counter()
            client.get("/users/7").raise_for_status()
            took.append((time.perf_counter() - began) * 1000)
    return statistics.median(took)


def measure(k, language: str, seconds: float) -> list[dict]:
    """Load for ``seconds``, then per users replica: language, RSS, hops from the traces, a direct hop."""
    k.post("/load", {"rps": 20, "duration_s": seconds})
    time.sleep(seconds + 0.5)  # the load runs for exactly this long (the benchmark's own clock, not a poll)
    load = k.control.delete("/load").json()
    time.sleep(0.5)  # the last spans are exported every 100 ms
    hops = _hops(k.control)
    rows = []
    for r in k.up("users"):
        seen = hops.get(r["id"], {"hop": [], "inside": [], "language": "?"})
        rows.append({"replica": r["id"], "language": r["language"], "span_language": seen["language"],
                     "rss_mb": psutil.Process(r["pid"]).memory_info().rss / 2**20, "calls": len(seen["hop"]),
                     "hop_p50": percentile(seen["hop"], 50) if seen["hop"] else None,
                     "hop_p95": percentile(seen["hop"], 95) if seen["hop"] else None,
                     "inside_p50": percentile(seen["inside"], 50) if seen["inside"] else None,
                     "direct_p50": _direct_p50(r["url"])})
    print(f"{language}: {load['completed']} home screens, {load['failed']} failed, p50 {load['p50_ms'] or 0:.1f} ms")
    return rows


def model_in_process(repeats: int = 200) -> dict:
    """Train the model on the seeded history and ask it for one viewer's row, here, many times."""
    from mini_services.services.recommendations.model import ItemSimilarity
    from mini_services.services.recommendations.store import RecommendationStore

    with tempfile.TemporaryDirectory() as tmp:
        store = RecommendationStore(Path(tmp) / "recommendations.sqlite3")
        views, titles, history = store.all_views(), list(store.titles()), store.history(7)
        model = ItemSimilarity(titles)
        train = []
        for _ in range(repeats):
            began = time.perf_counter()
            model.train(views)
            train.append((time.perf_counter() - began) * 1000)
        cpu = []
        for _ in range(repeats * 5):
            began = time.thread_time_ns()
            model.recommend(store.history(7), 6)
            cpu.append((time.thread_time_ns() - began) / 1e6)
    return {"views": len(views), "titles": len(titles), "history": len(history), "train_p50": statistics.median(train),
            "cpu_p50": statistics.median(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="load per phase (20 home screens a second)")
    args = parser.parse_args()
    with CpuShare() as cpu, kitchen("streaming") as k:
        k.post("/services/users/scale", {"replicas": 2})
        wait_for(lambda: len(k.up("users")) == 2, 30, "two users replicas")
        rows = measure(k, "python", args.seconds)
        k.post("/services/users/deploy", {"version": "v1", "language": "node"})
        wait_for(lambda: not k.service("users")["deploying"] and {r["language"] for r in k.up("users")} == {"node"}
                 and len(k.up("users")) == 2, 300, "users rolled out in Node.js (npm ci the first time)")
        rows += measure(k, "node", args.seconds)
        recommendations = k.up("recommendations")[0]
        live = httpx.get(f"{recommendations['url']}/_kitchen/model").json()
        live_rss = psutil.Process(recommendations["pid"]).memory_info().rss / 2**20
    print(f"\nusers per replica ({args.seconds:.0f} s of 20 home screens a second each; hop = the gateway's call, "
          f"direct = {DIRECT_CALLS} calls from here, one at a time; both include users' 2 ms simulated work)")
    print(f"{'replica':<10} {'language':<8} {'RSS MB':>7} {'calls':>6} {'hop p50':>8} {'hop p95':>8} "
          f"{'inside p50':>10} {'direct p50':>10}")
    for r in rows:
        def f(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.2f}"
        print(f"{r['replica']:<10} {r['language']:<8} {r['rss_mb']:7.1f} {r['calls']:6d} {f(r['hop_p50']):>8} "
              f"{f(r['hop_p95']):>8} {f(r['inside_p50']):>10} {f(r['direct_p50']):>10}   (spans say {r['span_language']})")
    for language in ("python", "node"):
        mine = [r for r in rows if r["language"] == language and r["hop_p50"] is not None]
        if mine:
            print(f"{language:<7} mean over replicas: RSS {statistics.mean(r['rss_mb'] for r in mine):.1f} MB, "
                  f"hop p50 {statistics.mean(r['hop_p50'] for r in mine):.2f} ms, "
                  f"direct p50 {statistics.mean(r['direct_p50'] for r in mine):.2f} ms")
    py = [r for r in rows if r["language"] == "python" and r["hop_p50"]]
    nd = [r for r in rows if r["language"] == "node" and r["hop_p50"]]
    if py and nd:
        print(f"ratios node/python: RSS {statistics.mean(r['rss_mb'] for r in nd) / statistics.mean(r['rss_mb'] for r in py):.2f}×, "
              f"hop p50 {statistics.mean(r['hop_p50'] for r in nd) / statistics.mean(r['hop_p50'] for r in py):.2f}×, "
              f"direct p50 {statistics.mean(r['direct_p50'] for r in nd) / statistics.mean(r['direct_p50'] for r in py):.2f}×")
    here = model_in_process()
    print(f"\nrecommendation model, live replica: trained in {live['trained_ms']:.2f} ms on {live['views']} views; "
          f"numpy loaded in {live['numpy_load_ms']:.0f} ms, +{live['numpy_rss_mb']} MB; CPU per request p50 "
          f"{live['cpu_ms_p50']} ms, mean {live['cpu_ms_mean']} ms over {live['requests']} requests; replica RSS {live_rss:.1f} MB")
    print(f"recommendation model, in this process: training p50 {here['train_p50']:.3f} ms ({here['views']} views, "
          f"{here['titles']} titles); one recommendation (history read + scoring) CPU p50 {here['cpu_p50']:.3f} ms")
    print(cpu.summary())


if __name__ == "__main__":
    main()
