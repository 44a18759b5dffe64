"""Lessons 1-2: the one-cook restaurant (a monolith) and the brigade of specialists (microservices)."""

from __future__ import annotations

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, answer_panel, cost_meter, show_notice
from lessons.kitchen import KitchenClient
from lessons.live import live_view


def _order_buttons(client: KitchenClient, key: str) -> None:
    one, rush, stop = st.columns(3)
    one.button("Take one order", key=f"{key}-one", on_click=act, args=(client.entry_request,),
               kwargs={"notice": "An order for table 3: pasta and a lemonade."}, width="stretch")
    rush.button("Dinner rush: 30 orders a second", key=f"{key}-rush", on_click=act, args=(client.start_load, 30, 30),
                kwargs={"notice": "Guests keep arriving for 30 s, whether or not the kitchen keeps up."},
                width="stretch")
    stop.button("Close the doors (stop the rush)", key=f"{key}-stop", on_click=act, args=(client.stop_load,),
                width="stretch")


def day_one() -> None:
    client = kitchen_or_stop("restaurant-monolith")
    cluster = client.cluster()
    st.write("This kitchen is **one program**: one process takes the order, cooks, pours, bills and hands out "
             "the plate. Its trace shows every step inside that one process.")
    _order_buttons(client, "monolith")
    crash, reopen, copy = st.columns(3)
    replicas = cluster["services"][0]["desired_replicas"]
    crash.button("The cook trips: crash it", key="monolith-kill", on_click=act, args=(client.kill, "monolith"),
                 kwargs={"notice": "The one process is gone: no orders, no drinks, no bills. Everything stopped."},
                 width="stretch")
    reopen.button("Back on their feet: restart", key="monolith-restart", on_click=act,
                  args=(client.restart, "monolith"), width="stretch")
    copy.button(f"Hire a copy of the whole kitchen ({replicas} → {min(replicas + 1, 8)})", key="monolith-copy",
                on_click=act, args=(client.scale, "monolith", min(replicas + 1, 8)),
                kwargs={"notice": "To cook more you copy everything: the till and the sink come along too."},
                width="stretch", disabled=replicas >= 8)
    show_notice()
    cost_meter(cluster, "The monolith")
    live_view(client.url, key="day-one")


def specialists() -> None:
    client = kitchen_or_stop("restaurant")
    cluster = client.cluster()
    st.write("Now each station is **its own process** with its own database: the waiter passes tickets to the "
             "chef, the bartender, the cashier and the dishwasher. Send the bartender home and see what still works.")
    _order_buttons(client, "brigade")
    bartender = next(s for s in cluster["services"] if s["name"] == "bartender")
    down = not any(r["state"] == "up" for r in bartender["replicas"])
    home, back = st.columns(2)
    home.button("Send the bartender home (kill)", key="bartender-kill", on_click=act, args=(client.kill, "bartender"),
                kwargs={"notice": "No bartender: orders still come out, without a drink, and the bill has no drink "
                                  "on it. The answer lists the bartender under \"degraded\"."},
                width="stretch", disabled=down)
    back.button("Call the bartender back (restart)", key="bartender-restart", on_click=act,
                args=(client.restart, "bartender"), width="stretch", disabled=not down)
    show_notice()
    answer_panel(client, "brigade", "Show me one order's answer")
    live_view(client.url, key="specialists")
