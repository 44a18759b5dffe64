"""How one service calls another.

    Link.call(method, path)            one logical call to a peer service
      ├─ circuit breaker (per peer)    open: fail fast, no network (a failed span still says so)
      ├─ attempt 1 ─ pick a replica (round robin over the registry) ─ CLIENT span (attempt 1 of n) ─ HTTP
      ├─ backoff, attempt 2 ...        only for safe calls: GETs and writes with an idempotency key
      └─ DependencyFailed(peer, why)   after the budget (about 2 s) or the last attempt

In the monolith there is no Link: a caller holds the other part's object itself, wrapped in
``Local`` so the in-process call still shows up in the trace.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from typing import Any, Awaitable, Callable, TypeVar

from fastapi import HTTPException

from mini_services.kit.knobs import Resilience
from mini_services.kit.tracing import call_not_made, client_span, internal_span, mark_degraded, mark_error
from mini_services.settings import settings

T = TypeVar("T")


class DependencyFailed(Exception):
    """A dependency could not give an answer (down, slow, failing, or its circuit is open)."""

    def __init__(self, service: str, reason: str):
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class Registry:
    """Which replicas of each peer are up, as pushed by the control plane; round-robin picks."""

    def __init__(self) -> None:
        self._peers: dict[str, list[str]] = {}
        self._turns: dict[str, itertools.count] = {}

    def update(self, peers: dict[str, list[str]]) -> None:
        self._peers = {name: list(urls) for name, urls in peers.items()}

    def pick(self, service: str) -> str | None:
        urls = self._peers.get(service) or []
        if not urls:
            return None
        turn = next(self._turns.setdefault(service, itertools.count()))
        return urls[turn % len(urls)]


class Breaker:
    """A circuit breaker: closed -> open after N failures in a row -> half-open trial after a cool-down."""

    def __init__(self, failures: int, cooldown_s: float):
        self.threshold, self.cooldown_s = failures, cooldown_s
        self.reset()

    def reset(self) -> None:
        self.failures, self.opened_at, self.trial_out = 0, 0.0, False

    @property
    def state(self) -> str:
        if self.failures < self.threshold:
            return "closed"
        return "half-open" if time.monotonic() - self.opened_at >= self.cooldown_s else "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self.trial_out:
            self.trial_out = True  # exactly one trial call while half-open
            return True
        return False

    def record(self, ok: bool) -> None:
        self.trial_out = False
        if ok:
            self.failures = 0
            return
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()


_session = None  # aiohttp is imported on first use: services that call no one never load it (~10 MB each)


def http_session():
    """One keep-alive connection pool per process (creating one per call costs ~45 ms)."""
    global _session
    if _session is None or _session.closed:
        import aiohttp

        _session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000, ttl_dns_cache=None))
    return _session


async def close_http_session() -> None:
    if _session is not None:
        await _session.close()


class Link:
    """One caller's connection to one peer service, with the resilience switches applied."""

    def __init__(self, peer: str, registry: Registry, resilience: Callable[[], Resilience]):
        self.peer = peer
        self.registry = registry
        self.resilience = resilience
        self.breaker = Breaker(settings.breaker_failures, settings.breaker_cooldown_s)

    async def call(self, method: str, path: str, *, json: Any = None, idempotency_key: str | None = None) -> Any:
        """Call the peer; return its JSON answer, raise HTTPException for its 4xx, DependencyFailed otherwise."""
        knobs = self.resilience()
        safe = method == "GET" or idempotency_key is not None
        attempts = 1 + (knobs.retries if safe else 0)
        budget = settings.dependency_budget_s if knobs.timeouts else settings.no_timeout_cap_s
        deadline = time.monotonic() + budget
        why = "no attempt was made"
        for attempt in range(attempts):
            if knobs.circuit_breaker and not self.breaker.allow():
                reason = f"circuit open: {self.peer} not called ({self.breaker.failures} failures in a row)"
                call_not_made(self.peer, method, path, reason, attempt + 1, attempts)
                raise DependencyFailed(self.peer, reason)
            remaining = deadline - time.monotonic()
            timeout = min(knobs.timeout_ms / 1000, remaining) if knobs.timeouts else remaining
            try:
                return await self._attempt(method, path, json, idempotency_key, timeout, attempt + 1, attempts)
            except AttemptFailed as failure:
                why = failure.reason
            if attempt + 1 < attempts:
                pause = min(0.025 * 2**attempt * random.uniform(1, 2), deadline - time.monotonic())
                if pause <= 0:
                    break
                await asyncio.sleep(pause)  # back off before trying again
        raise DependencyFailed(self.peer, why)

    async def _attempt(self, method: str, path: str, body: Any, key: str | None, timeout: float,
                       attempt: int, attempts: int) -> Any:
        import aiohttp  # already loaded by http_session(); a cheap lookup from here on

        base = self.registry.pick(self.peer)
        headers: dict[str, str] = {"idempotency-key": key} if key else {}
        with client_span(self.peer, method, path, headers, attempt, attempts) as span:
            if base is None:
                reason = f"no replica of {self.peer} is up: not called"
                mark_error(span, reason)
                self.breaker.record(False)
                raise AttemptFailed(reason)
            span.set_attribute("server.address", base)
            try:
                async with http_session().request(method, base + path, json=body, headers=headers,
                                                  timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                    answer = await resp.json(content_type=None)
                    status = resp.status
            except (asyncio.TimeoutError, TimeoutError):
                reason = f"timed out after {timeout * 1000:.0f} ms"
            except aiohttp.ClientError as exc:
                reason = _said(exc)
            else:
                span.set_attribute("http.response.status_code", status)
                if status < 500:
                    self.breaker.record(True)
                    if status >= 400:  # the peer understood and said no: pass it on, never retry
                        raise HTTPException(status, (answer or {}).get("detail", f"{self.peer} said {status}"))
                    return answer
                reason = f"HTTP {status}: {(answer or {}).get('detail', '')}".rstrip(": ")
            mark_error(span, reason)
            self.breaker.record(False)
            raise AttemptFailed(reason)


class AttemptFailed(Exception):
    """One attempt of a call failed in a way worth another attempt; ``reason`` is in words."""

    def __init__(self, reason: str):
        self.reason = reason


def _said(exc: Exception) -> str:
    """A network failure in a learner's words, never a class name."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connection refused"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the connection was closed before an answer came"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the answer was cut off"
    return "the call failed on the network"


class Local:
    """The monolith's in-process call: the same object a client would stand in for, traced as INTERNAL."""

    def __init__(self, target: object, peer: str):
        self._target, self._peer = target, peer

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._target, name)

        async def traced(*args: Any, **kwargs: Any) -> Any:
            with internal_span(f"{self._peer}.{name}()", self._peer):
                return await method(*args, **kwargs)

        return traced


class Degraded:
    """Collects the optional services one request had to do without (and records them on its span)."""

    def __init__(self, fallbacks: bool):
        self.fallbacks = fallbacks
        self.services: list[str] = []

    async def optional(self, service: str, call: Awaitable[T], fallback: T) -> T:
        """Await ``call``; if ``service`` fails and fallbacks are on, answer ``fallback`` instead."""
        try:
            return await call
        except DependencyFailed:
            if not self.fallbacks:
                raise
            self.services.append(service)
            mark_degraded(self.services)
            return fallback
