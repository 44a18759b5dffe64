"""Private kitchens: a learner's own streaming kitchen to break, separate from the class's shared one.

Each is a control plane of its own (own port, own data dir) owned by this app. One registry per
server (``st.cache_resource``); a kitchen nobody has looked at for ``KITCHEN_PRIVATE_IDLE_S``
seconds is stopped (every open tab's live view touches it once a second, so closing the tab is
leaving), and at most ``KITCHEN_MAX_PRIVATE_KITCHENS`` run at once.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from lessons.kitchen import KitchenClient, KitchenUnavailable, start_kitchen
from lessons.progress import data_root


def idle_limit_s() -> float:
    return float(os.environ.get("KITCHEN_PRIVATE_IDLE_S", "600"))


def most_kitchens() -> int:
    return int(os.environ.get("KITCHEN_MAX_PRIVATE_KITCHENS", "12"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PrivateKitchens:
    kitchens: dict[str, KitchenClient] = field(default_factory=dict)  # learner -> their kitchen
    seen: dict[str, float] = field(default_factory=dict)  # control URL -> last time a page looked at it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, learner: str) -> KitchenClient:
        """The learner's kitchen, started on first use."""
        with self.lock:
            mine = self.kitchens.get(learner)
            if mine is not None and mine.process is not None and mine.process.poll() is None:
                self.seen[mine.url] = time.monotonic()
                return mine
            if len(self.kitchens) >= most_kitchens():
                raise KitchenUnavailable(f"all {most_kitchens()} private kitchens of this server are in use; "
                                         "watch the class's kitchen, or try again later")
            mine = start_kitchen(f"http://127.0.0.1:{_free_port()}", topology="streaming",
                                 data_dir=data_root() / "private" / learner)
            self.kitchens[learner] = mine
            self.seen[mine.url] = time.monotonic()
            return mine

    def touch(self, url: str) -> None:
        if url in self.seen:
            self.seen[url] = time.monotonic()

    def stop_idle(self) -> list[str]:
        """Stop every kitchen idle for longer than the limit; answer whose were stopped."""
        now, stopped = time.monotonic(), []
        with self.lock:
            for learner, kitchen in list(self.kitchens.items()):
                if now - self.seen.get(kitchen.url, now) > idle_limit_s() or kitchen.process.poll() is not None:
                    stop(kitchen)
                    del self.kitchens[learner]
                    self.seen.pop(kitchen.url, None)
                    stopped.append(learner)
        return stopped


def stop(kitchen: KitchenClient) -> None:
    if kitchen.process is not None and kitchen.process.poll() is None:
        kitchen.process.terminate()  # it stops every replica it started, then exits
        try:
            kitchen.process.wait(timeout=15)
        except Exception:
            kitchen.process.kill()


@st.cache_resource(show_spinner=False)
def private_kitchens() -> PrivateKitchens:
    registry = PrivateKitchens()

    def reap() -> None:  # no st.* here: a plain thread
        while True:
            time.sleep(min(10.0, idle_limit_s() / 2))
            registry.stop_idle()

    threading.Thread(target=reap, name="private-kitchen-reaper", daemon=True).start()
    return registry
