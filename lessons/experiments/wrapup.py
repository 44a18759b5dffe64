"""Lessons 8-9: the real world, and the summary with its quiz."""

from __future__ import annotations

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, show_notice
from lessons.live import live_view, snapshot
from lessons.render import LESSONS


def real_world() -> None:
    client = kitchen_or_stop("streaming")
    st.write("One home screen here touches five processes. Count them yourself: send one request and read its "
             "trace. A big streaming service does the same with a great many more.")
    st.button("Send one home screen request", key="world-one", on_click=act, args=(client.entry_request,))
    show_notice()
    traces = snapshot(client.url)["traces"]  # complete ones, newest first
    if traces:
        newest = traces[0]
        services = sorted({s["service"] for s in newest["spans"]})
        st.metric("services in the newest request's trace (live)", len(services), help=", ".join(services))
    live_view(client.url, key="real-world")


def summary() -> None:
    from lessons import progress, quiz

    learner = progress.learner_id()
    progress.progress_summary(LESSONS)
    quiz.render_quiz(learner, progress.store())
    client = kitchen_or_stop("streaming")
    st.caption("The live kitchen is still there for one last experiment:")
    live_view(client.url, key="summary")
