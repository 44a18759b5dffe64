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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx

from mini_services.stopping import stop_processes

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "http://127.0.0.1:8700"


class KitchenProblem(RuntimeError):
    """Something a page asked of a kitchen did not happen; ``str()`` is one plain sentence for the learner."""


class KitchenUnavailable(KitchenProblem):
    """The control plane does not answer (and could not be started)."""


class NotAllowed(KitchenProblem):
    """A shared kitchen refused a change: it needs the instructor's key."""


class Refused(KitchenProblem):
    """The control plane understood and said no (4xx), or failed itself (5xx): its reason, in its words."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


class NotServed(KitchenProblem):
    """A request to a service (the gateway, or one service's own page) got no answer: refused or timed out."""


PATIENCE_S = 3.0  # the longest a page waits for anything it sends: shorter than a learner's patience


def patience_s() -> float:
    """How long a page waits for anything it sends: ``PATIENCE_S``, or ``KITCHEN_PAGE_PATIENCE_S`` (read at each
    call, so a test that walks every page with a dependency hanging can wait less; a bad value is ignored)."""
    try:
        chosen = float(os.environ.get("KITCHEN_PAGE_PATIENCE_S", PATIENCE_S))
    except ValueError:
        return PATIENCE_S
    return chosen if 0 < chosen <= 60 else PATIENCE_S


def _no_answer(exc: httpx.HTTPError, who: str, what_follows: str) -> str:
    """A refused connection or a timeout, said as the lesson it is."""
    if isinstance(exc, httpx.TimeoutException):
        return (f"{who} did not answer within {patience_s():g} s, so the page stopped waiting: something behind it "
                f"is hanging and nothing cut the wait short (are timeouts switched off?).")
    if isinstance(exc, httpx.ConnectError):
        return f"{who} is down: the connection was refused. {what_follows}"
    return f"{who} broke off the answer ({type(exc).__name__}). {what_follows}"


@dataclass
class KitchenClient:
    """A typed little client of the control plane's HTTP API (one shared instance per app)."""

    url: str
    process: subprocess.Popen | None = None  # set when this app started the kitchen itself
    key: str | None = None  # the instructor's key, sent with every change to a shared kitchen

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url)  # each request is given the page's patience
        self.guests = httpx.Client()  # requests a guest would send, to the gateway

    def with_key(self, key: str | None) -> "KitchenClient":
        """The same client (one connection pool) for one browser session, carrying its key."""
        mine = copy.copy(self)
        mine.key = key or None
        return mine

    def _call(self, method: str, path: str, **kwargs) -> dict | list:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            answer = self.http.request(method, path, headers=headers, **{"timeout": patience_s(), **kwargs})
        except httpx.HTTPError as exc:
            raise KitchenUnavailable(_no_answer(exc, f"The kitchen's control plane at {self.url}",
                                                "Restart the kitchen from this page.")) from exc
        if answer.status_code in (401, 403):
            raise NotAllowed(_detail(answer, "only the instructor can change this kitchen"))
        if answer.status_code >= 400:
            raise Refused(answer.status_code, _detail(answer, f"the control plane answered HTTP {answer.status_code}"))
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
        except KitchenProblem:
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

    def deploy(self, service: str, version: str, bad: bool = False, language: str | None = None) -> dict:
        body = {"version": version, "bad": bad, **({"language": language} if language else {})}
        return self._call("POST", f"/services/{service}/deploy", json=body)

    def languages(self) -> dict:
        """Is Node.js here, are its packages installed (or installing), and which services can run in which."""
        return self._call("GET", "/languages")

    def install_node_packages(self) -> dict:
        return self._call("POST", "/languages/node/install", json={})

    def tables(self, service: str) -> list[dict]:
        return self._call("GET", f"/services/{service}/tables")

    def self_healing(self, enabled: bool) -> dict:
        return self._call("PUT", "/self-healing", json={"enabled": enabled})

    def resilience(self) -> dict:
        return self._call("GET", "/resilience")

    def set_resilience(self, **switches: bool | int) -> dict:
        return self._call("PUT", "/resilience", json={**self.resilience(), **switches})

    # ---- tickets on a rail (the restaurant's microservices kitchen) -----------------------------------
    def messaging(self) -> str:
        """How the waiter passes tickets: ``calls`` (a call per station) or ``rail`` (messages on the broker)."""
        return self._call("GET", "/messaging")["mode"]

    def set_messaging(self, mode: str) -> dict:
        return self._call("PUT", "/messaging", json={"mode": mode})

    def queues(self) -> list[dict]:
        """Per queue: pending, in_flight, consumers, delivered, redelivered, dead_lettered, rate_in, rate_out
        (with ``stale`` and ``as_of`` when the rail is down and these are its last figures)."""
        return self._call("GET", "/queues")

    def queue_history(self) -> dict:
        """``{"window_s", "points": [{"t", "queues": {name: {"pending", "in_flight"}}}]}``, a point a second."""
        return self._call("GET", "/queues/history")

    def stock(self) -> dict[str, int]:
        """Portions left per dish, from the chef's own stock table."""
        return self._call("GET", "/stock")["dishes"]

    def set_stock(self, dish: str, portions: int) -> dict:
        return self._call("PUT", "/stock", json={"dish": dish, "portions": portions})

    def orders(self, limit: int = 8, cluster: dict | None = None) -> list[dict]:
        """The newest orders and each station's step, read through the waiter (``GET /api/orders?limit=``)."""
        answer = self.send("GET", f"/api/orders?limit={limit}", cluster=cluster)
        if answer.status_code >= 400:
            raise Refused(answer.status_code, _detail(answer, f"the waiter answered HTTP {answer.status_code}"))
        body = answer.json()
        return body.get("orders", []) if isinstance(body, dict) else body

    def entry_request(self) -> httpx.Response:
        """Send the kitchen's entry request through its gateway, as a guest would (its answer, whatever its status)."""
        cluster = self.cluster()
        entry = cluster["entry"]
        return self.send(entry["method"], entry["path"], json=entry.get("body"), cluster=cluster)

    def send(self, method: str, path: str, *, json: dict | None = None, headers: dict | None = None,
             timeout: float | None = None, cluster: dict | None = None) -> httpx.Response:
        """One request through the gateway (``path`` as a guest would ask it). An answer of any status is
        returned; no answer at all raises ``NotServed`` with a sentence that says why."""
        cluster = cluster or self.cluster()
        gateway = next(s for s in cluster["services"] if s["name"] == cluster["gateway"])
        if not any(r["state"] == "up" for r in gateway["replicas"]):
            raise NotServed(_front_door_down(cluster))
        try:
            return self.guests.request(method, cluster["gateway_url"] + path, json=json, headers=headers or {},
                                       timeout=timeout or patience_s())
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.ConnectError):
                raise NotServed(_front_door_down(cluster)) from exc
            raise NotServed(_no_answer(exc, f"The {cluster['gateway']}", f"Restart the {cluster['gateway']}.")) from exc

    def service_get(self, service: str, path: str, cluster: dict | None = None) -> dict | list:
        """GET ``path`` from a live replica of ``service`` itself (e.g. its ``/openapi.json``)."""
        view = next((s for s in (cluster or self.cluster())["services"] if s["name"] == service), None)
        live = [r for r in (view or {"replicas": []})["replicas"] if r["state"] == "up"]
        if not live:
            raise NotServed(f"{service} is down: no replica is up to ask. Restart it.")
        try:
            answer = self.guests.get(live[0]["url"] + path, timeout=patience_s())
        except httpx.HTTPError as exc:
            raise NotServed(_no_answer(exc, service, "Restart it.")) from exc
        if answer.status_code >= 400:
            raise Refused(answer.status_code, _detail(answer, f"{service} answered HTTP {answer.status_code}"))
        return answer.json()

    # ---- the kitchen's timeline: one scenario or one detective game, kept by the control plane ----------
    def scenarios(self) -> list[dict]:
        """The shipped scenarios that fit this kitchen: ``[{"stem", "name", "description", "length_s", "steps"}]``."""
        return self._call("GET", "/scenarios")

    def scenario(self) -> dict:
        """The story on the kitchen's timeline: status, story clock, steps done, narration so far."""
        return self._call("GET", "/scenario")

    def play_scenario(self, name: str | None = None) -> dict:
        """Start the scenario ``name`` (a file stem), or go on with the paused one."""
        return self._call("POST", "/scenario/play", json={"name": name} if name else {})

    def pause_scenario(self) -> dict:
        """Pause the story: its clock, its load and its faults, until Play."""
        return self._call("POST", "/scenario/pause", json={})

    def reset_scenario(self) -> dict:
        """Heal the whole kitchen and rewind the story (a game playing ends too)."""
        return self._call("POST", "/scenario/reset", json={}, timeout=10)

    def game(self) -> dict:
        """The detective game: its suspects while playing (never the culprit), then the verdict."""
        return self._call("GET", "/game")

    def start_game(self) -> dict:
        """Hide a fault on a random suspect (the kitchen heals the suspects first: a few seconds at most)."""
        return self._call("POST", "/game", json={}, timeout=15)

    def guess(self, service: str) -> dict:
        """Name the culprit: ``{"verdict", "guess", "culprit", "fault", "showed_by"}``; the fault is cleared."""
        return self._call("POST", "/game/guess", json={"service": service})


def _front_door_down(cluster: dict) -> str:
    """The sentence for a kitchen whose front door is down, in the words of its architecture."""
    door = cluster["gateway"]
    if cluster["architecture"] == "monolith":
        return f"The {door} is down: it is the whole program, so nothing at all is served. Restart it."
    return f"The {door} is down: nothing can reach the services behind it. Restart the {door}."


def _detail(answer: httpx.Response, otherwise: str) -> str:
    """The reason a FastAPI answer gives (``{"detail": ...}``), as a sentence."""
    try:
        detail = answer.json().get("detail", otherwise)
    except ValueError:
        return otherwise
    if isinstance(detail, list):  # a validation error: say which field and why
        detail = "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg', '')}" for d in detail)
    return str(detail)


def free_port() -> int:
    """A port free on 127.0.0.1 now (for a kitchen this app starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_kitchens(*kitchens: KitchenClient) -> None:
    """SIGTERM to every kitchen this app started, all at once (each stops every replica it started)."""
    stop_processes([k.process for k in kitchens if k.process is not None], grace_s=15)


def start_kitchen(url: str = DEFAULT_URL, topology: str = "streaming", architecture: str = "microservices",
                  timeout_s: float = 20, data_dir: Path | None = None,
                  launch: Callable[[list[str]], subprocess.Popen] | None = None) -> KitchenClient:
    """Attach to the kitchen at ``url``, or start one there owned by this process; answer once it is all up.
    ``launch(argv)`` starts ``python -m mini_services <argv>`` another way (private kitchens: lessons/private.py)."""
    client = KitchenClient(url)
    if client.healthy():
        return client
    port = urlparse(url).port or 8700
    argv = ["serve", "--topology", topology, "--architecture", architecture, "--port", str(port),
            *(["--data-dir", str(data_dir)] if data_dir else []), "--owner-pid", str(os.getpid())]
    client.process = launch(argv) if launch else subprocess.Popen(
        [sys.executable, "-m", "mini_services", *argv], cwd=ROOT, start_new_session=True, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.process.poll() is not None:
            raise KitchenUnavailable(f"the kitchen stopped while starting (exit code {client.process.returncode})")
        if client.healthy() and client.all_up():
            return client
        time.sleep(0.1)
    stop_kitchens(client)  # a half-started kitchen is not left running
    raise KitchenUnavailable(f"the kitchen did not answer at {url} within {timeout_s:.0f} s")
