"""The load generator: open-loop traffic at a target rate against the entry request.

Open loop means requests leave on a fixed schedule whether or not earlier ones have been
answered (as guests keep arriving however slow the kitchen is), so a slow service shows up
as growing latency rather than as fewer requests. Live figures cover the last two seconds, and
only successful answers count as answered (a refused request is fast, and is not an answer); the
history keeps a point a second for the last minute, across runs, so a recovery shows as a line.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter, deque
from typing import Callable

from mini_services.control.graph import percentile
from mini_services.control.models import Entry, HistoryPoint, LoadStatus
from mini_services.settings import settings

WINDOW_S = 2.0  # the live figures' window: short, so a fix shows within a second or two
HISTORY_S = 60  # seconds of per-second points kept


class LoadGenerator:
    def __init__(self, target: Callable[[], tuple[str, Entry]]):
        self.target = target  # answers (gateway base URL, entry request) at each send
        self._task: asyncio.Task | None = None
        self._session = None  # an aiohttp.ClientSession, made when load first starts
        self.runs = 0
        self.totals: Counter[str] = Counter()  # sent, ok, degraded, failed since the control plane started
        self.seconds: dict[int, tuple[list[float], int, int]] = {}  # unix second -> (answered latencies, failed, degraded)
        self._reset(0.0, 0.0)

    def _reset(self, rps: float, duration_s: float) -> None:
        self.rps, self.duration_s = rps, duration_s
        self.started = time.monotonic()
        self.stopped: float | None = None
        self.sent = self.completed = self.ok = self.degraded = self.failed = self.skipped = 0
        self.in_flight = 0
        self.statuses: Counter[str] = Counter()
        self.recent: deque[tuple[float, float, bool, bool]] = deque()  # (finished at, latency ms, answered?, degraded?)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self, rps: float, duration_s: float) -> LoadStatus:
        await self.stop()
        self._reset(rps, duration_s)
        self.runs += 1
        if self._session is None:
            import aiohttp  # on first use: keeps it out of the control plane's start-up

            connector = aiohttp.TCPConnector(limit=settings.load_max_in_flight, ttl_dns_cache=None)
            self._session = aiohttp.ClientSession(connector=connector)
        self._task = asyncio.create_task(self._run())
        return self.status()

    async def stop(self) -> LoadStatus:
        if self.running:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        return self.status()

    async def close(self) -> None:
        await self.stop()
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        pending: set[asyncio.Task] = set()
        start, interval, n = loop.time(), 1.0 / self.rps, 0
        try:
            while loop.time() - start < self.duration_s:
                due = start + n * interval
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                n += 1
                if self.in_flight >= settings.load_max_in_flight:
                    self.skipped += 1
                    continue
                task = asyncio.create_task(self._one())
                pending.add(task)
                task.add_done_callback(pending.discard)
            if pending:
                await asyncio.wait(pending, timeout=settings.load_timeout_s)
        finally:
            for task in pending:
                task.cancel()
            self.stopped = time.monotonic()

    async def _one(self) -> None:
        base, entry = self.target()
        headers = {"Idempotency-Key": f"load-{uuid.uuid4()}"} if entry.method != "GET" else {}
        self.sent += 1
        self.totals["sent"] += 1
        self.in_flight += 1
        began = time.monotonic()
        import aiohttp

        try:
            async with self._session.request(entry.method, base + entry.path, json=entry.body, headers=headers,
                                             timeout=aiohttp.ClientTimeout(total=settings.load_timeout_s)) as resp:
                body = await resp.read()
                status = str(resp.status)
                degraded = resp.status == 200 and bool(json.loads(body).get("degraded"))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            status, degraded = type(exc).__name__, False
        finally:
            self.in_flight -= 1
        finished = time.monotonic()
        self.completed += 1
        self.statuses[status] += 1
        # 202 is an answer too: on the rail the waiter answers "taken" (lesson 8)
        answered, latency_ms = status in ("200", "202"), (finished - began) * 1000
        if answered:
            self.degraded += degraded
            self.ok += not degraded
        else:
            self.failed += 1
        self.totals["degraded" if degraded else "ok" if answered else "failed"] += 1
        self.recent.append((finished, latency_ms, answered, answered and degraded))
        self._forget_before(finished - WINDOW_S)
        second = int(time.time())
        latencies, failed, incomplete = self.seconds.get(second, ([], 0, 0))
        if answered:
            latencies.append(latency_ms)
        self.seconds[second] = (latencies, failed + (not answered), incomplete + (answered and degraded))
        for old in [s for s in self.seconds if s < second - HISTORY_S]:
            del self.seconds[old]

    def _forget_before(self, moment: float) -> None:
        while self.recent and self.recent[0][0] < moment:
            self.recent.popleft()

    def status(self) -> LoadStatus:
        now = time.monotonic()
        self._forget_before(now - WINDOW_S)
        latencies = [ms for _, ms, answered, _ in self.recent if answered]
        failures = sum(1 for _, _, answered, _ in self.recent if not answered)
        incomplete = sum(1 for *_, degraded in self.recent if degraded)
        elapsed = (self.stopped or now) - self.started if self.rps else 0.0
        window = min(WINDOW_S, max(elapsed, 1e-9))
        _, entry = self.target()
        this_second = int(time.time())
        history = [HistoryPoint(t=s, answered=len(self.seconds[s][0]), failed=self.seconds[s][1],
                                degraded=self.seconds[s][2], p95_ms=percentile(self.seconds[s][0], 95))
                   for s in sorted(self.seconds) if this_second - HISTORY_S <= s < this_second]
        return LoadStatus(
            running=self.running, rps=self.rps, duration_s=self.duration_s, elapsed_s=round(elapsed, 3), target=entry,
            sent=self.sent, completed=self.completed, in_flight=self.in_flight, ok=self.ok, degraded=self.degraded,
            failed=self.failed, skipped=self.skipped, statuses=dict(self.statuses),
            achieved_rps=len(self.recent) / window if self.recent else 0.0,
            answered_rps=len(latencies) / window if latencies else 0.0, failed_rps=failures / window,
            p50_ms=percentile(latencies, 50), p95_ms=percentile(latencies, 95), window_s=WINDOW_S,
            degraded_share=incomplete / len(latencies) if latencies else None,
            run=self.runs, totals={k: self.totals[k] for k in ("sent", "ok", "degraded", "failed")}, history=history)
