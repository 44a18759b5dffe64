"""Lessons 9-10: the real world (one screen, how many processes?), and the summary with its quiz."""

from __future__ import annotations

from functools import partial

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, answer_panel, show_notice
from lessons.kitchen import KitchenClient, KitchenProblem
from lessons.live import live_view
from lessons.render import progress_lessons

ONE_SCREEN = {"world": "Microservices", "world-monolith": "The monolith twin"}


def processes_in(client: KitchenClient, trace_id: str) -> dict | None:
    """How many processes (services) and spans one request's trace holds, and how long it took; None until it is in."""
    try:
        trace = client.trace(trace_id)
    except KitchenProblem:
        return None
    services = sorted({s["service"] for s in trace["spans"]})
    return {"services": services, "spans": len(trace["spans"]), "ms": trace["duration_ms"]}


def _count(clients: dict[str, KitchenClient], _data: dict | None) -> None:
    """Drawn every second: for this page's own requests, the processes each one went through (from its trace)."""
    for key, label in ONE_SCREEN.items():
        got = st.session_state.get(f"{key}-answer") or {}
        if not got.get("trace_id"):
            continue
        counted = processes_in(clients[key], got["trace_id"])
        if counted is None:
            st.caption(f"{label}: its trace is on its way (spans arrive within a second).")
            continue
        st.markdown(f"**{label}:** this one home screen went through **{len(counted['services'])} "
                    f"{'process' if len(counted['services']) == 1 else 'processes'}** "
                    f"({', '.join(counted['services'])}), {counted['spans']} spans, {counted['ms']:,.0f} ms.")


def real_world() -> None:
    client = kitchen_or_stop("streaming")
    monolith = kitchen_or_stop("streaming-monolith")
    st.write("One home screen, two shapes. Send the same request to the microservices and to the monolith twin, "
             "and count the processes each one went through, from its own trace. A big streaming service does "
             "the same with a great many more: every one of them is a process to run, watch and pay for.")
    left, right = st.columns(2)
    with left:
        answer_panel(client, "world", "Home screen from the microservices")
    with right:
        answer_panel(monolith, "world-monolith", "Home screen from the monolith twin")
    show_notice()
    live_view(client.url, key="real-world", above=partial(_count, {"world": client, "world-monolith": monolith}))


def summary() -> None:
    from lessons import progress, quiz

    learner = progress.learner_id()
    progress.progress_summary(progress_lessons())
    quiz.render_quiz(learner, progress.store())
    client = kitchen_or_stop("streaming")
    st.subheader("Check an answer on the live kitchen")
    st.write("Question 3 asks what the home screen answers while Billing is down. Do not take the quiz's word "
             "for it: stop billing, open the home screen, and read the answer. Then bring billing back.")
    down, up = st.columns(2)
    down.button("Stop billing", key="summary-billing-kill", on_click=act, args=(client.kill, "billing"),
                width="stretch", kwargs={"notice": "Billing is down: its node reads `down`."})
    up.button("Restart billing", key="summary-billing-restart", on_click=act, args=(client.restart, "billing"),
              width="stretch", kwargs={"notice": "Billing is starting again."})
    show_notice()
    answer_panel(client, "summary", "Open the home screen (GET /api/home?user_id=7)")
    live_view(client.url, key="summary")
