"""LearnerStore against a real SQLite file, and the progress widgets under AppTest with a persisted learner."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lessons.progress import LearnerStore, is_learner_id, store

# fixed ids (a version-4 shape): parametrized test ids must be the same in every pytest-xdist worker
ME = "3f2b8c1e9a4d4e7f8b6a5c4d3e2f1a0b"
YOU = "7c6d5e4f3a2b4c1d9e8f7a6b5c4d3e2f"


@pytest.fixture
def learners(tmp_path: Path) -> LearnerStore:
    return LearnerStore(tmp_path / "learners.sqlite3")


def test_progress_round_trip_and_isolation(learners: LearnerStore) -> None:
    assert learners.done(ME) == set()
    learners.mark_done(ME, "01_monolith")
    learners.mark_done(ME, "01_monolith")  # a repeat changes nothing
    learners.mark_done(ME, "05_scaling")
    assert learners.done(ME) == {"01_monolith", "05_scaling"}
    assert learners.done(YOU) == set()


def test_rating_round_trip_replace_and_clear(learners: LearnerStore) -> None:
    assert learners.rating(ME, "05_scaling") is None
    learners.rate(ME, "05_scaling", True, "  the Valentine's example helped ")
    assert learners.rating(ME, "05_scaling") | {"rated_at": None} == {
        "helpful": True, "comment": "the Valentine's example helped", "rated_at": None}
    learners.rate(ME, "05_scaling", False)
    assert learners.rating(ME, "05_scaling")["helpful"] is False
    assert learners.rating(YOU, "05_scaling") is None
    learners.clear_rating(ME, "05_scaling")
    assert learners.rating(ME, "05_scaling") is None


def test_answers_round_trip_keep_the_latest(learners: LearnerStore) -> None:
    learners.record_answer(ME, "tracing", 2, False)
    learners.record_answer(ME, "tracing", 0, True)
    learners.record_answer(ME, "monolith", 1, False)
    got = learners.answers(ME)
    assert {q: (a["choice"], a["correct"]) for q, a in got.items()} == {"tracing": (0, True), "monolith": (1, False)}
    assert learners.answers(YOU) == {}


def test_writes_are_committed_and_survive_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "learners.sqlite3"
    LearnerStore(path).mark_done(ME, "01_monolith")
    LearnerStore(path).rate(ME, "01_monolith", True)
    with sqlite3.connect(path) as raw:  # another connection sees the rows: they were committed
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT lesson FROM progress").fetchall() == [("01_monolith",)]
    again = LearnerStore(path)
    assert again.done(ME) == {"01_monolith"} and again.rating(ME, "01_monolith")["helpful"] is True


@pytest.mark.parametrize("bad", ["", "abc", ME.upper(), str(uuid.UUID(ME)), uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8").hex, ME + "0", None, 7])
def test_bad_learner_ids_are_refused(learners: LearnerStore, bad: object) -> None:
    with pytest.raises(ValueError, match="learner id"):
        learners.mark_done(bad, "01_monolith")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="learner id"):
        learners.answers(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", " ", "x" * 65, "../etc", "-flag", "two words", None, 3])
def test_bad_lesson_and_question_ids_are_refused(learners: LearnerStore, bad: object) -> None:
    with pytest.raises(ValueError, match="lesson id"):
        learners.mark_done(ME, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lesson id"):
        learners.rate(ME, bad, True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="question id"):
        learners.record_answer(ME, bad, 0, True)  # type: ignore[arg-type]


def test_bad_values_are_refused(learners: LearnerStore) -> None:
    with pytest.raises(ValueError, match="helpful"):
        learners.rate(ME, "01_monolith", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="comment"):
        learners.rate(ME, "01_monolith", True, "x" * 1001)
    for choice in (-1, True, "1"):
        with pytest.raises(ValueError, match="choice"):
            learners.record_answer(ME, "tracing", choice, True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="correct"):
        learners.record_answer(ME, "tracing", 0, 1)  # type: ignore[arg-type]
    assert learners.answers(ME) == {} and learners.rating(ME, "01_monolith") is None


# --- the widgets, under AppTest ------------------------------------------------------------------------------



def lesson_page() -> None:
    import streamlit as st

    from lessons.progress import done_button, helpful_widget, learner_id, progress_summary

    st.text(learner_id())
    done_button("05_scaling", "Independent scaling")
    helpful_widget("05_scaling")
    progress_summary([("05_scaling", "Independent scaling"), ("06_deploys", "Independent deployments")])


def open_page(learner: str | None = None) -> AppTest:
    at = AppTest.from_function(lesson_page, default_timeout=10)
    if learner is not None:
        at.query_params["learner"] = learner
    return at.run()


def test_learner_id_is_created_when_there_is_none(data_root: Path) -> None:
    at = open_page()
    assert not at.exception
    made = at.query_params["learner"]
    assert is_learner_id(made) and at.text[0].value == made
    assert at.session_state["learner_id"] == made


def test_a_valid_learner_id_is_kept(data_root: Path) -> None:
    at = open_page(ME)
    assert at.query_params["learner"] == ME and at.text[0].value == ME


@pytest.mark.parametrize("bad", ["not-a-uuid", ME.upper(), str(uuid.UUID(ME)), ""])
def test_an_invalid_learner_id_is_replaced(data_root: Path, bad: str) -> None:
    at = open_page(bad)
    assert not at.exception
    replaced = at.query_params["learner"]
    assert replaced != bad and is_learner_id(replaced) and at.text[0].value == replaced


def test_an_id_the_url_lost_is_put_back_from_the_session(data_root: Path) -> None:
    at = open_page(ME)
    del at.query_params["learner"]  # as after a page switch through st.navigation
    at.run()
    assert at.query_params["learner"] == ME and at.text[0].value == ME


def test_done_and_rating_survive_a_reload(data_root: Path) -> None:
    at = open_page(ME)
    assert at.button(key="done-05_scaling").label == "I've done this lesson"
    assert at.progress[0].proto.text == "0 of 2 lessons done"
    assert at.feedback(key="helpful-05_scaling").value is None
    at.button(key="done-05_scaling").click().run()
    at.feedback(key="helpful-05_scaling").set_value(1).run()
    at.text_input(key="helpful-comment-05_scaling").input("more pictures please").run()
    assert not at.exception

    stored = LearnerStore(data_root / "learners.sqlite3")  # a fresh look at the real file
    assert stored.done(ME) == {"05_scaling"}
    assert stored.rating(ME, "05_scaling")["helpful"] is True
    assert stored.rating(ME, "05_scaling")["comment"] == "more pictures please"

    reloaded = open_page(ME)  # a new session: nothing but the URL carries over
    assert not reloaded.exception
    done = reloaded.button(key="done-05_scaling")
    assert done.label == "Done" and done.disabled and done.proto.icon == ":material/check:"
    assert reloaded.feedback(key="helpful-05_scaling").value == 1
    assert reloaded.text_input(key="helpful-comment-05_scaling").value == "more pictures please"
    assert any("Glad it helped" in c.value for c in reloaded.caption)
    assert reloaded.progress[0].proto.text == "1 of 2 lessons done"
    assert ":green[:material/check_circle:] Independent scaling" in reloaded.markdown[-1].value
    assert ":gray[:material/radio_button_unchecked:] Independent deployments" in reloaded.markdown[-1].value

    stranger = open_page(YOU)
    assert stranger.button(key="done-05_scaling").label == "I've done this lesson"
    assert stranger.feedback(key="helpful-05_scaling").value is None


def test_thumbs_down_then_cleared(data_root: Path) -> None:
    at = open_page(ME)
    at.feedback(key="helpful-05_scaling").set_value(0).run()
    assert store().rating(ME, "05_scaling")["helpful"] is False
    assert open_page(ME).feedback(key="helpful-05_scaling").value == 0
    at.feedback(key="helpful-05_scaling").set_value(None).run()
    assert store().rating(ME, "05_scaling") is None
    assert open_page(ME).feedback(key="helpful-05_scaling").value is None
