"""A class in two browsers: the instructor drives the shared kitchen, a student watches it live and cannot change it."""

from __future__ import annotations

import pytest
from playwright import sync_api as playwright

from tests.browser.browser import ARGS, ARTIFACTS, CHROMIUM, running_app, svg_text_appears
from tests.utils.kitchen import Kitchen, wait_for

KEY = "projector-key-for-tests"


@pytest.fixture
def shared_kitchen(tmp_path):
    kitchen = Kitchen("streaming", tmp_path, args=("--share",), env={"KITCHEN_INSTRUCTOR_KEY": KEY})
    yield kitchen
    kitchen.stop()

pytestmark = pytest.mark.alone  # timed against the clock (conftest: alone under -n)


def open_control_room(browser, url: str):
    page = browser.new_context(viewport={"width": 1500, "height": 1200}).new_page()
    page.goto(url)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
    page.get_by_role("link", name="Control room", exact=True).click()
    page.wait_for_selector("h1:has-text('Control room')")
    svg_text_appears(page, "billing", 15_000)
    return page


def test_the_instructor_kills_and_the_student_sees_it_but_cannot_kill(shared_kitchen: Kitchen, tmp_path):
    port = int(shared_kitchen.url.rsplit(":", 1)[1])
    with running_app(tmp_path, attach={"KITCHEN_CONTROL_URL": f"http://127.0.0.1:{port}"}) as (url, _control, _server), playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            instructor, student = open_control_room(browser, url), open_control_room(browser, url)
            assert student.get_by_text("watching; changes need the instructor's key").count() == 1
            key_box = instructor.get_by_label("Instructor's key", exact=True)
            key_box.fill(KEY)
            key_box.press("Enter")
            instructor.wait_for_selector("text=you are driving it", timeout=15_000)
            instructor.get_by_role("button", name="Kill").nth(3).click()  # billing
            svg_text_appears(student, "down · 0 of 1", 3_000)
            student.get_by_role("button", name="Kill").nth(1).click()  # users: refused
            student.wait_for_selector("text=Not allowed", timeout=10_000)
            assert shared_kitchen.up("users"), "the student's kill was refused"
            student.screenshot(path=str(ARTIFACTS / "classroom-student.png"))
            instructor.screenshot(path=str(ARTIFACTS / "classroom-instructor.png"))
            student.get_by_test_id("stCheckbox").get_by_text("My own private kitchen").click()  # a kitchen of one's own to break
            student.wait_for_selector("text=your private kitchen", timeout=30_000)
            student.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=30_000)
            student.get_by_role("button", name="Kill").nth(1).click()
            student.wait_for_selector("text=users killed", timeout=10_000)
            svg_text_appears(student, "down · 0 of 1", 3_000)
            student.screenshot(path=str(ARTIFACTS / "classroom-student-private.png"))
        finally:
            browser.close()
    wait_for(lambda: shared_kitchen.up("users"), 1, "users still up")
