"""Node.js for the services that have a Node.js build (``users``): find ``node``, install its packages, launch it.

    GET /languages        is node here (>= 20)? are the npm packages installed, installing, or did that fail?
    deploy language=node  refused (422) without node; the first time, ``npm ci`` from the lockfile runs first
                          (in the background, one at a time on this machine), then the rollout starts

Nothing is fetched at run time beyond that one ``npm ci`` (the project's ``.ci/run`` does it up front).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

from mini_services.settings import settings
from mini_services.topologies import Station

log = logging.getLogger("kitchen.node")
ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "mini_services" / "services" / "users" / "node"
LANGUAGES = {"users": ("python", "node")}  # the services with another build; every other one is Python only
NODE_MAJOR = 20
HOW_TO_GET = ("install Node.js 20 or newer (from nodejs.org, or your package manager: `apt-get install nodejs npm`, "
              "`brew install node`), make sure `node` is on the PATH of the program that starts the kitchen, "
              "and start the kitchen again")


def languages_of(service: str) -> tuple[str, ...]:
    return LANGUAGES.get(service, ("python",))


_found: dict[str, tuple[float, tuple]] = {}  # PATH -> (when, what find_node said): node is asked once in 5 s


def find_node() -> tuple[str | None, str | None, str | None]:
    """(path, version, reason it cannot be used): node on this process's PATH, and whether it is >= 20."""
    key = os.environ.get("PATH", "")
    when, said = _found.get(key, (0.0, ()))
    if time.monotonic() - when < 5:
        return said
    said = _look_for_node()
    _found[key] = (time.monotonic(), said)
    return said


def _look_for_node() -> tuple[str | None, str | None, str | None]:
    path = shutil.which("node")
    if path is None:
        return None, None, f"Node.js is not installed here (no `node` on the PATH): {HOW_TO_GET}"
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return path, None, f"`{path} --version` did not say which Node.js it is: {HOW_TO_GET}"
    if major < NODE_MAJOR:
        return path, version, f"Node.js {version} is too old (the users build needs {NODE_MAJOR} or newer): {HOW_TO_GET}"
    if shutil.which("npm") is None:
        return path, version, f"Node.js {version} is here but npm is not (it installs the packages): {HOW_TO_GET}"
    return path, version, None


def refusal(service: str, language: str) -> str | None:
    """Why ``service`` cannot run in ``language`` here (the deploy's 422), or None."""
    if language not in languages_of(service):
        builds = ", ".join(f"{name} ({' or '.join(langs)})" for name, langs in LANGUAGES.items())
        return f"{service} has no {language} build: only {builds} can change language; {service} runs Python"
    if language == "node":
        return find_node()[2]
    return None


class Packages:
    """The users build's npm packages: installed (from package-lock.json), installing, or failed, with the log."""

    def __init__(self, directory: Path = NODE_DIR):
        self.directory = directory
        self.state = "installed" if self.installed() else "not installed"
        self.detail = ""
        self.log: deque[str] = deque(maxlen=8)
        self.started_at = 0.0
        self._thread: threading.Thread | None = None

    def installed(self) -> bool:
        modules = self.directory / "node_modules"
        return (modules / ".package-lock.json").exists() and \
            (modules / "better-sqlite3" / "build" / "Release" / "better_sqlite3.node").exists()

    def ensure(self) -> None:
        """Start ``npm ci`` in the background unless the packages are installed or being installed."""
        if self.installed():
            self.state = "installed"
            return
        if self._thread and self._thread.is_alive():
            return
        self.state, self.started_at = "installing", time.monotonic()
        self.detail = "npm ci: installing from the lockfile and building the SQLite binding (about a minute)"
        self.log.clear()
        self._thread = threading.Thread(target=self._install, name="npm-ci", daemon=True)
        self._thread.start()

    async def ready(self) -> bool:
        """Wait until the packages are installed (True) or the install failed (False)."""
        self.ensure()
        while self.state == "installing":
            await asyncio.sleep(0.2)
        return self.state == "installed"

    def _install(self) -> None:
        node_path, _, _ = find_node()
        env = {**os.environ, "npm_config_build_from_source": "true", "npm_config_audit": "false",
               "npm_config_fund": "false", "npm_config_update_notifier": "false"}
        prefix = Path(node_path).resolve().parents[1] if node_path else None
        if prefix and (prefix / "include" / "node" / "common.gypi").exists():
            env["npm_config_nodedir"] = str(prefix)  # build the SQLite binding against this node's own headers
        try:
            with open(self.directory / ".install.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another kitchen on this machine may be installing: wait for it
                if self.installed():
                    self.state = "installed"
                    return
                process = subprocess.Popen(["npm", "ci", "--no-progress"], cwd=self.directory, env=env, text=True,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                for line in process.stdout:
                    if line.strip() and "Unknown env config" not in line:  # npm's note on the build-from-source switch
                        self.log.append(line.rstrip()[:200])
                        self.detail = f"npm ci: {self.log[-1]}"
                code = process.wait()
        except OSError as exc:
            self.state, self.detail = "failed", f"npm ci could not run: {exc}"
            return
        if code == 0 and self.installed():
            self.state, self.detail = "installed", f"npm ci took {time.monotonic() - self.started_at:.0f} s"
        else:
            self.state = "failed"
            self.detail = f"npm ci failed (exit code {code}): {self.log[-1] if self.log else 'no output'}"
        log.info("node packages: %s", self.detail)

    def view(self) -> dict:
        return {"state": self.state, "detail": self.detail, "log": list(self.log),
                "seconds": round(time.monotonic() - self.started_at, 1) if self.state == "installing" else None}


PACKAGES = Packages()


def spawn(spec: dict, station: Station, logfile: IO[bytes], preexec: Callable[[], None]) -> subprocess.Popen:
    """Start one Node.js replica: the same description and handed-over socket as a Python one, plus its station."""
    spec = {**spec, "station": {"name": station.name, "workers": station.workers, "service_ms": station.service_ms,
                                "queue_limit": station.queue_limit},
            "span_export_delay_ms": settings.span_export_delay_ms}
    return subprocess.Popen([shutil.which("node") or "node", str(NODE_DIR / "server.js")],
                            env={**os.environ, "KITCHEN_REPLICA": json.dumps(spec)}, pass_fds=(spec["fd"],),
                            stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT, preexec_fn=preexec,
                            cwd=NODE_DIR)


def languages_view(services: list[str]) -> dict:
    """What GET /languages answers: each language here, and which services can run in which."""
    import platform

    path, version, reason = find_node()
    if reason is None and PACKAGES.state != "installing":
        PACKAGES.state = "installed" if PACKAGES.installed() else PACKAGES.state
    return {"python": {"available": True, "version": platform.python_version(), "path": sys.executable},
            "node": {"available": reason is None, "version": version, "path": path, "reason": reason,
                     "packages": PACKAGES.view()},
            "services": {name: list(languages_of(name)) for name in services}}
