"""Stopping child processes: SIGTERM to all at once, one shared grace period, then SIGKILL to any still there.

Used by the control plane for its replicas and by the app for the kitchens it started. Works with
``subprocess.Popen`` and with anything shaped like it (a replica forked from the warm template).
And the other half of "nothing outlives its owner": ``die_with_parent`` in a new child.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Iterable

PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None  # looked up once


def die_with_parent() -> None:
    """In a new child (before exec, or just forked): the kernel SIGKILLs it when its parent dies (Linux)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


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
