"""The tracing detective game lives in the control plane: the hidden fault never shows in its answers while it
plays, a guess gets a verdict that says what really showed the culprit, and the kitchen is whole again after."""

from __future__ import annotations

import pytest

from tests.utils.kitchen import Kitchen, wait_for

SUSPECTS = ["users", "recommendations", "billing", "streaming"]
SHOWN_BY = {"down": "the graph read {c} `down`", "failing": "the trace: {c}'", "slow": "the waterfall: {c}'"}


def truth(kitchen: Kitchen) -> tuple[str, str]:
    """What the kitchen itself shows is wrong (the test may look; the game's answers must not tell)."""
    broken = []
    for s in kitchen.cluster()["services"]:
        if not any(r["state"] == "up" for r in s["replicas"]):
            broken.append((s["name"], "down"))
        elif s["faults"]["error_rate"]:
            broken.append((s["name"], "failing"))
        elif s["faults"]["latency_ms"]:
            broken.append((s["name"], "slow"))
    assert len(broken) == 1, f"exactly one service has the hidden fault: {broken}"
    return broken[0]


def start(kitchen: Kitchen) -> dict:
    game = kitchen.post("/game")
    assert game["status"] == "playing" and game["suspects"] == SUSPECTS
    return game


def wait_for_evidence(kitchen: Kitchen, game: dict, culprit: str, fault: str) -> None:
    """A learner looks before guessing: wait until traces since the game began show what a learner looks for:
    a red span of the culprit (failing), three traces with its spans (slow), or three with its callers' spans to
    it (down: then the breaker opens and its callers stop calling)."""
    def shows(span: dict) -> bool:
        if fault == "failing":
            return culprit in (span["service"], span.get("peer")) and span["status"] == "error"
        return span["service"] == culprit if fault == "slow" else span.get("peer") == culprit

    def shown() -> bool:
        traces = kitchen.control.get("/traces?limit=100").json()
        return sum(t["start_unix_ms"] >= game["started_unix_s"] * 1000 and any(map(shows, t["spans"]))
                   for t in traces) >= (1 if fault == "failing" else 3)
    wait_for(shown, 10, f"traces of the game's load that show {culprit} {fault}")


def whole(kitchen: Kitchen) -> bool:
    """Every service up, no fault, and no circuit breaker left open or half-open (nothing would close it)."""
    breakers = {e.get("breaker") for e in kitchen.control.get("/graph").json()["edges"]}
    return kitchen.all_up() and not any(s["faults"]["latency_ms"] or s["faults"]["error_rate"]
                                        for s in kitchen.cluster()["services"]) and breakers <= {None, "closed"}


def test_a_game_hides_its_culprit_while_it_plays(streaming):
    game = start(streaming)
    culprit, _ = truth(streaming)
    for answer in (game, streaming.control.get("/game").json()):
        assert answer["culprit"] is None and answer["fault"] is None and answer["showed_by"] is None
        assert answer["status"] == "playing" and answer["started_unix_s"] > 0
        assert culprit in answer["suspects"], "named only as one suspect among the others"
    assert streaming.cluster()["game"] is True
    load = streaming.control.get("/load").json()
    assert load["running"] and load["rps"] == 15 and load["duration_s"] == 120


@pytest.mark.parametrize("right", [True, False])
def test_a_guess_gets_its_verdict_and_the_kitchen_is_whole_again(streaming, right):
    game = start(streaming)
    culprit, fault = truth(streaming)
    wait_for_evidence(streaming, game, culprit, fault)
    guess = culprit if right else next(s for s in SUSPECTS if s != culprit)
    verdict = streaming.post("/game/guess", {"service": guess})
    assert verdict == {"verdict": "right" if right else "wrong", "guess": guess, "culprit": culprit, "fault": fault,
                       "showed_by": verdict["showed_by"]}
    assert verdict["showed_by"].startswith(SHOWN_BY[fault].format(c=culprit)), verdict["showed_by"]
    assert not streaming.control.get("/load").json()["running"], "the game's load stopped with the guess"
    assert streaming.cluster()["game"] is False
    after = streaming.control.get("/game").json()
    assert (after["status"], after["culprit"], after["verdict"]) == ("guessed", culprit, verdict["verdict"]), \
        "a reload shows the verdict: it is kept in the kitchen"
    wait_for(lambda: whole(streaming), 10, "the hidden fault cleared: every service up, no faults")
    again = streaming.control.post("/game/guess", json={"service": guess})
    assert again.status_code == 409 and "no game is playing" in again.json()["detail"]


def test_each_kind_of_fault_says_what_showed_it_and_a_new_game_replaces_the_last(streaming):
    """Games one after another (each replaces the last: one hidden fault at a time) until each kind has been
    hidden once; for each kind the verdict names the evidence the span window really held."""
    seen: dict[str, str] = {}
    for _ in range(30):
        game = start(streaming)
        culprit, fault = truth(streaming)  # asserts: one fault, so the previous game's is gone
        if fault in seen:
            continue
        wait_for_evidence(streaming, game, culprit, fault)
        seen[fault] = streaming.post("/game/guess", {"service": culprit})["showed_by"]
        assert seen[fault].startswith(SHOWN_BY[fault].format(c=culprit)), seen[fault]
        if fault == "down":  # its callers' breaker opened on it; with the load gone no trial call would close it
            wait_for(lambda: whole(streaming), 10, f"{culprit} restarted and the breaker on it closed")
        if len(seen) == 3:
            break
    assert set(seen) == {"down", "failing", "slow"}, f"30 games hid only {sorted(seen)}"
    wait_for(lambda: whole(streaming), 10, "the kitchen whole after the last game")


def test_a_game_and_a_scenario_share_one_timeline(streaming):
    start(streaming)
    streaming.post("/scenario/play", {"name": "billing_outage"})
    stopped = streaming.control.get("/game").json()
    assert stopped["status"] == "stopped" and stopped["culprit"], "a scenario took the timeline: the game is over"
    wait_for(lambda: streaming.all_up() and streaming.cluster()["game"] is False, 10, "the game's fault cleared")
    assert streaming.control.get("/scenario").json()["status"] == "playing"
    start(streaming)
    assert streaming.control.get("/scenario").json()["status"] == "stopped", "a game stopped the scenario"


def test_a_guess_must_name_a_suspect(streaming):
    start(streaming)
    for name in ("gateway", "nobody"):
        refused = streaming.control.post("/game/guess", json={"service": name})
        assert refused.status_code == 422 and "not a suspect" in refused.json()["detail"]
    assert streaming.control.get("/game").json()["status"] == "playing", "a refused guess ends nothing"
