"""The Control room: every switch of the live kitchen on one page, for a teacher at the projector.

Buttons act through callbacks (outside the live fragment), then the fragment shows the result
within a second. Scenarios (``mini_services/scenarios/*.toml``) play inside each kitchen's control plane,
so every tab, the CLI and a page reload see one story:

    selectbox + Play / Pause / Reset ──▶ POST /scenario/play | pause | reset   (Reset: every kitchen the app runs)
    scenario_story(url, data)            drawn inside the live view's 1 s fragment from the frame's
                                         ``scenario`` (GET /scenario, read once a second for every tab)
"""

from __future__ import annotations

import functools

import streamlit as st

from lessons.app_state import KITCHENS, kitchen, kitchen_url, wants_private
from lessons.experiments.common import act as _act
from lessons.experiments.common import answer_verdict, ask_and_keep, show_notice
from lessons.experiments.common import say as _say
from lessons.following import knob_key
from lessons.kitchen import KitchenClient, KitchenProblem, KitchenUnavailable
from lessons.live import changed, live_view, rerun_page_after_this_tick
from lessons.rail_panel import backlog_panel

ON_SCREEN = {"streaming": "The streaming service", "restaurant": "The restaurant (with its rail)"}


def kitchen_on_screen() -> str:
    """Which kitchen the Control room drives: the streaming service (the class's kitchen), or the restaurant, whose
    stories (the chef walks out, the rail goes down) play there. Drawn under the page's title."""
    head = st.container(horizontal=True, vertical_alignment="bottom", gap="large")  # one line: no screen space lost
    head.title("Control room", width="content")
    if wants_private():  # a private kitchen is a streaming one
        return "streaming"
    head.selectbox("Kitchen on the screen", list(ON_SCREEN), format_func=ON_SCREEN.get, key="control-room-kitchen",
                   width=320, help="Each kitchen has its own scenarios, services and graph")
    return st.session_state.get("control-room-kitchen") or "streaming"


STATUS = {"ready": ":material/stop:", "playing": ":material/play_arrow:", "paused": ":material/pause:",
          "finished": ":material/check_circle:", "failed": ":material/error:", "stopped": ":material/stop:"}
HEALED = "one healthy replica each on v1, no faults, no load, default protections"


def _may_drive(client: KitchenClient) -> bool:
    """Only whoever may change the kitchen plays, pauses or resets its story (a shared kitchen needs the key)."""
    try:
        if client.key_works():
            return True
    except KitchenUnavailable as problem:
        _say(f"The kitchen did not answer: {problem}")
        return False
    _say("Not allowed: only the instructor plays scenarios on the shared kitchen. Switch on *My own private "
         "kitchen* in the sidebar to play one yourself.")
    return False


def play(client: KitchenClient, name: str) -> None:
    """Play: start the picked scenario from its first step, or go on with it when paused."""
    if not _may_drive(client):
        return
    try:
        client.play_scenario(name)
    except KitchenProblem as problem:
        _say(f"The scenario cannot play: {problem}")
        return
    changed()


def pause(client: KitchenClient) -> None:
    """Pause: no further step until Play, and the story's load and faults are held too."""
    if not _may_drive(client):
        return
    try:
        client.pause_scenario()
    except KitchenProblem as problem:
        _say(f"The scenario cannot pause: {problem}")
        return
    changed()


def _running_kitchens(client: KitchenClient) -> list[tuple[str, KitchenClient]]:
    """This page's kitchen, and every other kitchen of this app that is running now (none is started for it)."""
    if wants_private():
        return [("your private kitchen", client)]
    found = [(next((name for name in KITCHENS if kitchen_url(name) == client.url), "this kitchen"), client)]
    for name in KITCHENS:
        url = kitchen_url(name)
        if url != client.url and KitchenClient(url).healthy():
            found.append((name, kitchen(name).with_key(client.key)))
    return found


def reset(client: KitchenClient) -> None:
    """Reset: heal every kitchen this app runs and rewind the scenario to its first step."""
    if not _may_drive(client):
        return
    done, problems = [], []
    for name, each in _running_kitchens(client):
        try:
            each.reset_scenario()
            done.append(name)
        except KitchenProblem as problem:
            problems.append(f"{name} could not be reset: {problem}")
    changed()
    said = f"Back to normal ({HEALED}): {', '.join(done)}." if done else "No kitchen was reset."
    _say(" ".join([said, *problems]))


def scenario_story(url: str, data: dict | None = None) -> None:
    """The kitchen's story: how far it is, and every narration line so far (render-only, from the live frame)."""
    state = (data or {}).get("scenario")
    if not state or state["name"] is None:
        st.caption("Pick a scenario and press Play: each step happens at its time, with a line to read out.")
        return
    status, length = state["status"], state["length_s"]
    st.markdown(f"{STATUS[status]} **{state['name']}** · **{status}** · {state['elapsed_s']:.0f} s of {length:g} s · "
                f"step {state['done']} of {state['total']}")
    st.progress(min(1.0, state["elapsed_s"] / length) if length else 1.0)
    for said in state["narration"]:
        st.markdown(f"`{said['at_s']:4.0f} s` {said['say']} :gray[({said['summary']})]")
    if state["error"]:
        st.warning(f"The scenario stopped: {state['error']}")
    elif status == "paused":
        held = [f"its load is off ({state['held_load_s']:.0f} s of it left)"] if state["held_load_s"] else []
        held += [f"the faults it set are lifted ({', '.join(state['lifted_faults'])})"] if state["lifted_faults"] else []
        st.caption("Paused: the story clock stands still" + "".join(f"; {h}" for h in held) +
                   f". Play goes on from here{' and brings ' + ('them' if len(held) > 1 else 'it') + ' back' if held else ''}; "
                   f"next step at "
                   f"{state['next_at_s']:g} s.")
    elif state["next_at_s"] is not None:
        st.caption(f"next step at {state['next_at_s']:g} s")


def scenario_controls(client: KitchenClient, cluster: dict) -> None:
    """Pick a scenario of this kitchen; Play, Pause, Reset; send one request by hand."""
    try:
        scenarios = {s["stem"]: s for s in client.scenarios()}
        playing = client.scenario()["stem"]
    except KitchenProblem as problem:
        st.warning(f"The kitchen offers no scenarios: {problem}")
        return
    stems = list(scenarios)
    current = stems.index(playing) if playing in stems else 0
    row = st.columns([3, 1, 1, 1, 2], vertical_alignment="bottom")
    picked = row[0].selectbox("Scenario", stems, index=current, key="scenario-pick",
                              format_func=lambda stem: f"{scenarios[stem]['name']} ({scenarios[stem]['length_s']:g} s)")
    row[1].button("Play", key="scenario-play", on_click=play, args=(client, picked), type="primary",
                  help="Start the story (or go on with it when paused)",
                  width="stretch", disabled=picked is None)
    row[2].button("Pause", key="scenario-pause", on_click=pause, args=(client,), width="stretch",
                  help="No further step until Play; the story's load and faults are held")
    row[3].button("Reset", key="scenario-reset", on_click=reset, args=(client,), width="stretch",
                  help=f"Heal every kitchen this app runs ({HEALED}) and rewind "
                                                       "the story")
    row[4].button("Send one request", key="send-one", on_click=ask_and_keep, args=(client, "control-room-answer"),
                  help=f"{cluster['entry']['method']} {cluster['entry']['path']} through the gateway", width="stretch")
    if picked:
        st.caption(scenarios[picked]["description"])
    answer_verdict(st.session_state.get("control-room-answer"))  # the answer in words: what it was served without


def _knob(key: str, change, *args, **kwargs) -> None:
    """``on_change`` of a switch: ``change(*args, its value, **kwargs)``."""
    _act(change, *args, st.session_state[key], **kwargs)


def knobs_of(cluster: dict) -> tuple:
    """What the switches show, per service: replicas wanted, added latency, error rate."""
    return tuple((s["name"], s["desired_replicas"], s["faults"]["latency_ms"], s["faults"]["error_rate"])
                 for s in cluster["services"])


def follow_the_kitchen(data: dict | None) -> None:
    """Drawn every tick: when anyone (a scenario, another tab, the CLI) changed a knob since this page last drew
    its switches, the whole page runs again, so the switches never disagree with the graph and the Now: line."""
    if data is None:
        return
    seen = knobs_of(data["cluster"])
    if st.session_state.setdefault("control-room-knobs", seen) != seen:
        st.session_state["control-room-knobs"] = seen
        rerun_page_after_this_tick()  # the graph of this tick first: it says the change at once


def _live_parts(url: str, data: dict | None) -> None:
    scenario_story(url, data)
    follow_the_kitchen(data)
    if data:  # the restaurant: its rail's backlog, for "The chef walks out" and "The rail goes down"
        backlog_panel(data, key="control-room", compact=True)


LATENCY_MOST_MS = 3000  # the "slower by" switch's reach, unless the kitchen already has more


def service_row(client: KitchenClient, service: dict) -> None:
    """One service in two lines: its name, replicas, Kill and Restart; then how much slower and how often failing.

    Every label that is read out names the service ("billing replicas", "billing slower by"), so a screen
    reader says which service a control belongs to. The first line wraps on a narrow screen instead of
    cutting a button's label.
    """
    name = service["name"]
    # each switch shows the kitchen's value (what a scenario or another tab set, and not a change the kitchen
    # refused: a student's on the shared kitchen); lessons/following.py says why its key changes with it
    replicas_now, latency_now = min(service["desired_replicas"], 8), int(service["faults"]["latency_ms"])
    # the switch reaches 3 s; a longer delay set elsewhere (lesson 7's hang: 8 s) widens it, so it shows the truth
    latency_most = max(LATENCY_MOST_MS, -(-latency_now // 50) * 50)
    errors_now = float(service["faults"]["error_rate"])
    replicas_key, latency_key = knob_key(f"replicas-{name}", replicas_now), knob_key(f"latency-{name}", latency_now)
    errors_key = knob_key(f"errors-{name}", errors_now)
    with st.container(key=f"service-{name}", gap="xsmall"):
        first = st.container(horizontal=True, vertical_alignment="center", gap="xsmall")
        first.markdown(f"**{name}**", help=service["role"], width=160)  # its live state: the graph and "Now:"
        replicas = first.container(horizontal=True, vertical_alignment="center", gap="xsmall", width="content")
        replicas.markdown("replicas", width="content")  # the box's own label, read out with the name, is hidden
        replicas.number_input(f"{name} replicas", 0, 8, value=replicas_now, key=replicas_key, width=130,
                              label_visibility="collapsed",
                              on_change=lambda: _knob(replicas_key, client.scale, name,
                                                      notice=f"{name} scaled to {st.session_state[replicas_key]}."))
        first.button("Kill", key=f"kill-{name}", on_click=_act, args=(client.kill, name),
                     help=f"Kill every {name} replica at once (SIGKILL)", kwargs={"notice": f"{name} killed (SIGKILL)."})
        first.button("Restart", key=f"restart-{name}", on_click=_act, args=(client.restart, name),
                     help=f"Start {name} again", kwargs={"notice": f"{name} restarting."})
        latency, errors = st.columns(2, gap="medium")
        latency.slider(f"{name} slower by", 0, latency_most, value=latency_now, step=50, key=latency_key, format="%d ms",
                       on_change=lambda: _knob(latency_key, lambda v: client.set_faults(name, latency_ms=v)))
        errors.slider(f"{name} failing", 0.0, 1.0, value=errors_now, step=0.05, key=errors_key, format="percent",
                      on_change=lambda: _knob(errors_key, lambda v: client.set_faults(name, error_rate=v)))


def load_generator(client: KitchenClient) -> None:
    """Steady traffic through the gateway, for as long as asked."""
    st.subheader("Load generator")
    rps, duration = st.columns(2, gap="medium")
    rps = rps.slider("requests per second", 1, 200, 20, key="load-rps")
    duration = duration.slider("for (seconds)", 5, 120, 30, key="load-duration")
    buttons = st.container(horizontal=True, gap="small")
    buttons.button("Start", key="load-start", on_click=_act, args=(client.start_load, rps, duration))
    buttons.button("Stop", key="load-stop", on_click=_act, args=(client.stop_load,))


# A rule of layout that Streamlit's columns cannot say, scoped to this page's keyed container: under 1600 px
# (a laptop) the services go under the live view instead of squeezing its figures.
_ROW = '[data-testid="stHorizontalBlock"]'
_COLUMN = '> [data-testid="stColumn"] { width: 100%; flex: 1 1 auto; }'
LAYOUT = f"""<style>
@media (max-width: 1599px) {{
  .st-key-control-room-board > [data-testid="stLayoutWrapper"] > {_ROW} {{ flex-direction: column; }}
  .st-key-control-room-board > [data-testid="stLayoutWrapper"] > {_ROW} {_COLUMN}
}}
</style>"""


def render(client: KitchenClient) -> None:
    """The page for the projector: at 1920×1080 the scenario, the live graph and every service's switches
    show on one screen (under 1600 px wide the services move under the live view)::

        Control room · which kitchen
        scenario ▾  Play  Pause  Reset  Send one request
        ┌ live view ───────────────────┐ ┌ Services ────────────────────────┐
        │ story · figures · Now:       │ │ name ⓘ  replicas [1]  Kill Restart│
        │ graph                        │ │ slower by ──o──   failing ──o──   │
        │ trace ▾ · waterfall          │ │ … one block per service          │
        └──────────────────────────────┘ │ Load generator                   │
                                         └──────────────────────────────────┘
    """
    cluster = client.cluster()
    address = client.url.removeprefix("http://")  # no scheme: a link in a caption is too faint to read (WCAG AA)
    st.caption(f"The {cluster['topology']} kitchen ({cluster['architecture']}) · control plane {address} · "
               f"entry {cluster['entry']['method']} {cluster['entry']['path']}")
    st.session_state["control-room-knobs"] = knobs_of(cluster)  # the switches below show these
    scenario_controls(client, cluster)
    show_notice()
    st.html(LAYOUT)
    with st.container(key="control-room-board"):
        live, switches = st.columns([0.62, 0.38], gap="medium")
    with live, st.container(key="control-room-live"):
        live_view(client.url, key="control-room", above=functools.partial(_live_parts, client.url), stacked=True,
                  history=True, rail=cluster["topology"] == "restaurant")
    with switches:
        st.subheader("Services")
        for service in cluster["services"]:
            service_row(client, service)
        load_generator(client)
