"""The live view: the service graph and the latest traces, refreshed twice a second (the newest trace's
waterfall moves on at most once a second while requests keep coming alike: ``_newest``).

Every open tab on a kitchen shares one ``LiveFeed``. Twice a second at most, the first tab that asks
reads the kitchen (five requests) and builds the figures; every other tab gets that same frame:

    tab 1 ─┐                      ┌─ Frame: cluster, graph, traces, load,  (read-only, shared)
           │                      │         scenario (the kitchen's story)
    tab 2 ─┼─▶ feed(url).frame() ─┤        graph figure                    (built once per frame)
    tab N ─┘   (lock; rebuilt     └─       waterfall per trace id          (built once, kept a while)
               when > FRESH_S old)

So thirty tabs cost the control plane one reading per tick and the server one set of figures, not thirty.
(Building a plotly figure is most of a tick: ~30 ms for the graph, ~20 ms for a waterfall; a tab only
turns a built figure into JSON, ~2 ms.) A failed read is kept for the same time, so a dead kitchen
is asked once per tick, not once per tab.
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

from lessons.figures import LANGUAGE_WORDS, RAIL, graph_figure, history_figure, short_duration, waterfall_figure
from lessons.figures_rail import backlog_figure
from lessons.kitchen import KitchenClient, KitchenProblem, Refused
from lessons.live_chart import live_chart

# Twice a second: a change shows within a second even when it lands just after a tick (bench/event_to_screen.py)
REFRESH = timedelta(seconds=0.5)
FRESH_S = 0.45  # a frame older than this is read again: just under the refresh, so every tick sees new data
TRACES = 15  # the newest complete traces offered in the picker
GRAPH_WINDOW_S = 2  # the graph's figures cover what just happened: a fix shows within a second or two
WATERFALL_BOX_PX = 620  # picker, age line and a waterfall of up to ~13 rows; a longer trace scrolls inside it
NEWEST_HELD_S = 1.0  # "newest" moves on to a trace like the one shown at most this often (_newest)
OLD_TRACE_S = 5  # a newest trace older than this is said to be old: nothing newer reached the gateway
KEPT_WATERFALLS = 64  # built waterfalls kept (a picked trace stays drawable after it leaves the newest 15)
ORDERS_SHOWN = 8  # the newest orders the rail lesson lists, with each station's step
ORDERS_EVERY_S = 2.0  # ...read through the waiter this often: each read is a call to every station (and a trace)


@dataclass
class Frame:
    """One reading of a kitchen and the figures built from it. Shared by every tab: never change it."""

    taken: float  # time.monotonic()
    data: dict | None = None  # cluster, graph, traces (complete ones, newest first), load, scenario
    problem: KitchenProblem | None = None
    graph: go.Figure | None = None
    history: go.Figure | None = None  # the last minute of load


@dataclass
class LiveFeed:
    """The one reader of a kitchen for the live view of every tab (thread-safe: tabs run in threads)."""

    url: str
    client: KitchenClient = field(init=False)
    reads_rail: bool = False  # set once a page shows the rail: then every frame holds its queues and orders too
    _orders: tuple[float, list, str | None] = field(default=(0.0, [], None), init=False)  # read at, orders, problem
    _frame: Frame | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _waterfalls: OrderedDict = field(default_factory=OrderedDict, init=False)  # trace id -> (trace, figure)

    def __post_init__(self) -> None:
        self.client = KitchenClient(self.url)

    def frame(self, seen: float | None = None) -> Frame:
        """The current frame, read again first if it is older than ``FRESH_S`` or is the one the asking tab
        ``seen`` last (its ``taken``): a tab never draws the same reading twice, so a change shows at its next
        tick, while tabs ticking close together still share one reading."""
        with self._lock:
            if (self._frame is None or time.monotonic() - self._frame.taken >= FRESH_S
                    or self._frame.taken == seen):
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
            cluster, graph = self.client.cluster(), self.client.graph(window_s=GRAPH_WINDOW_S)
            data = {"cluster": cluster, "graph": graph, "traces": self.client.traces(TRACES, complete=True),
                    "load": self.client.load(), "scenario": self._scenario(), "rail": self._rail(cluster)}
        except KitchenProblem as problem:
            return Frame(taken, problem=problem)
        if data["rail"]:  # the rail page's own reads through the waiter (the newest orders; the learner's order,
            own_read = f"{cluster['gateway']}: GET /api/orders"  # followed) are no one's requests: not offered
            data["traces"] = [t for t in data["traces"]
                              if t["name"] != own_read and not t["name"].startswith(own_read + "/")]
        return Frame(taken, data=data, graph=graph_figure(cluster, graph),
                     history=history_figure(data["load"].get("history", []), time.time()))

    def _rail(self, cluster: dict) -> dict | None:
        """The rail's reading (mode, queues, their last minute drawn as ``backlog``, the newest orders); a part
        that does not answer is said in ``problem`` / ``orders_problem``, the rest still shows. None: no page
        shows a rail here, or the kitchen has none."""
        if not self.reads_rail or not any(s["name"] == RAIL for s in cluster["services"]):
            return None
        rail = {"mode": "calls", "queues": [], "history": {"window_s": 60, "points": []}, "orders": [],
                "problem": None, "orders_problem": None, "outbox": None}
        try:
            rail["mode"], rail["queues"] = self.client.messaging(), self.client.queues()
            rail["history"] = self.client.queue_history()
        except KitchenProblem as problem:
            rail["problem"] = str(problem)
        read_at, orders, problem = self._orders
        if time.monotonic() - read_at >= ORDERS_EVERY_S:
            try:
                orders, problem = self.client.orders(ORDERS_SHOWN, cluster=cluster), None
            except KitchenProblem as failed:
                problem = str(failed)
            self._orders = (time.monotonic(), orders, problem)
        rail["orders"], rail["orders_problem"] = orders, problem
        if rail["mode"] == "rail":  # the waiter's outbox: orders taken whose tickets are not on the rail yet
            try:
                rail["outbox"] = self.client.service_get(cluster["gateway"], "/_kitchen/outbox", cluster)["waiting"]
            except KitchenProblem:
                rail["outbox"] = None  # the waiter is down: the line says nothing of its outbox
        rail["backlog"] = backlog_figure(rail["history"], time.time())
        return rail

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
        languages = sorted({r.get("language", "python") for r in s["replicas"]} - {"python"})
        if languages:  # a build on another language (users on Node.js) is a change too
            said.append(" and ".join(LANGUAGE_WORDS.get(name, name) for name in languages))
        if s["faults"]["latency_ms"]:
            said.append(f"+{s['faults']['latency_ms']:.0f} ms")
        if s["faults"]["error_rate"]:
            said.append(f"{s['faults']['error_rate']:.0%} errors")
        if said:
            changes.append(f"**{s['name']}** {', '.join(said)}")
    return "Now: " + (" · ".join(changes) if changes else "nothing changed by hand: one replica each, every one "
                                                              "up, every build v1 in Python, no faults set")


def _trace_label(trace: dict) -> str:
    said = "failed" if trace["status"] == "error" else ("degraded" if trace["degraded"] else "ok")
    degraded = f" · without {', '.join(trace['degraded'])}" if trace["degraded"] else ""
    return f"{said} · {trace['name']} · {trace['duration_ms']:.0f} ms{degraded} · {trace['trace_id'][:8]}"


COUNTED = ("ok", "degraded", "failed")


def _counters_from(key: str) -> str:
    return f"{key}-counters-from"


def reset_counters(key: str) -> None:
    """The page's counters start again from zero at the next tick."""
    st.session_state.pop(_counters_from(key), None)


HAND_SENT = "requests-sent-by-hand"  # this browser session's own requests (the answer panels), ok / degraded / failed


def count_by_hand(outcome: str) -> None:
    """One request a learner sent by hand (not the load generator): it counts on the page too."""
    tally = st.session_state.setdefault(HAND_SENT, dict.fromkeys(COUNTED, 0))
    tally[outcome] += 1


def page_counts(key: str, totals: dict) -> dict[str, int]:
    """What the load generator and this learner's own requests counted since this page was opened (or its
    counters reset): never another page's."""
    by_hand = st.session_state.get(HAND_SENT, {})
    totals = {k: totals.get(k, 0) + by_hand.get(k, 0) for k in COUNTED}
    base = st.session_state.get(_counters_from(key))
    if base is None or any(totals.get(k, 0) < base.get(k, 0) for k in COUNTED):  # new page, or a new control plane
        base = st.session_state[_counters_from(key)] = {k: totals.get(k, 0) for k in COUNTED}
    return {k: totals.get(k, 0) - base[k] for k in COUNTED}


def live_view(url: str, key: str, above: Callable[[dict | None], None] | None = None,
              say_what_is_set: bool = True, history: bool = False, stacked: bool = False, rail: bool = False) -> None:
    """The live view of a kitchen: load figures, the graph, a trace's waterfall, and (``history``) the last minute.

    Its counters start at zero each time the page is opened, and at a press of *Reset counters*. The live part
    is one fragment that refreshes every second and only renders; the button lives outside it.
    ``above(data)`` draws something else that changes every second (the Control room's scenario story, a
    lesson's replica line) in the same fragment, from the same reading (``data``: cluster, graph, traces,
    load; None while the kitchen does not answer): one rerun a second per tab, not two.
    ``say_what_is_set=False`` hides the "Now:" line (it would name the culprit of the tracing detective game).
    ``stacked`` puts the waterfall under the graph (for a narrow column), ``history`` the last minute under both.
    ``rail``: every frame of this kitchen also holds the rail's reading (``data["rail"]``, for ``above``).
    """
    if rail:
        feed(url).reads_rail = True
    if st.session_state.get("live-page") != key:  # arrived on this page: its counters start at zero
        st.session_state["live-page"] = key
        reset_counters(key)
    _live(url, key, above, say_what_is_set, history, stacked)
    st.button("Reset counters", key=f"{key}-reset-counters", on_click=reset_counters, args=(key,), type="tertiary",
              icon=":material/restart_alt:", help="Start this page's answered / degraded / failed counts again at 0")


@st.fragment(run_every=REFRESH)
def _live(url: str, key: str, above: Callable[[dict | None], None] | None, say_what_is_set: bool,
          history: bool, stacked: bool) -> None:
    source = feed(url)
    current = source.frame(seen=st.session_state.get(f"{key}-frame-seen"))
    st.session_state[f"{key}-frame-seen"] = current.taken
    if above:
        above(current.data)
    if current.problem:
        st.error(f"The live kitchen does not answer. {current.problem}", icon=":material/cloud_off:")
        return
    load = current.data["load"]  # always drawn, so the page below never jumps when load starts
    counts = page_counts(key, load.get("totals", {}))
    cols = st.columns(6)
    cols[0].metric("load sent", f"{load['rps']:.0f}/s" if load["running"] else "off",
                   help="requests the load generator sends a second, whether or not they are answered")
    cols[1].metric("answered/s", f"{load.get('answered_rps', 0):.0f}/s",
                   help=f"successful answers a second over the last {load['window_s']:.0f} s (failures not counted)")
    cols[2].metric(f"p95 ({load['window_s']:.0f} s)", short_duration(load["p95_ms"]),
                   help="95 of 100 successful answers came at least this fast")
    cols[3].metric("answered", counts["ok"] + counts["degraded"], help="successful answers since this page opened "
                   "(or since Reset counters)")
    cols[4].metric("degraded", counts["degraded"], help="of those answers, how many came without some optional "
                   "service")
    cols[5].metric("failed", counts["failed"], help="errors, refused connections and timeouts since this page "
                   "opened (or since Reset counters)")
    said = "Answered, degraded and failed count from when you opened this page."
    if say_what_is_set and not current.data["cluster"].get("game"):  # a game's hidden fault is never named
        said += " " + what_is_set(current.data["cluster"])
    st.caption(said)
    # the waterfall needs room for its labels and bars: beside the graph on a wide page, under it in a narrow column
    graph_col, trace_col = (st.container(), st.container()) if stacked else st.columns([5, 6], gap="medium")
    with graph_col:
        live_chart(current.graph, key=f"{key}-graph")
    with trace_col, st.container(height=WATERFALL_BOX_PX, border=False):  # the same height every tick: nothing
        _waterfall(source, current, key)                                  # below it jumps when the trace changes
    if history:
        live_chart(current.history, key=f"{key}-history")
    if st.session_state.pop(RERUN_PAGE, False):
        st.rerun(scope="app")


RERUN_PAGE = "live-rerun-page"


def rerun_page_after_this_tick() -> None:
    """From ``above``: run the whole page again once this tick has drawn its figures (``st.rerun`` at once would
    throw away the tick's graph, and the change would show only after the page's full run)."""
    st.session_state[RERUN_PAGE] = True


def _waterfall(source: LiveFeed, current: Frame, key: str) -> None:
    traces = {t["trace_id"]: t for t in current.data["traces"]}
    if not traces:
        st.info("No finished requests yet: send one, or start the load generator.")
        return
    options = ["newest", *traces]
    picked = st.session_state.get(f"{key}-trace")
    if picked not in (None, *options):  # a picked trace stays picked after newer ones push it out
        options.append(picked)
    picked = st.selectbox("Trace", options, key=f"{key}-trace",
                          help="Pick a request to see where its time went. *newest* follows the newest finished "
                               "request; while they keep coming alike, it moves on once a second",
                          format_func=lambda tid: tid if tid == "newest" else _label(source, traces, tid))
    if picked == "newest":
        trace = _newest(traces, key)
    else:  # back on "newest" later, the newest shows at once
        st.session_state.pop(f"{key}-newest-held", None)
        trace = traces.get(picked) or source.trace(picked) or next(iter(traces.values()))
    age_s = time.time() - trace["start_unix_ms"] / 1000
    if picked == "newest" and age_s > OLD_TRACE_S:
        gateway = current.data["cluster"]["gateway"]
        old = f"{age_s:,.0f} s" if age_s < 120 else f"{age_s / 60:,.0f} minutes"
        st.caption(f"This newest finished request is **{old} old**: nothing newer has been answered "
                   f"by the {gateway}" + (" (the load's requests are failing before it)." if
                                          current.data["load"].get("failed_rps") else "."))
    live_chart(source.waterfall(trace), key=f"{key}-waterfall")


def _kind(trace: dict) -> tuple:
    return trace["name"], trace["status"], tuple(trace["degraded"])


def _newest(traces: dict, key: str) -> dict:
    """The trace "newest" shows: the newest, except that while answers keep coming alike (the same request, the
    same outcome) it moves on at most once every ``NEWEST_HELD_S``. Under load a new trace ends at every tick, and
    each new one redraws every bar of the waterfall in the browser; a failure, a degraded answer or another request
    shows at the next tick."""
    newest = next(iter(traces.values()))
    held = st.session_state.get(f"{key}-newest-held")  # (trace id, shown since: time.monotonic())
    if held:
        shown = traces.get(held[0])
        if shown and _kind(shown) == _kind(newest) and time.monotonic() - held[1] < NEWEST_HELD_S:
            return shown
    st.session_state[f"{key}-newest-held"] = (newest["trace_id"], time.monotonic())
    return newest


def _label(source: LiveFeed, traces: dict, trace_id: str) -> str:
    trace = traces.get(trace_id) or source.trace(trace_id)
    return _trace_label(trace) if trace else f"{trace_id[:8]} (gone from the window)"
