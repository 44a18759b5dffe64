"""The app factory every replica uses: routes of its own plus the kitchen's shared parts.

Middleware, outermost first (each a small pure-ASGI class):

    ServerSpanMiddleware   one SERVER span per request, x-trace-id on the answer
    FaultMiddleware        the chaos knobs: added latency, injected 500s, a bad deploy
    CapacityMiddleware     workers x service time; a bounded queue; 503 when it is full
    (the service's routes)
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from mini_services.kit.calls import DependencyFailed, Link, Registry, close_http_session
from mini_services.kit.delay import simulate
from mini_services.kit.knobs import ReplicaConfig, log_changes
from mini_services.kit.tracing import INTERNAL_PREFIXES, ServerSpanMiddleware, mark_error, mark_station_time
from mini_services.topologies import Station

# FastAPI's built-in telemetry would add spans of its own inside every request; we trace at the edges only
OWN_TRACING_ONLY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


@dataclass
class ReplicaContext:
    """What one running replica knows about itself and the kitchen around it."""

    service: str
    replica_id: str
    topology: str
    architecture: str
    data_dir: Path
    station: Station
    config: ReplicaConfig = field(default_factory=ReplicaConfig)
    registry: Registry = field(default_factory=Registry)
    links: list[Link] = field(default_factory=list)

    def db_path(self, owner: str) -> Path:
        """Each service's own file; the monolith keeps every table in one shared file."""
        name = "monolith" if self.architecture == "monolith" else owner
        return self.data_dir / f"{name}.sqlite3"

    def link(self, peer: str) -> Link:
        self.links.append(Link(peer, self.registry, lambda: self.config.resilience))
        return self.links[-1]

    def apply(self, new: ReplicaConfig) -> None:
        log_changes(self.service, self.config.faults, new.faults)
        log_changes(self.service, self.config.resilience, new.resilience)
        if new.resilience_epoch != self.config.resilience_epoch:
            for link in self.links:
                link.breaker.reset()
        self.config = new
        self.registry.update(new.peers)


async def send_json(send, status: int, body: dict) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def fail(send, status: int, reason: str) -> None:
    """Answer an error whose reason is also written on this request's span (the trace names it)."""
    mark_error(None, f"HTTP {status}: {reason}")
    await send_json(send, status, {"detail": reason})


def _is_work(scope) -> bool:
    return scope["type"] == "http" and not scope["path"].startswith(INTERNAL_PREFIXES)


class FaultMiddleware:
    """Applies the service's fault knobs to every request (never to /health or /_kitchen)."""

    def __init__(self, app, ctx: ReplicaContext):
        self.app, self.ctx = app, ctx

    async def __call__(self, scope, receive, send):
        if not _is_work(scope):
            return await self.app(scope, receive, send)
        faults = self.ctx.config.faults
        # simulate a slow or congested service: the request waits before any work starts
        await simulate(faults.latency_ms, faults.jitter_ms)
        if self.ctx.config.bad_version:
            return await fail(send, 500, f"{self.ctx.service} {self.ctx.config.version} is a bad deploy: it fails every request")
        if faults.error_rate and random.random() < faults.error_rate:
            return await fail(send, 500, f"{self.ctx.service}: injected failure (error_rate {faults.error_rate:g})")
        await self.app(scope, receive, send)


class CapacityMiddleware:
    """A replica has ``workers`` slots, each busy ``service_ms`` per request; a bounded queue before them."""

    def __init__(self, app, station: Station):
        self.app, self.station = app, station
        self.slots = asyncio.Semaphore(station.workers)
        self.waiting = 0

    async def __call__(self, scope, receive, send):
        if not _is_work(scope):
            return await self.app(scope, receive, send)
        if self.waiting >= self.station.queue_limit:
            return await fail(send, 503, f"{self.station.name} is overloaded: {self.waiting} requests already waiting")
        self.waiting += 1
        queued_from = time.perf_counter()
        try:
            await self.slots.acquire()
        finally:
            self.waiting -= 1
        try:
            mark_station_time((time.perf_counter() - queued_from) * 1000, self.station.service_ms)  # the waterfall
            await simulate(self.station.service_ms)  # simulate the work this station does per request
            await self.app(scope, receive, send)
        finally:
            self.slots.release()


def service_app(ctx: ReplicaContext, routers: list[APIRouter], tables: Callable[[], list[dict]] | None = None) -> FastAPI:
    """Build one replica's FastAPI app: its routes, /health, the control plane's config hook, middleware."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        await close_http_session()

    app = FastAPI(title=f"{ctx.service} — {ctx.topology} kitchen", lifespan=lifespan,
                  description=ctx.station.role, telemetry=OWN_TRACING_ONLY)

    @app.get("/health", tags=["kitchen"])
    async def health() -> dict:
        """Is this replica alive? (The control plane polls it while the replica starts.)"""
        return {"ok": True, "service": ctx.service, "replica": ctx.replica_id, "version": ctx.config.version}

    @app.put("/_kitchen/config", tags=["kitchen"])
    async def configure(config: ReplicaConfig) -> dict:
        """The control plane pushes faults, resilience switches, version and peers here."""
        ctx.apply(config)
        return {"ok": True}

    @app.get("/_kitchen/breakers", tags=["kitchen"])
    async def breakers() -> dict[str, dict]:
        """This replica's circuit breaker on each service it calls: its state and failures in a row."""
        on = ctx.config.resilience.circuit_breaker
        return {link.peer: {"state": link.breaker.state if on else "off", "failures": link.breaker.failures}
                for link in ctx.links}

    @app.get("/_kitchen/tables", tags=["kitchen"])
    async def database_tables() -> list[dict]:
        """This service's own database: each table, its number of rows, and its newest rows."""
        return tables() if tables else []

    @app.exception_handler(DependencyFailed)
    async def dependency_failed(_request: Request, failure: DependencyFailed) -> JSONResponse:
        """A required dependency could not answer: a fast, explicit 503 naming it."""
        mark_error(None, f"HTTP 503: {failure.service} is unavailable: {failure.reason}")
        return JSONResponse({"detail": f"{failure.service} is unavailable: {failure.reason}",
                             "failed": [failure.service]}, status_code=503)

    for router in routers:
        app.include_router(router)
    app.add_middleware(CapacityMiddleware, station=ctx.station)
    app.add_middleware(FaultMiddleware, ctx=ctx)
    app.add_middleware(ServerSpanMiddleware, service=ctx.service)
    return app
