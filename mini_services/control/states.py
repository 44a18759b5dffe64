"""Each service's state in one word, from what the control plane knows now and the last ~2 s of spans.

    down        no replica up, none starting                 (the control plane knows at once)
    starting    no replica up yet, one or more starting
    failing     ≥ 10 % of its recent answers failed, or errors are injected, or a bad build serves
    slow        its recent p50 of its own time (an answer less the time it waited on its own calls: a
                gateway waiting on a slow dependency is not slow itself), or what its added latency will
                make it, is ≥ 3× its quiet p50 and at least 25 ms more, or ≥ 300 ms; or its callers' calls
                to it are timing out
    recovering  up, but a caller's circuit breaker on it is still open / half-open, or some of its
                replicas are still starting after a restart
    up          none of the above

The first rule that holds wins, in that order. ``why`` says which one, in words, so a page (and a
learner who cannot tell amber from red) reads the reason, not only a colour.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from mini_services.control.graph import percentile
from mini_services.control.spans import SpanRecord

STATE_WINDOW_S = 2.0  # how far back the spans that decide a state reach
FAILING_SHARE = 0.10
SLOW_FACTOR, SLOW_MARGIN_MS, SLOW_ABSOLUTE_MS = 3.0, 25.0, 300.0
MIN_SAMPLES = 3  # fewer answers than this in the window say nothing about a rate
QUIET_MEMORY_S = 60.0  # the quiet p50 is the lowest p50 of a fault-free window over this long


@dataclass
class ServiceFacts:
    """What the control plane knows about one service right now (no spans needed)."""

    up: int
    starting: int
    desired: int
    latency_ms: float = 0.0
    error_rate: float = 0.0
    bad_build_up: bool = False
    breaker: str | None = None  # the worst of its callers' breakers on it: closed, half-open, open
    usual_ms: float | None = None  # a first guess at its quiet p50 before any span was seen
    evidence_since_ns: int = 0  # it was changed then (a fault cleared, a restart): older spans say nothing of it now


@dataclass
class QuietBaselines:
    """Each service's normal latency: the lowest p50 seen in a fault-free, error-free window lately."""

    seen: dict[str, deque] = field(default_factory=dict)  # service -> (monotonic time, p50 ms)

    def note(self, service: str, p50_ms: float, now: float) -> None:
        kept = self.seen.setdefault(service, deque())
        kept.append((now, p50_ms))
        while kept and now - kept[0][0] > QUIET_MEMORY_S:
            kept.popleft()

    def quiet_ms(self, service: str, usual_ms: float | None) -> float | None:
        kept = self.seen.get(service)
        return min(p for _, p in kept) if kept else usual_ms


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def waited_ms(ended: list[SpanRecord]) -> dict[str, float]:
    """Each span's time spent waiting on its own calls (its client and producer children, overlaps counted once)."""
    calls: dict[str, list[tuple[int, int]]] = {}
    for s in ended:
        if s.kind in ("client", "producer") and s.parent_id:
            calls.setdefault(s.parent_id, []).append((s.start_ns, s.end_ns))
    waited = {}
    for parent, spans in calls.items():
        total = reach = 0
        for start, end in sorted(spans):
            start = max(start, reach)
            if end > start:
                total, reach = total + end - start, end
        waited[parent] = total / 1e6
    return waited


def node_state(name: str, facts: ServiceFacts, answers: list[SpanRecord], calls_in: list[SpanRecord],
               baselines: QuietBaselines, now: float | None = None,
               waited: dict[str, float] | None = None) -> tuple[str, str]:
    """(state, why) of one service. ``answers``: its server spans that ended in the last ~2 s;
    ``calls_in``: the client spans of its callers to it in the same time; ``waited``: each answer's time spent
    waiting on its own calls (``waited_ms``), taken off its duration before it is judged slow."""
    waited = waited or {}
    now = time.monotonic() if now is None else now
    if facts.up == 0:
        if facts.starting:
            return "starting", f"{facts.starting} replica{'s' if facts.starting > 1 else ''} starting, none up yet"
        return "down", "no replica is up" if facts.desired else "scaled to 0 replicas"
    failed = sum(1 for s in answers if s.error)
    if facts.error_rate >= FAILING_SHARE:
        return "failing", f"errors injected: {facts.error_rate:.0%} of its answers fail"
    if facts.bad_build_up:
        return "failing", "a bad build is serving: it fails every request"
    if len(answers) >= MIN_SAMPLES and failed / len(answers) >= FAILING_SHARE:
        last = next(s.error for s in reversed(answers) if s.error)
        return "failing", f"{failed} of its last {len(answers)} answers failed: {last}"
    # calls that reached it and failed (a call its breaker held back says nothing of it now: that is `recovering`)
    refused = [s for s in calls_in if s.error and "timed out" not in s.error and not s.error.startswith("circuit open")]
    if len(calls_in) >= MIN_SAMPLES and len(refused) / len(calls_in) >= FAILING_SHARE and not answers:
        return "failing", f"{len(refused)} of {len(calls_in)} calls to it failed: {refused[-1].error}"

    own = [max(0.0, s.duration_ms - waited.get(s.span_id, 0.0)) for s in answers if not s.error]
    p50 = percentile(own, 50) if len(answers) >= MIN_SAMPLES else None
    quiet = baselines.quiet_ms(name, facts.usual_ms)
    expected = max(p50 or 0.0, (quiet or 0.0) + facts.latency_ms)
    if expected >= SLOW_ABSOLUTE_MS or (quiet is not None and expected >= SLOW_FACTOR * quiet
                                        and expected >= quiet + SLOW_MARGIN_MS):
        why = (f"{_ms(facts.latency_ms)} of latency added" if facts.latency_ms and expected > (p50 or 0)
               else f"its own part of an answer takes p50 {_ms(expected)}" + (f", usually {_ms(quiet)}" if quiet else ""))
        return "slow", why
    timed_out = [s for s in calls_in if s.error and "timed out" in s.error]
    if len(calls_in) >= MIN_SAMPLES and len(timed_out) / len(calls_in) >= FAILING_SHARE:
        return "slow", f"{len(timed_out)} of {len(calls_in)} calls to it timed out"
    if p50 is not None and not facts.latency_ms and not facts.error_rate and not failed:
        baselines.note(name, p50, now)  # a quiet moment: remember what normal looks like

    if facts.breaker in ("open", "half-open"):
        return "recovering", f"up again, but a caller's circuit breaker on it is still {facts.breaker}"
    if facts.starting:
        return "recovering", f"{facts.up} of {facts.desired} up, {facts.starting} starting"
    return "up", f"{facts.up} of {facts.desired} up" if facts.up < facts.desired else "answering normally"


def decide_states(facts: dict[str, ServiceFacts], ended: list[SpanRecord],
                  baselines: QuietBaselines) -> dict[str, tuple[str, str]]:
    """Every service's (state, why) from the control plane's facts and the spans that ended lately. Only requests
    that began after a service's last change speak of it: one that was already waiting out a cleared latency
    when the fix came says nothing of the service as it is now."""
    answers: dict[str, list[SpanRecord]] = {name: [] for name in facts}
    calls_in: dict[str, list[SpanRecord]] = {name: [] for name in facts}
    for s in ended:
        if s.kind == "server" and s.service in answers and s.start_ns >= facts[s.service].evidence_since_ns:
            answers[s.service].append(s)
        elif s.kind == "client" and s.peer in calls_in and s.start_ns >= facts[s.peer].evidence_since_ns:
            calls_in[s.peer].append(s)
    now, waited = time.monotonic(), waited_ms(ended)
    return {name: node_state(name, f, answers[name], calls_in[name], baselines, now, waited)
            for name, f in facts.items()}
