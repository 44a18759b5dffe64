"""For the teacher, in a real browser: the class view counts two learners live (and refuses a browser without the
key), and every worksheet prints to at most two A4 pages with nothing cut off."""

from __future__ import annotations

import re

import pytest
from playwright import sync_api as playwright

from lessons.quiz import QUESTIONS
from lessons.worksheets import WORKSHEETS
from tests.browser.browser import ARGS, ARTIFACTS, CHROMIUM, running_app
from tests.utils.kitchen import Kitchen

KEY = "class-view-key-for-tests"
READY = "[data-testid=stApp][data-test-script-state=notRunning]"


@pytest.fixture
def shared_kitchen(tmp_path):
    (tmp_path / "kitchen").mkdir()
    kitchen = Kitchen("streaming", tmp_path / "kitchen", args=("--share",), env={"KITCHEN_INSTRUCTOR_KEY": KEY})
    yield kitchen
    kitchen.stop()


def open_app(browser, url: str, width: int = 1366, height: int = 900):
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    return page


def go(page, link: str) -> None:
    """Through the app's own navigation, so the learner's id (and session) go along."""
    try:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click(timeout=10_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "debug-go.png"))
        raise
    page.wait_for_selector(READY, timeout=60_000)
    # the lesson's drawing loads after the script is done: a click aimed before it moves the page lands on it
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=15_000, polling=100)


def learner_finishes_lesson_3_and_answers(page, choice: str) -> None:
    go(page, "3 · The streaming service")
    page.get_by_role("button", name="I've done this lesson").click()
    page.get_by_role("button", name="Done").wait_for(timeout=15_000)
    go(page, "10 · Summary and quiz")
    page.get_by_test_id("stRadio").first.get_by_text(choice, exact=True).click()
    page.get_by_role("button", name="Check", exact=True).first.click()
    page.wait_for_selector("text=Score:", timeout=15_000)


def test_the_instructor_sees_two_learners_in_the_class_view_and_others_are_refused(shared_kitchen, tmp_path):
    first = QUESTIONS[0]
    right, wrong = first.choices[first.answer], first.choices[(first.answer + 1) % len(first.choices)]
    attach = {"KITCHEN_CONTROL_URL": shared_kitchen.url}
    with running_app(tmp_path, attach=attach) as (url, _control, _server), playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ann, bob = open_app(browser, url), open_app(browser, url)
            assert ann.get_by_text("never who answered what").count() == 1  # the home page says so
            learner_finishes_lesson_3_and_answers(ann, right)
            learner_finishes_lesson_3_and_answers(bob, wrong)
            go(ann, "Class view")  # a learner without the key
            ann.wait_for_selector("text=The class view is for the instructor", timeout=15_000)
            assert ann.get_by_text("have done it").count() == 0
            teacher = open_app(browser, url, 1920, 1080)
            go(teacher, "Class view")
            teacher.wait_for_selector("text=The class view is for the instructor", timeout=15_000)
            box = teacher.get_by_label("Instructor's key", exact=True)
            box.fill(KEY)
            box.press("Enter")
            teacher.wait_for_selector("text=2 learners", timeout=10_000)
            teacher.wait_for_selector("text=2 of 2 have done it", timeout=5_000)
            teacher.wait_for_selector(f"text=Question 1: {first.prompt} — 2 answered, 1 right (50 %)", timeout=5_000)
            assert re.search(r"\b[0-9a-f]{32}\b", teacher.inner_text("[data-testid=stMain]")) is None, "an id shown"
            teacher.screenshot(path=str(ARTIFACTS / "class-view.png"), full_page=True)
            carl = open_app(browser, url)  # a third learner: the open class view follows without a reload
            learner_finishes_lesson_3_and_answers(carl, right)
            teacher.wait_for_selector("text=3 of 3 have done it", timeout=6_000)  # live: no reload
        finally:
            browser.close()


OVERFLOW = """() => [...document.querySelectorAll('.sheet, .sheet *')].filter(e => e.scrollWidth > e.clientWidth + 1
    && getComputedStyle(e).overflowX !== 'visible').length"""


def test_every_worksheet_prints_on_at_most_two_a4_pages(tmp_path, streaming_kitchen):
    with running_app(tmp_path, attach={"KITCHEN_CONTROL_URL": streaming_kitchen.url}) as (url, _control, _server), playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = open_app(browser, url)
            for lesson in WORKSHEETS:
                for answers in ("0", "1"):
                    page.goto(f"{url}/worksheets?sheet={lesson}&answers={answers}")
                    page.wait_for_selector(READY, timeout=60_000)
                    page.wait_for_selector(".sheet h2:has-text('3. Why?')", timeout=15_000)
                    page.emulate_media(media="print")
                    assert page.evaluate(OVERFLOW) == 0, f"{lesson}: something in the sheet is cut off"
                    hidden = page.evaluate("() => [...document.querySelectorAll('[data-testid=stSidebar], "
                                           "[data-testid=stHeader], .st-key-worksheet-controls')]"
                                           ".every(e => e.getBoundingClientRect().height === 0)")
                    assert hidden, f"{lesson}: the menu or the controls would be printed"
                    pdf = page.pdf(format="A4", print_background=True)
                    page.emulate_media(media="screen")
                    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
                    assert 1 <= pages <= 2, f"{lesson} (answers={answers}) prints on {pages} pages"
                    (ARTIFACTS / "worksheets").mkdir(parents=True, exist_ok=True)
                    (ARTIFACTS / "worksheets" / f"{lesson}{'-answers' if answers == '1' else ''}.pdf").write_bytes(pdf)
        finally:
            browser.close()
