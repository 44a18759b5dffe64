"""One replica from a spec: ``run_replica(spec, sock)``, the same for both ways a replica is started.

    forked from the control plane's warm template (mini_services/control/template.py)   the usual way
    python -m mini_services.kit.replica   (spec in KITCHEN_REPLICA, socket as fd)       the fallback

The control plane hands over a listening socket (so the port is known before the process
starts and no other program can take it) and a JSON description of the replica. The replica
exits when its owner (the process that started it) is gone, whatever killed the owner.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import socket
from pathlib import Path

import uvicorn
import uvloop

from mini_services.kit.app import ReplicaContext
from mini_services.kit.knobs import ReplicaConfig
from mini_services.kit.tracing import setup_tracing
from mini_services.settings import settings
from mini_services.topologies import MONOLITH, TOPOLOGIES

ENV_VAR = "KITCHEN_REPLICA"


def app_module(service: str) -> str:
    """The module whose ``create_app(ctx)`` builds this service."""
    return "mini_services.monolith" if service == MONOLITH else f"mini_services.services.{service}.app"


class ReplicaServer(uvicorn.Server):
    """uvicorn's server, whose main loop looks up once a second, not ten times: uvicorn's wakes every 0.1 s to see
    whether to stop, most of an idle replica's CPU (a bare uvicorn idle: 0.25 % of a core at 0.1 s, 0.10 % at 1 s).
    A stop signal wakes it at once; each look also ends the replica when its owner (the process that started it)
    is gone, whatever killed the owner."""

    LOOK_EVERY_S = 1.0

    def __init__(self, config: uvicorn.Config, owner_pid: int):
        super().__init__(config)
        self.owner_pid = owner_pid
        self._told: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._told = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            if os.getppid() != self.owner_pid:  # the control plane (or its template) is gone: so are we
                self.should_exit = True
                continue
            counter = (counter + 10) % 864000  # each look is ten of uvicorn's ticks: the Date header stays right
            try:
                await asyncio.wait_for(self._told.wait(), self.LOOK_EVERY_S)
            except asyncio.TimeoutError:
                pass

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None and self._told is not None:
            self._loop.call_soon_threadsafe(self._told.set)


def run_replica(spec: dict, sock: socket.socket) -> None:
    """Serve one replica on ``sock`` until told to stop (SIGTERM/SIGINT) or its owner is gone.

    Everything that must be this process's own is made here: logging, the tracer provider and its
    exporter thread, the service's SQLite connections (in ``create_app``), the event loop."""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {spec['replica_id']} %(message)s", force=True)
    topology = TOPOLOGIES[spec["topology"]]
    service = spec["service"]
    station = topology.monolith_capacity if service == MONOLITH else topology.station(service)
    ctx = ReplicaContext(service=service, replica_id=spec["replica_id"], topology=topology.name,
                         architecture=spec["architecture"], data_dir=Path(spec["data_dir"]), station=station)
    ctx.apply(ReplicaConfig.model_validate(spec["config"]))
    provider = setup_tracing(service, ctx.replica_id, spec["control_url"], settings.span_export_delay_ms)
    app = importlib.import_module(app_module(service)).create_app(ctx)
    config = uvicorn.Config(app, loop="uvloop", http="httptools", ws="none", log_level="warning",
                            access_log=False, timeout_graceful_shutdown=2)
    server = ReplicaServer(config, spec["owner_pid"])
    try:
        uvloop.run(server.serve(sockets=[sock]))
    finally:
        provider.shutdown()  # ship the last spans


def main() -> None:
    """The fallback entry: ``python -m mini_services.kit.replica`` with the spec in ``KITCHEN_REPLICA``."""
    spec = json.loads(os.environ[ENV_VAR])
    run_replica(spec, socket.socket(fileno=spec["fd"]))


if __name__ == "__main__":
    main()
