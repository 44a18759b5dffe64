"""Lesson 4: the same Valentine's Day spike on the monolith twin and on the microservices, side by side.

    spike button ──▶ both kitchens' load generators (the same rate, the same duration)
    each side:   its own scale control (monolith: copies of everything; microservices: recommendations)
                 its own p95 (from its kitchen's /load), processes, memory (RSS), CPU: all read live
                 what it had to add: the processes beyond one per service, and their measured memory
"""

from __future__ import annotations

import time
from functools import partial

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, show_notice
from lessons.figures import history_figure, short_duration
from lessons.kitchen import KitchenClient, KitchenProblem
from lessons.live import live_view, snapshot
from lessons.live_chart import live_chart

SPIKE_RPS, SPIKE_S = 60, 90  # long enough to scale the monolith up by three copies and watch both
MONOLITH, MICRO = "streaming-monolith", "streaming"
SIDES = {  # kitchen -> (heading, the service its scale control changes, what one more of it is)
    MONOLITH: ("The monolith twin", "monolith", "Copies of the whole program"),
    MICRO: ("Microservices", "recommendations", "Recommendations replicas"),
}


def usage(cluster: dict) -> dict:
    """Processes, memory and CPU of a kitchen now (measured), and what it runs beyond one process per service."""
    live = {s["name"]: [r for r in s["replicas"] if r["state"] == "up"] for s in cluster["services"]}
    extra = [r for replicas in live.values() for r in replicas[1:]]
    every = [r for replicas in live.values() for r in replicas]
    return {"processes": len(every), "rss_mb": sum(r["rss_mb"] or 0 for r in every),
            "cpu_percent": sum(r["cpu_percent"] or 0 for r in every),
            "added": len(extra), "added_mb": sum(r["rss_mb"] or 0 for r in extra),
            "services": len(live)}


def processes(n: int) -> str:
    return f"{n} process" if n == 1 else f"{n} processes"


def spike_both(clients: list[KitchenClient]) -> None:
    for client in clients:
        client.start_load(SPIKE_RPS, SPIKE_S)


def calm_both(clients: list[KitchenClient]) -> None:
    for client in clients:
        client.stop_load()


def _side(name: str, data: dict | None, problem: str = "") -> None:
    heading, service, _ = SIDES[name]
    st.markdown(f"**{heading}**")
    if data is None:
        st.warning(f"Not readable now: {problem}" if problem else "Not readable now.")
        return
    load, used = data["load"], usage(data["cluster"])
    p95 = load["p95_ms"]
    copies = sum(r["state"] == "up" for s in data["cluster"]["services"] if s["name"] == service
                 for r in s["replicas"])
    window = f"{load['window_s']:.0f} s"
    p, f = st.columns(2)
    p.metric("p95", short_duration(p95), help=f"Over the last {window}, from this kitchen's "
             "own load generator: 95 of 100 answered home screens were this fast or faster (failed ones are not "
             "in it: see failed).")
    failed = load["failed_rps"] / load["achieved_rps"] if load["achieved_rps"] else None
    f.metric("failed", "–" if failed is None else f"{failed:.0%}", help=f"Of the home screens finished in the last "
             f"{window}, the share that got an error (a full queue answers 503) or no answer: they are not in the p95")
    d, m = st.columns(2)
    share = load.get("degraded_share")
    d.metric("degraded", "–" if share is None else f"{share:.0%}",
             help=f"Of the answered home screens of the last {window}, the share that came without some optional "
                  "service: a fast answer without recommendations is not a recovery")
    m.metric("memory", f"{used['rss_mb']:,.0f} MB", help=f"Resident memory (RSS) of its {used['processes']} "
             "processes, measured now")
    st.caption(f"{service}: {copies} up · {processes(used['processes'])} in all, using "
               f"**{used['cpu_percent']:,.0f} % CPU** (100 % is one core). Added beyond one process per service: "
               f"**{processes(used['added'])}, {used['added_mb']:,.0f} MB** (measured)."
               + (f" Spike: {load['rps']:.0f}/s." if load["running"] else " No spike running."))
    if load.get("history"):  # the kitchen keeps its last minute itself: a reload or another tab sees the same line
        live_chart(history_figure(load["history"], time.time()), key=f"scaling-history-{name}")


def _both_now(monolith_url: str, micro: dict | None) -> None:
    """Drawn every second, from the microservices' frame and the monolith twin's own."""
    left, right = st.columns(2)
    with left:
        try:
            _side(MONOLITH, snapshot(monolith_url))
        except KitchenProblem as problem:
            _side(MONOLITH, None, str(problem))
    with right:
        _side(MICRO, micro)
    st.caption("The counters, the graph and the trace below are the microservices side's; the monolith twin's "
               "figures are in its own column above.")


def _scale_control(client: KitchenClient, name: str, cluster: dict) -> None:
    _, service, label = SIDES[name]
    view = next(s for s in cluster["services"] if s["name"] == service)
    key = f"scale-{name}"
    st.slider(label, 1, 8, value=max(view["desired_replicas"], 1), key=key,
              on_change=lambda: act(client.scale, service, st.session_state[key],
                                    notice=f"{SIDES[name][0]}: {service} now runs {st.session_state[key]}."))


def scaling() -> None:
    micro = kitchen_or_stop(MICRO)
    monolith = kitchen_or_stop(MONOLITH)
    st.write(f"Valentine's Day: the same spike, {SPIKE_RPS} home screens a second, on two kitchens at once: the "
             "monolith twin (one program doing everything) and the microservices. Start it and watch each side. The "
             "monolith twin slows down as a whole: its p95 climbs, and once its queue is full it turns home screens "
             "away (**failed**). On the microservices side only recommendations is overloaded: the page waits for "
             "it (the p95 climbs) until the gateway's circuit breaker stops calling it; then home screens come back "
             "quickly but without recommendations (**degraded** climbs), and the gateway tries again now and then, "
             "so the p95 swings. Add capacity on each side until its answers are quick and whole again, and compare "
             "what each had to add.")
    spike, calm = st.columns(2)
    spike.button("Start the spike on both", key="valentine", help=f"{SPIKE_RPS} home screens a second for {SPIKE_S} s, "
                 "on each kitchen", on_click=act, args=(spike_both, [monolith, micro]), width="stretch",
                 kwargs={"notice": "The spike is on, on both kitchens."})
    calm.button("Stop both", key="valentine-stop", on_click=act,
                args=(calm_both, [monolith, micro]), width="stretch", kwargs={"notice": "Both spikes stopped."})
    left, right = st.columns(2)
    try:
        with left:
            _scale_control(monolith, MONOLITH, monolith.cluster())
        with right:
            _scale_control(micro, MICRO, micro.cluster())
    except KitchenProblem as problem:
        st.warning(f"A scale control cannot be shown now: {problem}")
    show_notice()
    st.caption("Everything below is measured now, from the running processes; memory is each process's resident "
               "size (RSS). Our services are tiny, so most of each process is the Python runtime itself: that "
               "per-process weight is part of the microservice premium (lesson 7). Each process serves a set "
               "number of requests at a time (its capacity, like a cook's pair of hands): beyond it they queue, and "
               "a full queue turns guests away, so a side can fail while its CPU is far from busy.")
    live_view(micro.url, key="scaling", above=partial(_both_now, monolith.url))
