"""Every chaos knob and resilience switch in one place.

The control plane owns these values and pushes them to every replica
(``PUT /_kitchen/config``) before it answers the call that changed them; a new replica
receives them at start-up. Each change is logged as ``billing: latency_ms 0 -> 300``.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger("kitchen.knobs")


class Faults(BaseModel):
    """What is wrong with a service right now (applies to all its replicas)."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(0, ge=0, le=10_000, description="least delay added to every request")
    jitter_ms: float = Field(0, ge=0, le=10_000, description="up to this much more, at random")
    error_rate: float = Field(0, ge=0, le=1, description="share of requests answered with a 500")


class Resilience(BaseModel):
    """How callers protect themselves from their dependencies (switches a lesson can flip)."""

    model_config = ConfigDict(extra="forbid")

    timeouts: bool = True  # give up on a call after timeout_ms
    timeout_ms: int = Field(1000, ge=10, le=10_000)
    retries: int = Field(2, ge=0, le=5)  # extra attempts for safe calls, with backoff
    circuit_breaker: bool = True  # fail fast after repeated failures, try again later
    fallbacks: bool = True  # answer without an optional dependency instead of failing


class ReplicaConfig(BaseModel):
    """Everything a replica is told by the control plane."""

    faults: Faults = Faults()
    resilience: Resilience = Resilience()
    version: str = "v1"
    bad_version: bool = False  # a deploy that fails every request
    peers: dict[str, list[str]] = {}  # service -> base URLs of its replicas that are up
    resilience_epoch: int = 0  # bumped each time the switches are set: circuit breakers start closed again
    messaging: Literal["calls", "rail"] = "calls"  # how the waiter passes tickets: calls, or the rail (restaurant)
    rail_url: str | None = None  # nats://127.0.0.1:<port> of the rail, when the kitchen has one (up or not)


def log_changes(service: str, old: BaseModel, new: BaseModel) -> None:
    """Log each changed knob as ``service: field old -> new``."""
    for name in type(new).model_fields:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            log.info("%s: %s %s -> %s", service, name, before, after)
