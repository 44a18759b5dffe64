"""Lesson 7: what the network costs (measured here), the switches that tame it, and the tracing detective game."""

from __future__ import annotations

import statistics
import time
import timeit

import httpx
import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, answer_panel, cost_meter, say, show_notice
from lessons.experiments.idempotency import idempotency_experiment
from lessons.kitchen import KitchenClient, KitchenProblem, NotServed
from lessons.live import live_view

DEFAULT_RETRIES = 2
SWITCHES = {
    "timeouts": "Timeouts — without them a hanging service hangs the page too.",
    "retries": "Retries — without them one dropped call is one failed answer.",
    "circuit_breaker": "Circuit breaker — without it every request still waits on a service that is down.",
    "fallbacks": "Fallbacks — without them one optional service failing fails the whole page.",
}


def add(a: int, b: int) -> int:
    return a + b


def measure_hop(client: KitchenClient, calls: int = 200) -> dict:
    """A plain function call against a call over the network to a live service, both measured now."""
    per_call_ns = min(timeit.repeat("add(2, 3)", globals={"add": add}, number=100_000, repeat=5)) / 100_000 * 1e9
    users = next(s for s in client.cluster()["services"] if s["name"] == "users")
    live = [r["url"] for r in users["replicas"] if r["state"] == "up"]
    if not live:
        raise NotServed("The users service is down, so there is no network call to measure. Restart it first.")
    timings = []
    try:
        with httpx.Client(timeout=2) as http:  # one keep-alive connection, as a service would use
            http.get(live[0] + "/health")
            for _ in range(calls):
                began = time.perf_counter_ns()
                http.get(live[0] + "/health")
                timings.append(time.perf_counter_ns() - began)
    except httpx.HTTPError as exc:
        raise NotServed(f"The users service stopped answering while it was measured ({type(exc).__name__}). "
                        "Try again once it is up.") from exc
    hop_ns = statistics.median(timings)
    return {"function_ns": per_call_ns, "hop_ns": hop_ns, "ratio": hop_ns / per_call_ns, "calls": calls}


def _measure(client: KitchenClient) -> None:
    try:
        st.session_state["premium-measured"] = measure_hop(client)
    except KitchenProblem as problem:  # users down, or the kitchen itself: a sentence, never a traceback
        say(str(problem))


def _switch(client: KitchenClient, name: str) -> None:
    on = st.session_state[f"switch-{name}"]
    act(client.set_resilience, **{name: (DEFAULT_RETRIES if on else 0) if name == "retries" else on})


def game_state(client: KitchenClient) -> dict:
    """The kitchen's detective game as the kitchen keeps it (never the culprit while it plays); a kitchen that
    does not answer has no game to show."""
    try:
        return client.game()
    except KitchenProblem:
        return {"status": "none"}


def start_game(client: KitchenClient) -> None:
    """The kitchen hides a fault on a random suspect and sends traffic; this page remembers nothing of it."""
    st.session_state.pop("game-guess", None)  # last game's pick is not this game's guess
    client.start_game()


def check_guess(client: KitchenClient) -> None:
    """Accuse the picked suspect: the kitchen gives the verdict, clears the fault and stops the game's load."""
    guess = st.session_state.get("game-guess")
    if not guess:
        say("Pick a suspect first, then accuse.")
        return
    client.guess(guess)


def detective_game(client: KitchenClient) -> None:
    """Start, accuse, and the verdict: all read from the kitchen, so a reload or another tab sees the same game."""
    st.subheader("The tracing detective")
    game = game_state(client)
    label = {"none": "Hide a fault somewhere", "playing": "Start over with a new fault"}.get(game["status"], "Play again")
    st.button(label, key="game-start", on_click=act, args=(start_game, client), type="primary")
    if game["status"] == "playing":
        st.write("Something in the kitchen is slow, failing or down. Read the graph and the traces below, then name it.")
        st.radio("The culprit is…", game["suspects"], key="game-guess", horizontal=True, index=None)
        st.button("Accuse", key="game-accuse", on_click=act, args=(check_guess, client))
    elif game["status"] == "guessed":
        it_was = f"it was **{game['culprit']}** ({game['fault']})"
        if game["verdict"] == "right":
            st.success(f"Right: {it_was}. What showed it: {game['showed_by']}. The fault is cleared.")
        else:
            st.warning(f"Not this time: {it_was}, not {game['guess']}. What showed it: {game['showed_by']}. "
                       "The fault is cleared; play again.")
    elif game["status"] == "stopped":
        st.info(f"That game was ended by a scenario or a reset: it was **{game['culprit']}** "
                f"({game['fault']}). Play again.")


BREAKER_WORDS = {"closed": "closed: calls go through", "open": "open: not called, failing fast",
                 "half-open": "half-open: one trial call next", "off": "switched off"}


def trip_breaker(client: KitchenClient, service: str = "billing", requests: int = 6) -> None:
    """Kill ``service`` and send enough home screens for the gateway's breaker on it to open (5 failures in a row)."""
    client.kill(service)
    for _ in range(requests):
        client.entry_request()
    say(f"{service} was killed and {requests} home screens sent: its circuit is open, so the gateway stops calling "
        f"it and answers at once without it. Restart {service} and watch the breaker go half-open, then closed.")


def breakers_now(data: dict | None) -> None:
    """Drawn every tick: the gateway's circuit breaker on each service it calls, in words, with its count."""
    if data is None:
        return
    st.markdown("**The gateway's circuit breakers, live**")
    if data["cluster"].get("game"):
        st.caption("Hidden while the detective game is on: find the culprit from the graph and the traces below.")
        return
    edges = [e for e in data["graph"]["edges"] if e.get("breaker")]
    if not edges:
        st.caption("No caller has a circuit breaker to show yet: send a request.")
        return
    cols = st.columns(len(edges))
    for col, edge in zip(cols, sorted(edges, key=lambda e: e["target"])):
        col.metric(f"{edge['source']} → {edge['target']}", edge["breaker"],
                   help=f"{BREAKER_WORDS.get(edge['breaker'], edge['breaker'])}; "
                        f"{edge['breaker_failures']} failures in a row (it opens at 5)")
        col.caption(f"{edge['breaker_failures']} failures in a row")


def premium() -> None:
    client = kitchen_or_stop("streaming")
    st.markdown("#### A function call against a network call")
    st.button("Measure both on this machine", key="premium-measure", on_click=_measure, args=(client,))
    measured = st.session_state.get("premium-measured")
    if measured:
        f, n, r = st.columns(3)
        f.metric("a function call (median)", f"{measured['function_ns']:.0f} ns")
        n.metric(f"a call to the users service (median of {measured['calls']})", f"{measured['hop_ns'] / 1e6:.2f} ms")
        r.metric("the network call costs", f"{measured['ratio']:,.0f}× more")
    st.markdown("#### The protections, one switch each")
    switches = client.resilience()
    cols = st.columns(len(SWITCHES))
    for col, (name, meaning) in zip(cols, SWITCHES.items()):
        col.toggle(name.replace("_", " "), value=bool(switches[name]), key=f"switch-{name}", help=meaning,
                   on_change=_switch, args=(client, name))
    st.markdown("#### The circuit breakers, live")
    trip, mend = st.columns(2)
    trip.button("Trip billing's breaker", key="premium-trip", on_click=act, args=(trip_breaker, client),
                help="Kill billing and send 6 home screens: after 5 failures in a row the gateway stops calling it",
                width="stretch")
    mend.button("Restart billing", key="premium-mend", on_click=act, args=(client.restart, "billing"),
                kwargs={"notice": "Billing is starting: the breaker waits out its cool-down (3 s), lets one trial "
                                  "call through (half-open), and closes when it succeeds."}, width="stretch")
    hang, heal = st.columns(2)
    hang.button("Make billing hang (8 s per call)", key="premium-hang", on_click=act,
                args=(client.set_faults, "billing"), kwargs={"latency_ms": 8000, "notice":
                "Billing now takes 8 s per call: watch its node read `slow`. With timeouts on, the home screen "
                "gives up on billing within about two seconds (at once, after its circuit opens) and comes back "
                "degraded; switch timeouts off and send "
                "a request to feel the difference."}, width="stretch")
    heal.button("Billing is fast again", key="premium-heal", on_click=act, args=(client.set_faults, "billing"),
                kwargs={"latency_ms": 0, "notice": "Billing answers at its normal speed again: watch its node "
                                                   "leave `slow` within a few seconds."}, width="stretch")
    answer_panel(client, "premium", "Send one home screen request")
    show_notice()
    idempotency_experiment(client)
    cost_meter(client.cluster(), "The cloud bill of this kitchen")
    detective_game(client)
    live_view(client.url, key="premium", above=breakers_now,
              say_what_is_set=game_state(client)["status"] != "playing")  # no spoilers
