"""The tracing detective game, on the kitchen's own timeline: the hidden fault is kept here, never in a page.

    POST /game          heal the suspects, hide one fault (slow, failing or down) on one at random, 15 requests/s
    GET  /game          playing: who the suspects are, never the culprit; afterwards the verdict too
    POST /game/guess    {"service"}: right or wrong, the culprit, and what really showed it (read from the
                        span window since the game began); the fault is cleared and the game's load stops

A game and a scenario never run together: starting one stops the other. A reload of the page loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict

from mini_services.control.graph import percentile
from mini_services.control.heal import NO_FAULTS, heal_service
from mini_services.control.load import LoadGenerator
from mini_services.control.models import FaultsUpdate
from mini_services.control.spans import SpanRecord, SpanStore
from mini_services.control.supervisor import Supervisor

log = logging.getLogger("kitchen.game")
Fault = Literal["slow", "failing", "down"]
HIDDEN = {"slow": FaultsUpdate(latency_ms=200, jitter_ms=400),  # 400 ms ± 200
          "failing": FaultsUpdate(error_rate=0.6), "down": None}  # down: every replica killed
GAME_RPS, GAME_S = 15.0, 120.0


class GameState(BaseModel):
    status: Literal["none", "playing", "guessed", "stopped"]  # stopped: a scenario or a reset ended it
    started_unix_s: float | None = None
    suspects: list[str] = []
    load_rps: float = GAME_RPS
    load_s: float = GAME_S
    # after the game (never while playing):
    guess: str | None = None
    verdict: Literal["right", "wrong"] | None = None
    culprit: str | None = None
    fault: Fault | None = None
    showed_by: str | None = None


class Guess(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str


class Verdict(BaseModel):
    verdict: Literal["right", "wrong"]
    guess: str
    culprit: str
    fault: Fault
    showed_by: str


def _whose(name: str) -> str:
    """``billing's``, ``users'``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _most_common(texts: list[str]) -> str | None:
    return Counter(texts).most_common(1)[0][0] if texts else None


def what_showed_it(culprit: str, fault: Fault, spans: list[SpanRecord], gateway: str = "gateway") -> str:
    """The sentence that says what gave the culprit away, with what the span window really held."""
    served = [s for s in spans if s.kind == "server" and s.service == culprit]
    called = [s for s in spans if s.kind == "client" and s.peer == culprit]
    callers = " and ".join(sorted({s.service for s in called})) or gateway
    if fault == "down":
        failed = [s.error for s in called if s.error]
        said = f", and the {_whose(callers)} call spans to {culprit} said `{_most_common(failed)}` " \
               f"({len(failed)} of {len(called)} calls failed)" if failed else \
               f", and no span came from {culprit} at all: nobody was there to answer"
        return f"the graph read {culprit} `down`{said}"
    if fault == "failing":
        red, red_calls = [s.error for s in served if s.error], [s.error for s in called if s.error]
        if red or red_calls:  # the callers' spans carry the answer's own words ("injected failure"), if any
            count = f"{len(red)} of its {len(served)} answers" if served else f"{len(red_calls)} of {len(called)} calls to it"
            return (f"the trace: {_whose(culprit)} spans were red with `{_most_common(red_calls or red)}` ({count} "
                    f"since the game began), and the graph read it `failing`")
        return f"the graph read {culprit} `failing`: its answers were errors (no trace of it reached the window)"
    mine = percentile([s.duration_ms for s in served], 50)
    others = {name: percentile([s.duration_ms for s in spans if s.kind == "server" and s.service == name], 50)
              for name in {s.service for s in spans if s.kind == "server"} - {culprit, gateway}}
    if mine is None:
        return f"the graph read {culprit} `slow` (no trace of it reached the window)"
    next_slowest = max(others.items(), key=lambda item: item[1], default=None)
    than = f"; the next slowest, {next_slowest[0]}, {next_slowest[1]:.0f} ms" if next_slowest else ""
    return (f"the waterfall: {_whose(culprit)} bar was the longest (a median {mine:.0f} ms an answer{than}), "
            f"and the graph read it `slow`")


class DetectiveGame:
    """One hidden fault at a time on this kitchen, and the verdict on the learner's guess."""

    def __init__(self, supervisor: Supervisor, load: LoadGenerator, spans: SpanStore,
                 stop_others: Callable[[], Awaitable[None]]):
        self.supervisor, self.load, self.spans, self.stop_others = supervisor, load, spans, stop_others
        self._state = GameState(status="none")
        self._secret: tuple[str, Fault] | None = None
        self._load_mark: float | None = None  # LoadGenerator.started of the game's load
        self._lock = asyncio.Lock()  # one start, guess or stop at a time

    @property
    def playing(self) -> bool:
        return self._state.status == "playing"

    def suspects(self) -> list[str]:
        return [name for name, s in self.supervisor.services.items()
                if name != self.supervisor.gateway and not s.station.broker]  # the rail hides no faults

    def state(self) -> GameState:
        return self._state.model_copy()

    async def start(self) -> GameState:
        """Heal the suspects, then hide a fault on one of them and send the game's load (a game playing is replaced)."""
        async with self._lock:
            return await self._start()

    async def guess(self, service: str) -> Verdict:
        """Right or wrong, who it was and what showed it; then the fault is cleared and the load stops."""
        async with self._lock:
            return await self._guess(service)

    async def stop(self) -> None:
        """A scenario or a reset takes the timeline: the hidden fault is cleared and the game's load stops."""
        async with self._lock:
            if not self.playing:
                return
            culprit, fault = self._secret
            await self._clear()
            self._state = self._state.model_copy(update={"status": "stopped", "culprit": culprit, "fault": fault})

    async def _start(self) -> GameState:
        suspects = self.suspects()
        if not suspects:
            raise HTTPException(409, f"the {self.supervisor.architecture} kitchen has no service behind its "
                                     f"{self.supervisor.gateway} to hide a fault in")
        await self.stop_others()
        await self._clear()
        for name in suspects:
            await heal_service(self.supervisor, name)
        await self.supervisor.wait_until_up(10)  # every suspect answers before one is broken
        culprit, fault = random.choice(suspects), random.choice(list(HIDDEN))
        if HIDDEN[fault] is None:
            await self.supervisor.kill(culprit)
        else:
            await self.supervisor.set_faults(culprit, HIDDEN[fault])
        await self.load.start(GAME_RPS, GAME_S)
        self._secret, self._load_mark = (culprit, fault), self.load.started
        self._state = GameState(status="playing", started_unix_s=round(time.time(), 3), suspects=suspects)
        log.info("game: a fault is hidden (%s)", fault)  # the culprit is not logged: the log is on screen in class
        return self.state()

    async def _guess(self, service: str) -> Verdict:
        if not self.playing or self._secret is None:
            raise HTTPException(409, "no game is playing: POST /game hides a fault first")
        if service not in self._state.suspects:
            raise HTTPException(422, f"{service!r} is not a suspect; the suspects are: {', '.join(self._state.suspects)}")
        culprit, fault = self._secret
        since_ns = int(self._state.started_unix_s * 1e9)
        verdict = Verdict(verdict="right" if service == culprit else "wrong", guess=service, culprit=culprit,
                          fault=fault, showed_by=what_showed_it(culprit, fault, self.spans.spans_since(since_ns),
                                                    self.supervisor.gateway))
        await self._clear()
        self._state = self._state.model_copy(update={"status": "guessed", **verdict.model_dump()})
        log.info("game: guessed %s, it was %s (%s): %s", service, culprit, fault, verdict.verdict)
        return verdict

    async def _clear(self) -> None:
        """Lift the hidden fault (a killed culprit is restarted) and stop the game's load, if still its own."""
        if self._secret is not None:
            culprit, fault = self._secret
            if fault == "down":
                await self.supervisor.restart(culprit)
            else:
                await self.supervisor.set_faults(culprit, NO_FAULTS)
            self._secret = None
            # the same protections, their circuit breakers closed again: with the game's load gone, no trial call
            # would ever close a breaker the fault opened, and the node would read `recovering` for good
            await self.supervisor.set_resilience(self.supervisor.resilience)
        if self._load_mark is not None and self.load.running and self.load.started == self._load_mark:
            await self.load.stop()
        self._load_mark = None


def game_router(game: DetectiveGame) -> APIRouter:
    """POST /game, GET /game, POST /game/guess."""
    router = APIRouter(prefix="/game", tags=["timeline"])

    @router.get("")
    async def game_state() -> GameState:
        """The detective game on this kitchen: its suspects while playing (never the culprit), then the verdict."""
        return game.state()

    @router.post("")
    async def start_game() -> GameState:
        """Hide a fault on a random suspect (slow, failing or down) and send 15 requests/s for 120 s. Stops a scenario."""
        return await game.start()

    @router.post("/guess")
    async def guess(request: Guess) -> Verdict:
        """Name the culprit: the verdict says who it was and what showed it; the fault is cleared."""
        return await game.guess(request.service)

    return router
