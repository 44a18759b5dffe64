"""The chaos soak: load on the entry request while a seeded random schedule kills, restarts, scales and slows
services; meanwhile careful clients subscribe (each write retried with its Idempotency-Key until acknowledged).

Afterwards: every acknowledged write is in billing's database, no idempotency key is charged twice, the
control plane answered every call made to it (no refused connection, no timeout, no 5xx), its RSS grew by
less than 50 MB over the run, and stopping it leaves no process behind.

Two lengths of one test: ``short`` (25 s of chaos, ~35 s in all) runs in the normal suite; ``long`` (3 minutes)
carries the ``soak`` marker and runs with ``pytest -m soak`` (the default run deselects it through ``addopts``).
``KITCHEN_SOAK_SEED=<n>`` replays another schedule; the seed is printed with every failure.

The schedule is timed (a soak is "at t = 12.3 s kill billing"), but nothing waits a fixed time for a result:
the end state is polled for.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psutil
import pytest

from tests.utils.kitchen import Kitchen, wait_for

SEED = int(os.environ.get("KITCHEN_SOAK_SEED", "20260607"))
CHAOS_TARGETS = ("users", "recommendations", "billing", "streaming")  # billing too: the charges go there
WRITERS = 4
LOAD_RPS = 25  # the entry request, open loop, from the control plane's own load generator
READ_EVERY_S = 0.5  # the "UI": /cluster, /load, /graph, /traces read this often during the run
WRITE_DEADLINE_S = 60  # a careful client gives up on one write after this long (none should need it)
RSS_GROWTH_LIMIT_MB = 50
USERS = range(1, 11)
PLANS = ("basic", "standard", "premium")
MB = 2**20


@dataclass
class Calls:
    """Every call made to the control plane during the soak, from any thread: what it answered."""

    url: str
    statuses: Counter = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=dict)  # how long each kind of call took
    unanswered: list[str] = field(default_factory=list)  # refused, reset, timed out, 5xx
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> httpx.Client:
        if not hasattr(self._local, "client"):
            self._local.client = httpx.Client(base_url=self.url, timeout=30)
        return self._local.client

    def __call__(self, method: str, path: str, body: dict | None = None, ok: tuple[int, ...] = (200,)) -> httpx.Response | None:
        began = time.monotonic()
        try:
            answer = self.client().request(method, path, json=body)
        except httpx.HTTPError as exc:
            with self._lock:
                self.unanswered.append(f"{method} {path} {body}: {exc!r} after {time.monotonic() - began:.1f} s")
            return None
        took = time.monotonic() - began
        bare = path.split("?")[0]
        kind = f"{method} /services/{{name}}/{bare.rsplit('/', 1)[1]}" if bare.startswith("/services/") else f"{method} {bare}"
        with self._lock:
            self.statuses[f"{method} {path.split('?')[0]} {answer.status_code}"] += 1
            self.seconds.setdefault(kind, []).append(took)
            if answer.status_code not in ok:
                self.unanswered.append(f"{method} {path} {body}: {answer.status_code} {answer.text[:200]}")
        return answer

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


@dataclass(order=True)
class Event:
    at_s: float
    service: str
    action: str  # kill | kill-one | restart | scale | faults
    arg: dict = field(compare=False, default_factory=dict)


def chaos_schedule(rng: random.Random, duration_s: float) -> list[Event]:
    """A seeded random schedule of faults over ``duration_s``; every kill is followed by a restart 1-4 s later."""
    events, t = [], rng.uniform(1.0, 2.0)
    while t < duration_s - 2:
        service = rng.choice(CHAOS_TARGETS)
        action = rng.choices(["kill", "kill-one", "restart", "scale", "faults"], weights=[2, 2, 1, 3, 4])[0]
        if action in ("kill", "kill-one"):
            events.append(Event(t, service, action, {"pick": rng.random()} if action == "kill-one" else {}))
            events.append(Event(min(t + rng.uniform(1.0, 4.0), duration_s - 1), service, "restart"))
        elif action == "scale":
            events.append(Event(t, service, "scale", {"replicas": rng.randint(1, 3)}))
        elif action == "faults":
            calm = rng.random() < 0.25  # now and then a service gets well again
            events.append(Event(t, service, "faults", {"latency_ms": 0 if calm else round(rng.uniform(0, 300)),
                                                       "error_rate": 0 if calm else round(rng.uniform(0, 0.3), 3)}))
        else:
            events.append(Event(t, service, "restart"))
        t += rng.uniform(0.4, 1.6)
    t = rng.uniform(0.2, 0.5) * duration_s  # billing, where the charges are stored, is killed at least once
    events += [Event(t, "billing", "kill"), Event(t + rng.uniform(1.0, 4.0), "billing", "restart")]
    return sorted(events)


def act(calls: Calls, event: Event, began: float, done: list[str]) -> None:
    path = f"/services/{event.service}"
    if event.action == "kill":
        calls("POST", f"{path}/kill", {})
    elif event.action == "kill-one":
        cluster = calls("GET", "/cluster")
        if cluster is None or cluster.status_code != 200:
            return
        service = next(s for s in cluster.json()["services"] if s["name"] == event.service)
        live = [r["id"] for r in service["replicas"] if r["state"] in ("up", "starting")]
        if not live:
            return
        # 404 is a fair answer: a scale-down may have taken that replica away since /cluster was read
        calls("POST", f"{path}/kill", {"replica": live[int(event.arg["pick"] * len(live))]}, ok=(200, 404))
    elif event.action == "restart":
        calls("POST", f"{path}/restart", {})
    elif event.action == "scale":
        calls("POST", f"{path}/scale", event.arg)
    else:
        calls("PUT", f"{path}/faults", event.arg)
    now = time.monotonic() - began
    done.append(f"{event.at_s:6.1f} s (answered at {now:5.1f} s) {event.action:8s} {event.service} {event.arg or ''}")


def run_chaos(calls: Calls, schedule: list[Event], began: float, stop: threading.Event, done: list[str]) -> None:
    """Each event on time, in a thread of its own: a slow answer does not push the rest of the schedule back
    (as when an instructor clicks on while the last click is still being answered)."""
    acting: list[threading.Thread] = []
    for event in schedule:
        if stop.wait(max(0.0, began + event.at_s - time.monotonic())):
            break
        acting.append(threading.Thread(target=act, args=(calls, event, began, done), name=f"chaos {event.at_s:.1f}"))
        acting[-1].start()
    for thread in acting:
        thread.join(timeout=60)


@dataclass
class Writer:
    """A careful client: subscribes again and again, each write retried with the same key until acknowledged."""

    gateway_url: str
    name: str
    rng: random.Random
    acknowledged: dict[str, dict] = field(default_factory=dict)  # key -> the answer
    bodies: dict[str, dict] = field(default_factory=dict)
    attempts: int = 0
    refusals: Counter = field(default_factory=Counter)  # the answers it retried on
    error: BaseException | None = None

    def write(self, client: httpx.Client, key: str, body: dict) -> dict:
        deadline, pause = time.monotonic() + WRITE_DEADLINE_S, 0.02
        while time.monotonic() < deadline:
            self.attempts += 1
            try:
                answer = client.post("/api/subscriptions", json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError as exc:
                self.refusals[type(exc).__name__] += 1
            else:
                if answer.status_code == 200:
                    return answer.json()
                assert answer.status_code in (502, 503, 504), f"{key}: {answer.status_code} {answer.text}"
                self.refusals[answer.status_code] += 1
            time.sleep(pause)  # a client's backoff between retries, not a wait for a result
            pause = min(pause * 2, 0.5)
        raise AssertionError(f"write {key} was never acknowledged in {WRITE_DEADLINE_S} s")

    def run(self, until: float) -> None:
        try:
            with httpx.Client(base_url=self.gateway_url, timeout=10) as client:
                i = 0
                while time.monotonic() < until:
                    key = f"soak-{SEED}-{self.name}-{i}"
                    body = {"user_id": self.rng.choice(USERS), "plan": self.rng.choice(PLANS)}
                    self.bodies[key], self.acknowledged[key] = body, self.write(client, key, body)
                    if i % 5 == 4:  # the same write again: the same answer, nothing charged twice
                        again = self.rng.choice(list(self.acknowledged))
                        answer = self.write(client, again, self.bodies[again])
                        assert answer == self.acknowledged[again], f"{again} answered twice differently"
                    i += 1
        except BaseException as exc:  # reported by the test
            self.error = exc


def gone(process: psutil.Process) -> bool:
    """Not running (``is_running`` also compares the start time, so a reused pid is not mistaken for it)."""
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MB


@pytest.mark.parametrize("duration_s", [pytest.param(25, id="short"),
                                        pytest.param(180, id="long", marks=pytest.mark.soak)])
def test_chaos_soak(new_kitchen, duration_s):
    kitchen: Kitchen = new_kitchen("streaming")
    rng = random.Random(SEED)
    schedule = chaos_schedule(rng, duration_s)
    calls = Calls(kitchen.url)
    seen: dict[int, psutil.Process] = {}  # every process the control plane started (is_running() spots pid reuse)
    rss: list[float] = []
    stop = threading.Event()
    done: list[str] = []

    def watch() -> None:  # what the UI does at 2 Hz, plus the memory meter
        while not stop.wait(READ_EVERY_S):
            for path in ("/cluster", "/load", "/graph?window_s=10", "/traces?limit=5", "/health"):
                calls("GET", path)
            rss.append(rss_mb(kitchen.process.pid))
            seen.update({p.pid: p for p in psutil.Process(kitchen.process.pid).children(recursive=True)
                         if p.pid not in seen})
            try:  # why entry requests fail, for the report (the load generator counts statuses only)
                home = kitchen.gateway.get("/api/home", params={"user_id": 7})
                entry[home.status_code if home.status_code == 200 else home.text[:70]] += 1
            except httpx.HTTPError as exc:
                entry[type(exc).__name__] += 1

    entry: Counter = Counter()
    rss_before = rss_mb(kitchen.process.pid)
    began = time.monotonic()
    load = calls("POST", "/load", {"rps": LOAD_RPS, "duration_s": duration_s + 120})
    writers = [Writer(kitchen.cluster()["gateway_url"], f"w{n}", random.Random(f"{SEED}-{n}")) for n in range(WRITERS)]
    threads = [threading.Thread(target=w.run, args=(began + duration_s,), name=w.name) for w in writers]
    threads += [threading.Thread(target=watch, name="watch"),
                threading.Thread(target=run_chaos, args=(calls, schedule, began, stop, done), name="chaos")]
    for t in threads:
        t.start()
    try:
        assert load is not None and load.status_code == 200, calls.unanswered
        threads[-1].join(timeout=duration_s + 30)  # the chaos schedule ends just before duration_s
        assert not threads[-1].is_alive(), "the chaos schedule did not finish"
        load = calls("DELETE", "/load")
        assert load is not None and load.status_code == 200, calls.unanswered
        load = load.json()
        kitchen.reset()  # heal: no faults, every replica restarted, one each; the writers finish their last write
        for t in threads[:WRITERS]:
            t.join(timeout=WRITE_DEADLINE_S + 10)
        assert not [t.name for t in threads[:WRITERS] if t.is_alive()], "a writer is still waiting for an answer"
        chaos_s = time.monotonic() - began
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=WRITE_DEADLINE_S + 10)
    seen.update({p.pid: p for p in psutil.Process(kitchen.process.pid).children(recursive=True) if p.pid not in seen})
    rss_after = rss_mb(kitchen.process.pid)

    acknowledged = {k: v for w in writers for k, v in w.acknowledged.items()}
    refusals = sum((w.refusals for w in writers), Counter())
    print(f"\nsoak seed {SEED}, {duration_s} s of chaos ({chaos_s:.1f} s with healing): {len(done)} chaos events, "
          f"{calls.total} control-plane calls, {len(acknowledged)} writes acknowledged in "
          f"{sum(w.attempts for w in writers)} attempts (retried on {dict(refusals)}); load: sent {load['sent']}, "
          f"ok {load['ok']}, degraded {load['degraded']}, failed {load['failed']}, skipped {load['skipped']}; "
          f"control plane RSS {rss_before:.1f} -> {rss_after:.1f} MB (peak {max(rss, default=rss_after):.1f}); "
          f"{len(seen)} processes seen")
    print(f"  sampled entry answers: {dict(entry.most_common())}")
    print(f"  load statuses {load['statuses']}; control plane RSS through the run: "
          f"{', '.join(f'{m:.0f}' for m in rss[::max(1, len(rss) // 10)])} MB")
    for kind, took in sorted(calls.seconds.items()):
        took = sorted(took)
        print(f"  {kind:32s} {len(took):4d} calls  p50 {took[len(took) // 2] * 1000:6.0f} ms  "
              f"p95 {took[int(len(took) * 0.95)] * 1000:6.0f} ms  max {took[-1] * 1000:6.0f} ms")
    print("  " + "\n  ".join(sorted(done)))
    for w in writers:
        assert w.error is None, f"seed {SEED}: writer {w.name} failed: {w.error!r}"
    assert not calls.unanswered, f"seed {SEED}: the control plane did not answer {len(calls.unanswered)} calls:\n" + \
        "\n".join(calls.unanswered[:20])
    assert acknowledged, "no write was acknowledged"

    charges = []
    for user_id in USERS:
        charges += kitchen.gateway.get("/api/charges", params={"user_id": user_id}).raise_for_status().json()
    keys = Counter(c["idempotency_key"] for c in charges)
    assert not [k for k, n in keys.items() if n > 1], f"seed {SEED}: keys charged twice: {[k for k, n in keys.items() if n > 1]}"
    stored = {c["idempotency_key"]: c for c in charges}
    lost = [k for k in acknowledged if k not in stored]
    assert not lost, f"seed {SEED}: {len(lost)} acknowledged charges are not in billing's database: {lost[:10]}"
    changed = [k for k, a in acknowledged.items() if stored[k]["charge_id"] != a["charge_id"]]
    assert not changed, f"seed {SEED}: stored charges differ from what was acknowledged: {changed[:10]}"

    assert rss_after - rss_before < RSS_GROWTH_LIMIT_MB, \
        f"seed {SEED}: the control plane grew by {rss_after - rss_before:.1f} MB ({rss_before:.1f} -> {rss_after:.1f})"
    kitchen.stop()  # asserts every replica it listed is gone
    wait_for(lambda: all(gone(p) for p in seen.values()), 5, "every process the control plane ever started to be gone")
