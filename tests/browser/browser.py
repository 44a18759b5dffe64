"""Driving the app in a real browser: Debian's Chromium, headless, through Playwright (never `playwright install`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright import sync_api as playwright

from lessons.kitchen import free_port
from tests.utils.kitchen import ROOT, wait_for

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "artifacts"


KITCHEN_URLS = ("KITCHEN_CONTROL_URL", "KITCHEN_RESTAURANT_URL", "KITCHEN_RESTAURANT_MONOLITH_URL",
                "KITCHEN_STREAMING_MONOLITH_URL")


@contextlib.contextmanager
def running_app(tmp_path: Path, attach: dict[str, str] | None = None, extra_env: dict[str, str] | None = None):
    """`streamlit run app.py` as the README says, with its own kitchen ports; every kitchen it started is gone after.

    ``attach`` points some of the app's kitchens (``KITCHEN_*_URL``) at kitchens already running, which it
    leaves running; it starts the others itself, on ports of their own.
    """
    attach = attach or {}
    port = free_port()
    own = {name: f"http://127.0.0.1:{free_port()}" for name in KITCHEN_URLS if name not in attach}
    env = {**os.environ, "KITCHEN_DATA_ROOT": str(tmp_path / "data"), **own, **attach, **(extra_env or {})}
    log = open(tmp_path / "streamlit.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/_stcore/health").status_code == 200, 30, "Streamlit")
        yield f"http://127.0.0.1:{port}", env["KITCHEN_CONTROL_URL"], server
    finally:
        if server.poll() is None:
            server.kill()  # even a kill -9 of the app must not leave its kitchens behind
            server.wait()
        log.close()
    for url in own.values():
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
        timeout=timeout_ms, polling=100)


# true when a node of the live graph has ``name`` on its first line and its second line (its state) starts with ``said``
NODE_READS = """([name, said]) => [...document.querySelectorAll('.js-plotly-plot svg text')].some(t => {
    const lines = [...t.querySelectorAll('tspan.line')].map(l => l.textContent);
    return lines.length > 1 && lines[0] === name && lines[1].startsWith(said);
})"""


def node_reads(page, name: str, said: str, timeout_ms: int) -> None:
    """Wait until the graph's node ``name`` says ``said`` in words (e.g. "down", "up · 3×")."""
    page.wait_for_function(NODE_READS, arg=[name, said], polling=50, timeout=timeout_ms)


READY = "[data-testid=stApp][data-test-script-state=notRunning]"
HEADING = "() => document.querySelector('[data-testid=stMain] h1')?.textContent ?? ''"


def open_from_sidebar(page, link: str, timeout_ms: int = 60_000) -> None:
    """Open the page whose sidebar link starts with ``link``, as a learner does; return once *that* page's run
    has ended.

    Right after the click the app still says "not running" from the page before, and the old page's buttons are
    still there: wait until the main heading is no longer the old one, then for the run to end and the skeletons
    to go.
    """
    before = page.evaluate(HEADING)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).first.click(timeout=10_000)
    page.wait_for_function(f"old => ({HEADING})() !== '' && ({HEADING})() !== old", arg=before, polling=50,
                           timeout=timeout_ms)
    page.wait_for_selector(READY, timeout=timeout_ms)
    page.wait_for_selector("[data-testid=stSkeleton]", state="detached", timeout=timeout_ms)
