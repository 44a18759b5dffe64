"""Lessons 3-5 on the streaming service: its services and databases, scaling, deploys (lesson 6: polyglot.py)."""

from __future__ import annotations

import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import act, answer_panel, show_notice
from lessons.experiments.scaling import scaling  # noqa: F401  (the page imports it from here)
from lessons.kitchen import KitchenProblem
from lessons.live import live_view

SERVICES = ["users", "recommendations", "billing", "streaming"]


def streaming_example() -> None:
    client = kitchen_or_stop("streaming")
    st.write("One request for the home screen goes through the gateway to four services. Each keeps its own "
             "database: pick one and look inside (these are the real tables and rows, read from the running service). "
             "Stop the one you picked, open the home screen again, and read what the answer says.")
    service = st.radio("Which service?", SERVICES, key="streaming-db", horizontal=True)
    stop, back = st.columns(2)
    stop.button(f"Stop {service}", key="streaming-stop", on_click=act, args=(client.kill, service),
                width="stretch", kwargs={"notice": f"{service} is stopped: its node reads `down`. Open the home "
                                                   "screen to see what the gateway does without it."})
    back.button(f"Restart {service}", key="streaming-restart", on_click=act, args=(client.restart, service),
                width="stretch", kwargs={"notice": f"{service} is starting again."})
    show_notice()
    left, right = st.columns(2)
    with left:
        answer_panel(client, "streaming", "Open the home screen")
    with right:
        try:
            for table in client.tables(service):
                st.markdown(f"**{service} · {table['name']}** — {table['rows']:,} rows (newest shown)")
                st.dataframe(table["sample"], hide_index=True, width="stretch")
        except KitchenProblem as problem:
            st.warning(f"The database of {service} cannot be read now: {problem}")
    live_view(client.url, key="streaming")


def _billing_now(data: dict | None) -> None:
    """Drawn every second: billing's replicas, each with its version and state, and whether a rollout runs."""
    if data is None:
        return
    billing = next(s for s in data["cluster"]["services"] if s["name"] == "billing")
    replicas = ", ".join(f"`{r['id']}` {r['version']} ({r['state']})" for r in billing["replicas"]) or "none"
    serving = {r["version"] for r in billing["replicas"] if r["state"] in ("starting", "up")}
    if billing["deploying"]:
        rollout = f"rolling out **{billing['version']}**"
    elif not serving:
        rollout = "no replica is up"
    else:
        rollout = "serving " + " and ".join(f"**{v}**" for v in sorted(serving))
    st.markdown(f"**Billing replicas now:** {replicas} — {rollout}")


def deploys() -> None:
    client = kitchen_or_stop("streaming")
    st.write("The Billing team ships on its own. A rolling deploy starts one replica of the new version, waits "
             "until it is up, lets both serve for a few seconds, then retires an old one, and so on. Keep a little "
             "traffic running to see that people can watch all the while; give billing two or three replicas to "
             "watch the versions mix.")
    traffic, quiet = st.columns(2)
    traffic.button("Keep 10 viewers a second coming (2 min)", key="deploy-traffic", on_click=act,
                   args=(client.start_load, 10, 120), width="stretch")
    quiet.button("Stop the viewers", key="deploy-traffic-stop", on_click=act, args=(client.stop_load,),
                 width="stretch", kwargs={"notice": "No more traffic."})
    try:
        desired = next(s for s in client.cluster()["services"] if s["name"] == "billing")["desired_replicas"]
    except KitchenProblem:
        desired = 1
    copies, _ = st.columns([1, 2])
    copies.number_input("Billing replicas", 1, 4, value=min(max(desired, 1), 4),
                        key="billing-replicas", on_change=lambda: act(
                            client.scale, "billing", st.session_state["billing-replicas"]))
    v2, bad, rollback = st.columns(3)
    v2.button("Deploy billing v2", key="deploy-v2", on_click=act, args=(client.deploy, "billing", "v2"),
              kwargs={"notice": "Rolling out billing v2, one replica at a time: watch the line below."},
              width="stretch")
    bad.button("Deploy billing v3 (a bad build)", key="deploy-bad", on_click=act,
               args=(client.deploy, "billing", "v3"), kwargs={"bad": True, "notice": "v3 fails every billing call. "
               "Videos still play; the home screen just can't show the plan."}, width="stretch")
    rollback.button("Roll back to v1", key="deploy-rollback", on_click=act, args=(client.deploy, "billing", "v1"),
                    kwargs={"notice": "Rolling back to v1, one replica at a time."}, width="stretch")
    down, up = st.columns(2)
    down.button("Stop billing (kill every replica)", key="billing-kill", on_click=act, args=(client.kill, "billing"),
                width="stretch", kwargs={"notice": "Billing is down. Try a deploy now: there is nothing to roll "
                                                   "out to."})
    up.button("Restart billing", key="billing-restart", on_click=act, args=(client.restart, "billing"),
              width="stretch")
    show_notice()
    answer_panel(client, "deploys", "Open the home screen (is the plan there?)")
    live_view(client.url, key="deploys", above=_billing_now)

