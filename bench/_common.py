"""Shared helpers for the benchmarks: a real kitchen, a bare uvicorn app, and figures.

Every process a benchmark starts is stopped in a ``finally`` and checked gone:

    kitchen(topology, architecture)   ``python -m mini_services serve --port 0`` (tests' Kitchen),
                                      SIGTERM at the end, then every child it had must be gone
    bare_server()                     bench/_bare_app.py: uvicorn + FastAPI, no tracing, no middleware
    CpuShare                          CPU used by this benchmark's processes vs by everything else
                                      (the machine is shared: other programs' load is printed, not hidden;
                                      approximate: /proc/stat and per-process times are counted apart)
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mini_services.control.graph import percentile  # noqa: E402  (nearest rank, as the kitchen's graph)
from tests.utils.kitchen import Kitchen, alive, wait_for  # noqa: E402

__all__ = ["ROOT", "BenchKitchen", "CpuShare", "Kitchen", "kitchen", "bare_server", "tree", "cpu_seconds", "percentile", "ms", "wait_for"]


# SIGTERM to a benchmark unwinds it like Ctrl-C does, so its ``finally`` blocks stop what it started
signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (those still alive)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """CPU time (user + system) the processes have used so far; those already gone count nothing."""
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _terminate(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _assert_gone(pids: set[int], what: str) -> None:
    try:
        wait_for(lambda: not [p for p in pids if alive(p)], 5, f"every process of {what} to be gone")
    except AssertionError:
        left = [p for p in pids if alive(p)]
        for p in left:
            psutil.Process(p).kill()
        raise AssertionError(f"{what} left processes behind (now killed): {left}") from None


class BenchKitchen(Kitchen):
    """The tests' Kitchen, but one whose failed start still stops the serve process it began."""

    listening_s: float  # from start until the control plane printed its URL (replicas still starting)

    def __init__(self, topology: str, data_dir: Path, architecture: str):
        self.began = time.monotonic()
        try:
            super().__init__(topology, data_dir, architecture)
        except BaseException:
            process = getattr(self, "process", None)
            if process is not None:
                pids = {p.pid for p in tree(process.pid)}
                _terminate(process)
                _assert_gone(pids, "a kitchen that failed to start")
            raise

    def _read_url(self, timeout: float) -> str:
        url = super()._read_url(timeout)
        self.listening_s = time.monotonic() - self.began  # the control plane is up; replicas are starting
        return url


@contextmanager
def kitchen(topology: str = "streaming", architecture: str = "microservices",
            env: dict[str, str] | None = None) -> Iterator[BenchKitchen]:
    """A real kitchen in a temporary data dir (``env``: extra environment for all its processes);
    SIGTERM at the end, and every child checked gone."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{topology}-{architecture}-") as tmp:
        saved = dict(os.environ)
        os.environ.update(env or {})  # the serve process inherits it, and passes it on to every replica
        try:
            k = BenchKitchen(topology, Path(tmp), architecture)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            yield k
        finally:
            pids = {p.pid for p in tree(k.process.pid)} | k.pids_seen
            k.stop()  # SIGTERM; asserts every replica it listed is gone
            k.gateway.close()
            _assert_gone(pids, f"the {topology} kitchen")


def _die_with_parent() -> None:  # runs in the child before exec: killed if this benchmark dies
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@contextmanager
def bare_server() -> Iterator[str]:
    """bench/_bare_app.py in a subprocess on 127.0.0.1; yields its base URL."""
    process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_bare_app.py"))], cwd=ROOT,
                               stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        assert line.startswith("http://127.0.0.1:"), f"bare app printed {line!r}"
        wait_for(lambda: httpx.get(f"{line}/ping", timeout=1).status_code == 200, 10, "the bare app")
        yield line
    finally:
        pids = {p.pid for p in tree(process.pid)}
        _terminate(process)
        _assert_gone(pids, "the bare app")


class CpuShare:
    """``with CpuShare() as cpu:`` ... ``cpu.summary()``: core-seconds burnt by us and by other programs."""

    def _ours(self) -> float:
        total = 0.0
        for p in tree(os.getpid()):
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
        return total

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return sum(t) - t.idle - getattr(t, "iowait", 0.0)

    def start(self) -> "CpuShare":
        self.began, self.busy0, self.ours0 = time.monotonic(), self._busy(), self._ours()
        return self

    def stop(self) -> None:
        self.wall = time.monotonic() - self.began
        self.busy, self.ours = self._busy() - self.busy0, self._ours() - self.ours0

    def __enter__(self) -> "CpuShare":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def summary(self) -> str:
        cores = psutil.cpu_count() or 1
        others = max(0.0, self.busy - self.ours)
        return (f"machine {self.busy / self.wall / cores:.0%} busy over {self.wall:.1f} s on {cores} cores: "
                f"this benchmark {self.ours / self.wall / cores:.0%}, other programs {others / self.wall / cores:.0%}")


def ms(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:7.2f} ms"
