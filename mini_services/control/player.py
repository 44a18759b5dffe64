"""The scenario player: one asyncio task in the control plane, each step at its time on the story clock.

    play ──▶ playing ──pause──▶ paused ──play──▶ playing ──last step──▶ finished
               │  (a step refused: failed)  stop: stopped   reset: heal the kitchen, ready (rewound)

It acts on the Supervisor and the LoadGenerator directly. Paused, the story clock stops, the load the story
started stops (what was left of it starts again on Play) and the faults it set are lifted (put back on Play):
a paused kitchen is calm, a resumed one goes on with the story. Kills, scales and deploys stay as they are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from mini_services.control.heal import NO_FAULTS, heal
from mini_services.control.load import LoadGenerator
from mini_services.control.models import FaultsUpdate
from mini_services.control.supervisor import Supervisor
from mini_services.kit.knobs import Faults
from mini_services.scenario import EVERY, Scenario, Status, Step

log = logging.getLogger("kitchen.scenarios")


class Narration(BaseModel):
    step: int  # 1, 2, ...
    at_s: float  # on the story clock
    say: str
    summary: str  # what the step did, in a few words


class ScenarioState(BaseModel):
    stem: str | None  # the shipped file it came from (None: none picked, or a file sent whole)
    name: str | None
    description: str = ""
    status: Status
    elapsed_s: float  # on the story clock (it stops while paused)
    length_s: float
    done: int  # steps done
    total: int
    narration: list[Narration]
    next_at_s: float | None  # when the next step happens, on the story clock
    held_load_s: float | None  # paused: seconds of the story's load that start again on Play
    lifted_faults: list[str]  # paused: services whose faults the story set, lifted until Play
    error: str | None



def _reason(exc: Exception) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc) or type(exc).__name__


class ScenarioPlayer:
    """Plays one scenario at a time on this control plane's own kitchen (one task; never two stories)."""

    def __init__(self, supervisor: Supervisor, load: LoadGenerator, stop_others: Callable[[], Awaitable[None]]):
        self.supervisor, self.load, self.stop_others = supervisor, load, stop_others
        self._stem: str | None = None
        self._scenario: Scenario | None = None
        self._status: Status = "ready"
        self._narration: list[Narration] = []
        self._error: str | None = None
        self._clock: tuple[float, float | None] = (0.0, None)  # story seconds before this run, its monotonic start
        self._task: asyncio.Task | None = None
        self._acting = asyncio.Lock()  # a step, a pause, a resume or a stop: one at a time
        self._nudge = asyncio.Event()  # the task looks again (paused, resumed)
        self._load_mark: float | None = None  # LoadGenerator.started of the load the story started
        self._faulted: set[str] = set()  # services the story has set faults on
        self._held_load: tuple[float, float] | None = None  # paused: (rps, seconds left)
        self._held_faults: dict[str, Faults] = {}  # paused: what to put back

    # ---- what GET /scenario says ----------------------------------------------------------------------
    def _elapsed(self) -> float:
        before, since = self._clock
        return before + (time.monotonic() - since if since is not None else 0.0)

    def state(self) -> ScenarioState:
        scenario, done = self._scenario, len(self._narration)
        steps = scenario.steps if scenario else []
        return ScenarioState(
            stem=self._stem, name=scenario.name if scenario else None,
            description=scenario.description if scenario else "", status=self._status,
            elapsed_s=round(self._elapsed(), 2), length_s=scenario.length_s if scenario else 0.0, done=done,
            total=len(steps), narration=list(self._narration),
            next_at_s=steps[done].at_s if done < len(steps) and self._status in ("playing", "paused") else None,
            held_load_s=round(self._held_load[1], 1) if self._held_load else None,
            lifted_faults=sorted(self._held_faults), error=self._error)

    def fits(self, scenario: Scenario) -> str | None:
        """Why ``scenario`` cannot play on this kitchen, or None when it can."""
        topology = self.supervisor.topology.name
        if scenario.topology != topology:
            return f"{scenario.name!r} is a story of the {scenario.topology} kitchen; this is the {topology} kitchen"
        if not self._has_rail() and any(s.action == "messaging" and s.mode == "rail" for s in scenario.steps):
            return f"{scenario.name!r} passes tickets on a rail, and this {topology} kitchen has none"
        missing = {s.service for s in scenario.steps if s.service not in (None, EVERY)} - set(self.supervisor.services)
        if missing:
            return (f"{scenario.name!r} acts on {', '.join(sorted(missing))}, which this {topology} kitchen "
                    f"({self.supervisor.architecture}) does not run")
        return None

    def _has_rail(self) -> bool:
        return any(s.station.broker for s in self.supervisor.services.values())

    @property
    def busy(self) -> bool:
        return self._status in ("playing", "paused")

    # ---- what the buttons do -----------------------------------------------------------------------
    async def play(self, scenario: Scenario | None, stem: str | None) -> None:
        """Start ``scenario`` from its first step; without one, go on with the paused one or replay the current."""
        if scenario is None or (scenario == self._scenario and self.busy):
            if self._status == "paused":
                return await self._resume()
            if self._status == "playing":
                return
            scenario, stem = self._scenario, self._stem
        await self.stop_others()
        await self._end("stopped")
        async with self._acting:
            self._stem, self._scenario, self._status, self._narration, self._error = stem, scenario, "playing", [], None
            self._clock, self._load_mark, self._faulted = (0.0, time.monotonic()), None, set()
            self._task = asyncio.create_task(self._run(), name=f"scenario {scenario.name}")
        log.info("scenario %r: playing", scenario.name)

    async def pause(self) -> None:
        """The story clock stops; the story's load stops and its faults are lifted until Play."""
        async with self._acting:
            if self._status != "playing":
                return
            self._status, self._clock = "paused", (self._elapsed(), None)
            if self._ours_running():
                status = self.load.status()
                self._held_load = (status.rps, status.duration_s - status.elapsed_s)
                await self.load.stop()
            for name in sorted(self._faulted):
                faults = self.supervisor.services[name].faults
                if faults != Faults():
                    self._held_faults[name] = faults
                    await self.supervisor.set_faults(name, NO_FAULTS)
            self._nudge.set()
        log.info("scenario %r: paused (load held: %s, faults lifted: %s)", self._scenario.name,
                 self._held_load, ", ".join(self._held_faults) or "none")

    async def _resume(self) -> None:
        async with self._acting:
            for name, faults in self._held_faults.items():
                await self.supervisor.set_faults(name, FaultsUpdate(**faults.model_dump()))
            if self._held_load and self._held_load[1] > 0.5:
                await self.load.start(*self._held_load)
                self._load_mark = self.load.started
            self._held_load, self._held_faults = None, {}
            self._status, self._clock = "playing", (self._clock[0], time.monotonic())
            self._nudge.set()
        log.info("scenario %r: playing again", self._scenario.name)

    async def stop(self) -> None:
        """Stop the story for good: its load goes off; the rest of the kitchen stays as it is."""
        await self._end("stopped")

    async def reset(self) -> None:
        """Heal the whole kitchen and rewind the story to its first step."""
        await self.stop_others()
        await self._end("ready")
        async with self._acting:
            self._narration, self._error, self._clock = [], None, (0.0, None)
            await heal(self.supervisor, self.load, rewind=True)  # the rail too: calls again, queues empty

    async def _end(self, status: Status) -> None:
        async with self._acting:
            task, self._task = self._task, None
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            if self.busy or status == "ready":
                self._status, self._clock = status, (self._elapsed(), None)
            if self._ours_running():
                await self.load.stop()
            self._held_load, self._held_faults, self._load_mark = None, {}, None

    def _ours_running(self) -> bool:
        return self._load_mark is not None and self.load.running and self.load.started == self._load_mark

    # ---- the task --------------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            async with self._acting:
                self._nudge.clear()
                wait = None
                if self._status == "playing":
                    steps = self._scenario.steps
                    if len(self._narration) >= len(steps):
                        self._status, self._clock = "finished", (self._elapsed(), None)
                        log.info("scenario %r: finished", self._scenario.name)
                        return
                    step = steps[len(self._narration)]
                    wait = step.at_s - self._elapsed()
                    if wait <= 0:
                        try:
                            await self._perform(step)
                        except Exception as exc:  # a step the kitchen refused: the story stops, and says why
                            self._status, self._clock = "failed", (self._elapsed(), None)
                            self._error = f"step {len(self._narration) + 1} ({step.summary()}): {_reason(exc)}"
                            log.warning("scenario %r: %s", self._scenario.name, self._error)
                            return
                        self._narration.append(Narration(step=len(self._narration) + 1, at_s=round(self._elapsed(), 1),
                                                         say=step.say, summary=step.summary()))
                        continue
            try:
                await asyncio.wait_for(self._nudge.wait(), wait)
            except TimeoutError:
                pass

    async def _perform(self, step: Step) -> None:
        """Do one step now, on this kitchen."""
        sv = self.supervisor
        if step.action == "messaging":  # the restaurant's waiter: a call per station, or tickets on the rail
            return await sv.set_messaging(step.mode)
        if step.action in ("load", "stop_load", "heal"):
            self._load_mark = None
            if step.action == "load":
                await self.load.start(step.rps, step.load_s)
                self._load_mark = self.load.started
            elif step.action == "stop_load":
                await self.load.stop()
            else:
                self._faulted.clear()
                await heal(sv, self.load)
            return
        for name in list(sv.services) if step.service == EVERY else [step.service]:
            match step.action:
                case "kill":
                    await sv.kill(name)
                case "restart":
                    await sv.restart(name)
                case "scale":
                    await sv.scale(name, step.replicas)
                case "deploy":
                    await sv.deploy(name, step.version, bool(step.bad))
                case "faults":
                    self._faulted.add(name)
                    await sv.set_faults(name, FaultsUpdate(latency_ms=step.latency_ms, jitter_ms=step.jitter_ms,
                                                           error_rate=step.error_rate))
