"""The app's way to the live kitchen: attach to a running control plane, or start one it owns.

The kitchen is started in its own session (Ctrl-C in the terminal reaches Streamlit, not the
kitchen) and told the Streamlit server's pid: when that process ends, however it ends, the
kitchen notices within a second and stops every process it started.
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx

from mini_services.stopping import stop_processes

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "http://127.0.0.1:8700"


class KitchenUnavailable(RuntimeError):
    """The control plane does not answer (and could not be started)."""


class NotAllowed(RuntimeError):
    """A shared kitchen refused a change: it needs the instructor's key."""


@dataclass
class KitchenClient:
    """A typed little client of the control plane's HTTP API (one shared instance per app)."""

    url: str
    process: subprocess.Popen | None = None  # set when this app started the kitchen itself
    key: str | None = None  # the instructor's key, sent with every change to a shared kitchen

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=5)

    def with_key(self, key: str | None) -> "KitchenClient":
        """The same client (one connection pool) for one browser session, carrying its key."""
        mine = copy.copy(self)
        mine.key = key or None
        return mine

    def _call(self, method: str, path: str, **kwargs) -> dict | list:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            answer = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise KitchenUnavailable(f"the kitchen at {self.url} does not answer ({type(exc).__name__})") from exc
        if answer.status_code in (401, 403):
            raise NotAllowed(answer.json().get("detail", "only the instructor can change this kitchen"))
        answer.raise_for_status()
        return answer.json()

    def key_works(self) -> bool:
        """Does this client's key open the kitchen? (Always, for a kitchen that is not shared.)"""
        try:
            self._call("POST", "/auth/check", json={})
        except NotAllowed:
            return False
        return True

    def healthy(self) -> bool:
        try:
            return self.http.get("/health", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def cluster(self) -> dict:
        return self._call("GET", "/cluster")

    def all_up(self) -> bool:
        try:
            services = self.cluster()["services"]
        except (KitchenUnavailable, httpx.HTTPStatusError):
            return False
        return all(sum(r["state"] == "up" for r in s["replicas"]) == s["desired_replicas"] for s in services)

    def traces(self, limit: int = 20, complete: bool = False) -> list[dict]:
        return self._call("GET", "/traces", params={"limit": limit, "complete": complete})

    def trace(self, trace_id: str) -> dict:
        return self._call("GET", f"/traces/{trace_id}")

    def graph(self, window_s: float = 10) -> dict:
        return self._call("GET", "/graph", params={"window_s": window_s})

    def load(self) -> dict:
        return self._call("GET", "/load")

    def start_load(self, rps: float, duration_s: float) -> dict:
        return self._call("POST", "/load", json={"rps": rps, "duration_s": duration_s})

    def stop_load(self) -> dict:
        return self._call("DELETE", "/load")

    def scale(self, service: str, replicas: int) -> dict:
        return self._call("POST", f"/services/{service}/scale", json={"replicas": replicas})

    def kill(self, service: str, replica: str | None = None) -> dict:
        return self._call("POST", f"/services/{service}/kill", json={"replica": replica} if replica else {})

    def restart(self, service: str) -> dict:
        return self._call("POST", f"/services/{service}/restart", json={})

    def set_faults(self, service: str, **faults: float) -> dict:
        return self._call("PUT", f"/services/{service}/faults", json=faults)

    def deploy(self, service: str, version: str, bad: bool = False) -> dict:
        return self._call("POST", f"/services/{service}/deploy", json={"version": version, "bad": bad})

    def tables(self, service: str) -> list[dict]:
        return self._call("GET", f"/services/{service}/tables")

    def self_healing(self, enabled: bool) -> dict:
        return self._call("PUT", "/self-healing", json={"enabled": enabled})

    def resilience(self) -> dict:
        return self._call("GET", "/resilience")

    def set_resilience(self, **switches: bool | int) -> dict:
        return self._call("PUT", "/resilience", json={**self.resilience(), **switches})

    def entry_request(self) -> httpx.Response:
        """Send the kitchen's entry request through its gateway, as a guest would."""
        cluster = self.cluster()
        entry = cluster["entry"]
        return httpx.request(entry["method"], cluster["gateway_url"] + entry["path"], json=entry.get("body"), timeout=10)


def free_port() -> int:
    """A port free on 127.0.0.1 now (for a kitchen this app starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_kitchens(*kitchens: KitchenClient) -> None:
    """SIGTERM to every kitchen this app started, all at once (each stops every replica it started)."""
    stop_processes([k.process for k in kitchens if k.process is not None], grace_s=15)


def start_kitchen(url: str = DEFAULT_URL, topology: str = "streaming", architecture: str = "microservices",
                  timeout_s: float = 20, data_dir: Path | None = None) -> KitchenClient:
    """Attach to the kitchen at ``url``, or start one there owned by this process; answer once it is all up."""
    client = KitchenClient(url)
    if client.healthy():
        return client
    port = urlparse(url).port or 8700
    client.process = subprocess.Popen(
        [sys.executable, "-m", "mini_services", "serve", "--topology", topology, "--architecture", architecture,
         "--port", str(port), *(["--data-dir", str(data_dir)] if data_dir else []),
         "--owner-pid", str(os.getpid())],
        cwd=ROOT, start_new_session=True, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.process.poll() is not None:
            raise KitchenUnavailable(f"the kitchen stopped while starting (exit code {client.process.returncode})")
        if client.healthy() and client.all_up():
            return client
        time.sleep(0.1)
    stop_kitchens(client)  # a half-started kitchen is not left running
    raise KitchenUnavailable(f"the kitchen did not answer at {url} within {timeout_s:.0f} s")
