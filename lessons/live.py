"""The live view: the service graph and the latest traces, refreshed about once a second.

Every open tab on a kitchen shares one ``LiveFeed``. Once a second at most, the first tab that asks
reads the kitchen (five requests) and builds the figures; every other tab gets that same frame:

    tab 1 ─┐                      ┌─ Frame: cluster, graph, traces, load,  (read-only, shared)
           │                      │         scenario (the kitchen's story)
    tab 2 ─┼─▶ feed(url).frame() ─┤        graph figure                    (built once per frame)
    tab N ─┘   (lock; rebuilt     └─       waterfall per trace id          (built once, kept a while)
               when > FRESH_S old)

So thirty tabs cost the control plane one read a second and the server one set of figures, not thirty.
(Building a plotly figure is most of a tick: ~30 ms for the graph, ~20 ms for a waterfall; a tab only
turns a built figure into JSON, ~2 ms.) A failed read is kept for the same time, so a dead kitchen
is asked once a second, not once per tab.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import plotly.graph_objects as go
import streamlit as st

from lessons.figures import graph_figure, waterfall_figure
from lessons.kitchen import KitchenClient, KitchenProblem, KitchenUnavailable, Refused

REFRESH = timedelta(seconds=1)
FRESH_S = 0.9  # a frame older than this is read again: just under the refresh, so every tick sees new data
TRACES = 15  # the newest complete traces offered in the picker
KEPT_WATERFALLS = 64  # built waterfalls kept (a picked trace stays drawable after it leaves the newest 15)


@dataclass
class Frame:
    """One reading of a kitchen and the figures built from it. Shared by every tab: never change it."""

    taken: float  # time.monotonic()
    data: dict | None = None  # cluster, graph, traces (complete ones, newest first), load, scenario
    problem: KitchenProblem | None = None
    graph: go.Figure | None = None


@dataclass
class LiveFeed:
    """The one reader of a kitchen for the live view of every tab (thread-safe: tabs run in threads)."""

    url: str
    client: KitchenClient = field(init=False)
    _frame: Frame | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _waterfalls: OrderedDict = field(default_factory=OrderedDict, init=False)  # trace id -> (trace, figure)

    def __post_init__(self) -> None:
        self.client = KitchenClient(self.url)

    def frame(self) -> Frame:
        """The current frame, read again first if it is older than ``FRESH_S``."""
        with self._lock:
            if self._frame is None or time.monotonic() - self._frame.taken >= FRESH_S:
                self._frame = self._read()
            return self._frame

    def stale(self) -> None:
        """The kitchen was just changed: the next tick reads it again instead of showing the old picture."""
        with self._lock:
            self._frame = None

    def _read(self) -> Frame:
        from lessons.private import private_kitchens

        private_kitchens().touch(self.url)  # a private kitchen someone is watching is not idle
        taken = time.monotonic()
        try:
            cluster, graph = self.client.cluster(), self.client.graph(window_s=10)
            data = {"cluster": cluster, "graph": graph, "traces": self.client.traces(TRACES, complete=True),
                    "load": self.client.load(), "scenario": self._scenario()}
        except KitchenProblem as problem:
            return Frame(taken, problem=problem)
        return Frame(taken, data=data, graph=graph_figure(cluster, graph))

    def _scenario(self) -> dict | None:
        """The story on the kitchen's timeline (None from a kitchen that has none to tell)."""
        try:
            return self.client.scenario()
        except Refused:
            return None

    def waterfall(self, trace: dict) -> go.Figure:
        """The waterfall of a complete trace, built once (a complete trace never changes)."""
        with self._lock:
            kept = self._waterfalls.get(trace["trace_id"])
            if kept is None:
                kept = self._waterfalls[trace["trace_id"]] = (trace, waterfall_figure(trace))
                while len(self._waterfalls) > KEPT_WATERFALLS:
                    self._waterfalls.popitem(last=False)
            self._waterfalls.move_to_end(trace["trace_id"])
            return kept[1]

    def trace(self, trace_id: str) -> dict | None:
        """A trace seen before (kept with its waterfall), or read from the kitchen; None once it is gone."""
        with self._lock:
            kept = self._waterfalls.get(trace_id)
        if kept:
            return kept[0]
        try:
            return self.client.trace(trace_id)
        except KitchenProblem:
            return None


_feeds: dict[str, LiveFeed] = {}
_feeds_lock = threading.Lock()


def feed(url: str) -> LiveFeed:
    """The shared feed of one kitchen (one per Streamlit server, for every session)."""
    with _feeds_lock:
        if url not in _feeds:
            _feeds[url] = LiveFeed(url)
        return _feeds[url]


def snapshot(url: str) -> dict:
    """What the live view shows now: cluster, graph, traces (complete, newest first) and load."""
    current = feed(url).frame()
    if current.problem:
        raise current.problem
    return current.data


def changed() -> None:
    """Something was just done to a kitchen: every live view reads afresh on its next tick."""
    with _feeds_lock:
        feeds = list(_feeds.values())
    for one in feeds:
        one.stale()


def what_is_set(cluster: dict) -> str:
    """One line of what has been done to the kitchen (by anyone, a scenario included), read live."""
    changes = []
    for s in cluster["services"]:
        up = sum(r["state"] == "up" for r in s["replicas"])
        said = []
        if s["desired_replicas"] != 1 or up != s["desired_replicas"]:
            said.append(f"{up} of {s['desired_replicas']} up")
        if s["deploying"]:
            said.append(f"deploying {s['version']}")
        elif s["version"] != "v1":
            said.append(s["version"])
        if s["faults"]["latency_ms"]:
            said.append(f"+{s['faults']['latency_ms']:.0f} ms")
        if s["faults"]["error_rate"]:
            said.append(f"{s['faults']['error_rate']:.0%} errors")
        if said:
            changes.append(f"**{s['name']}** {', '.join(said)}")
    return "Now: " + (" · ".join(changes) if changes else "every service up, one replica each, no faults")


def _trace_label(trace: dict) -> str:
    mark = "✗" if trace["status"] == "error" else ("◐" if trace["degraded"] else "✓")
    degraded = f" · without {', '.join(trace['degraded'])}" if trace["degraded"] else ""
    return f"{mark} {trace['name']} · {trace['duration_ms']:.0f} ms{degraded} · {trace['trace_id'][:8]}"


@st.fragment(run_every=REFRESH)
def live_view(url: str, key: str, above: Callable[[dict | None], None] | None = None,
              say_what_is_set: bool = True) -> None:
    """The graph, the load figures, and a trace's waterfall (the newest unless one is picked).

    ``above(data)`` draws something else that changes every second (the Control room's scenario story, a
    lesson's replica line) in the same fragment, from the same reading (``data``: cluster, graph, traces,
    load; None while the kitchen does not answer): one rerun a second per tab, not two. ``say_what_is_set=False`` hides the "Now:"
    line (it would name the culprit of the tracing detective game).
    """
    source = feed(url)
    current = source.frame()
    if above:
        above(current.data)
    if current.problem:
        st.error(f"The live kitchen does not answer: {current.problem}")
        return
    load = current.data["load"]  # always drawn, so the page below never jumps when load starts
    cols = st.columns(5)
    cols[0].metric("load sent", f"{load['rps']:.0f}/s" if load["running"] else "off")
    cols[1].metric("answered", f"{load['achieved_rps']:.0f}/s")
    cols[2].metric("p95 (last 5 s)", "–" if load["p95_ms"] is None else f"{load['p95_ms']:.0f} ms")
    cols[3].metric("degraded answers", load["degraded"])
    cols[4].metric("failed", load["failed"])
    if say_what_is_set:
        st.caption(what_is_set(current.data["cluster"]))
    graph_col, trace_col = st.columns([5, 6], gap="medium")  # the waterfall needs room for its labels and bars
    graph_col.plotly_chart(current.graph, key=f"{key}-graph", config={"displayModeBar": False})
    traces = {t["trace_id"]: t for t in current.data["traces"]}
    with trace_col:
        if not traces:
            st.info("No requests yet: send one, or start the load generator.")
            return
        options = ["newest", *traces]
        picked = st.session_state.get(f"{key}-trace")
        if picked not in (None, *options):  # a picked trace stays picked after newer ones push it out
            options.append(picked)
        picked = st.selectbox("Trace", options, key=f"{key}-trace", help="Pick a request to see where its time went",
                              format_func=lambda tid: tid if tid == "newest" else _label(source, traces, tid))
        newest = next(iter(traces.values()))
        trace = newest if picked == "newest" else traces.get(picked) or source.trace(picked) or newest
        st.plotly_chart(source.waterfall(trace), key=f"{key}-waterfall", config={"displayModeBar": False})


def _label(source: LiveFeed, traces: dict, trace_id: str) -> str:
    trace = traces.get(trace_id) or source.trace(trace_id)
    return _trace_label(trace) if trace else f"{trace_id[:8]} (gone from the window)"
