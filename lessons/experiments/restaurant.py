"""Lessons 1-2: the one-cook restaurant (a monolith) and the brigade of specialists (microservices)."""

from __future__ import annotations

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, answer_panel, cost_meter, show_notice
from lessons.kitchen import KitchenClient, KitchenProblem
from lessons.live import live_view

RUSH_RPS, RUSH_S = 30, 60  # a minute: time to hire a copy and watch the wait fall while guests still come


def replicas_in(cluster: dict, service: str, state: str = "up") -> int:
    """How many replicas of ``service`` are in ``state`` now (0 if it is not in this kitchen)."""
    view = next((s for s in cluster["services"] if s["name"] == service), {"replicas": []})
    return sum(r["state"] == state for r in view["replicas"])


def change_copies(client: KitchenClient, service: str, by: int) -> None:
    """One copy more or one fewer of ``service``, counted from what the kitchen says now (not from the page)."""
    view = next(s for s in client.cluster()["services"] if s["name"] == service)
    wanted = view["desired_replicas"] + by
    if wanted < 1:
        raise KitchenProblem(f"Only one copy of {service} is left. Letting it go would close the kitchen: "
                             "crash it instead if that is what you want to see.")
    if wanted > 8:
        raise KitchenProblem(f"{service} already runs 8 copies, the most this kitchen allows.")
    client.scale(service, wanted)


def _rush_buttons(client: KitchenClient, key: str, stacked: bool = False) -> None:
    rush, stop = (st.container(), st.container()) if stacked else st.columns(2)
    rush.button(f"Dinner rush: {RUSH_RPS} orders a second", key=f"{key}-rush", on_click=act,
                args=(client.start_load, RUSH_RPS, RUSH_S), width="stretch",
                kwargs={"notice": f"Guests keep arriving for {RUSH_S} s, whether or not the kitchen keeps up."})
    stop.button("Close the doors (stop the rush)", key=f"{key}-stop", on_click=act, args=(client.stop_load,),
                width="stretch", kwargs={"notice": "No more guests are coming in."})


def _one_cook_now(data: dict | None) -> None:
    """Drawn every second: is the cook there, one order alone against the rush's p95, and the memory in use."""
    if data is None:
        return
    cluster, load = data["cluster"], data["load"]
    cooks = replicas_in(cluster, "monolith")
    if not cooks and replicas_in(cluster, "monolith", state="starting"):
        st.info("The cook is getting up (`starting`): no order is answered until the process is `up`.",
                icon=":material/hourglass_top:")
    elif not cooks:
        st.error("The cook is down: no order is taken, cooked, poured or billed. Every part stopped together.",
                 icon=":material/cancel:")
    mine = st.session_state.get("monolith-answer") or {}
    alone = mine.get("ms") if mine.get("status") == 200 else None  # a refused order says nothing of cooking time
    p95 = load["p95_ms"]
    if alone and p95 and load["running"]:
        st.markdown(f"Your single order was served in **{alone:,.0f} ms**; during the rush 95 of 100 guests wait "
                    f"up to **{p95:,.0f} ms** (last {load['window_s']:.0f} s): **{p95 / alone:,.1f}×** as long.")
    elif not alone:
        st.caption("Take one order while no rush is on, to know how long one order takes alone.")
    cost_meter(cluster, f"The monolith ({cooks} {'copy' if cooks == 1 else 'copies'} up)")


def day_one() -> None:
    client = kitchen_or_stop("restaurant-monolith")
    st.write("This kitchen is **one program**: one process takes the order, cooks, pours, bills and hands out "
             "the plate, one order at a time. Take one order alone, then start the rush and compare.")
    order, controls = st.columns(2)
    with controls:  # stacked, each label whole, beside the one order's answer
        _rush_buttons(client, "monolith", stacked=True)
        st.button("The cook trips: crash it", key="monolith-kill", on_click=act, args=(client.kill, "monolith"),
                  kwargs={"notice": "The one process is gone: no orders, no drinks, no bills. Everything stopped."},
                  width="stretch")
        st.button("Back on their feet: restart", key="monolith-restart", on_click=act,
                  args=(client.restart, "monolith"), width="stretch",
                  kwargs={"notice": "The cook is getting up: the kitchen opens again once the process is up."})
        st.button("Hire a copy of the whole kitchen", key="monolith-copy", on_click=act,
                  args=(change_copies, client, "monolith", 1), width="stretch",
                  kwargs={"notice": "To cook more you copy everything: the till and the sink come along too. "
                                    "Watch the memory below grow."})
        st.button("Let a copy go", key="monolith-fewer", on_click=act, args=(change_copies, client, "monolith", -1),
                  width="stretch", kwargs={"notice": "One copy fewer: its memory is given back."})
    with order:
        answer_panel(client, "monolith", "Take one order (pasta and a lemonade)")
    show_notice()
    live_view(client.url, key="day-one", above=_one_cook_now, history=True)


STATIONS = {  # the station, what it means when it is missing
    "chef": "No chef, no dish: the waiter cannot serve the order at all. The answer is an HTTP 503 that names "
            "the chef under \"failed\".",
    "bartender": "No bartender: orders still come out, without a drink, and the bill has no drink on it. The "
                 "answer lists the bartender under \"degraded\".",
}


def specialists() -> None:
    client = kitchen_or_stop("restaurant")
    st.write("Now each station is **its own process** with its own database: the waiter passes tickets to the "
             "chef, the bartender, the cashier and the dishwasher. Send a station home, take an order, and read "
             "what the answer says. Then try it with the other station.")
    _rush_buttons(client, "brigade")
    for station, meaning in STATIONS.items():
        home, back = st.columns(2)
        home.button(f"Send the {station} home (kill)", key=f"{station}-kill", on_click=act,
                    args=(client.kill, station), kwargs={"notice": meaning}, width="stretch")
        back.button(f"Call the {station} back (restart)", key=f"{station}-restart", on_click=act,
                    args=(client.restart, station), width="stretch",
                    kwargs={"notice": f"The {station} is on the way back: the node reads `starting`, then `up`."})
    show_notice()
    answer_panel(client, "brigade", "Take one order and show its answer")
    live_view(client.url, key="specialists")
