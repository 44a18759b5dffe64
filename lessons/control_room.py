"""The Control room: every switch of the live kitchen on one page, for a teacher at the projector.

Buttons act through callbacks (outside the live fragment), then the fragment shows the result
within a second.
"""

from __future__ import annotations

import streamlit as st

from lessons.experiments.common import act as _act
from lessons.experiments.common import say as _say
from lessons.experiments.common import show_notice
from lessons.kitchen import KitchenClient
from lessons.live import live_view

SCENARIOS = {
    "Valentine's Day spike": "Everyone wants romance at once: 60 home pages a second for 30 s. Recommendations buckles; "
                             "add replicas to it and watch p95 fall.",
    "Billing outage": "Billing is killed. People can still watch; they just can't see or change their plan.",
    "Slow network": "Every hop gains 150–250 ms. Watch the waterfall stretch.",
    "Bad deploy": "Billing v2 ships with a bug and fails every request. Roll it back.",
}


def play(client: KitchenClient, scenario: str) -> None:
    if scenario == "Valentine's Day spike":
        client.start_load(rps=60, duration_s=30)
    elif scenario == "Billing outage":
        client.kill("billing")
    elif scenario == "Slow network":
        for service in client.cluster()["services"]:
            client.set_faults(service["name"], latency_ms=150, jitter_ms=100)
    elif scenario == "Bad deploy":
        client.deploy("billing", "v2", bad=True)
    _say(f"{scenario}: {SCENARIOS[scenario]}")


def reset_all(client: KitchenClient) -> None:
    client.stop_load()
    for service in client.cluster()["services"]:
        name = service["name"]
        client.set_faults(name, latency_ms=0, jitter_ms=0, error_rate=0)
        if service["version"] != "v1":
            client.deploy(name, "v1")
        client.restart(name)
        client.scale(name, 1)
    client.set_resilience(timeouts=True, timeout_ms=1000, retries=2, circuit_breaker=True, fallbacks=True)
    _say("Everything is back to normal: one healthy replica each, no faults, no load.")


def service_row(client: KitchenClient, service: dict) -> None:
    name = service["name"]
    up = sum(r["state"] == "up" for r in service["replicas"])
    cols = st.columns([2.4, 0.9, 1.2, 1.1, 2, 2], vertical_alignment="bottom")
    cols[0].markdown(f"**{name}** · {up}/{service['desired_replicas']} up · {service['version']}  \n"
                     f":gray[{service['role']}]")
    cols[1].button("Kill", key=f"kill-{name}", on_click=_act, args=(client.kill, name),
                   kwargs={"notice": f"{name} killed (SIGKILL)."}, width="stretch")
    cols[2].button("Restart", key=f"restart-{name}", on_click=_act, args=(client.restart, name),
                   kwargs={"notice": f"{name} restarting."}, width="stretch")
    cols[3].number_input("replicas", 0, 8, value=service["desired_replicas"], key=f"replicas-{name}",
                         on_change=lambda: _act(client.scale, name, st.session_state[f"replicas-{name}"],
                                                notice=f"{name} scaled to {st.session_state[f'replicas-{name}']}."))
    cols[4].slider("added latency (ms)", 0, 3000, value=int(service["faults"]["latency_ms"]), step=50,
                   key=f"latency-{name}",
                   on_change=lambda: _act(client.set_faults, name, latency_ms=st.session_state[f"latency-{name}"]))
    cols[5].slider("error rate", 0.0, 1.0, value=float(service["faults"]["error_rate"]), step=0.05,
                   key=f"errors-{name}",
                   on_change=lambda: _act(client.set_faults, name, error_rate=st.session_state[f"errors-{name}"]))


def render(client: KitchenClient) -> None:
    st.title("Control room")
    cluster = client.cluster()
    st.caption(f"The {cluster['topology']} kitchen ({cluster['architecture']}) · control plane {client.url} · "
               f"entry {cluster['entry']['method']} {cluster['entry']['path']}")
    row = st.columns(len(SCENARIOS) + 2)
    for col, scenario in zip(row, SCENARIOS):
        col.button(scenario, key=f"scenario-{scenario}", on_click=play, args=(client, scenario),
                   help=SCENARIOS[scenario], width="stretch")
    row[-2].button("Reset all", key="reset-all", on_click=reset_all, args=(client,), type="primary", width="stretch")
    row[-1].button("Send one request", key="send-one", on_click=_act, args=(client.entry_request,),
                   help=f"{cluster['entry']['method']} {cluster['entry']['path']} through the gateway", width="stretch")
    show_notice()
    live_view(client.url, key="control-room")
    services, load = st.columns([3, 1], gap="large")
    with services:
        st.subheader("Services")
        for service in cluster["services"]:
            service_row(client, service)
    with load:
        st.subheader("Load generator")
        rps = st.slider("requests per second", 1, 200, 20, key="load-rps")
        duration = st.slider("for (seconds)", 5, 120, 30, key="load-duration")
        start, stop = st.columns(2)
        start.button("Start", key="load-start", on_click=_act, args=(client.start_load, rps, duration), width="stretch")
        stop.button("Stop", key="load-stop", on_click=_act, args=(client.stop_load,), width="stretch")
