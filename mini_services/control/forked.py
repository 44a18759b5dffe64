"""The control plane's side of the warm template (``template.py``): ask it for a replica, hold a Popen-like handle.

    WarmTemplate.launch(spec, listening fd, log fd) -> ForkedProcess     (waits for the template's reply: ms)
    ForkedProcess: pid, poll(), wait(timeout=None), kill(), terminate(), send_signal(), returncode

A forked replica is the template's child, not ours: signals go through a pidfd the template opened before it
could reap the child (so they never reach a recycled pid), and its exit code comes from the template, which
reaps it. One thread reads the template's messages. If the template dies its children die with it (their
PR_SET_PDEATHSIG); each handle then reads -9 (SIGKILL) once its pidfd says the process is gone.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from mini_services.control.template import CHANNEL_FD_VAR, MESSAGE_MAX, channel_pair, fork_template, send
from mini_services.stopping import die_with_parent

log = logging.getLogger("kitchen.template")
REPLY_TIMEOUT_S = 5.0  # a fork not answered in this long is started the old way (the template may just be busy)


class TemplateGone(RuntimeError):
    """The template cannot fork this replica (it died, or is not ready yet): start it the old way."""


class ForkedProcess:
    """A replica forked by the template, handled as a ``subprocess.Popen`` is."""

    def __init__(self, pid: int, pidfd: int):
        self.pid, self.returncode, self.args = pid, None, ["forked from the warm template"]
        self._pidfd: int | None = pidfd
        self._done = threading.Event()
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        with self._lock:
            if self._pidfd is not None and self.returncode is None:
                try:
                    signal.pidfd_send_signal(self._pidfd, sig)
                except ProcessLookupError:
                    pass  # already gone; the template will say how it ended

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def gone_within(self, timeout: float) -> bool:
        """Whether the process is over (its pidfd readable) within ``timeout`` seconds."""
        with self._lock:
            fd = self._pidfd
        return fd is None or bool(select.select([fd], [], [], timeout)[0])

    def exited(self, code: int) -> None:
        with self._lock:
            self.returncode = code
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        self._done.set()


class WarmTemplate:
    """One template process of this control plane, and the thread that reads what it says."""

    def __init__(self, pid: int, channel: socket.socket, popen: subprocess.Popen | None = None, ready: bool = True):
        self.pid, self.channel, self._popen = pid, channel, popen
        self.ready, self.dead = threading.Event(), threading.Event()
        if ready:
            self.ready.set()
        self._replies: queue.Queue = queue.Queue()
        self._children: dict[int, ForkedProcess] = {}
        self._asking = threading.Lock()
        self._lock = threading.Lock()
        self._serial = 0
        self._abandoned: set[str] = set()  # requests we stopped waiting for
        threading.Thread(target=self._read, name="template-reader", daemon=True).start()

    @classmethod
    def fork_here(cls) -> WarmTemplate | None:
        """A template forked from this very process (call it before any thread starts); None where it cannot be."""
        forked = fork_template()
        return cls(*forked) if forked else None

    @classmethod
    def exec_new(cls, log_path: Path | None, kitchens: bool = False) -> WarmTemplate:
        """A fresh template by exec: it imports for itself, then says it is ready. A replica template (after the
        first one died) dies with its control plane; a kitchen template (``kitchens``, for the app's private
        kitchens) runs in its own session and watches its owner instead (the app starts it from a passing thread,
        and PR_SET_PDEATHSIG fires when the starting thread ends)."""
        ours, theirs = channel_pair()
        with open(log_path or os.devnull, "ab") as logfile:
            popen = subprocess.Popen(
                [sys.executable, "-m", "mini_services.control.kitchen_template" if kitchens
                 else "mini_services.control.template"],
                env={**os.environ, CHANNEL_FD_VAR: str(theirs.fileno())}, pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT,
                preexec_fn=None if kitchens else die_with_parent, start_new_session=kitchens,
                cwd=Path(__file__).resolve().parents[2])
        theirs.close()
        return cls(popen.pid, ours, popen, ready=False)

    def usable(self) -> bool:
        return self.ready.is_set() and not self.dead.is_set()

    def launch(self, spec: dict, listen_fd: int, log_fd: int) -> ForkedProcess:
        """Fork one replica from the template; its listening socket and log file go with the request."""
        return self._fork({"name": spec["replica_id"], "spec": spec}, [listen_fd, log_fd])

    def launch_kitchen(self, argv: list[str], out_fd: int = 1, err_fd: int = 2) -> ForkedProcess:
        """Fork a kitchen's control plane (``python -m mini_services <argv>``) from a kitchen template."""
        return self._fork({"name": "kitchen", "argv": argv}, [out_fd, err_fd])

    def _fork(self, request: dict, fds: list[int]) -> ForkedProcess:
        """Send one fork request and wait for its answer; a late answer (after we gave up) is killed on arrival."""
        if not self.usable():
            raise TemplateGone("the warm template is " + ("gone" if self.dead.is_set() else "still starting"))
        with self._asking:  # one request at a time
            self._serial += 1
            token = f"{request['name']}#{self._serial}"
            try:
                send(self.channel, {**request, "name": token}, fds)
            except OSError as exc:
                raise TemplateGone(f"the warm template cannot be asked ({exc})") from None
            deadline = time.monotonic() + REPLY_TIMEOUT_S
            while True:
                try:
                    answered, answer = self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    with self._lock:
                        self._abandoned.add(token)
                    raise TemplateGone(f"the warm template did not answer within {REPLY_TIMEOUT_S:g} s") from None
                if answered in (token, None):
                    break
                if isinstance(answer, ForkedProcess):
                    answer.kill()  # the late answer to a request we gave up on
        if isinstance(answer, ForkedProcess):
            return answer
        raise TemplateGone(answer)

    def _read(self) -> None:
        try:
            while True:
                raw, fds, _, _ = socket.recv_fds(self.channel, MESSAGE_MAX, 1)
                if not raw:
                    break
                said = json.loads(raw)
                if "forked" in said:
                    child = self._children[said["pid"]] = ForkedProcess(said["pid"], fds[0])
                    with self._lock:
                        late = said["forked"] in self._abandoned
                    if late:
                        child.kill()
                    else:
                        self._replies.put((said["forked"], child))
                elif "exited" in said:
                    child = self._children.pop(said["exited"], None)
                    if child:
                        child.exited(said["code"])
                elif "failed" in said:
                    self._replies.put((said["failed"], f"the warm template could not fork: {said['error']}"))
                elif "ready" in said:
                    self.ready.set()
        except OSError:
            pass  # closed by us, or the template died
        self._after_death()

    def _after_death(self) -> None:
        self._replies.put((None, "the warm template is gone"))
        for pid, child in list(self._children.items()):  # they die with it (PR_SET_PDEATHSIG)
            child.gone_within(2.0)
            child.exited(-signal.SIGKILL)
            self._children.pop(pid, None)
        try:
            if self._popen:
                self._popen.wait(timeout=5)
            else:
                os.waitpid(self.pid, 0)  # our own child: no zombie left behind
        except (ChildProcessError, subprocess.TimeoutExpired):
            pass
        self.dead.set()

    def close(self, grace_s: float = 3.0) -> None:
        """Stop the template (its replicas, if any are left, die with it) and wait until it is gone."""
        try:
            self.channel.shutdown(socket.SHUT_RDWR)  # it reads the end of its channel and exits
        except OSError:
            pass
        if not self.dead.wait(grace_s):
            os.kill(self.pid, signal.SIGKILL)
            self.dead.wait(grace_s)
        self.channel.close()
