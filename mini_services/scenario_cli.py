"""The scenario CLI's way to a kitchen's timeline: its control plane plays the story, this only asks and follows.

    play({"name": "valentine"}) ──POST /scenario/play──▶ the control plane's player (control/player.py)
    follow(state, say) ─────────GET /scenario, 5 a second──▶ each new narration line, until the story ends
    stop() ─────────────────────POST /scenario/stop (Ctrl-C)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from mini_services.scenario import ScenarioError

ENDED = ("finished", "failed", "stopped", "ready")  # ready: someone reset the kitchen meanwhile
POLL_S = 0.2


def narration_line(said: dict) -> str:
    """``[  5.0 s] Billing crashes (SIGKILL)...  (kill billing)``"""
    return f"[{said['at_s']:5.1f} s] {said['say']}  ({said['summary']})"


class KitchenTimeline:
    """The control plane at ``url``, as far as scenarios go (``key``: a shared kitchen's instructor key)."""

    def __init__(self, url: str, key: str | None = None):
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=15,
                                 headers={"Authorization": f"Bearer {key}"} if key else {})

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            answer = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ScenarioError(f"the kitchen at {self.url} does not answer ({type(exc).__name__})") from None
        if answer.status_code >= 400:
            try:
                detail = answer.json().get("detail", answer.text)
            except ValueError:
                detail = answer.text
            raise ScenarioError(f"the kitchen refused it (HTTP {answer.status_code}): {detail}")
        return answer.json()

    def play(self, body: dict) -> dict:
        return self._call("POST", "/scenario/play", body)

    def stop(self) -> dict:
        return self._call("POST", "/scenario/stop", {})

    def follow(self, state: dict, say: Callable[[str], None]) -> dict:
        """Say each narration line once, as the kitchen does its step; answer the state the story ended in."""
        told = 0
        while True:
            for said in state["narration"][told:]:
                say(narration_line(said))
            told = max(told, len(state["narration"]))
            if state["status"] in ENDED:
                return state
            time.sleep(POLL_S)
            state = self._call("GET", "/scenario")

    def close(self) -> None:
        self.http.close()
