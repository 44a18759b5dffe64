"""The Control room: every switch of the live kitchen on one page, for a teacher at the projector.

Buttons act through callbacks (outside the live fragment), then the fragment shows the result
within a second. Scenarios are the story scripts of ``mini_services/scenarios/*.toml``:

    selectbox + Play / Pause / Reset ──▶ scenario_player(url)   one per kitchen, shared by every tab
                                           └─ its own thread does each step at its time (never st.*)
    scenario_story(url)  drawn inside the live view's 1 s fragment (one rerun a second per tab, not
                         two); it only reads player.state()
"""

from __future__ import annotations

import functools

import streamlit as st

from lessons.experiments.common import act as _act
from lessons.experiments.common import say as _say
from lessons.experiments.common import show_notice
from lessons.kitchen import KitchenClient, KitchenUnavailable
from lessons.live import changed, live_view
from mini_services.scenario import SCENARIO_DIR, Scenario, ScenarioError, ScenarioPlayer, load_scenario, read_scenario

STATUS = {"ready": "⏹", "playing": "▶", "paused": "⏸", "finished": "✓", "failed": "✗", "stopped": "⏹"}


@st.cache_resource(show_spinner=False)
def scenario_player(url: str) -> ScenarioPlayer:
    """One player per kitchen for every tab: everyone sees the same story playing."""
    return ScenarioPlayer(url)


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
        scenario_player(client.url).play(load_scenario(name), key=client.key)
    except ScenarioError as problem:
        _say(f"The scenario cannot play: {problem}")
        return
    changed()


def pause(client: KitchenClient) -> None:
    """Pause: no further step until Play (the kitchen stays as it is, load included)."""
    if _may_drive(client):
        scenario_player(client.url).pause()


def reset(client: KitchenClient) -> None:
    """Reset: heal the whole kitchen and rewind the scenario to its first step."""
    if not _may_drive(client):
        return
    try:
        scenario_player(client.url).reset(key=client.key)
    except ScenarioError as problem:
        _say(f"The kitchen could not be healed: {problem}")
        return
    changed()
    _say("Everything is back to normal: one healthy replica each on v1, no faults, no load, default protections.")


def scenario_story(url: str, _data: dict | None = None) -> None:
    """The playing scenario: how far it is, and every narration line so far (render-only)."""
    state = scenario_player(url).state()
    if state.scenario is None:
        st.caption("Pick a scenario and press Play: each step happens at its time, with a line to read out.")
        return
    scenario, steps = state.scenario, len(state.scenario.steps)
    st.progress(min(1.0, state.elapsed_s / scenario.length_s) if scenario.length_s else 1.0,
                text=f"{STATUS[state.status]} **{scenario.name}** · {state.status} · {state.elapsed_s:.0f} s of "
                     f"{scenario.length_s:g} s · step {state.done} of {steps}")
    for said in state.narration:
        st.markdown(f"`{said.at_s:4.0f} s` {said.step.say} :gray[({said.step.summary()})]")
    if state.error:
        st.warning(f"The scenario stopped: {state.error}")
    elif state.done < steps and state.status in ("playing", "paused"):
        st.caption(f"next step at {scenario.steps[state.done].at_s:g} s")


def scenario_controls(client: KitchenClient, cluster: dict) -> None:
    """Pick a scenario of this kitchen; Play, Pause, Reset; send one request by hand."""
    scenarios: dict[str, Scenario] = {}
    for path in sorted(SCENARIO_DIR.glob("*.toml")):  # one broken file must not hide the others
        try:
            scenario = read_scenario(path)
        except ScenarioError as problem:
            st.warning(f"A scenario file is skipped: {problem}")
            continue
        if scenario.topology == cluster["topology"]:
            scenarios[path.stem] = scenario
    playing = scenario_player(client.url).state().scenario
    stems = list(scenarios)
    current = next((i for i, stem in enumerate(stems) if scenarios[stem] == playing), 0)
    row = st.columns([3, 1, 1, 1, 2], vertical_alignment="bottom")
    picked = row[0].selectbox("Scenario", stems, index=current, key="scenario-pick",
                              format_func=lambda stem: f"{scenarios[stem].name} ({scenarios[stem].length_s:g} s)")
    row[1].button("Play", key="scenario-play", on_click=play, args=(client, picked), type="primary",
                  help="Start the story (or go on with it when paused)", width="stretch", disabled=picked is None)
    row[2].button("Pause", key="scenario-pause", on_click=pause, args=(client,), width="stretch",
                  help="No further step until Play; the kitchen stays as it is")
    row[3].button("Reset", key="scenario-reset", on_click=reset, args=(client,), width="stretch",
                  help="Heal everything (no load, no faults, v1, one healthy replica each) and rewind the story")
    row[4].button("Send one request", key="send-one", on_click=_act, args=(client.entry_request,),
                  help=f"{cluster['entry']['method']} {cluster['entry']['path']} through the gateway", width="stretch")
    if picked:
        st.caption(scenarios[picked].description)


def _sync(key: str, live: float, most: float) -> None:
    """Widget ``key`` shows the kitchen's value on every full run: what a scenario or another tab set, and
    not a change the kitchen refused (a student's on the shared kitchen)."""
    st.session_state[key] = min(live, most)


def service_row(client: KitchenClient, service: dict) -> None:
    """One service in two lines: its name, replicas, Kill and Restart; then how much slower and how often failing.

    Every label that is read out names the service ("billing replicas", "billing slower by"), so a screen
    reader says which service a control belongs to. The first line wraps on a narrow screen instead of
    cutting a button's label.
    """
    name = service["name"]
    _sync(f"replicas-{name}", service["desired_replicas"], 8)
    _sync(f"latency-{name}", int(service["faults"]["latency_ms"]), 3000)
    _sync(f"errors-{name}", float(service["faults"]["error_rate"]), 1.0)
    with st.container(key=f"service-{name}", gap="xsmall"):
        first = st.container(horizontal=True, vertical_alignment="center", gap="xsmall")
        first.markdown(f"**{name}**", help=service["role"], width=160)  # its live state: the graph and "Now:"
        replicas = first.container(horizontal=True, vertical_alignment="center", gap="xsmall", width="content")
        replicas.markdown("replicas", width="content")  # the box's own label, read out with the name, is hidden
        replicas.number_input(f"{name} replicas", 0, 8, key=f"replicas-{name}", width=130, label_visibility="collapsed",
                              on_change=lambda: _act(client.scale, name, st.session_state[f"replicas-{name}"],
                                                     notice=f"{name} scaled to {st.session_state[f'replicas-{name}']}."))
        first.button("Kill", key=f"kill-{name}", on_click=_act, args=(client.kill, name),
                     help=f"Kill every {name} replica at once (SIGKILL)", kwargs={"notice": f"{name} killed (SIGKILL)."})
        first.button("Restart", key=f"restart-{name}", on_click=_act, args=(client.restart, name),
                     help=f"Start {name} again", kwargs={"notice": f"{name} restarting."})
        latency, errors = st.columns(2, gap="medium")
        latency.slider(f"{name} slower by", 0, 3000, step=50, key=f"latency-{name}", format="%d ms",
                       on_change=lambda: _act(client.set_faults, name, latency_ms=st.session_state[f"latency-{name}"]))
        errors.slider(f"{name} failing", 0.0, 1.0, step=0.05, key=f"errors-{name}", format="percent",
                      on_change=lambda: _act(client.set_faults, name, error_rate=st.session_state[f"errors-{name}"]))


def load_generator(client: KitchenClient) -> None:
    """Steady traffic through the gateway, for as long as asked."""
    st.subheader("Load generator")
    rps, duration = st.columns(2, gap="medium")
    rps = rps.slider("requests per second", 1, 200, 20, key="load-rps")
    duration = duration.slider("for (seconds)", 5, 120, 30, key="load-duration")
    buttons = st.container(horizontal=True, gap="small")
    buttons.button("Start", key="load-start", on_click=_act, args=(client.start_load, rps, duration))
    buttons.button("Stop", key="load-stop", on_click=_act, args=(client.stop_load,))


# Two rules of layout that Streamlit's columns cannot say, scoped to this page's keyed containers:
# - the live view puts graph and waterfall side by side; in this page's column that leaves each too narrow
#   for its labels, so here the graph takes the column's whole width and the waterfall follows under it;
# - under 1600 px (a laptop) the services go under the live view instead of squeezing its figures.
_ROW = '[data-testid="stHorizontalBlock"]'
_COLUMN = '> [data-testid="stColumn"] { width: 100%; flex: 1 1 auto; }'
LAYOUT = f"""<style>
.st-key-control-room-live {_ROW}:has(.stPlotlyChart) {{ flex-direction: column; }}
.st-key-control-room-live {_ROW}:has(.stPlotlyChart) {_COLUMN}
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
    st.title("Control room")
    cluster = client.cluster()
    address = client.url.removeprefix("http://")  # no scheme: a link in a caption is too faint to read (WCAG AA)
    st.caption(f"The {cluster['topology']} kitchen ({cluster['architecture']}) · control plane {address} · "
               f"entry {cluster['entry']['method']} {cluster['entry']['path']}")
    scenario_controls(client, cluster)
    show_notice()
    st.html(LAYOUT)
    with st.container(key="control-room-board"):
        live, switches = st.columns([0.62, 0.38], gap="medium")
    with live, st.container(key="control-room-live"):
        live_view(client.url, key="control-room", above=functools.partial(scenario_story, client.url))
    with switches:
        st.subheader("Services")
        for service in cluster["services"]:
            service_row(client, service)
        load_generator(client)
