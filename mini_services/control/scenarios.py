"""A kitchen's timeline, owned by its control plane: the scenario playing (player.py) or the detective game
(game.py), never both: starting one stops the other. Every tab and the CLI read the same state.

    GET  /scenarios                      the shipped scenarios that fit this kitchen
    GET  /scenario                       the story: status, story clock, steps done, narration so far
    POST /scenario/play {"name"}         start one (or {"scenario": {...}} sent whole), or go on when paused
    POST /scenario/pause | stop | reset  pause (its load and faults too) · stop for good · heal and rewind
    GET|POST /game, POST /game/guess     the tracing detective game (game.py)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from mini_services.control.game import DetectiveGame, game_router
from mini_services.control.load import LoadGenerator
from mini_services.control.player import ScenarioPlayer, ScenarioState
from mini_services.control.spans import SpanStore
from mini_services.control.supervisor import Supervisor
from mini_services.scenario import Scenario, readable_scenarios


class ScenarioInfo(BaseModel):
    stem: str  # the file name: what POST /scenario/play takes
    name: str
    description: str
    length_s: float
    steps: int



class PlayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="a shipped scenario's file name (GET /scenarios); leave out to "
                                               "go on with the paused one or replay the current one")
    scenario: Scenario | None = Field(None, description="a whole scenario of your own instead of a name")



def scenario_router(player: ScenarioPlayer) -> APIRouter:
    """GET /scenarios, GET /scenario, POST /scenario/play | pause | stop | reset."""
    router = APIRouter(tags=["timeline"])

    def fitting() -> dict[str, Scenario]:
        return {stem: s for stem, s in readable_scenarios().items() if player.fits(s) is None}

    @router.get("/scenarios")
    async def scenarios() -> list[ScenarioInfo]:
        """The shipped scenarios that fit this kitchen (its topology and its services)."""
        return [ScenarioInfo(stem=stem, name=s.name, description=s.description, length_s=s.length_s,
                             steps=len(s.steps)) for stem, s in fitting().items()]

    @router.get("/scenario")
    async def scenario() -> ScenarioState:
        """The story on this kitchen's timeline: status, story clock, steps done, every narration line so far."""
        return player.state()

    @router.post("/scenario/play")
    async def play(request: PlayRequest | None = None) -> ScenarioState:
        """Start a scenario by its file name (or one sent whole), or go on with the paused one. Stops a game."""
        request = request or PlayRequest()
        scenario, stem = request.scenario, request.name
        if stem is not None:
            shipped = readable_scenarios()
            if stem not in shipped:
                raise HTTPException(404, f"there is no scenario {stem!r}; the scenarios of this kitchen are: "
                                         f"{', '.join(fitting()) or 'none'}")
            scenario = shipped[stem]
        if scenario is None and player.state().name is None:
            raise HTTPException(422, "say which scenario to play: {\"name\": \"<file name>\"} (GET /scenarios)")
        if scenario is not None and (why := player.fits(scenario)):
            raise HTTPException(422, why)
        await player.play(scenario, stem)
        return player.state()

    @router.post("/scenario/pause")
    async def pause() -> ScenarioState:
        """Pause: the clock stops, the story's load stops, its faults are lifted, until Play."""
        await player.pause()
        return player.state()

    @router.post("/scenario/stop")
    async def stop() -> ScenarioState:
        """Stop the story for good; its load goes off, the rest of the kitchen stays as it is."""
        await player.stop()
        return player.state()

    @router.post("/scenario/reset")
    async def reset() -> ScenarioState:
        """Heal the kitchen (no load, default protections, no faults, v1, one replica each, up) and rewind."""
        await player.reset()
        return player.state()

    return router



class Timeline:
    """One kitchen's timeline: a scenario or a detective game, never both (starting one stops the other)."""

    def __init__(self, supervisor: Supervisor, load: LoadGenerator, spans: SpanStore):
        self.player = ScenarioPlayer(supervisor, load, stop_others=lambda: self.game.stop())
        self.game = DetectiveGame(supervisor, load, spans, stop_others=self.player.stop)

    def router(self) -> APIRouter:
        """Every timeline endpoint; on shutdown the story's task ends before the load and the replicas stop."""
        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            yield
            await self.player.stop()

        router = APIRouter(lifespan=lifespan)
        router.include_router(scenario_router(self.player))
        router.include_router(game_router(self.game))
        return router
