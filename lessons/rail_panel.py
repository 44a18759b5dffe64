"""The rail's live backlog, drawn inside a live view's fragment from the shared reading (``data["rail"]``): what is
down in a sentence, how tickets are passed, the chef's backlog in words, each queue, and their last minute.
Used by lesson 8's experiment (with the queue table) and by the Control room on the restaurant kitchen (compact)."""

from __future__ import annotations

import time

import streamlit as st

from lessons.figures_rail import queue_rows, queue_words, rail_news
from lessons.live_chart import live_chart


def backlog_panel(data: dict, key: str, compact: bool = False) -> None:
    """The rail's figures now (``compact``: the queues in one line instead of a table). Nothing without a rail."""
    rail = data.get("rail")
    if rail is None:
        return
    for sentence in rail_news(data["cluster"], rail["queues"], time.time()):
        st.warning(sentence, icon=":material/warning:")
    if rail["problem"]:
        st.warning(f"The rail's figures could not be read: {rail['problem']}", icon=":material/warning:")
    said = "on the rail: the waiter pins a ticket and goes" if rail["mode"] == "rail" else \
        "by calls: the waiter waits at each station"
    chef = next((q for q in rail["queues"] if q["name"] == "chef"), None)
    tickets = f"{chef['pending']} ticket{'' if chef['pending'] == 1 else 's'}" if chef else ""
    backlog = f" · **the chef's backlog: {tickets} waiting**" if chef else ""
    if rail.get("outbox") is not None:  # on the rail: what the waiter took but could not pin yet
        held = rail["outbox"]
        backlog += (f" · **the waiter's outbox: {held} ticket{'' if held == 1 else 's'} not yet on the rail**"
                    if held else " · the waiter's outbox: empty")
    with st.container(key=f"{key}-backlog-line"):
        st.markdown(f"Tickets are passed **{said}**{backlog}")
    if compact:
        st.caption(" · ".join(f"**{q['name']}** {queue_words(q)}" for q in rail["queues"]))
    elif rail["queues"]:
        st.table(queue_rows(rail["queues"]))
    live_chart(rail["backlog"], key=f"{key}-backlog")
