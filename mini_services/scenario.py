"""Scenario scripts: a short story played against a live kitchen, one timed and narrated step at a time.

    scenarios/valentine.toml                       ScenarioPlayer(control_url)
      name, topology, description                    .play(scenario)  a background thread does each step
      [[steps]]  at_s, action, <arguments>, say ──▶  .pause() / .play() when the story clock reaches
                                                     .reset()   heal, back to step 0       its at_s
                                                     .state()   what a page or the CLI shows

    action      arguments (anything else is an error)
    load        rps, [duration_s]  (default 60)     stop_load
    kill        service                             restart     service
    scale       service, replicas                   faults      service, latency_ms / jitter_ms / error_rate
    deploy      service, version, [bad]             heal        no load, default protections, and every
                                                                service with no faults, v1, 1 replica, up

``service = "all"`` means every service of the kitchen. Times may repeat but never go back.
Paused, the story clock stops and the kitchen stays as it is; on resume the story's load is sent again
if it ran out meanwhile. The player never calls Streamlit: a page reads ``state()``.
"""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mini_services.settings import settings
from mini_services.topologies import TOPOLOGIES

SCENARIO_DIR = Path(__file__).with_name("scenarios")
EVERY = "all"  # service = "all": every service of the kitchen
BASE_VERSION = "v1"  # what heal rolls every service back to
DEFAULT_LOAD_S = 60.0
Action = Literal["load", "stop_load", "kill", "restart", "scale", "faults", "deploy", "heal"]
Status = Literal["ready", "playing", "paused", "finished", "failed", "stopped"]
ARGUMENTS: dict[str, tuple[set[str], set[str]]] = {  # action -> (arguments it needs, arguments it may take)
    "load": ({"rps"}, {"duration_s"}), "stop_load": (set(), set()),
    "kill": ({"service"}, set()), "restart": ({"service"}, set()),
    "scale": ({"service", "replicas"}, set()), "faults": ({"service"}, {"latency_ms", "jitter_ms", "error_rate"}),
    "deploy": ({"service", "version"}, {"bad"}), "heal": (set(), set()),
}
FAULTS = ("latency_ms", "jitter_ms", "error_rate")


class ScenarioError(ValueError):
    """A scenario that cannot be read, does not fit the kitchen, or failed while playing."""


class Step(BaseModel):
    """One moment of the story: at ``at_s`` seconds from the start, do ``action`` and say ``say``."""

    model_config = ConfigDict(extra="forbid")

    at_s: float = Field(ge=0, le=settings.load_max_duration_s)
    action: Action
    say: str = Field(min_length=1, max_length=300)
    service: str | None = None
    replicas: int | None = Field(None, ge=0, le=settings.max_replicas)  # the control plane's limits
    rps: float | None = Field(None, gt=0, le=settings.load_max_rps)
    duration_s: float | None = Field(None, gt=0, le=settings.load_max_duration_s)
    latency_ms: float | None = Field(None, ge=0, le=10_000)
    jitter_ms: float | None = Field(None, ge=0, le=10_000)
    error_rate: float | None = Field(None, ge=0, le=1)
    version: str | None = Field(None, min_length=1, max_length=40)
    bad: bool | None = None

    @model_validator(mode="after")
    def _arguments_fit_the_action(self) -> Step:
        needs, may = ARGUMENTS[self.action]
        given = self.model_fields_set - {"at_s", "action", "say"}
        if missing := needs - given:
            raise ValueError(f"{self.action} needs {', '.join(sorted(missing))}")
        if extra := given - needs - may:
            takes = ", ".join(sorted(needs | may)) or "no arguments"
            raise ValueError(f"{self.action} takes {takes}, not {', '.join(sorted(extra))}")
        if self.action == "faults" and not given & may:
            raise ValueError(f"faults needs at least one of {', '.join(FAULTS)}")
        return self

    @property
    def load_s(self) -> float:
        return self.duration_s or DEFAULT_LOAD_S

    def summary(self) -> str:
        """What the step does, in a few words: ``scale recommendations to 3``."""
        match self.action:
            case "load":
                return f"load {self.rps:g} requests/s for {self.load_s:g} s"
            case "stop_load" | "heal":
                return {"stop_load": "load off", "heal": "heal everything"}[self.action]
            case "scale":
                return f"scale {self.service} to {self.replicas}"
            case "faults":
                return f"{self.service}: " + ", ".join(f"{f} {getattr(self, f):g}" for f in FAULTS
                                                       if getattr(self, f) is not None)
            case "deploy":
                return f"deploy {self.service} {self.version}" + (" (a bad build)" if self.bad else "")
        return f"{self.action} {self.service}"

    def request(self) -> tuple[str, str, dict | None]:
        """The control-plane call (method, path, body); ``{service}`` stands for each service it names."""
        args = self.model_dump(exclude_none=True, exclude={"at_s", "action", "say", "service"})
        return {"load": ("POST", "/load", {"rps": self.rps, "duration_s": self.load_s}),
                "stop_load": ("DELETE", "/load", None),
                "kill": ("POST", "/services/{service}/kill", {}),
                "restart": ("POST", "/services/{service}/restart", {}),
                "scale": ("POST", "/services/{service}/scale", args),
                "faults": ("PUT", "/services/{service}/faults", args),
                "deploy": ("POST", "/services/{service}/deploy", args)}[self.action]


class Scenario(BaseModel):
    """A short story for one kind of kitchen: steps in time order, each with its narration line."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    topology: str
    description: str = ""
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _fits_its_kitchen(self) -> Scenario:
        if self.topology not in TOPOLOGIES:
            raise ValueError(f"topology must be one of {', '.join(sorted(TOPOLOGIES))}, not {self.topology!r}")
        names = TOPOLOGIES[self.topology].service_names
        for number, step in enumerate(self.steps, 1):
            if step.service not in (None, EVERY, *names):
                raise ValueError(f"step {number}: no service {step.service!r} in the {self.topology} kitchen "
                                 f"(it has {', '.join(names)}, or {EVERY!r} for every one)")
            if number > 1 and step.at_s < self.steps[number - 2].at_s:
                raise ValueError(f"step {number}: at_s {step.at_s:g} comes before step {number - 1}'s "
                                 f"{self.steps[number - 2].at_s:g}; times must go up")
        return self

    @property
    def length_s(self) -> float:
        return self.steps[-1].at_s


def _readable(error: ValidationError) -> str:
    """Pydantic's errors as ``step 3 replicas: Input should be ...``, one after another."""
    lines = []
    for problem in error.errors():
        loc = problem["loc"]
        where = (f"step {loc[1] + 1}" + "".join(f" {part}" for part in loc[2:])
                 if loc[:1] == ("steps",) and len(loc) > 1 and isinstance(loc[1], int) else " ".join(map(str, loc)))
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def read_scenario(path: Path) -> Scenario:
    """One scenario file, validated (a ScenarioError says what is wrong and where)."""
    try:
        return Scenario.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    except ValidationError as exc:
        raise ScenarioError(f"{path.name}: {_readable(exc)}") from None


def list_scenarios() -> dict[str, Scenario]:
    """The shipped scenarios by file name (``valentine``), alphabetically."""
    return {path.stem: read_scenario(path) for path in sorted(SCENARIO_DIR.glob("*.toml"))}


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by file name or title (``valentine``, "Valentine's Day spike"), or any .toml file."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text:
        return read_scenario(Path(text))
    if (shipped_file := SCENARIO_DIR / f"{text}.toml").exists():
        return read_scenario(shipped_file)
    shipped = list_scenarios()
    for stem, scenario in shipped.items():
        if text.casefold() in (stem.casefold(), scenario.name.casefold()):
            return scenario
    raise ScenarioError(f"unknown scenario {text!r}; the scenarios are: "
                        + ", ".join(f"{stem} ({s.name})" for stem, s in shipped.items()))


@dataclass(frozen=True)
class Said:
    """A step done, and when on the story clock (its narration line is ``step.say``)."""

    at_s: float
    step: Step


@dataclass(frozen=True)
class PlayerState:
    """A snapshot of the player, safe to read from any thread."""

    scenario: Scenario | None
    status: Status
    done: int  # steps done; the next is scenario.steps[done]
    elapsed_s: float  # on the story clock (it stops while paused)
    narration: tuple[Said, ...]
    error: str | None = None


class ScenarioPlayer:
    """Plays one scenario at a time against the control plane at ``url``, in a thread of its own."""

    def __init__(self, url: str, key: str | None = None, on_step: Callable[[Said], None] | None = None):
        self.url, self.key, self.on_step = url.rstrip("/"), key, on_step  # key: a shared kitchen's instructor key
        self.http = httpx.Client(base_url=self.url, timeout=10)
        self._cond = threading.Condition()
        self._scenario: Scenario | None = None
        self._status: Status = "ready"
        self._narration: list[Said] = []
        self._error: str | None = None
        self._clock = (0.0, None)  # story seconds before the current run, and monotonic start of that run
        self._thread: threading.Thread | None = None
        self._run = 0  # bumped to retire a thread: whatever it was doing is dropped
        self._refresh_load = False

    # ---- what a page reads ----------------------------------------------------------------------
    def state(self) -> PlayerState:
        """Where the story is now: status, steps done, the story clock, the narration so far."""
        with self._cond:
            return PlayerState(self._scenario, self._status, len(self._narration), self._elapsed(),
                               tuple(self._narration), self._error)

    def _elapsed(self) -> float:
        before, since = self._clock
        return before + (time.monotonic() - since if since is not None else 0.0)

    # ---- what the buttons do --------------------------------------------------------------------
    def play(self, scenario: Scenario | None = None, key: str | None = None) -> None:
        """Start ``scenario`` from step 0; or go on with the paused one; or replay the current one."""
        self.key = key if key is not None else self.key
        scenario = scenario or self._scenario
        if scenario is None:
            raise ScenarioError("no scenario to play: pick one")
        with self._cond:
            if scenario == self._scenario and self._status in ("playing", "paused"):
                if self._status == "paused":
                    self._status, self._clock, self._refresh_load = "playing", (self._clock[0], time.monotonic()), True
                    self._cond.notify_all()
                return
        self.check(scenario)
        self._retire()
        with self._cond:
            self._scenario, self._status, self._narration, self._error = scenario, "playing", [], None
            self._clock, self._refresh_load = (0.0, time.monotonic()), False
            self._thread = threading.Thread(target=self._loop, args=(self._run,), daemon=True,
                                            name=f"scenario {scenario.name}")
            self._thread.start()

    def pause(self) -> None:
        """Stop the story clock: no further step until ``play``. The kitchen stays as it is."""
        with self._cond:
            if self._status == "playing":
                self._status, self._clock = "paused", (self._elapsed(), None)
                self._cond.notify_all()

    def reset(self, key: str | None = None) -> None:
        """Heal the kitchen and rewind the scenario to step 0."""
        self.key = key if key is not None else self.key
        self._retire()
        with self._cond:
            self._status, self._narration, self._error, self._clock = "ready", [], None, (0.0, None)
        self.heal()

    def stop(self) -> None:
        """Stop playing for good (the kitchen stays as it is)."""
        self._retire()
        with self._cond:
            if self._status in ("playing", "paused"):
                self._status, self._clock = "stopped", (self._elapsed(), None)

    def wait(self) -> PlayerState:
        """Block until the scenario ends (finished, failed or stopped); Ctrl-C still gets through.

        It sleeps and looks rather than ``join``: a KeyboardInterrupt landing inside ``Thread.join`` can leave
        the thread marked as stopped while it still runs (CPython's bpo-45274 handling in 3.11), after which
        stopping it cleanly is no longer certain. Interrupting ``time.sleep`` is always safe."""
        while (thread := self._thread) is not None and thread.is_alive():
            time.sleep(0.1)
        return self.state()

    def close(self) -> None:
        """Stop playing and let go of the HTTP connections."""
        self.stop()
        self.http.close()

    # ---- the kitchen ----------------------------------------------------------------------------
    def check(self, scenario: Scenario) -> None:
        """Does the kitchen at ``url`` run what the scenario acts on? (ScenarioError if not.)"""
        cluster = self._call("GET", "/cluster")
        if cluster["topology"] != scenario.topology:
            raise ScenarioError(f"{scenario.name!r} is a story of the {scenario.topology} kitchen; "
                                f"the one at {self.url} is the {cluster['topology']} kitchen")
        missing = {s.service for s in scenario.steps if s.service not in (None, EVERY)} \
            - {s["name"] for s in cluster["services"]}
        if missing:
            raise ScenarioError(f"{scenario.name!r} acts on {', '.join(sorted(missing))}, which the "
                                f"{cluster['architecture']} kitchen at {self.url} does not run")

    def heal(self) -> None:
        """Back to normal: no load, default protections; every service without faults, on v1, up, one replica."""
        self._call("DELETE", "/load")
        self._call("PUT", "/resilience", {})
        for service in self._call("GET", "/cluster")["services"]:
            path = f"/services/{service['name']}"
            self._call("PUT", f"{path}/faults", {"latency_ms": 0, "jitter_ms": 0, "error_rate": 0})
            self._call("POST", f"{path}/restart", {})
            self._call("POST", f"{path}/scale", {"replicas": 1})
            # last: a restart or scale during a rolling deploy retires its newest replica, and the rollout stops
            if {service["version"], *(r["version"] for r in service["replicas"])} != {BASE_VERSION}:
                self._call("POST", f"{path}/deploy", {"version": BASE_VERSION})

    def perform(self, step: Step) -> None:
        """Do one step now."""
        if step.action == "heal":
            return self.heal()
        method, path, body = step.request()
        services = ([s["name"] for s in self._call("GET", "/cluster")["services"]] if step.service == EVERY
                    else [step.service])
        for service in services:
            self._call(method, path.format(service=service), body)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            answer = self.http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ScenarioError(f"the kitchen at {self.url} does not answer ({type(exc).__name__})") from None
        if answer.status_code >= 400:
            try:
                detail = answer.json().get("detail", answer.text)
            except ValueError:
                detail = answer.text
            raise ScenarioError(f"{method} {path} was refused (HTTP {answer.status_code}): {detail}")
        return answer.json()

    def _refreshed_load(self) -> None:
        """After a pause: send the story's load again for what is left of it, if it ran out meanwhile."""
        with self._cond:
            last = next((s for s in reversed(self._narration) if s.step.action in ("load", "stop_load", "heal")), None)
            left = last.step.load_s - (self._elapsed() - last.at_s) if last and last.step.action == "load" else 0
        if left > 1 and not self._call("GET", "/load")["running"]:
            self._call("POST", "/load", {"rps": last.step.rps, "duration_s": min(left, settings.load_max_duration_s)})

    # ---- the thread -----------------------------------------------------------------------------
    def _retire(self) -> None:
        with self._cond:
            self._run += 1
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=15)

    def _loop(self, run: int) -> None:
        while True:
            with self._cond:
                if run != self._run:
                    return
                if self._status != "playing":
                    self._cond.wait()
                    continue
                steps, refresh = self._scenario.steps, self._refresh_load
                if len(self._narration) >= len(steps):
                    self._status, self._clock = "finished", (self._elapsed(), None)
                    return
                step = steps[len(self._narration)]
                if not refresh and (wait := step.at_s - self._elapsed()) > 0:
                    self._cond.wait(timeout=wait)
                    continue
            try:
                self._refreshed_load() if refresh else self.perform(step)
            except ScenarioError as problem:
                with self._cond:
                    if run == self._run:
                        self._status, self._clock = "failed", (self._elapsed(), None)
                        doing = "sending the load again" if refresh else step.summary()
                        self._error = f"step {len(self._narration) + 1} ({doing}): {problem}"
                return
            with self._cond:
                if run != self._run:
                    return
                if refresh:
                    self._refresh_load = False
                    continue
                said = Said(round(self._elapsed(), 1), step)
                self._narration.append(said)
            if self.on_step:
                self.on_step(said)
