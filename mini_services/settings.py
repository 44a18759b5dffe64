"""One settings object for the whole kitchen (ports, limits, timings, data dir).

Every field can be overridden from the environment as ``KITCHEN_<FIELD>``, e.g.
``KITCHEN_CONTROL_PORT=8800``. The defaults are chosen for a 2-core laptop.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_root() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "microservices-kitchen"


class KitchenSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITCHEN_", extra="ignore")

    host: str = "127.0.0.1"  # where the control plane and every replica bind
    control_port: int = 8700  # the control plane ("kitchen manager")
    data_root: Path = Field(default_factory=_default_data_root)  # one SQLite file per service below it

    max_replicas: int = 8  # replicas per service (0 stops the service)
    replica_start_timeout_s: float = 20.0  # a replica not healthy by then is marked down
    replica_stop_grace_s: float = 3.0  # SIGTERM, then SIGKILL after this long
    rollout_pause_s: float = 3.0  # a rolling deploy lets each new replica serve beside an old one this long

    span_window: int = 20_000  # spans kept by the control plane (oldest traces dropped first)
    span_export_delay_ms: int = 100  # how often each process ships its finished spans

    dependency_budget_s: float = 2.0  # the most one request spends on one dependency, retries included
    no_timeout_cap_s: float = 30.0  # with timeouts switched off, a call still gives up after this
    breaker_failures: int = 5  # consecutive failures that open a circuit
    breaker_cooldown_s: float = 3.0  # how long an open circuit fails fast before one trial call

    load_max_rps: int = 1000  # the load generator's ceiling
    load_max_duration_s: int = 600
    load_max_in_flight: int = 2000  # open-loop requests still waiting; beyond, a tick is skipped
    load_timeout_s: float = 10.0  # a load-generator request gives up after this


settings = KitchenSettings()
