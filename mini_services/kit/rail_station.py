"""What a station needs beside its rail link (kit/messaging.py): its work under its knobs, the link's lifetime,
and the read of its rail tickets (the waiter composes an order's progress from them).

    station_work(ctx)                    the simulated work on one ticket, with the station's faults
    rail_router(link)                    connects the link when the replica serves, closes it when it stops
    progress_router(path, station, read) GET <path>?order_ids=a,b: one row per ticket, from its own database
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Query

from mini_services.kit.delay import simulate
from mini_services.kit.messaging import RailLink, Redeliver


async def station_work(ctx: Any) -> None:
    """A station's work on one ticket, under its knobs (``ctx`` is the replica's ReplicaContext)."""
    faults = ctx.config.faults
    await simulate(faults.latency_ms, faults.jitter_ms)  # simulate a slow station: the ticket waits before work
    if ctx.config.bad_version:
        raise Redeliver(f"{ctx.service} {ctx.config.version} is a bad deploy: it fails every ticket")
    if faults.error_rate and random.random() < faults.error_rate:
        raise Redeliver(f"{ctx.service}: injected failure (error_rate {faults.error_rate:g})")
    await simulate(ctx.station.service_ms)  # simulate the station's work on one ticket


def rail_router(link: RailLink) -> APIRouter:
    """No routes: connects ``link`` to the rail once the replica serves, and closes it when it stops."""
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        link.start()
        yield
        await link.close()

    return APIRouter(lifespan=lifespan)


def progress_router(path: str, station: str, read: Callable[[list[str]], list[dict]]) -> APIRouter:
    """``GET <path>?order_ids=a,b``: this station's rows of those tickets, from its own database."""
    router = APIRouter(tags=[station])

    @router.get(path, summary=f"The {station}'s rail tickets of these orders")
    async def progress(order_ids: str = Query("", max_length=20_000, description="comma-separated")) -> list[dict]:
        """One row per ticket, from this station's own database: its status, in words, and when."""
        return read([i for i in order_ids.split(",") if i])

    return router


def rows_of(db: Any, table: str, order_ids: list[str]) -> list[dict]:
    """The rows of ``table`` for these orders (one row per ticket)."""
    if not order_ids:
        return []
    marks = ", ".join("?" for _ in order_ids)
    return db.rows(f"SELECT * FROM {table} WHERE order_id IN ({marks})", tuple(order_ids))
