"""Scenario scripts: the shipped files validate, bad files say what is wrong, and the control plane plays a
real story on its own kitchen: steps at their times; pause holds the story, its load and its faults; play brings
them back; reset heals; the CLI drives the same endpoints."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mini_services.scenario import ScenarioError, list_scenarios, load_scenario
from tests.utils.kitchen import ROOT, Kitchen, wait_for

STREAMING_PRESETS = {"valentine": "Valentine's Day spike", "billing_outage": "Billing outage",
                     "slow_network": "Slow network", "bad_deploy": "Bad deploy"}
RESTAURANT_PRESETS = {"chef_walks_out": "The chef walks out", "rail_goes_down": "The rail goes down"}  # lesson 8
PRESETS = {**STREAMING_PRESETS, **RESTAURANT_PRESETS}


def write(folder: Path, steps: list[dict], topology: str = "streaming", name: str = "tiny") -> Path:
    """A scenario file of a test's own (JSON scalars are TOML scalars)."""
    lines = [f"name = {json.dumps(name)}", f"topology = {json.dumps(topology)}", 'description = "a test story"']
    for step in steps:
        lines += ["", "[[steps]]", *(f"{key} = {json.dumps(value)}" for key, value in step.items())]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def stays(check: Callable[[], object], seconds: float, what: str) -> None:
    """Poll ``check`` for ``seconds``: it must hold every time (the opposite of wait_for)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check(), f"{what} stopped holding"
        time.sleep(0.05)


def load_running(kitchen: Kitchen) -> bool:
    return kitchen.control.get("/load").json()["running"]


def scenario_state(kitchen: Kitchen) -> dict:
    return kitchen.control.get("/scenario").raise_for_status().json()


def play(kitchen: Kitchen, path: Path) -> dict:
    """Send a test's own scenario file whole, as the CLI does."""
    scenario = load_scenario(path).model_dump(exclude_unset=True)
    return kitchen.post("/scenario/play", {"scenario": scenario})


def faults(kitchen: Kitchen, name: str) -> dict:
    return kitchen.service(name)["faults"]


# ---- the files ------------------------------------------------------------------------------------
def test_the_presets_are_shipped():
    assert {stem: s.name for stem, s in list_scenarios().items()} == PRESETS


def test_every_shipped_scenario_validates_and_fits_the_real_kitchen(streaming_kitchen):
    listed = {s["stem"]: s for s in streaming_kitchen.control.get("/scenarios").json()}
    assert set(listed) == set(STREAMING_PRESETS), "every streaming story fits the streaming kitchen and is offered"
    for stem, scenario in list_scenarios().items():
        assert 20 <= scenario.length_s <= 60, "a short story: 20 to 60 s"
        assert all(step.say.strip() for step in scenario.steps)
        assert load_scenario(scenario.name.upper()) == scenario, "found by its title too"
        if stem not in listed:
            continue  # a story of the restaurant (tests/control/test_rail_scenarios.py plays those)
        assert listed[stem]["name"] == scenario.name and listed[stem]["length_s"] == scenario.length_s


def test_no_narration_promises_a_figure():
    """A line says what to look for, never how many milliseconds the live kitchen will show."""
    for stem, scenario in list_scenarios().items():
        for step in scenario.steps:
            assert "a few milliseconds" not in step.say and "every service keeps up" not in step.say.lower(), stem


@pytest.mark.parametrize("steps, says", [
    ([{"at_s": 0, "action": "explode", "say": "boom"}], "step 1 action: Input should be 'load'"),
    ([{"at_s": 0, "action": "kill", "service": "recomendations", "say": "x"}], "no service 'recomendations'"),
    ([{"at_s": 5, "action": "stop_load", "say": "x"}, {"at_s": 2, "action": "stop_load", "say": "y"}],
     "step 2: at_s 2 comes before step 1's 5"),
    ([{"at_s": 0, "action": "scale", "service": "billing", "replicas": 9, "say": "x"}],
     "step 1 replicas: Input should be less than or equal to 8"),
    ([{"at_s": 0, "action": "load", "rps": 5000, "say": "x"}], "step 1 rps: Input should be less than or equal"),
    ([{"at_s": 0, "action": "faults", "service": "billing", "error_rate": 2, "say": "x"}], "step 1 error_rate"),
    ([{"at_s": 0, "action": "scale", "service": "billing", "say": "x"}], "step 1: scale needs replicas"),
    ([{"at_s": 0, "action": "kill", "service": "billing", "rps": 3, "say": "x"}], "kill takes service, not rps"),
    ([{"at_s": 0, "action": "faults", "service": "billing", "say": "x"}], "faults needs at least one of"),
    ([{"at_s": 0, "action": "stop_load"}], "step 1 say: Field required"),
    ([{"at_s": 0, "action": "stop_load", "say": "x", "when": 3}], "step 1 when: Extra inputs are not permitted"),
])
def test_a_bad_file_says_what_is_wrong_and_where(tmp_path, steps, says):
    with pytest.raises(ScenarioError) as problem:
        load_scenario(write(tmp_path, steps))
    assert "tiny.toml" in str(problem.value) and says in str(problem.value)


def test_an_unknown_topology_or_broken_toml_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="topology must be one of restaurant, streaming"):
        load_scenario(write(tmp_path, [{"at_s": 0, "action": "stop_load", "say": "x"}], topology="airport"))
    broken = tmp_path / "broken.toml"
    broken.write_text("name = 'unclosed\n")
    with pytest.raises(ScenarioError, match="broken.toml"):
        load_scenario(broken)


def test_an_unknown_name_lists_the_scenarios():
    with pytest.raises(ScenarioError, match=r"unknown scenario 'no-such-story'.*valentine \(Valentine's Day spike\)"):
        load_scenario("no-such-story")


def test_an_unknown_scenario_or_one_of_another_kitchen_is_refused_before_any_step(tmp_path, streaming_kitchen):
    unknown = streaming_kitchen.control.post("/scenario/play", json={"name": "no-such-story"})
    assert unknown.status_code == 404 and "no scenario 'no-such-story'" in unknown.json()["detail"]
    assert "valentine" in unknown.json()["detail"], "the answer lists the scenarios there are"
    restaurant = load_scenario(write(tmp_path, [{"at_s": 0, "action": "kill", "service": "chef", "say": "x"}],
                                     topology="restaurant"))
    other = streaming_kitchen.control.post("/scenario/play", json={"scenario": restaurant.model_dump(exclude_unset=True)})
    assert other.status_code == 422 and "story of the restaurant kitchen" in other.json()["detail"], other.text
    assert scenario_state(streaming_kitchen)["name"] != restaurant.name, "nothing of it was played"


# ---- playing on a real kitchen -------------------------------------------------------------------
def test_playing_does_each_step_at_its_time(streaming, tmp_path):
    play(streaming, write(tmp_path, [
        {"at_s": 0, "action": "scale", "service": "recommendations", "replicas": 2, "say": "Two of them."},
        {"at_s": 1, "action": "load", "rps": 5, "duration_s": 20, "say": "Guests arrive."},
        {"at_s": 1, "action": "faults", "service": "all", "latency_ms": 20, "say": "Everything slows a bit."},
    ]))
    wait_for(lambda: len(streaming.up("recommendations")) == 2, 10, "two recommendation replicas")
    state = wait_for(lambda: (s := scenario_state(streaming))["status"] == "finished" and s, 10, "the story to end")
    assert [said["say"] for said in state["narration"]] == ["Two of them.", "Guests arrive.", "Everything slows a bit."]
    assert state["narration"][0]["at_s"] < 1 <= state["narration"][1]["at_s"] <= state["narration"][2]["at_s"]
    assert (state["done"], state["total"], state["next_at_s"]) == (3, 3, None)
    load = streaming.control.get("/load").json()
    assert load["running"] and load["rps"] == 5
    assert {s["name"]: s["faults"]["latency_ms"] for s in streaming.cluster()["services"]} == \
        dict.fromkeys(["gateway", "users", "recommendations", "billing", "streaming"], 20)


def test_pause_holds_the_story_its_load_and_its_faults_and_play_brings_them_back(streaming, tmp_path):
    play(streaming, write(tmp_path, [
        {"at_s": 0, "action": "load", "rps": 5, "duration_s": 30, "say": "Guests."},
        {"at_s": 0, "action": "faults", "service": "users", "latency_ms": 200, "say": "Users is slow."},
        {"at_s": 3, "action": "kill", "service": "billing", "say": "Billing crashes."},
    ]))
    wait_for(lambda: scenario_state(streaming)["done"] == 2 and load_running(streaming), 5, "the first two steps")
    paused = streaming.post("/scenario/pause")
    assert paused["status"] == "paused" and paused["done"] == 2 and paused["next_at_s"] == 3
    wait_for(lambda: not load_running(streaming), 1, "the story's load stopped within a second of Pause")
    assert faults(streaming, "users")["latency_ms"] == 0, "the story's faults are lifted while paused"
    assert paused["lifted_faults"] == ["users"] and 25 < paused["held_load_s"] <= 30
    stays(lambda: streaming.up("billing") and scenario_state(streaming)["done"] == 2 and not load_running(streaming), 4,
          "a calm kitchen while paused: billing up, no further step, no load")
    assert scenario_state(streaming)["elapsed_s"] == paused["elapsed_s"], "the story clock stands still"
    resumed = streaming.post("/scenario/play")
    assert resumed["status"] == "playing" and resumed["lifted_faults"] == [] and resumed["held_load_s"] is None
    load = wait_for(lambda: (got := streaming.control.get("/load").json())["running"] and got, 1,
                    "the story's load back within a second of Play")
    assert load["rps"] == 5 and 25 < load["duration_s"] <= 30, "what was left of the load, not all of it again"
    assert faults(streaming, "users")["latency_ms"] == 200, "the story's faults are put back"
    wait_for(lambda: not streaming.up("billing"), 10, "billing killed once playing again")
    state = wait_for(lambda: (s := scenario_state(streaming))["status"] == "finished" and s, 5, "the story to end")
    assert state["narration"][2]["at_s"] >= 3


def test_reset_heals_the_kitchen_and_rewinds(streaming, tmp_path):
    play(streaming, write(tmp_path, [
        {"at_s": 0, "action": "load", "rps": 5, "duration_s": 60, "say": "Guests."},
        {"at_s": 0, "action": "kill", "service": "streaming", "say": "Streaming crashes."},
        {"at_s": 0, "action": "faults", "service": "users", "latency_ms": 300, "say": "Users is slow."},
        {"at_s": 0, "action": "scale", "service": "recommendations", "replicas": 2, "say": "More of them."},
        {"at_s": 0, "action": "deploy", "service": "billing", "version": "v2", "bad": True, "say": "A bad build."},
        {"at_s": 30, "action": "kill", "service": "users", "say": "Never reached."},
    ]))
    wait_for(lambda: scenario_state(streaming)["done"] == 5, 10, "the first five steps")
    state = streaming.post("/scenario/reset")
    assert (state["status"], state["done"], state["narration"], state["name"]) == ("ready", 0, [], "tiny")
    assert not load_running(streaming)
    wait_for(lambda: streaming.all_up() and all(
        s["desired_replicas"] == 1 and {r["version"] for r in s["replicas"]} == {"v1"} and not s["deploying"]
        and not s["faults"]["latency_ms"] for s in streaming.cluster()["services"]), 20,
        "one healthy replica of each running v1, without faults")
    wait_for(lambda: streaming.entry().json()["degraded"] == [], 10, "a whole answer again")
    stays(lambda: streaming.up("users") and scenario_state(streaming)["done"] == 0, 1, "nothing more of the story happens")


# ---- the command line -----------------------------------------------------------------------------
def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mini_services", "scenario", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_the_cli_plays_a_scenario_end_to_end(streaming, tmp_path):
    story = write(tmp_path, [
        {"at_s": 0, "action": "scale", "service": "recommendations", "replicas": 2, "say": "Two of them."},
        {"at_s": 1, "action": "heal", "say": "Back to normal."},
    ])
    done = cli(str(story), "--control-url", streaming.url)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == 2 and "Two of them." in lines[0] and "Back to normal." in lines[1], done.stdout
    assert float(lines[1][1:].split(" s]")[0]) >= 1, "each line carries its time"
    wait_for(lambda: streaming.all_up() and streaming.service("recommendations")["desired_replicas"] == 1, 10,
             "healed: one recommendation replica again")


def test_the_cli_lists_the_scenarios():
    done = cli("--list")
    assert done.returncode == 0 and all(stem in done.stdout and name in done.stdout for stem, name in PRESETS.items())


@pytest.mark.parametrize("args, says", [
    (("no-such-story",), "unknown scenario 'no-such-story'"),
    (("valentine", "--control-url", "http://127.0.0.1:1"), "does not answer"),
])
def test_the_cli_fails_plainly(args, says):
    done = cli(*args)
    assert done.returncode != 0 and says in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_ctrl_c_stops_the_cli_cleanly(streaming, tmp_path):
    story = write(tmp_path, [
        {"at_s": 0, "action": "load", "rps": 5, "duration_s": 60, "say": "Guests."},
        {"at_s": 30, "action": "kill", "service": "users", "say": "Never reached."},
    ])
    process = subprocess.Popen([sys.executable, "-m", "mini_services", "scenario", str(story), "--control-url",
                                streaming.url], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    try:
        def narrated() -> bool:  # unbuffered: readline takes one line, select sees the next one
            ready, _, _ = select.select([process.stdout], [], [], 0.1)
            return bool(ready) and process.stdout.readline().startswith(b"[")
        wait_for(narrated, 15, "the first narration line")
        wait_for(lambda: load_running(streaming), 5, "the story's load")
        process.send_signal(signal.SIGINT)
        try:
            out, err = (text.decode() for text in process.communicate(timeout=15))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler: every thread's stack on its stderr, then it dies
            out, err = (text.decode() for text in process.communicate(timeout=5))
            raise AssertionError(f"the CLI did not stop within 15 s of Ctrl-C; where it was:\n{err}") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130 and "Stopped after 1 of 2 steps" in out, (out, err)
    assert "Traceback" not in err, err
    assert not load_running(streaming) and streaming.up("users")
    assert scenario_state(streaming)["status"] == "stopped", "Ctrl-C stopped the story on the kitchen, not only the CLI"
