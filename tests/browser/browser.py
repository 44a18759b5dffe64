"""Driving the app in a real browser: Debian's Chromium, headless, through Playwright (never `playwright install`)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright import sync_api as playwright

from tests.utils.kitchen import ROOT, wait_for

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(tmp_path: Path, kitchen_port: int | None = None, extra_env: dict[str, str] | None = None):
    """`streamlit run app.py` as the README says, with its own kitchen ports; every kitchen it started is gone after.

    With ``kitchen_port`` the app attaches to a kitchen already running there (and leaves it running).
    """
    attached = kitchen_port is not None
    port, kitchen_port = free_port(), kitchen_port or free_port()
    others = {name: f"http://127.0.0.1:{free_port()}" for name in ("RESTAURANT", "RESTAURANT_MONOLITH", "STREAMING_MONOLITH")}
    env = {**os.environ, "KITCHEN_CONTROL_URL": f"http://127.0.0.1:{kitchen_port}",
           "KITCHEN_DATA_ROOT": str(tmp_path / "data"), **{f"KITCHEN_{k}_URL": v for k, v in others.items()},
           **(extra_env or {})}
    log = open(tmp_path / "streamlit.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/_stcore/health").status_code == 200, 30, "Streamlit")
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{kitchen_port}", server
    finally:
        if server.poll() is None:
            server.kill()  # even a kill -9 of the app must not leave its kitchens behind
            server.wait()
        log.close()
    own = [*([] if attached else [f"http://127.0.0.1:{kitchen_port}"]), *others.values()]
    for url in own:
        wait_for(lambda: not answers(url), 10, f"the kitchen at {url} to stop with the app")


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def browser_page(url: str, width: int = 1400, height: int = 1000):
    """Headless Debian Chromium on the app's address, once Streamlit has finished its first run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        try:
            page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
            yield page
        finally:
            browser.close()


def svg_text_appears(page, text: str, timeout_ms: int) -> None:
    """Wait until a plotly chart draws ``text`` (charts are SVG: their words are in <text> elements)."""
    page.wait_for_function(
        "t => [...document.querySelectorAll('svg text')].some(e => e.textContent.includes(t))", arg=text,
        timeout=timeout_ms)
