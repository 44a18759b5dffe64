"""The node-state rules on plain data: one word per service, and why."""

from __future__ import annotations

from mini_services.control.spans import SpanRecord
from mini_services.control.states import QuietBaselines, ServiceFacts, decide_states, node_state

MS = 1_000_000


def answer(ms: float = 3.0, error: str | None = None, service: str = "users", kind: str = "server",
           peer: str | None = None, start_ns: int = 0) -> SpanRecord:
    return SpanRecord(trace_id="t", span_id="s", parent_id=None, service=service, replica=None, name="GET /x",
                      kind=kind, peer=peer, start_ns=start_ns, end_ns=start_ns + int(ms * MS), error=error, degraded=[])


def state(facts: ServiceFacts, answers=(), calls_in=(), baselines=None) -> str:
    return node_state("users", facts, list(answers), list(calls_in), baselines or QuietBaselines(), now=100.0)[0]


UP = dict(up=1, starting=0, desired=1, usual_ms=3.0)


def test_replicas_decide_down_and_starting_before_any_span():
    assert state(ServiceFacts(up=0, starting=0, desired=1)) == "down"
    assert state(ServiceFacts(up=0, starting=0, desired=0)) == "down"
    assert state(ServiceFacts(up=0, starting=2, desired=2)) == "starting"
    assert state(ServiceFacts(up=1, starting=1, desired=2)) == "recovering"
    assert state(ServiceFacts(**UP)) == "up"


def test_failing_from_faults_builds_or_a_tenth_of_recent_answers():
    assert state(ServiceFacts(**UP, error_rate=0.1)) == "failing"
    assert state(ServiceFacts(**UP, error_rate=0.05)) == "up"
    assert state(ServiceFacts(**UP, bad_build_up=True)) == "failing"
    assert state(ServiceFacts(**UP), [answer()] * 9 + [answer(error="HTTP 500")]) == "failing"
    assert state(ServiceFacts(**UP), [answer()] * 10 + [answer(error="HTTP 500")]) == "up"
    assert state(ServiceFacts(**UP), [answer(error="HTTP 500")] * 2) == "up", "two answers say nothing about a rate"


def test_slow_against_its_own_quiet_p50_or_300_ms():
    quiet = QuietBaselines()
    assert state(ServiceFacts(**UP), [answer(3.0)] * 5, baselines=quiet) == "up"  # remembered as normal
    assert state(ServiceFacts(**UP), [answer(12.0)] * 5, baselines=quiet) == "up", "3x but within 25 ms: noise"
    assert state(ServiceFacts(**UP), [answer(40.0)] * 5, baselines=quiet) == "slow"
    assert state(ServiceFacts(up=1, starting=0, desired=1, usual_ms=200.0), [answer(320.0)] * 5) == "slow"
    assert state(ServiceFacts(**UP, latency_ms=600)) == "slow", "added latency reads slow before any span"
    assert state(ServiceFacts(**UP, latency_ms=8000)) == "slow", "a hang reads slow, not failing"


def test_callers_timing_out_read_slow_and_refused_read_failing():
    timed_out = answer(error="timed out after 1000 ms", service="gateway", kind="client", peer="users")
    refused = answer(error="connection refused", service="gateway", kind="client", peer="users")
    assert state(ServiceFacts(**UP), calls_in=[timed_out] * 3) == "slow"
    assert state(ServiceFacts(**UP), calls_in=[refused] * 3) == "failing"


def test_an_open_breaker_on_a_healthy_service_reads_recovering():
    assert state(ServiceFacts(**UP, breaker="open")) == "recovering"
    assert state(ServiceFacts(**UP, breaker="half-open")) == "recovering"
    assert state(ServiceFacts(**UP, breaker="closed")) == "up"
    assert state(ServiceFacts(**UP, breaker="open", error_rate=0.5)) == "failing", "still failing comes first"


def test_decide_states_sorts_spans_to_their_services():
    facts = {"gateway": ServiceFacts(up=1, starting=0, desired=1), "users": ServiceFacts(**UP)}
    spans = [answer(error="HTTP 503", service="gateway")] * 3 + [answer(service="users")] * 3
    states = decide_states(facts, spans, QuietBaselines())
    assert states["gateway"][0] == "failing" and "3 of its last 3 answers failed" in states["gateway"][1]
    assert states["users"] == ("up", "answering normally")


def test_calls_a_breaker_held_back_say_nothing_against_a_service_that_is_back():
    held = answer(error="circuit open: users not called (5 failures in a row)", service="gateway", kind="client",
                  peer="users")
    assert state(ServiceFacts(**UP, breaker="open"), calls_in=[held] * 5) == "recovering"


def test_a_request_begun_before_a_fix_says_nothing_of_the_service_after_it():
    """Latency cleared at t = 1 s: answers still waiting it out end later and slow, but they began before the fix."""
    fixed_ns = 1_000 * MS
    waited = [answer(600, start_ns=fixed_ns - 400 * MS)] * 5
    after = [answer(3, start_ns=fixed_ns + 10 * MS)] * 3
    facts = {"users": ServiceFacts(**UP, evidence_since_ns=fixed_ns)}
    assert decide_states(facts, waited + after, QuietBaselines())["users"][0] == "up"
    facts = {"users": ServiceFacts(**UP, evidence_since_ns=fixed_ns - 500 * MS)}  # no fix: they do count
    assert decide_states(facts, waited + after, QuietBaselines())["users"][0] == "slow"


def test_a_service_waiting_on_a_slow_call_is_not_slow_itself():
    """The gateway's answers take 60 ms because it waits 55 ms on recommendations: its own part is 5 ms, as usual;
    two overlapping calls count their overlap once."""
    facts = {"gateway": ServiceFacts(up=1, starting=0, desired=1, usual_ms=5.0),
             "recommendations": ServiceFacts(up=1, starting=0, desired=1, usual_ms=5.0)}
    spans = []
    for n in range(5):
        began = n * 100 * MS
        server = SpanRecord(trace_id=f"t{n}", span_id=f"g{n}", parent_id=None, service="gateway", replica=None,
                            name="GET /api/home", kind="server", peer=None, start_ns=began, end_ns=began + 60 * MS,
                            error=None, degraded=[])
        calls = [(f"c{n}", began + 2 * MS, began + 57 * MS), (f"d{n}", began + 3 * MS, began + 40 * MS)]
        spans.append(server)
        spans += [SpanRecord(trace_id=f"t{n}", span_id=sid, parent_id=f"g{n}", service="gateway", replica=None,
                             name="→ recommendations", kind="client", peer="recommendations", start_ns=start,
                             end_ns=end, error=None, degraded=[]) for sid, start, end in calls]
        spans.append(answer(54.0, service="recommendations", start_ns=began + 2 * MS))
    states = decide_states(facts, spans, QuietBaselines())
    assert states["gateway"] == ("up", "answering normally"), states["gateway"]
    assert states["recommendations"][0] == "slow"
    assert "its own part of an answer takes p50 54 ms, usually 5.0 ms" == states["recommendations"][1]
    facts["gateway"].usual_ms = 1.0  # its own 5 ms is now 5× its normal, yet within 25 ms of it: noise
    assert decide_states(facts, spans, QuietBaselines())["gateway"][0] == "up"
