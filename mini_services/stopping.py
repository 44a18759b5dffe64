"""Stopping child processes: SIGTERM to all at once, one shared grace period, then SIGKILL to any still there.

Used by the control plane for its replicas and by the app for the kitchens it started.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterable


def stop_processes(processes: Iterable[subprocess.Popen], grace_s: float) -> None:
    """Terminate every process still running, wait for all within ``grace_s`` in total, kill the rest."""
    running = [p for p in processes if p.poll() is None]
    for p in running:
        p.terminate()
    deadline = time.monotonic() + grace_s
    for p in running:
        try:
            p.wait(timeout=max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
