"""The app in a real browser (Debian's Chromium, headless, driven by Playwright): it starts the live
kitchen, shows it, and leaves no process behind when Streamlit stops."""

from __future__ import annotations

import signal
from urllib.parse import urlparse

import httpx
import psutil
import pytest

from tests.browser.browser import ARTIFACTS, browser_page, open_from_sidebar, running_app, svg_text_appears
from tests.utils.kitchen import alive, wait_for


@pytest.fixture
def app_server(tmp_path):
    """The app as a new user starts it: it starts its own kitchens (and they stop with it)."""
    with running_app(tmp_path) as app:
        yield app


def kitchen_pids(control_url: str) -> set[int]:
    cluster = httpx.get(f"{control_url}/cluster").json()
    control = {c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == int(control_url.rsplit(":", 1)[1])
               and c.status == psutil.CONN_LISTEN and c.pid}
    return control | {r["pid"] for s in cluster["services"] for r in s["replicas"] if r["pid"]}


def test_the_home_page_starts_and_shows_the_live_kitchen_and_ctrl_c_stops_it(app_server):
    url, control_url, server = app_server
    with browser_page(url) as page:
        page.wait_for_selector("text=The live streaming kitchen", timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0
        page.get_by_role("button", name="Send GET /api/home?user_id=7").click()
        page.wait_for_selector("text=HTTP 200", timeout=15_000)
        page.wait_for_selector("text=recommendations_source", timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    pids = kitchen_pids(control_url)
    assert len(pids) == 6 and all(alive(p) for p in pids)  # control plane + five services
    server.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal does
    server.wait(timeout=15)
    wait_for(lambda: not any(alive(p) for p in pids), 10, "the kitchen to stop with Streamlit")


@pytest.mark.alone
def test_the_control_room_shows_a_kill_and_a_scale_live(attached_app):
    url, control_url, _server = attached_app
    # open the app as a teacher does (its address), then the Control room from the navigation
    with browser_page(url, 1600, 1200) as page:
        page.get_by_role("link", name="Control room", exact=True).click()
        page.wait_for_selector("h1:has-text('Control room')")
        svg_text_appears(page, "billing", 10_000)
        httpx.post(f"{control_url}/load", json={"rps": 10, "duration_s": 60}).raise_for_status()
        page.get_by_role("button", name="Kill").nth(3).click()  # gateway, users, recommendations, billing
        svg_text_appears(page, "down · 0 of 1", 3_000)
        svg_text_appears(page, "without billing", 3_000)
        assert page.locator("[data-testid=stException]").count() == 0
        page.screenshot(path=str(ARTIFACTS / "control-room-billing-down.png"), full_page=True)
        replicas = page.get_by_label("replicas").nth(2)  # recommendations
        replicas.fill("3")
        replicas.press("Enter")
        svg_text_appears(page, "up · 3×", 10_000)
        page.screenshot(path=str(ARTIFACTS / "control-room.png"), full_page=True)
    assert sum(r["state"] == "up" for s in httpx.get(f"{control_url}/cluster").json()["services"]
               if s["name"] == "recommendations" for r in s["replicas"]) == 3


def test_a_first_visit_straight_to_a_lesson_link_gets_the_whole_app(fresh_attached_app):
    """A teacher shares a lesson's address; the first visitor of a fresh server lands on it: the app's own menu,
    layout and sidebar, not the bare page file (the pages live in app_pages/, so Streamlit's legacy pages/
    discovery never takes over)."""
    url, _control_url, _server = fresh_attached_app
    with browser_page(f"{url}/scaling", 1366, 768) as page:
        page.wait_for_selector("[data-testid=stMain] h1:has-text('4 · Independent scaling')", timeout=30_000)
        nav = page.get_by_test_id("stSidebarNav")
        assert nav.get_by_role("link", name="10 · Summary and quiz").count() == 1, nav.inner_text()
        assert page.get_by_text("My own private kitchen").count() == 1  # app.py's sidebar ran around the page
        assert page.get_by_text("Page not found").count() == 0
        page.goto(f"{url}/control-room")
        page.wait_for_selector("[data-testid=stMain] h1:has-text('Control room')", timeout=30_000)
        assert page.get_by_text("Page not found").count() == 0


LESSON_LINKS = ["1 · Day one", "2 · Hire specialists", "3 · The streaming service", "4 · Independent scaling",
                "5 · Independent deployments", "6 · The right tool", "7 · The microservice premium",
                "8 · Tickets on a rail", "9 · The real world", "10 · Summary and quiz", "Control room", "For teachers",
                "Worksheets", "Class view", "Glossary", "Home"]


def no_errors(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0


def test_every_page_then_quiz_rating_and_progress_survive_a_reload(attached_app):
    url, _control_url, _server = attached_app
    with browser_page(url, 1500, 1400) as page:
        elsewhere: list[str] = []
        page.on("request", lambda request: None if urlparse(request.url).hostname in ("127.0.0.1", "localhost")
                or request.url.startswith(("data:", "blob:")) else elsewhere.append(request.url))
        for link in LESSON_LINKS:
            open_from_sidebar(page, link)
            no_errors(page)
            page.screenshot(path=str(ARTIFACTS / f"page-{link.split(' · ')[-1].lower().replace(' ', '-')}.png"))
        page.get_by_role("link", name="10 · Summary and quiz").first.click()
        page.wait_for_selector("text=Your progress, and the quiz", timeout=30_000)
        question = page.get_by_role("radiogroup").first
        question.get_by_role("radio").first.check(force=True)
        page.get_by_role("button", name="Check", exact=True).first.click()
        page.wait_for_selector("[data-testid=stAlert]", timeout=10_000)
        feedback = page.locator("[data-testid=stAlert]").first.inner_text()
        page.get_by_role("button", name="I've done this lesson").click()
        page.wait_for_selector("text=Done", timeout=10_000)
        page.locator("[data-testid=stFeedback] button, [data-testid=stButtonGroup] button").first.click()
        page.wait_for_selector("text=Thanks", timeout=10_000)
        assert "learner=" in page.url
        page.reload()
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
        page.wait_for_selector("text=Thanks", timeout=15_000)
        page.wait_for_selector("text=1 of 10 lessons done", timeout=15_000)
        remembered = page.locator("[data-testid=stAlert]").filter(has_text=feedback.splitlines()[0])
        remembered.first.wait_for(timeout=15_000)  # the quiz answer and its feedback are remembered
        page.screenshot(path=str(ARTIFACTS / "summary-after-reload.png"))
        assert not elsewhere, f"the browser fetched from outside this machine: {elsewhere[:5]}"
