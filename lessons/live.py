"""The live view: the service graph and the latest traces, refreshed about once a second.

The fragment only renders. One snapshot of the kitchen is fetched per second for every open
tab together (``st.cache_data(ttl=1)``), so thirty tabs cost the control plane one read, not thirty.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from lessons.figures import graph_figure, waterfall_figure
from lessons.kitchen import KitchenClient, KitchenUnavailable

REFRESH = timedelta(seconds=1)


@st.cache_resource(show_spinner=False)
def reader(url: str) -> KitchenClient:
    """One keep-alive client per kitchen for the live view (a new client per read costs tens of ms)."""
    return KitchenClient(url)


@st.cache_data(ttl=1, show_spinner=False)
def snapshot(url: str) -> dict:
    """Everything the live view draws, read once per second per kitchen (which also keeps a private one alive)."""
    from lessons.private import private_kitchens

    private_kitchens().touch(url)
    client = reader(url)
    return {"cluster": client.cluster(), "graph": client.graph(window_s=10), "traces": client.traces(limit=15),
            "load": client.load()}


def _trace_label(trace: dict) -> str:
    mark = "✗" if trace["status"] == "error" else ("◐" if trace["degraded"] else "✓")
    degraded = f" · without {', '.join(trace['degraded'])}" if trace["degraded"] else ""
    return f"{mark} {trace['name']} · {trace['duration_ms']:.0f} ms{degraded} · {trace['trace_id'][:8]}"


@st.fragment(run_every=REFRESH)
def live_view(url: str, key: str) -> None:
    """The graph, the load figures, and a trace's waterfall (the newest unless one is picked)."""
    try:
        snap = snapshot(url)
    except KitchenUnavailable as problem:
        st.error(f"The live kitchen does not answer: {problem}")
        return
    load = snap["load"]  # always drawn, so the page below never jumps when load starts
    cols = st.columns(5)
    cols[0].metric("load sent", f"{load['rps']:.0f}/s" if load["running"] else "off")
    cols[1].metric("answered", f"{load['achieved_rps']:.0f}/s")
    cols[2].metric("p95 (last 5 s)", "–" if load["p95_ms"] is None else f"{load['p95_ms']:.0f} ms")
    cols[3].metric("degraded answers", load["degraded"])
    cols[4].metric("failed", load["failed"])
    graph_col, trace_col = st.columns([1, 1], gap="medium")
    graph_col.plotly_chart(graph_figure(snap["cluster"], snap["graph"]), key=f"{key}-graph",
                           config={"displayModeBar": False})
    # a trace whose entry span has not arrived yet is still being written: show finished ones
    traces = [t for t in snap["traces"] if any(s["parent_id"] is None for s in t["spans"])]
    with trace_col:
        if not traces:
            st.info("No requests yet: send one, or start the load generator.")
            return
        labels = {_trace_label(t): t for t in traces}
        picked = st.selectbox("Trace", ["newest"] + list(labels), key=f"{key}-trace",
                              help="Pick a request to see where its time went")
        trace = traces[0] if picked == "newest" or picked not in labels else labels[picked]
        st.plotly_chart(waterfall_figure(trace), key=f"{key}-waterfall", config={"displayModeBar": False})
