"""The teacher's plans, worksheets and glossary name only what exists, and the class view counts without ids."""

from __future__ import annotations

import uuid

import pytest

from lessons.class_view import class_csv, class_rows
from lessons.following import is_knob
from lessons.for_teachers import every_control, every_scenario, plan_coverage
from lessons.glossary import BY_ANCHOR, TERMS, _prose_spans, link_terms, linked_terms
from lessons.progress import LearnerStore
from lessons.quiz import QUESTIONS
from lessons.render import CONTENT, LESSONS, TITLES
from lessons.teaching import CONTROL_ROOM, DEMO, LESSON_PLAN, PLANS, lessons_left_out
from lessons.worksheets import WORKSHEETS
from mini_services.scenario import readable_scenarios
from tests.lessons.test_pages import clean, kitchens, run_page  # noqa: F401 (kitchens is a fixture)
from tests.utils.kitchen import Kitchen

WIDGETS = ("button", "radio", "selectbox", "toggle", "number_input", "slider", "text_input")


def widget(at, key: str):
    """The widget named ``key`` (a switch that follows the kitchen may carry a later key: lessons/following.py)."""
    return next((w for kind in WIDGETS for w in getattr(at, kind) if w.key and is_knob(w.key, key)), None)


def test_every_control_the_plans_and_worksheets_name_is_on_its_page_with_that_label(kitchens):  # noqa: F811
    pages = {c.page for c in every_control()}
    assert CONTROL_ROOM in pages and len(pages) >= 6, pages
    for page in sorted(pages):
        at = clean(run_page(f"{page}.py"))
        for control in (c for c in every_control() if c.page == page):
            found = widget(at, control.key)
            assert found is not None, f"{page} has no control {control.key!r} any more (named in a plan or worksheet)"
            assert found.label in (control.label, *control.later), f"{page}'s {control.key!r} now says {found.label!r}"


def test_every_scenario_the_plans_name_ships_under_that_name():
    shipped = readable_scenarios()
    assert every_scenario()
    for scenario in every_scenario():
        assert scenario.stem in shipped, f"no scenario {scenario.stem!r} ships any more"
        assert shipped[scenario.stem].name == scenario.name


@pytest.mark.parametrize("steps, minutes", [(DEMO, 10), (LESSON_PLAN, 45)])
def test_a_plan_is_timed_step_after_step_and_fills_its_time(steps, minutes):
    clock = 0
    for step in steps:
        assert step.start == clock, f"a gap or an overlap before {step.say!r}"
        assert step.minutes > 0 and step.say and step.see and step.ask
        clock += step.minutes
    assert clock == minutes
    assert len(PLANS) == 2


def test_every_lesson_has_a_worksheet_with_an_answer_for_each_question():
    assert set(WORKSHEETS) == set(TITLES)
    for sheet in WORKSHEETS.values():
        assert sheet.press and sheet.expect and sheet.observe and sheet.why
        assert len(sheet.answers) == 3, sheet.lesson


def test_the_glossary_has_the_terms_a_course_needs_each_linked_to_a_lesson():
    names = " ".join(t.name.lower() for t in TERMS)
    for needed in ("gateway", "replica", "load balancer", "p95", "timeout", "retry", "backoff", "circuit breaker",
                   "fallback", "idempotency key", "trace", "span", "monolith twin"):
        assert needed in names, needed
    for term in TERMS:
        assert term.lesson in TITLES, f"{term.name} points at a lesson that is gone: {term.lesson}"
        assert term.regex.search(term.name), f"{term.name}'s pattern does not match its own name"
    assert len(BY_ANCHOR) == len(TERMS)


@pytest.mark.parametrize("slug", [s for s, _ in LESSONS])
def test_each_lessons_first_use_of_every_term_links_to_the_glossary(slug):
    text = (CONTENT / f"{slug}.md").read_text(encoding="utf-8")
    linked = link_terms(text, lambda term: f"glossary?learner=x#{term.anchor}")
    prose = [line[a:b] for line in text.split("\n") if not line.lstrip().startswith(("#", "```"))
             for a, b in _prose_spans(line)]
    used = set()
    for term in sorted(TERMS, key=lambda t: -len(t.name)):  # a use inside a longer term ("monolith twin") is not one
        if any(term.regex.search(p) for p in prose):
            used.add(term.anchor)
        prose = [term.regex.sub(" ", p) for p in prose]
    assert set(linked_terms(linked)) == used, slug
    assert len(linked_terms(linked)) == len(set(linked_terms(linked))), "a term linked twice"


def test_link_terms_leaves_code_headings_and_links_alone_and_prefers_the_longer_name():
    text = "# Retry\n`retry` and [a retry](x) then a retry.\nThe monolith twin, then a monolith."
    out = link_terms(text, lambda t: f"#{t.anchor}")
    assert out.splitlines()[0] == "# Retry"
    assert "`retry` and [a retry](x) then a [retry](#retry)." in out
    assert "[monolith twin](#monolith-twin), then a [monolith](#monolith)." in out


def test_the_class_counts_say_how_many_without_saying_who(tmp_path):
    store = LearnerStore(tmp_path / "learners.sqlite3")
    ann, bob, teacher = (uuid.uuid4().hex for _ in range(3))
    for learner in (ann, bob, teacher):
        store.seen(learner)
    store.mark_done(ann, "03_streaming")
    store.mark_done(bob, "03_streaming")
    store.mark_done(teacher, "01_day_one")
    first = QUESTIONS[0]
    store.record_answer(ann, first.id, first.answer, correct=True)
    store.record_answer(bob, first.id, (first.answer + 1) % len(first.choices), correct=False)
    store.rate(ann, "03_streaming", helpful=True)
    counts = store.class_counts(leave_out=teacher)
    assert counts["learners"] == 2 and counts["done"] == {"03_streaming": 2}
    assert counts["answers"][first.id] == {first.answer: 1, (first.answer + 1) % len(first.choices): 1}
    assert counts["right"][first.id] == 1
    rows = class_rows(counts)
    streaming = next(r for r in rows["lessons"] if r["lesson"] == TITLES["03_streaming"])
    assert streaming["says"] == "2 of 2 have done it"
    right = next(r for r in rows["quiz"] if r["choice"] == first.choices[first.answer])
    assert (right["chose it"], right["share"], right["right answer"]) == (1, "50 %", "yes")
    text = class_csv(rows)
    assert text.startswith("table,lesson,") and "2 of 2 have done it" in text
    for learner in (ann, bob, teacher):
        assert learner not in text and learner not in repr(counts)


def test_the_class_view_refuses_a_browser_without_the_key_on_a_shared_kitchen(tmp_path, monkeypatch, data_root):
    (tmp_path / "shared").mkdir()
    shared = Kitchen("streaming", tmp_path / "shared", args=("--share",), env={"KITCHEN_INSTRUCTOR_KEY": "class-key"})
    monkeypatch.setenv("KITCHEN_CONTROL_URL", shared.url)
    from lessons.app_state import kitchen
    kitchen.clear()
    try:
        at = clean(run_page("class_view.py"))
        assert any("for the instructor" in w.value for w in at.warning), [w.value for w in at.warning]
        at.sidebar.text_input(key="instructor_key").input("class-key").run()
        assert not at.warning, [w.value for w in at.warning]
        assert any("opened this app" in m.value for m in at.markdown)
    finally:
        kitchen.clear()
        shared.stop()


def test_a_plan_says_which_lessons_it_leaves_for_another_class():
    used, left = lessons_left_out(PLANS["lesson"][1], LESSONS)
    assert used and left and sorted(used + left) == list(range(1, len(LESSONS) + 1))
    assert lessons_left_out(PLANS["demo"][1], LESSONS)[0] == [], "the demo is the Control room only"
    said = plan_coverage(PLANS["lesson"][1])
    assert said.startswith("It uses lessons ") and f"lessons {', '.join(map(str, left[:-1]))} and {left[-1]} are left" in said
    assert plan_coverage(PLANS["demo"][1]) is None
