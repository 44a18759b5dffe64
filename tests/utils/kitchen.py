"""Start a real kitchen (``python -m mini_services serve``) for a test, talk HTTP to it, stop it cleanly."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, TypeVar

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float, what: str, every: float = 0.02) -> T:
    """Poll ``check`` until it answers something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (httpx.HTTPError, AssertionError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Kitchen:
    """One running kitchen: its control plane process, an HTTP client for it, and one for its gateway."""

    def __init__(self, topology: str, data_dir: Path, architecture: str = "microservices",
                 args: tuple[str, ...] = (), env: dict[str, str] | None = None):
        self.topology, self.architecture = topology, architecture
        self.log = open(data_dir / "serve.log", "wb")
        began = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mini_services", "serve", "--topology", topology, "--architecture", architecture,
             "--port", "0", "--data-dir", str(data_dir), "--owner-pid", str(os.getpid()), *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL, bufsize=0,
            env={**os.environ, **(env or {})})
        self.pids_seen: set[int] = set()
        try:
            self.url = self._read_url(timeout=15)
            self.control = httpx.Client(base_url=self.url, timeout=10)
            wait_for(self.all_up, 30, "every service to have its replicas up")  # (a) asserts the 10 s itself
        except BaseException:
            self.process.kill()  # its replicas die with it (PR_SET_PDEATHSIG)
            self.process.wait()
            raise
        self.startup_s = time.monotonic() - began
        self.gateway = httpx.Client(base_url=self.cluster()["gateway_url"], timeout=10)

    def read_line(self, timeout: float) -> str:
        """The next line ``serve`` prints on its standard output."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        assert ready, "serve printed nothing"
        return self.process.stdout.readline().decode()

    def _read_url(self, timeout: float) -> str:
        line = self.read_line(timeout)
        assert "http://" in line, f"unexpected first line from serve: {line!r}"
        return line.split(" on ", 1)[1].split(",", 1)[0].strip()

    # ---- reads --------------------------------------------------------------------------
    def cluster(self) -> dict:
        cluster = self.control.get("/cluster").raise_for_status().json()
        self.pids_seen |= {r["pid"] for s in cluster["services"] for r in s["replicas"] if r["pid"]}
        return cluster

    def service(self, name: str) -> dict:
        return next(s for s in self.cluster()["services"] if s["name"] == name)

    def up(self, name: str) -> list[dict]:
        return [r for r in self.service(name)["replicas"] if r["state"] == "up"]

    def all_up(self) -> bool:
        return all(len([r for r in s["replicas"] if r["state"] == "up"]) == s["desired_replicas"] == len(s["replicas"])
                   for s in self.cluster()["services"])

    def entry(self, **kwargs) -> httpx.Response:
        c = self.cluster()["entry"]
        return self.gateway.request(c["method"], c["path"], json=c.get("body"), **kwargs)

    def trace(self, trace_id: str, services: set[str], timeout: float = 1.0) -> dict:
        """Poll /traces/{id} until it is one whole tree (a root, every parent present) covering ``services``."""
        def complete():
            answer = self.control.get(f"/traces/{trace_id}")
            if answer.status_code != 200:
                return None
            spans = answer.json()["spans"]
            ids = {s["span_id"] for s in spans}
            whole = all(s["parent_id"] is None or s["parent_id"] in ids for s in spans)
            rooted = any(s["parent_id"] is None for s in spans)
            return whole and rooted and services <= {s["service"] for s in spans} and answer.json()
        return wait_for(complete, timeout, f"trace {trace_id}: one tree with spans of {sorted(services)}")

    # ---- changes ------------------------------------------------------------------------
    def post(self, path: str, body: dict | None = None) -> dict:
        return self.control.post(path, json=body if body is not None else {}).raise_for_status().json()

    def reset(self) -> None:
        """Back to the start: no scenario or game, load off, one healthy replica each, no faults, default switches."""
        self.post("/scenario/reset")  # the kitchen's timeline: a story or a game of an earlier test ends here
        self.control.delete("/load").raise_for_status()
        self.control.put("/resilience", json={}).raise_for_status()
        self.control.put("/self-healing", json={"enabled": False}).raise_for_status()
        for s in self.cluster()["services"]:
            self.control.put(f"/services/{s['name']}/faults", json={"latency_ms": 0, "jitter_ms": 0, "error_rate": 0})
            self.post(f"/services/{s['name']}/restart")
            self.post(f"/services/{s['name']}/scale", {"replicas": 1})
            python = {r.get("language", "python") for r in s["replicas"]} <= {"python"} and not s["deploying"]
            if {s["version"], *(r["version"] for r in s["replicas"])} != {"v1"} or not python:  # last: needs a replica
                self.post(f"/services/{s['name']}/deploy", {"version": "v1", **({} if python else {"language": "python"})})

        def as_new() -> bool:
            services = self.cluster()["services"]
            return self.all_up() and not any(s["deploying"] for s in services) and \
                {r["version"] for s in services for r in s["replicas"]} == {"v1"} and \
                {r.get("language", "python") for s in services for r in s["replicas"]} == {"python"}
        wait_for(as_new, 15, "the kitchen to be back to one healthy v1 replica each")
        self.gateway.base_url = self.cluster()["gateway_url"]  # scaling may have kept another replica of it

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """Stop the control plane with ``sig``; assert every process it started is gone."""
        if self.process.poll() is None:
            try:
                self.cluster()
            except httpx.HTTPError:
                pass
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGABRT)  # serve's faulthandler writes every thread's stack to its log
                try:
                    self.process.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
                raise AssertionError(f"serve did not stop within {timeout}s of signal {sig}; its stacks are at the "
                                     f"end of {self.log.name}") from None
        self.control.close()
        self.log.close()
        wait_for(lambda: not [p for p in self.pids_seen if alive(p)], 5, "every replica process to be gone")


def kill_orphans(pids: set[int]) -> list[int]:
    """Last resort in a teardown: kill what should not be alive, and say which."""
    left = [p for p in pids if alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    return left
