"""Private kitchens: a learner's own streaming kitchen to break, separate from the class's shared one.

Each is a control plane of its own (own port, own data dir) owned by this app. One registry per
server (``st.cache_resource``); a kitchen nobody has looked at for ``KITCHEN_PRIVATE_IDLE_S``
seconds is stopped (every open tab's live view touches it once a second, so closing the tab is
leaving), and at most ``KITCHEN_MAX_PRIVATE_KITCHENS`` run at once (60 by default: bench/kitchens.py ran 60
together at ~105 MB PSS each, memory for ~140 more on a 24 GB machine; but idle, 60 took ~70 % of one of the
two cores, so more would leave little for the class: bench/README.md).

Each kitchen is forked, control plane and all, from one kitchen template per app (``mini_services/control/
template.py``, started on the first learner's request), so it skips the imports and costs ~0.4-0.6 CPU-s to
start; ``STARTS_AT_ONCE`` (4) start together to keep both cores busy when a whole class asks at once; the
registry's lock is never held while one starts, so a learner whose kitchen runs is never kept waiting by
another's start.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from lessons.kitchen import KitchenClient, KitchenUnavailable, free_port, start_kitchen, stop_kitchens
from lessons.progress import data_root
from mini_services.control.forked import ForkedProcess, WarmTemplate
from mini_services.control.template import can_fork_replicas


def idle_limit_s() -> float:
    return float(os.environ.get("KITCHEN_PRIVATE_IDLE_S", "600"))


def most_kitchens() -> int:
    return int(os.environ.get("KITCHEN_MAX_PRIVATE_KITCHENS", "60"))


STARTS_AT_ONCE = 4
START_WAIT_S = 60.0  # one kitchen's start, not counting the wait for its turn
TEMPLATE_READY_S = 20.0  # the kitchen template's own imports (about a second); beyond, kitchens start the old way


@dataclass
class PrivateKitchens:
    kitchens: dict[str, KitchenClient] = field(default_factory=dict)  # learner -> their kitchen
    seen: dict[str, float] = field(default_factory=dict)  # control URL -> last time a page looked at it
    lock: threading.Lock = field(default_factory=threading.Lock)
    starting: dict[str, threading.Event] = field(default_factory=dict)  # learner -> set once started (or not)
    starts: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(STARTS_AT_ONCE))
    template: WarmTemplate | None = None  # forks each private kitchen's control plane, all imports done once
    template_lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, learner: str) -> KitchenClient:
        """The learner's kitchen, started on first use (a second tab of the same learner waits for that start)."""
        with self.lock:
            mine = self.kitchens.get(learner)
            if mine is not None and mine.process is not None and mine.process.poll() is None:
                self.seen[mine.url] = time.monotonic()
                return mine
            if mine is not None:  # it died: start a new one in its place
                del self.kitchens[learner]
                self.seen.pop(mine.url, None)
            started = self.starting.get(learner)
            if started is None:  # this call starts it
                if len(self.kitchens) + len(self.starting) >= most_kitchens():
                    raise KitchenUnavailable(f"all {most_kitchens()} private kitchens of this server are in use; "
                                             "watch the class's kitchen, or try again later")
                self.starting[learner] = threading.Event()
        if started is not None:
            started.wait()  # the starter sets it however its start ends (each start has its own deadline)
            with self.lock:
                if learner not in self.kitchens:
                    raise KitchenUnavailable("your private kitchen did not start; try again")
                return self.kitchens[learner]
        try:
            with self.starts:  # the lock is free meanwhile: others' kitchens keep answering
                mine = start_kitchen(f"http://127.0.0.1:{free_port()}", topology="streaming",
                                     data_dir=data_root() / "private" / learner, timeout_s=START_WAIT_S,
                                     launch=self._launcher())
            with self.lock:
                self.kitchens[learner] = mine
                self.seen[mine.url] = time.monotonic()
            return mine
        finally:
            with self.lock:
                self.starting.pop(learner).set()

    def _launcher(self) -> Callable[[list[str]], ForkedProcess] | None:
        """Fork private kitchens from the app's kitchen template (started on first use, again if it died); None
        (start them the old way) where replicas cannot be forked or the template does not get ready in time."""
        if not can_fork_replicas():
            return None
        with self.template_lock:
            if self.template is None or self.template.dead.is_set():
                self.template = WarmTemplate.exec_new(None, kitchens=True)
            template = self.template
        if not template.ready.wait(TEMPLATE_READY_S):
            return None
        return template.launch_kitchen

    def starting_now(self) -> int:
        """How many learners' kitchens are starting (or waiting for their turn to start) right now."""
        with self.lock:
            return len(self.starting)

    def touch(self, url: str) -> None:
        if url in self.seen:
            self.seen[url] = time.monotonic()

    def close(self) -> None:
        """Stop every private kitchen and the kitchen template (the app's shutdown, a test's or a bench's end)."""
        with self.lock:
            mine, self.kitchens = list(self.kitchens.values()), {}
            self.seen.clear()
        stop_kitchens(*mine)
        with self.template_lock:
            if self.template is not None:
                self.template.close()
                self.template = None

    def stop_idle(self) -> list[str]:
        """Stop every kitchen idle for longer than the limit; answer whose were stopped."""
        now = time.monotonic()
        with self.lock:  # taken out under the lock, stopped outside it (a stop takes up to seconds)
            idle = {learner: kitchen for learner, kitchen in self.kitchens.items()
                    if now - self.seen.get(kitchen.url, now) > idle_limit_s() or kitchen.process.poll() is not None}
            for learner, kitchen in idle.items():
                del self.kitchens[learner]
                self.seen.pop(kitchen.url, None)
        stop_kitchens(*idle.values())
        return list(idle)


@st.cache_resource(show_spinner=False)
def private_kitchens() -> PrivateKitchens:
    registry = PrivateKitchens()

    def reap() -> None:  # no st.* here: a plain thread
        while True:
            time.sleep(min(10.0, idle_limit_s() / 2))
            registry.stop_idle()

    threading.Thread(target=reap, name="private-kitchen-reaper", daemon=True).start()
    return registry
