"""The one helper for every simulated delay. Call it only where the call site says what it simulates."""

from __future__ import annotations

import asyncio
import random


async def simulate(ms: float, jitter_ms: float = 0.0) -> None:
    """Wait ``ms`` milliseconds plus up to ``jitter_ms`` more, without blocking other requests."""
    total = ms + (random.uniform(0, jitter_ms) if jitter_ms > 0 else 0.0)
    if total > 0:
        await asyncio.sleep(total / 1000)
