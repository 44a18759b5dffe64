"""The warm template (a fork server): every Python replica of a kitchen is forked from one process that
has already imported the service code, so a replica costs milliseconds of CPU to start, not an interpreter.

    control plane ──os.fork() at start, before any thread──▶ template: every service module, FastAPI,
        │                                                    uvicorn, pydantic, OpenTelemetry imported;
        │                                                    gc.freeze(); no threads; reaps its children
        │ ──{"spec"} + [listening socket, log file]──▶ template ──fork──▶ replica: run_replica(spec, sock)
        │ ◀──{"forked", "pid"} + [pidfd]──  ◀──{"exited", "pid", "code"}──  (its own tracer provider and
        │                                      exporter thread, SQLite connections, event loop, log file)
    death chain: control plane dies ─PR_SET_PDEATHSIG─▶ template dies ─PR_SET_PDEATHSIG─▶ its replicas die
    (and each watches its parent: the template its control plane, a replica the template)

The control plane holds one ``ForkedProcess`` per replica (``forked.py``), Popen-like. When no template is
at hand (it died, or this platform cannot fork) the supervisor starts ``python -m mini_services.kit.replica``
as before; ``python -m mini_services.control.template`` is a fresh template started by exec (after a death);
the app's kitchen template, which forks whole kitchens, is ``kitchen_template.py``.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import NoReturn

from mini_services.stopping import die_with_parent

CHANNEL_FD_VAR = "KITCHEN_TEMPLATE_FD"
MESSAGE_MAX = 1 << 20
SERVICE_MODULES = ("gateway", "users", "recommendations", "billing", "streaming",
                   "waiter", "chef", "bartender", "cashier", "dishwasher")


def can_fork_replicas() -> bool:
    """Fork, fd passing and pidfds are all here (Linux); elsewhere replicas start the old way."""
    return all(hasattr(m, n) for m, n in ((os, "fork"), (socket, "send_fds"), (os, "pidfd_open"),
                                          (signal, "pidfd_send_signal"), (socket, "AF_UNIX")))


def preload() -> None:
    """Import everything a replica runs, once, so forked children share it (the ~0.4 CPU-s a replica used to pay)."""
    importlib.import_module("mini_services.kit.replica")
    for name in SERVICE_MODULES:
        importlib.import_module(f"mini_services.services.{name}.app")
    for module in ("mini_services.monolith", "aiohttp", "uvloop", "httptools", "uvicorn.protocols.http.httptools_impl",
                   "uvicorn.lifespan.on", "pydantic.v1", "fastapi.telemetry._runtime", "opentelemetry.sdk.trace.export",
                   "nats", "nats.js"):  # nats-py: the restaurant's stations on the rail share it too
        importlib.import_module(module)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    OTLPSpanExporter(endpoint="http://127.0.0.1:9/v1/traces").shutdown()  # its first use imports requests' codecs


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """(the control plane's end, the template's end): one message per send, file descriptors alongside."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def send(channel: socket.socket, message: dict, fds: list[int] = ()) -> None:
    socket.send_fds(channel, [json.dumps(message).encode()], list(fds))


def _close_inherited_fds(keep: int) -> None:
    """The template keeps stdin/stdout/stderr and its channel; the control plane's sockets are not its to hold."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)


def _reap(channel: socket.socket) -> None:
    """Tell the control plane how each finished child ended (as Popen.returncode: -9 for SIGKILL)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        send(channel, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve_forks(channel: socket.socket, owner_pid: int, become: Callable | None = None,
                linger_s: float = 0.0) -> NoReturn:
    """The template's loop: fork a child per request (``become`` runs in it: a replica by default), report every
    exit; end with the owner (after waiting up to ``linger_s`` for children that stop by themselves)."""
    become = become or _become_replica
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the control plane, which stops us in order
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    gc.freeze()  # what is imported stays in shared pages: the collector never writes to those objects
    me = os.getpid()
    try:
        while os.getppid() == owner_pid:
            ready, _, _ = select.select([channel, wake_r], [], [], 0.5)
            if wake_r in ready:
                os.read(wake_r, 4096)
            _reap(channel)
            if channel not in ready:
                continue
            raw, fds, _, _ = socket.recv_fds(channel, MESSAGE_MAX, 4)
            if not raw:
                break  # the control plane closed the channel: it is stopping
            request = json.loads(raw)
            try:
                pid = os.fork()
            except OSError as exc:
                send(channel, {"failed": request["name"], "error": str(exc)})
                continue
            if pid == 0:
                become(request, fds, me, [channel.fileno(), wake_r, wake_w])
            for fd in fds:
                os.close(fd)
            pidfd = os.pidfd_open(pid)  # opened before any reaping: it names this process and no other
            send(channel, {"forked": request["name"], "pid": pid}, [pidfd])
            os.close(pidfd)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the control plane is gone
    _linger(linger_s)
    os._exit(0)  # the children die with us (PR_SET_PDEATHSIG)


def _linger(most_s: float) -> None:
    """Wait (up to ``most_s``) for children that stop by themselves: kitchens whose owner is gone shut down in order."""
    deadline = time.monotonic() + most_s
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                time.sleep(0.05)
        except ChildProcessError:
            return


def own_process(template_pid: int, template_fds: list[int], out_fd: int, err_fd: int) -> None:
    """In a freshly forked child: die with the template, default signals, none of the template's fds, own output."""
    die_with_parent()
    if os.getppid() != template_pid:
        os._exit(1)  # the template died between fork and prctl
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for fd in template_fds:
        os.close(fd)
    for fd, onto in ((out_fd, 1), (err_fd, 2)):
        if fd != onto:
            os.dup2(fd, onto)
    for fd in {out_fd, err_fd} - {1, 2}:
        os.close(fd)


def _become_replica(request: dict, fds: list[int], template_pid: int, template_fds: list[int]) -> NoReturn:
    """In the freshly forked child: make its own what must be, then run the replica; never return."""
    from mini_services.kit.replica import run_replica  # imported long before, by preload()

    listen_fd, log_fd = fds
    finish_as(lambda: (own_process(template_pid, template_fds, log_fd, log_fd),
                        run_replica({**request["spec"], "owner_pid": template_pid}, socket.socket(fileno=listen_fd))))


def finish_as(run: Callable[[], object]) -> NoReturn:
    """Run the child's work and exit with its code (never return into the template's loop)."""
    code = 1
    try:
        run()
        code = 0
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - say why in the replica's own log, then exit
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def fork_template() -> tuple[int, socket.socket] | None:
    """Fork the template from this process (the control plane, before any thread starts): its imports are already
    done, so the template costs almost no CPU. Answers (template pid, our end of the channel), or None if not here."""
    if not can_fork_replicas() or threading.active_count() > 1 or os.environ.get("KITCHEN_WARM_TEMPLATE") == "0":
        return None  # KITCHEN_WARM_TEMPLATE=0: every replica starts the old way (to compare)
    preload()
    ours, theirs = channel_pair()
    owner = os.getpid()
    gc.freeze()  # also in the control plane: its collector leaves the shared pages alone
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # nothing buffered here may be written again by a child
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            die_with_parent()
            if os.getppid() == owner:
                _close_inherited_fds(theirs.fileno())
                serve_forks(theirs, owner)
        finally:
            os._exit(1)
    theirs.close()
    return pid, ours


def main() -> None:
    """``python -m mini_services.control.template``: a fresh replica template (after the first one died), its
    channel's fd in ``KITCHEN_TEMPLATE_FD``. The app's kitchen template is ``control/kitchen_template.py``."""
    channel = socket.socket(fileno=int(os.environ[CHANNEL_FD_VAR]))
    owner = os.getppid()
    preload()
    send(channel, {"ready": True})
    serve_forks(channel, owner, _become_replica)


if __name__ == "__main__":
    main()
