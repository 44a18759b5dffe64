"""Back to normal, the one way the timeline does it (a scenario's reset and heal step, the game's suspects)."""

from __future__ import annotations

from mini_services.control.load import LoadGenerator
from mini_services.control.models import FaultsUpdate
from mini_services.control.supervisor import Supervisor
from mini_services.kit.knobs import Faults, Resilience

BASE_VERSION = "v1"  # what healing rolls every service back to
NO_FAULTS = FaultsUpdate(latency_ms=0, jitter_ms=0, error_rate=0)


async def heal_service(supervisor: Supervisor, name: str) -> None:
    """One service without faults, on v1, up, one replica."""
    service = supervisor.service(name)
    if service.faults != Faults():
        await supervisor.set_faults(name, NO_FAULTS)
    await supervisor.restart(name)
    await supervisor.scale(name, 1)
    # last: a restart or scale during a rolling deploy retires its newest replica, and the rollout stops
    if service.bad_version or {service.version, *(r.version for r in service.replicas)} != {BASE_VERSION}:
        await supervisor.deploy(name, BASE_VERSION, False)


async def heal(supervisor: Supervisor, load: LoadGenerator, rewind: bool = False) -> None:
    """The whole kitchen: no load, default protections, and every service healed; ``rewind`` (the kitchen
    reset, not a story's heal step): also as at the start (the rail: messaging calls, its queues emptied)."""
    await load.stop()
    await supervisor.set_resilience(Resilience())
    for name in supervisor.services:
        await heal_service(supervisor, name)
    for reset in supervisor.on_heal if rewind else ():
        await reset()
