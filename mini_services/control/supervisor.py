"""The supervisor: starts, kills, scales and restarts replica processes, and keeps them configured.

    desired state (replicas, version, faults, resilience)  ──push──▶  every replica's /_kitchen/config
    replica lifecycle:  starting ──/health answers──▶ up ──SIGKILL──▶ down ──restart──▶ starting
                                                       └──scale down──▶ stopping ──exit──▶ (gone)

Each replica is handed a listening socket bound here (its port is known up front and kept
across restarts); the parent closes its copy, so a killed replica refuses connections.
Children die with the control plane (PR_SET_PDEATHSIG, and they also watch their parent). Python replicas
are forked from the kitchen's warm template (template.py, forked.py), each held as a Popen-like handle.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from fastapi import HTTPException

from mini_services.control import node
from mini_services.control.states import ServiceFacts
from mini_services.control.models import Cluster, Entry, FaultsUpdate, ReplicaView, ServiceView
from mini_services.kit.knobs import Faults, ReplicaConfig, Resilience, log_changes
from mini_services.control.forked import ForkedProcess, TemplateGone, WarmTemplate
from mini_services.kit.replica import ENV_VAR
from mini_services.services.rail import server as rail_server
from mini_services.settings import settings
from mini_services.stopping import die_with_parent, stop_processes
from mini_services.topologies import MONOLITH, Station, Topology

log = logging.getLogger("kitchen.supervisor")
MONITOR_PERIOD_S = 0.05
RETRY_CONFIGURE_S = 0.5  # how often the monitor looks for replicas whose knobs are not the desired ones
BREAKER_ORDER = ["off", "closed", "half-open", "open"]  # worst last


class UnknownService(KeyError):
    pass


class UnknownReplica(KeyError):
    pass


class NoReplicaUp(RuntimeError):
    pass


@dataclass
class Replica:
    id: str
    port: int
    state: str = "starting"
    process: subprocess.Popen | ForkedProcess | None = None  # forked from the warm template, or the old way
    started_at: float = 0.0
    version: str = "v1"  # the build this replica runs (a rolling deploy mixes two for a while)
    bad: bool = False
    scheme: str = "http"  # the rail speaks nats://
    monitor_port: int = 0  # the rail's monitoring port (/healthz)
    language: str = "python"  # which implementation its process runs: python, or node (users only)
    configured: dict | None = None  # the knobs this replica last acknowledged (None: not yet, or a push was lost)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"


@dataclass
class Service:
    station: Station
    desired: int = 1
    version: str = "v1"  # the build new replicas get
    bad_version: bool = False
    language: str = "python"  # the implementation new replicas run
    faults: Faults = field(default_factory=Faults)
    replicas: list[Replica] = field(default_factory=list)
    serial: int = 0  # for replica ids: billing-1, billing-2, ...
    rollout: asyncio.Task | None = None  # a rolling deploy in progress
    changed_ns: int = 0  # when it was last changed (faults, replicas, build): older spans no longer describe it

    def changed(self) -> None:
        self.changed_ns = time.time_ns()

    @property
    def name(self) -> str:
        return self.station.name

    def up_urls(self) -> list[str]:
        return [r.url for r in self.replicas if r.state == "up"]




def _listening_socket(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.bind((host, 0))  # the old port was taken meanwhile: any free one
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class Supervisor:
    """Owns every replica process of one kitchen and the knobs they run with."""

    def __init__(self, topology: Topology, architecture: str, data_dir: Path, control_url: str,
                 gateway_host: str = "127.0.0.1", template: WarmTemplate | None = None):
        self.topology, self.architecture = topology, architecture
        self.gateway_host = gateway_host  # beyond loopback only when the kitchen is shared with a class
        self.data_dir, self.control_url = data_dir, control_url
        stations = [topology.monolith_capacity] if architecture == MONOLITH else list(topology.stations)
        self.services: dict[str, Service] = {s.name: Service(s) for s in stations}
        self.gateway = MONOLITH if architecture == MONOLITH else topology.gateway
        self.resilience = Resilience()
        self.resilience_epoch = 0
        self.self_healing = False
        self._lock = asyncio.Lock()
        self._http = httpx.AsyncClient(timeout=2.0)
        self._stale_checked = 0.0  # when the monitor last looked for replicas with knobs other than the desired
        self._monitor: asyncio.Task | None = None
        self._reaping: set[asyncio.Task] = set()
        self._meters: dict[int, psutil.Process] = {}
        self._front_door = 0
        self._template = template  # forks the Python replicas (None: each starts the old way)
        self._template_restarted_at = 0.0
        self._broker_ports: tuple[int, int] | None = None  # the rail's client and monitoring ports
        self.messaging = "calls"  # how the restaurant's waiter passes tickets (control/rail.py sets it)
        self.on_heal: list = []  # coroutines the kitchen reset also runs (the rail: calls again, queues emptied)

    # ---- queries ------------------------------------------------------------------------
    def service(self, name: str) -> Service:
        try:
            return self.services[name]
        except KeyError:
            raise UnknownService(
                f"there is no service {name!r} in the {self.topology.name} kitchen ({self.architecture}); "
                f"its services are: {', '.join(self.services)}") from None

    def gateway_url(self) -> str:
        gateway = self.services[self.gateway]
        live = gateway.up_urls()
        return live[0] if live else (gateway.replicas[0].url if gateway.replicas else "")

    def next_entry_url(self) -> str:
        """A front door for the load generator: round robin over the gateway's live replicas."""
        live = self.services[self.gateway].up_urls()
        if not live:
            return self.gateway_url()
        self._front_door += 1
        return live[self._front_door % len(live)]

    def replicas_up(self) -> dict[str, int]:
        return {name: len(s.up_urls()) for name, s in self.services.items()}

    async def tables(self, name: str) -> list[dict]:
        """Ask a live replica of ``name`` what its database holds."""
        if self.service(name).station.broker:
            raise HTTPException(409, f"{name} is the message broker: it has no database of ours (see /queues)")
        live = self.service(name).up_urls()
        if not live:
            raise NoReplicaUp(f"{name} is down: it has no replica up to ask for its tables (restart it first)")
        try:
            answer = await self._http.get(f"{live[0]}/_kitchen/tables")
            answer.raise_for_status()
            return answer.json()
        except (httpx.HTTPError, ValueError) as exc:  # it went down (or was killed) as we asked
            raise NoReplicaUp(f"{name} did not answer for its tables ({type(exc).__name__}): "
                              "it may have just gone down") from None

    async def breakers(self) -> dict[tuple[str, str], dict]:
        """(caller, callee) -> the worst state of the callers' circuit breakers, read from every live caller."""
        callers = [(s.name, r) for s in self.services.values() if s.station.calls for r in s.replicas
                   if r.state == "up"]

        async def ask(replica: Replica) -> dict:
            try:
                return (await self._http.get(f"{replica.url}/_kitchen/breakers", timeout=0.3)).json()
            except (httpx.HTTPError, ValueError):
                return {}  # busy or gone: no news from this one

        answers = await asyncio.gather(*(ask(r) for _, r in callers))
        worst: dict[tuple[str, str], dict] = {}
        for (caller, _), said in zip(callers, answers):
            for callee, breaker in said.items():
                seen = worst.get((caller, callee))
                if seen is None or BREAKER_ORDER.index(breaker["state"]) > BREAKER_ORDER.index(seen["state"]):
                    worst[(caller, callee)] = breaker
        return worst

    def facts(self, breakers: dict[tuple[str, str], dict]) -> dict[str, ServiceFacts]:
        """What the control plane knows of each service at once: replicas, faults, builds, breakers on it."""
        known = {}
        for name, s in self.services.items():
            states = [r.state for r in s.replicas]
            on_it = [b["state"] for (_, callee), b in breakers.items() if callee == name]
            known[name] = ServiceFacts(
                up=states.count("up"), starting=states.count("starting"), desired=s.desired,
                latency_ms=s.faults.latency_ms, error_rate=s.faults.error_rate,
                bad_build_up=any(r.bad and r.state == "up" for r in s.replicas),
                breaker=max(on_it, key=BREAKER_ORDER.index) if on_it else None, evidence_since_ns=s.changed_ns,
                usual_ms=s.station.service_ms + 1.0 if s.station.service_ms else None)
        return known

    def view(self, name: str) -> ServiceView:
        s = self.service(name)
        return ServiceView(
            name=s.name, role=s.station.role, optional=s.station.optional, calls=list(s.station.calls),
            desired_replicas=s.desired,
            version=s.version, faults=s.faults,
            deploying=bool(s.rollout and not s.rollout.done()),
            replicas=[ReplicaView(id=r.id, pid=r.pid, port=r.port, state=r.state, url=r.url, version=r.version,
                                  language=r.language, **self._usage(r)) for r in s.replicas])

    def entry(self) -> Entry:
        t = self.topology
        return Entry(method=t.entry_method, path=t.entry_path, body=t.entry_body)

    def cluster(self) -> Cluster:
        return Cluster(topology=self.topology.name, architecture=self.architecture, gateway=self.gateway,
                       gateway_url=self.gateway_url(), self_healing=self.self_healing, entry=self.entry(),
                       shared=self.gateway_host != "127.0.0.1",
                       services=[self.view(n) for n in self.services])

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        async with self._lock:
            for service in self.services.values():
                self._reconcile(service)
        self._monitor = asyncio.create_task(self._watch())

    async def wait_until_up(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(len(s.up_urls()) == s.desired for s in self.services.values()):
                return True
            await asyncio.sleep(MONITOR_PERIOD_S)
        return False

    async def stop(self) -> None:
        """Stop every process this supervisor started; nothing outlives it."""
        if self._monitor:
            self._monitor.cancel()
        for service in self.services.values():
            if service.rollout:
                service.rollout.cancel()
        stop_processes([r.process for s in self.services.values() for r in s.replicas if r.process],
                       settings.replica_stop_grace_s)
        if self._template:
            self._template.close()
        await self._http.aclose()

    # ---- the calls the API exposes ------------------------------------------------------------
    async def scale(self, name: str, replicas: int) -> ServiceView:
        service = self.service(name)
        if service.station.broker and replicas > 1:
            raise HTTPException(422, f"one broker is run here: {name} takes 0 or 1 replicas, not {replicas}")
        async with self._lock:
            if service.desired != replicas:
                log.info("%s: replicas %s -> %s", name, service.desired, replicas)
            service.desired = replicas
            service.changed()
            self._reconcile(service)
            await self._push_all()
        return self.view(name)

    async def kill(self, name: str, replica_id: str | None = None) -> ServiceView:
        service = self.service(name)
        async with self._lock:
            targets = [r for r in service.replicas if replica_id in (None, r.id)]
            if replica_id is not None and not targets:
                raise UnknownReplica(f"{name} has no replica {replica_id!r}; it has: "
                                     f"{', '.join(r.id for r in service.replicas) or 'none'}")
            for r in targets:
                if r.process and r.process.poll() is None:
                    r.process.kill()  # SIGKILL: no goodbye, callers see refused connections
            for r in targets:
                if r.process:
                    await asyncio.to_thread(r.process.wait)
                r.state = "down"
            service.changed()
            log.info("%s: killed %s", name, ", ".join(r.id for r in targets) or "nothing")
            await self._push_all()
        return self.view(name)

    async def restart(self, name: str) -> ServiceView:
        service = self.service(name)
        async with self._lock:
            for r in service.replicas:
                if r.state == "down":
                    self._spawn(service, r)
            self._reconcile(service)
        return self.view(name)

    async def set_faults(self, name: str, update: FaultsUpdate) -> ServiceView:
        service = self.service(name)
        if service.station.broker and any(update.model_dump(exclude_none=True).values()):
            raise HTTPException(409, f"{name} is the broker: it takes no added latency or errors here; kill it to "
                                     "see the rail go down")
        async with self._lock:
            new = service.faults.model_copy(update=update.model_dump(exclude_none=True))
            log_changes(name, service.faults, new)
            service.faults = new
            service.changed()
            await self._push_all()
        return self.view(name)

    async def deploy(self, name: str, version: str, bad: bool, language: str | None = None) -> ServiceView:
        """A rolling deploy: one replica at a time, start one of the new build, once it is up retire an old one.

        ``language`` (default: the one it runs) swaps the implementation: 422 where there is no such build or no
        Node.js here. Refused (409) when no replica is up or starting: there is nothing to roll out to."""
        service = self.service(name)
        if service.station.broker and (version != service.version or bad):
            raise HTTPException(409, f"{name} is the nats-server from requirements.txt: it is not deployed here")
        if service.station.broker:
            return self.view(name)  # the build it runs already: nothing to roll out
        language = language or service.language
        if (why := node.refusal(name, language)) is not None:
            raise HTTPException(422, why)
        async with self._lock:
            if not any(r.state in ("starting", "up") for r in service.replicas):
                raise HTTPException(409, f"{name} has no replica up to roll out to: restart it first")
            log.info("%s: deploying %s -> %s%s", name, service.version, version, " (a bad build)" if bad else "")
            if service.rollout and not service.rollout.done():
                service.rollout.cancel()
            service.version, service.bad_version = version, bad
            service.rollout = asyncio.create_task(self._roll_out(service, language))
        return self.view(name)

    async def _roll_out(self, service: Service, language: str) -> None:
        if language == "node" and not await node.PACKAGES.ready():  # the first time: npm ci from the lockfile
            log.warning("%s: the Node.js packages could not be installed (%s); nothing rolled out",
                        service.name, node.PACKAGES.detail)
            return
        service.language = language
        build = (service.version, service.bad_version, service.language)
        while True:
            async with self._lock:
                old = [r for r in service.replicas
                       if r.state in ("starting", "up") and (r.version, r.bad, r.language) != build]
                if not old:
                    log.info("%s: every replica runs %s", service.name, service.version)
                    return
                fresh = self._new_replica(service)
                self._spawn(service, fresh)
            deadline = time.monotonic() + settings.replica_start_timeout_s
            while fresh.state == "starting" and time.monotonic() < deadline:
                await asyncio.sleep(MONITOR_PERIOD_S)
            if fresh.state == "up":  # both builds serve side by side for a while: slow enough to watch
                await asyncio.sleep(settings.rollout_pause_s)
            async with self._lock:
                if fresh.state != "up":
                    log.warning("%s: %s did not come up (or fell over); the rollout stops here", service.name, fresh.id)
                    self._reconcile(service)
                    return
                if old[0].state in ("starting", "up"):  # a scale or restart meanwhile may have retired it
                    self._retire(service, old[0])
                self._reconcile(service)  # whatever happened meanwhile, end at the desired count
                await self._push_all()

    async def set_resilience(self, resilience: Resilience) -> Resilience:
        async with self._lock:
            log_changes("resilience", self.resilience, resilience)
            self.resilience = resilience
            self.resilience_epoch += 1
            await self._push_all()
        return self.resilience

    # ---- inner workings -----------------------------------------------------------------
    def _reconcile(self, service: Service) -> None:
        """Make the number of live replicas match the desired number (call with the lock held)."""
        live = [r for r in service.replicas if r.state in ("starting", "up")]
        down = [r for r in service.replicas if r.state == "down"]
        while len(live) < service.desired:  # revive down replicas first (same id, same port), then add
            replica = down.pop(0) if down else self._new_replica(service)
            self._spawn(service, replica)
            live.append(replica)
        for replica in down:  # the count is right: replicas still down are forgotten
            service.replicas.remove(replica)
        target = (service.version, service.bad_version, service.language)
        keep = sorted(live, key=lambda r: ((r.version, r.bad, r.language) == target, r.state == "up"), reverse=True)
        for replica in keep[service.desired:]:  # too many: old builds go first, then the newest
            self._retire(service, replica)

    def _new_replica(self, service: Service) -> Replica:
        service.serial += 1
        replica = Replica(id=f"{service.name}-{service.serial}", port=0)
        service.replicas.append(replica)
        return replica

    def _spawn(self, service: Service, replica: Replica) -> None:
        if service.station.broker:
            return self._spawn_broker(replica)
        sock = _listening_socket(replica.port, self.gateway_host if service.name == self.gateway else "127.0.0.1")
        replica.port = sock.getsockname()[1]
        replica.version, replica.bad, replica.language = service.version, service.bad_version, service.language
        spec = {"service": service.name, "replica_id": replica.id, "topology": self.topology.name,
                "architecture": self.architecture, "data_dir": str(self.data_dir), "control_url": self.control_url,
                "fd": sock.fileno(), "owner_pid": os.getpid(), "config": self._config_for(service, replica).model_dump()}
        logfile = open(self.data_dir / "logs" / f"{replica.id}.log", "ab")
        if replica.language == "node":  # the Node.js build (control/node.py): started by exec, not forked
            replica.process = node.spawn(spec, service.station, logfile, die_with_parent)
        else:
            replica.process = self._launch_python(spec, sock, logfile)
        logfile.close()
        sock.close()  # the child holds the socket now; when it dies, the port refuses connections
        replica.state, replica.started_at = "starting", time.monotonic()

    def _launch_python(self, spec: dict, sock: socket.socket, logfile) -> subprocess.Popen | ForkedProcess:
        """Fork a Python replica from the warm template; without one (it died, or no fork here), the old way."""
        template = self._warm_template()
        if template is not None:
            try:
                return template.launch(spec, sock.fileno(), logfile.fileno())
            except TemplateGone as why:
                log.warning("%s started the old way: %s", spec["replica_id"], why)
        return subprocess.Popen(
            [sys.executable, "-m", "mini_services.kit.replica"], env={**os.environ, ENV_VAR: json.dumps(spec)},
            pass_fds=(sock.fileno(),), stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent, cwd=Path(__file__).resolve().parents[2])

    def _warm_template(self) -> WarmTemplate | None:
        """The template, if it can fork now; a dead one is replaced (at most every 10 s) by a fresh one by exec."""
        template = self._template
        if template is not None and template.dead.is_set() and time.monotonic() - self._template_restarted_at > 10:
            log.warning("the warm template is gone: starting a fresh one (replicas start the old way meanwhile)")
            self._template_restarted_at = time.monotonic()
            self._template = template = WarmTemplate.exec_new(self.data_dir / "logs" / "template.log")
        return template if template is not None and template.usable() else None

    def _spawn_broker(self, replica: Replica) -> None:
        """The rail: a real nats-server (ports chosen once, kept across restarts), dying with us like any replica."""
        replica.scheme = "nats"  # one address for good (a replica scaled away and back too): clients reconnect to it
        self._broker_ports = self._broker_ports or (rail_server.free_port(), rail_server.free_port())
        replica.port, replica.monitor_port = self._broker_ports
        replica.process = rail_server.launch(self.data_dir / "rail", replica.port, replica.monitor_port,
                                             self.data_dir / "logs" / f"{replica.id}.log", die_with_parent)
        replica.state, replica.started_at = "starting", time.monotonic()

    def rail_url(self) -> str | None:
        """nats://... of the rail, once it has a port (up or not); None in a kitchen without one."""
        return rail_server.nats_url(self._broker_ports[0]) if self._broker_ports else None

    async def set_messaging(self, mode: str) -> None:
        """Calls or the rail: every replica is told before this returns (and a new one at its start)."""
        async with self._lock:
            if mode != self.messaging:
                log.info("messaging: %s -> %s", self.messaging, mode)
            self.messaging = mode
            await self._push_all()

    def _retire(self, service: Service, replica: Replica) -> None:
        """Scale down: out of the registry first, then SIGTERM (in-flight requests finish), then gone."""
        replica.state = "stopping"

        async def reap() -> None:
            process = replica.process
            if process and process.poll() is None:
                process.terminate()
                try:
                    await asyncio.wait_for(asyncio.to_thread(process.wait), settings.replica_stop_grace_s)
                except asyncio.TimeoutError:
                    process.kill()
                    await asyncio.to_thread(process.wait)
            async with self._lock:
                if replica in service.replicas and replica.state == "stopping":
                    service.replicas.remove(replica)

        task = asyncio.create_task(reap())
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)

    def _config(self) -> ReplicaConfig:
        # the config of one service is only its version and faults; the rest is kitchen-wide
        return ReplicaConfig(resilience=self.resilience, resilience_epoch=self.resilience_epoch,
                             peers={name: s.up_urls() for name, s in self.services.items()},
                             messaging=self.messaging, rail_url=self.rail_url())

    def _config_for(self, service: Service, replica: Replica) -> ReplicaConfig:
        return self._config().model_copy(update={"faults": service.faults, "version": replica.version,
                                                 "bad_version": replica.bad})

    def _usage(self, replica: Replica) -> dict:
        """Measured memory and CPU of a live replica's process (for the cost meter)."""
        if replica.state == "down" or replica.process is None or replica.process.poll() is not None:
            self._meters.pop(replica.pid, None)
            return {"rss_mb": None, "cpu_percent": None}
        try:
            if replica.pid not in self._meters:
                self._meters[replica.pid] = psutil.Process(replica.pid)
            meter = self._meters[replica.pid]
            return {"rss_mb": round(meter.memory_info().rss / 2**20, 1), "cpu_percent": meter.cpu_percent(None)}
        except psutil.Error:
            return {"rss_mb": None, "cpu_percent": None}

    async def _push(self, service: Service, replica: Replica) -> None:
        if service.station.broker:
            return  # nats-server takes no knobs of ours
        config = self._config_for(service, replica).model_dump()
        try:
            answer = await self._http.put(f"{replica.url}/_kitchen/config", json=config)
            answer.raise_for_status()
            replica.configured = config
        except httpx.HTTPError as exc:  # it died meanwhile (the monitor will notice), or it was too busy to answer
            replica.configured = None
            log.warning("could not configure %s (will try again): %s", replica.id, exc.__class__.__name__)

    async def _push_all(self) -> None:
        """Tell every live replica the current knobs and peers (call with the lock held)."""
        await asyncio.gather(*(self._push(s, r) for s in self.services.values() for r in s.replicas if r.state == "up"))

    async def _push_stale(self) -> None:
        """Push again to every live replica whose acknowledged knobs are not the desired ones: a push that was
        lost (say, on a kept-alive connection the replica closed just then) must not leave it running other faults than
        the view says."""
        now, stale = time.monotonic(), []
        if now - self._stale_checked < RETRY_CONFIGURE_S:
            return
        self._stale_checked = now
        for service in self.services.values():
            for r in service.replicas:
                wanted = None if service.station.broker else self._config_for(service, r).model_dump()
                if r.state == "up" and wanted is not None and r.configured != wanted:
                    stale.append(self._push(service, r))
        await asyncio.gather(*stale)

    async def _watch(self) -> None:
        """Notice replicas that came up, crashed, or never started; restart them if self-healing is on."""
        while True:
            await asyncio.sleep(MONITOR_PERIOD_S)
            try:
                async with self._lock:
                    if await self._check_replicas():
                        await self._push_all()
                    await self._push_stale()
            except Exception:  # never let one bad tick stop the supervisor
                log.exception("monitor tick failed")

    async def _check_replicas(self) -> bool:
        changed = False
        for service in self.services.values():
            for r in service.replicas:
                exited = r.process is not None and r.process.poll() is not None
                if r.state in ("up", "starting") and exited:
                    log.warning("%s exited (code %s)", r.id, r.process.returncode)
                    r.state, changed = "down", True
                    service.changed()
                elif r.state == "starting" and await self._healthy(service, r):
                    await self._push(service, r)  # knobs first, then traffic
                    r.state, changed = "up", True
                    service.changed()
                elif r.state == "starting" and time.monotonic() - r.started_at > settings.replica_start_timeout_s:
                    log.warning("%s did not start in time", r.id)
                    r.process.kill()
                    r.state, changed = "down", True
                if r.state == "down" and self.self_healing and service.desired > 0:
                    self._spawn(service, r)
        return changed

    async def _healthy(self, service: Service, replica: Replica) -> bool:
        if service.station.broker:
            return await rail_server.healthy(self._http, replica.monitor_port)
        try:
            return (await self._http.get(f"{replica.url}/health", timeout=0.5)).status_code == 200
        except httpx.HTTPError:
            return False
