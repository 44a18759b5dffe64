"""The control plane's HTTP API (the "kitchen manager"). Paths and fields are a contract.

    GET  /health                       GET  /cluster
    POST /services/{name}/scale        POST /services/{name}/kill      POST /services/{name}/restart
    PUT  /services/{name}/faults       POST /services/{name}/deploy    GET  /services/{name}/tables
    GET|PUT /resilience                GET|PUT /self-healing
    GET  /traces?limit=N[&complete=true]  GET  /traces/{trace_id}   GET  /graph?window_s=W
    POST|GET|DELETE /load              POST /v1/traces (OTLP/HTTP protobuf, from every process)
    GET|PUT /messaging  GET /queues  GET /queues/history  GET|PUT /stock  POST /reset   (the rail: rail.py)
    GET /languages  POST /languages/node/install (Node.js here? its packages: control/node.py)
    GET /scenarios  GET /scenario  POST /scenario/play|pause|stop|reset  GET|POST /game  POST /game/guess
                                       (the kitchen's timeline: scenarios.py)
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Body, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from pydantic import BaseModel, ConfigDict, Field

from mini_services.control import node
from mini_services.control.forked import WarmTemplate
from mini_services.control.graph import build_graph, graph_answer
from mini_services.control.load import LoadGenerator
from mini_services.control.models import (
    Cluster,
    FaultsUpdate,
    Graph,
    KillRequest,
    LoadRequest,
    LoadStatus,
    ScaleRequest,
    SelfHealing,
    ServiceView,
    Trace,
    Version,
)
from mini_services.control.rail import RailWatch, rail_routes
from mini_services.control.scenarios import Timeline
from mini_services.control.spans import SpanStore
from mini_services.control.states import STATE_WINDOW_S, QuietBaselines, decide_states
from mini_services.control.supervisor import NoReplicaUp, Supervisor, UnknownReplica, UnknownService
from mini_services.kit.app import OWN_TRACING_ONLY, send_json
from mini_services.kit.knobs import Resilience
from mini_services.settings import settings
from mini_services.topologies import Topology

log = logging.getLogger("kitchen.control")
ServiceName = Annotated[str, PathParam(description="a service of this kitchen, as listed by /cluster")]


class DeployRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Version
    bad: bool = Field(False, description="a version that fails every request (to practise a rollback)")
    language: Literal["python", "node"] | None = Field(
        None, description="swap the implementation (users has a Node.js build); left out: the one it runs")


async def _exit_when_owner_dies(owner_pid: int) -> None:
    """The app that started us is gone (Ctrl-C, crash, kill -9): stop as if interrupted."""
    while True:
        await asyncio.sleep(0.5)
        try:
            os.kill(owner_pid, 0)
        except ProcessLookupError:
            log.warning("owner %s is gone: stopping the kitchen", owner_pid)
            os.kill(os.getpid(), 2)  # SIGINT: uvicorn shuts down and the lifespan stops every replica
            return


class InstructorKeyMiddleware:
    """A shared kitchen: every call that changes it needs ``Authorization: Bearer <instructor key>``.

    Reads need no key. Missing key: 401; wrong key: 403. Spans are taken from this machine only.
    """

    READS = ("GET", "HEAD", "OPTIONS")

    def __init__(self, app, key: str):
        self.app, self.key = app, key.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in self.READS:
            return await self.app(scope, receive, send)
        if scope["path"] == "/v1/traces":
            local = (scope.get("client") or ("",))[0] in ("127.0.0.1", "::1")
            return await (self.app(scope, receive, send) if local else
                          send_json(send, 403, {"detail": "spans are accepted from this machine only"}))
        sent = dict(scope["headers"]).get(b"authorization", b"")
        if not sent:
            return await send_json(send, 401, {"detail": "this kitchen is shared with a class: changing it needs the "
                                                         "instructor's key (Authorization: Bearer <key>)"})
        scheme, _, given = sent.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(given.strip(), self.key):
            return await send_json(send, 403, {"detail": "that is not the instructor's key: only the instructor can "
                                                         "change the shared kitchen; ask for a private kitchen"})
        await self.app(scope, receive, send)


def create_app(topology: Topology, architecture: str, data_dir: Path, control_url: str,
               owner_pid: int | None = None, instructor_key: str | None = None,
               template: WarmTemplate | None = None) -> FastAPI:
    """The control plane; with ``instructor_key`` it is shared: its gateway listens beyond loopback too.
    Its Python replicas are forked from ``template`` (the warm template), or started one by one without it."""
    supervisor = Supervisor(topology, architecture, data_dir, control_url,
                            gateway_host="0.0.0.0" if instructor_key else "127.0.0.1", template=template)
    spans = SpanStore(settings.span_window)
    baselines = QuietBaselines()
    load = LoadGenerator(lambda: (supervisor.next_entry_url(), supervisor.entry()))
    timeline = Timeline(supervisor, load, spans)
    rail_watch = RailWatch(supervisor)
    supervisor.on_heal.append(rail_watch.reset)  # the kitchen reset: messaging calls, the queues emptied

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        await supervisor.start()
        watcher = asyncio.create_task(_exit_when_owner_dies(owner_pid)) if owner_pid else None
        try:
            yield
        finally:
            if watcher:
                watcher.cancel()
            await load.close()
            await supervisor.stop()

    app = FastAPI(title="Microservices Kitchen — control plane", lifespan=lifespan, telemetry=OWN_TRACING_ONLY,
                  description=f"The kitchen manager of the {topology.name} kitchen ({architecture}).")

    @app.exception_handler(UnknownService)
    @app.exception_handler(UnknownReplica)
    async def unknown(_request: Request, exc: KeyError) -> JSONResponse:
        return JSONResponse({"detail": exc.args[0]}, status_code=404)

    @app.exception_handler(NoReplicaUp)
    async def nobody_home(_request: Request, exc: NoReplicaUp) -> JSONResponse:
        """The service is down (a state of the kitchen, not a fault of the control plane): 409, saying so."""
        return JSONResponse({"detail": str(exc)}, status_code=409)

    kitchen = APIRouter(tags=["kitchen"])

    @kitchen.get("/health")
    async def health() -> dict:
        """Is the control plane alive?"""
        return {"ok": True}

    @kitchen.get("/cluster")
    async def cluster() -> Cluster:
        """Every service with its replicas, version and faults, and where the entry request goes."""
        return supervisor.cluster().model_copy(update={"game": timeline.game.playing})

    services = APIRouter(prefix="/services/{name}", tags=["services"])

    @services.post("/scale")
    async def scale(name: ServiceName, request: ScaleRequest) -> ServiceView:
        """Run this many replicas (0..8). Answers at once; new replicas are `starting` until healthy."""
        return await supervisor.scale(name, request.replicas)

    @services.post("/kill")
    async def kill(name: ServiceName, request: Annotated[KillRequest | None, Body()] = None) -> ServiceView:
        """SIGKILL every replica, or one (`{"replica": id}`). Answers once the processes are gone."""
        return await supervisor.kill(name, request.replica if request else None)

    @services.post("/restart")
    async def restart(name: ServiceName, _request: Annotated[dict | None, Body()] = None) -> ServiceView:
        """Start again every replica that is down. Answers at once with them `starting`."""
        return await supervisor.restart(name)

    @services.put("/faults")
    async def faults(name: ServiceName, request: FaultsUpdate) -> ServiceView:
        """Slow it down or make it fail; applied to every replica before this answers. Left-out fields stay."""
        return await supervisor.set_faults(name, request)

    @services.post("/deploy")
    async def deploy(name: ServiceName, request: DeployRequest) -> ServiceView:
        """Ship a new version (a `bad` one fails every request); deploy the old one again to roll back."""
        return await supervisor.deploy(name, request.version, request.bad, request.language)

    @services.get("/tables")
    async def tables(name: ServiceName) -> list[dict]:
        """This service's own database: each table, its number of rows and its newest rows."""
        return await supervisor.tables(name)

    @kitchen.get("/languages")
    async def languages() -> dict:
        """Each language here (is Node.js 20+ on the PATH? its npm packages installed, installing or failed?) and
        which services can run in which."""
        return await asyncio.to_thread(node.languages_view, list(supervisor.services))

    @kitchen.post("/languages/node/install")
    async def install_node_packages() -> dict:
        """Install the Node.js build's npm packages now (`npm ci` from the lockfile, in the background); a deploy
        with `"language": "node"` does it by itself the first time. 422 when Node.js is not here."""
        _path, _version, reason = await asyncio.to_thread(node.find_node)
        if reason:
            raise HTTPException(422, reason)
        node.PACKAGES.ensure()
        return node.PACKAGES.view()

    knobs = APIRouter(tags=["knobs"])

    @knobs.get("/resilience")
    async def get_resilience() -> Resilience:
        """The callers' protections: timeouts, retries, circuit breaker, fallbacks."""
        return supervisor.resilience

    @knobs.put("/resilience")
    async def put_resilience(request: Resilience) -> Resilience:
        """Switch protections on or off (the whole set; defaults for fields left out)."""
        return await supervisor.set_resilience(request)

    @knobs.get("/self-healing")
    async def get_self_healing() -> SelfHealing:
        """Whether crashed or killed replicas come back by themselves (off by default)."""
        return SelfHealing(enabled=supervisor.self_healing)

    @knobs.put("/self-healing")
    async def put_self_healing(request: SelfHealing) -> SelfHealing:
        """Turn self-healing on or off."""
        supervisor.self_healing = request.enabled
        return request

    observe = APIRouter(tags=["observe"])

    @observe.get("/traces")
    async def traces(limit: int = Query(20, ge=1, le=1000),
                     complete: bool = Query(False, description="only finished traces: the entry span arrived and ended 0.3 s ago")
                     ) -> list[Trace]:
        """The newest traces, newest first, each with its spans."""
        return spans.traces(limit, complete)

    @observe.get("/traces/{trace_id}")
    async def one_trace(trace_id: str) -> Trace:
        """One trace by id (the gateway's `x-trace-id`)."""
        found = spans.trace(trace_id)
        if found is None:
            raise HTTPException(404, f"no trace {trace_id} in the window (it holds the last {settings.span_window} spans)")
        return found

    @observe.get("/graph")
    async def graph(window_s: float = Query(10, gt=0, le=600)) -> Graph:
        """The service graph over the spans that ended in the last `window_s` seconds (an answer counts when it is
        given: a slow one is not left out while a quick refusal is counted); each node's `state` (and `why`) from
        what the control plane knows now and the last ~2 s of spans, whatever the window."""
        now = time.time_ns()
        breakers = await supervisor.breakers()
        recent = spans.spans_ended_since(now - int(max(window_s, STATE_WINDOW_S) * 1e9))
        state_since = now - int(STATE_WINDOW_S * 1e9)
        states = decide_states(supervisor.facts(breakers), [s for s in recent if s.end_ns >= state_since], baselines)
        window_since = now - int(window_s * 1e9)
        recent = [s for s in recent if s.end_ns >= window_since]
        return graph_answer(build_graph(recent, supervisor.replicas_up(), window_s, states, breakers), window_s)

    @observe.post("/v1/traces", include_in_schema=False)
    async def receive_spans(request: Request) -> Response:
        """OTLP/HTTP protobuf from every replica."""
        try:
            spans.ingest(await request.body())
        except Exception as exc:  # a malformed export must not hurt the control plane
            raise HTTPException(400, f"not an OTLP ExportTraceServiceRequest: {exc}") from None
        return Response(ExportTraceServiceResponse().SerializeToString(), media_type="application/x-protobuf")

    loadgen = APIRouter(prefix="/load", tags=["load"])

    @loadgen.post("")
    async def start_load(request: LoadRequest) -> LoadStatus:
        """Send the entry request at `rps` per second for `duration_s` seconds (replaces running load)."""
        return await load.start(request.rps, request.duration_s)

    @loadgen.get("")
    async def load_status() -> LoadStatus:
        """Live figures of the load generator."""
        return load.status()

    @loadgen.delete("")
    async def stop_load() -> LoadStatus:
        """Stop sending."""
        return await load.stop()

    @kitchen.post("/auth/check")
    async def check_key() -> dict:
        """Answers 200 when the request carries the instructor's key (or the kitchen is not shared)."""
        return {"ok": True, "shared": instructor_key is not None}

    async def kitchen_reset() -> object:
        await timeline.player.reset()
        return timeline.player.state()

    for router in (kitchen, services, knobs, observe, loadgen, timeline.router(), rail_routes(rail_watch, kitchen_reset)):
        app.include_router(router)
    if instructor_key:
        app.add_middleware(InstructorKeyMiddleware, key=instructor_key)
    app.state.supervisor, app.state.spans, app.state.load, app.state.timeline = supervisor, spans, load, timeline
    return app
