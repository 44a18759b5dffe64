"""Lesson 6's "watch this": a viewer watches one of their recommendations, and the model's row for them changes."""

from __future__ import annotations

import streamlit as st

from lessons.kitchen import KitchenProblem
from lessons.live import changed

VIEWER = 7
BEFORE, AFTER = "watch-before", "watch-after"


def _row(client) -> list[dict]:
    """The viewer's recommendations, as the Recommendation service answers them now."""
    return client.service_get("recommendations", f"/recommendations/{VIEWER}")["titles"]


def _watch(client, title: dict) -> None:
    """Button callback: send the watch through the gateway, then read the viewer's row again."""
    try:
        before = _row(client)
        answer = client.send("POST", "/api/watch", json={"user_id": VIEWER, "title_id": title["id"]})
        if answer.status_code >= 400:
            st.session_state[AFTER] = {"problem": f"HTTP {answer.status_code}: {answer.json().get('detail', '')}"}
            return
        st.session_state[BEFORE], st.session_state[AFTER] = before, {"titles": _row(client), "watched": title}
    except (KitchenProblem, ValueError) as problem:
        st.session_state[AFTER] = {"problem": str(problem)}
    changed()


def _names(titles: list[dict]) -> str:
    return "\n".join(f"{n}. {t['name']} ({t['genre']})" for n, t in enumerate(titles, 1))


def watch_this(client) -> None:
    """Pick one of viewer 7's recommendations, watch it, and see the row the model gives them next."""
    try:
        titles = _row(client)
    except KitchenProblem as problem:
        st.warning(f"Viewer {VIEWER}'s recommendations cannot be read now: {problem}")
        return
    if not titles:
        st.caption(f"Viewer {VIEWER} has watched every title: nothing left to recommend.")
        return
    picked = st.selectbox(f"Viewer {VIEWER} watches…", titles, format_func=lambda t: f"{t['name']} ({t['genre']})",
                          key="watch-title")
    st.button("Watch it", key="watch-send", on_click=_watch, args=(client, picked),
              help="POST /api/watch through the gateway: stored in the Recommendation service's own database")
    after = st.session_state.get(AFTER)
    if not after:
        return
    if "problem" in after:
        st.error(f"The watch was not stored: {after['problem']}", icon=":material/error:")
        return
    st.success(f"Stored: viewer {VIEWER} watched {after['watched']['name']}. Their next row, straight after:",
               icon=":material/check_circle:")
    before, now = st.columns(2)
    before.markdown(f"**Before**\n\n{_names(st.session_state.get(BEFORE, []))}")
    now.markdown(f"**After**\n\n{_names(after['titles'])}")
