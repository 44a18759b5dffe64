"""Scenario scripts: a short story for a live kitchen, one timed and narrated step at a time.

    scenarios/valentine.toml                        the control plane plays it (control/scenarios.py):
      name, topology, description                     POST /scenario/play {"name": "valentine"}
      [[steps]]  at_s, action, <arguments>, say ──▶   each step at its at_s on the story clock;
                                                      pause, reset, and GET /scenario for every tab and the CLI

    action      arguments (anything else is an error)
    load        rps, [duration_s]  (default 60)     stop_load
    kill        service                             restart     service
    scale       service, replicas                   faults      service, latency_ms / jitter_ms / error_rate
    deploy      service, version, [bad]             heal        no load, default protections, and every
                                                                service with no faults, v1, 1 replica, up
    messaging   mode ("calls" | "rail": how the restaurant's waiter passes tickets; GET/PUT /messaging)

``service = "all"`` means every service of the kitchen. Times may repeat but never go back.
This module only reads and checks the files; a narration line says what to look for, never a figure
the live kitchen may not show.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mini_services.settings import settings
from mini_services.topologies import TOPOLOGIES

log = logging.getLogger("kitchen.scenarios")
SCENARIO_DIR = Path(__file__).with_name("scenarios")
EVERY = "all"  # service = "all": every service of the kitchen
DEFAULT_LOAD_S = 60.0
Action = Literal["load", "stop_load", "kill", "restart", "scale", "faults", "deploy", "heal", "messaging"]
Mode = Literal["calls", "rail"]  # how the restaurant's waiter passes tickets
Status = Literal["ready", "playing", "paused", "finished", "failed", "stopped"]
ARGUMENTS: dict[str, tuple[set[str], set[str]]] = {  # action -> (arguments it needs, arguments it may take)
    "load": ({"rps"}, {"duration_s"}), "stop_load": (set(), set()),
    "kill": ({"service"}, set()), "restart": ({"service"}, set()),
    "scale": ({"service", "replicas"}, set()), "faults": ({"service"}, {"latency_ms", "jitter_ms", "error_rate"}),
    "deploy": ({"service", "version"}, {"bad"}), "heal": (set(), set()), "messaging": ({"mode"}, set()),
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
    mode: Mode | None = None

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
            case "messaging":
                return f"tickets passed by {self.mode}"
        return f"{self.action} {self.service}"


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


def readable_scenarios() -> dict[str, Scenario]:
    """The shipped scenarios that read well (a broken file is logged and skipped, never hides the others)."""
    found = {}
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        try:
            found[path.stem] = read_scenario(path)
        except ScenarioError as problem:
            log.warning("scenario file skipped: %s", problem)
    return found


def shipped_stem(name: str) -> str | None:
    """The file name of a shipped scenario named by file name or title ("Valentine's Day spike"); else None."""
    if (SCENARIO_DIR / f"{name}.toml").exists():
        return name
    return next((stem for stem, scenario in readable_scenarios().items()
                 if name.casefold() in (stem.casefold(), scenario.name.casefold())), None)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by file name or title (``valentine``, "Valentine's Day spike"), or any .toml file."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text:
        return read_scenario(Path(text))
    if (stem := shipped_stem(text)) is not None:
        return read_scenario(SCENARIO_DIR / f"{stem}.toml")
    raise ScenarioError(f"unknown scenario {text!r}; the scenarios are: "
                        + ", ".join(f"{stem} ({s.name})" for stem, s in readable_scenarios().items()))
