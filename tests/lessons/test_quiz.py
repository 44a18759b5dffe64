"""The quiz's data holds together, and under AppTest a checked answer shows its own feedback, also after a reload."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lessons.progress import _check_item, store
from lessons.quiz import QUESTIONS, Question

ME = uuid.uuid4().hex


def test_at_least_six_questions_with_unique_ids() -> None:
    assert len(QUESTIONS) >= 6
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_each_question_is_well_formed(question: Question) -> None:
    assert isinstance(question, Question) and question.prompt.strip()
    assert len(question.choices) >= 2 and len(set(question.choices)) == len(question.choices)
    assert 0 <= question.answer < len(question.choices)
    assert len(question.feedback) == len(question.choices), "one feedback sentence per choice"
    assert all(f.strip() for f in question.feedback)
    assert question.feedback[question.answer].startswith("Right")
    assert not any(f.startswith("Right") for i, f in enumerate(question.feedback) if i != question.answer)
    assert _check_item("question", question.id) == question.id  # ids must also be valid store keys


def test_the_quiz_covers_the_lesson_story() -> None:
    ids = {q.id for q in QUESTIONS}
    assert {"monolith", "valentines-scaling", "billing-down", "idempotency-key", "circuit-breaker", "tracing",
            "when-not-to-split", "rail-chef-away", "saga-refund", "when-not-to-message"} <= ids
    by_id = {q.id: q for q in QUESTIONS}
    assert "Recommendation" in by_id["valentines-scaling"].choices[by_id["valentines-scaling"].answer]
    assert "200" in by_id["billing-down"].choices[by_id["billing-down"].answer]



def quiz_page() -> None:
    from lessons.progress import learner_id, store
    from lessons.quiz import render_quiz

    render_quiz(learner_id(), store())


def open_quiz(learner: str = ME) -> AppTest:
    at = AppTest.from_function(quiz_page, default_timeout=10)
    at.query_params["learner"] = learner
    return at.run()


def score(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "Score" in m.value)


def test_nothing_is_preselected_and_the_score_starts_at_zero(data_root: Path) -> None:
    at = open_quiz()
    assert not at.exception
    assert len(at.radio) == len(QUESTIONS) and all(r.value is None for r in at.radio)
    assert not at.success and not at.error
    assert score(at) == f"**Score: 0 of {len(QUESTIONS)} right** (0 of {len(QUESTIONS)} answered)"


def test_a_right_and_a_wrong_answer_show_their_own_feedback(data_root: Path) -> None:
    first, second = QUESTIONS[0], QUESTIONS[1]
    wrong = (second.answer + 1) % len(second.choices)
    at = open_quiz()
    at.radio(key=f"quiz-{first.id}").set_value(first.answer)
    at.button(key=f"quiz-check-{first.id}").click().run()
    assert [s.value for s in at.success] == [first.feedback[first.answer]]
    assert not at.error

    at.radio(key=f"quiz-{second.id}").set_value(wrong)
    at.button(key=f"quiz-check-{second.id}").click().run()
    assert [e.value for e in at.error] == [f"Not quite. {second.feedback[wrong]}"]
    assert score(at) == f"**Score: 1 of {len(QUESTIONS)} right** (2 of {len(QUESTIONS)} answered)"
    answers = store().answers(ME)
    assert answers[first.id]["correct"] is True and answers[second.id] | {"answered_at": 0} == {
        "choice": wrong, "correct": False, "answered_at": 0}

    at.radio(key=f"quiz-{second.id}").set_value(second.answer)  # try again: the right one replaces it
    at.button(key=f"quiz-check-{second.id}").click().run()
    assert not at.error and len(at.success) == 2
    assert score(at) == f"**Score: 2 of {len(QUESTIONS)} right** (2 of {len(QUESTIONS)} answered)"


def test_check_without_a_choice_asks_for_one(data_root: Path) -> None:
    at = open_quiz()
    at.button(key=f"quiz-check-{QUESTIONS[0].id}").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["Pick an answer first, then press Check."]
    assert store().answers(ME) == {}


def test_stored_answers_show_after_a_reload(data_root: Path) -> None:
    last = QUESTIONS[-1]
    wrong = (last.answer + 1) % len(last.choices)
    at = open_quiz()
    at.radio(key=f"quiz-{last.id}").set_value(wrong)
    at.button(key=f"quiz-check-{last.id}").click().run()

    reloaded = open_quiz()  # a new session with the same ?learner=
    assert not reloaded.exception
    assert reloaded.radio(key=f"quiz-{last.id}").value == wrong
    assert [e.value for e in reloaded.error] == [f"Not quite. {last.feedback[wrong]}"]
    assert all(reloaded.radio(key=f"quiz-{q.id}").value is None for q in QUESTIONS[:-1])
    assert not open_quiz(uuid.uuid4().hex).error  # another device sees a clean quiz


def test_a_wrong_answer_reveals_the_right_one_after_the_try(data_root: Path) -> None:
    question = QUESTIONS[2]
    wrong = (question.answer + 1) % len(question.choices)
    at = open_quiz()
    assert not at.info, "nothing is revealed before the learner tries"
    at.radio(key=f"quiz-{question.id}").set_value(wrong)
    at.button(key=f"quiz-check-{question.id}").click().run()
    assert [e.icon for e in at.error] == [":material/close:"], "a Material icon, not an emoji glyph"
    revealed = f"The right answer: **{question.choices[question.answer]}**. {question.feedback[question.answer]}"
    assert [i.value for i in at.info] == [revealed]
    at.radio(key=f"quiz-{question.id}").set_value(question.answer)
    at.button(key=f"quiz-check-{question.id}").click().run()
    assert not at.info and not at.error, "once right, only the success remains"
