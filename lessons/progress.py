"""The learner's progress, "was this helpful?" ratings and quiz answers, kept across a browser reload.

    learner_id()  ── the device's random id, kept in the URL (?learner=<uuid4 hex>)
        │
    store()  ── one LearnerStore per server (st.cache_resource)
        │
    LearnerStore ── <data root>/learners.sqlite3 (WAL; every write committed before it returns)
        ├── progress      (learner, lesson)   -> done_at
        ├── ratings       (learner, lesson)   -> helpful 0/1, comment, rated_at
        ├── quiz_answers  (learner, question) -> choice, correct, answered_at
        └── visits        learner -> first_seen (once per browser session: who counts as "the class")

    class_counts()  ── the whole class in counts only, for the instructor's class view: no id ever leaves it

The widgets (``done_button``, ``helpful_widget``, ``progress_summary``) only render; every write
happens in an ``on_click`` / ``on_change`` callback.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from mini_services.settings import settings

LEARNER_PARAM = "learner"  # the URL query parameter that carries the device's id
_SESSION_KEY = "learner_id"
_LEARNER = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")  # uuid4().hex
_ITEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")  # a lesson or question id, e.g. "05_scaling"
MAX_COMMENT = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (learner TEXT, lesson TEXT, done_at TEXT, PRIMARY KEY (learner, lesson));
CREATE TABLE IF NOT EXISTS ratings (learner TEXT, lesson TEXT, helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment TEXT NOT NULL DEFAULT '', rated_at TEXT, PRIMARY KEY (learner, lesson));
CREATE TABLE IF NOT EXISTS quiz_answers (learner TEXT, question TEXT, choice INTEGER NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)), answered_at TEXT, PRIMARY KEY (learner, question));
CREATE TABLE IF NOT EXISTS visits (learner TEXT PRIMARY KEY, first_seen TEXT);
"""


def is_learner_id(value: object) -> bool:
    """True for a random device id as made by ``uuid.uuid4().hex``."""
    return isinstance(value, str) and bool(_LEARNER.match(value))


def _check_learner(learner: object) -> str:
    if not is_learner_id(learner):
        raise ValueError(f"learner id must be 32 lowercase hex digits of a uuid4, got {learner!r}")
    return learner  # type: ignore[return-value]


def _check_item(kind: str, value: object) -> str:
    if not isinstance(value, str) or not _ITEM.match(value):
        raise ValueError(f"{kind} id must be 1-64 letters, digits or _.:- (not starting with a symbol), got {value!r}")
    return value


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class LearnerStore:
    """Progress, ratings and quiz answers per learner in one SQLite file, safe to share between sessions."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # One short connection per call: Streamlit runs each browser session in its own thread.
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=FULL")
        return db

    def _write(self, sql: str, params: tuple) -> None:
        with closing(self._connect()) as db, db:  # `with db` commits (or rolls back) before we return
            db.execute(sql, params)

    def _rows(self, sql: str, params: tuple) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            return db.execute(sql, params).fetchall()

    def mark_done(self, learner: str, lesson: str) -> None:
        """Remember that ``learner`` finished ``lesson`` (the first time counts; repeats change nothing)."""
        self._write("INSERT OR IGNORE INTO progress VALUES (?, ?, ?)",
                    (_check_learner(learner), _check_item("lesson", lesson), _now()))

    def done(self, learner: str) -> set[str]:
        """The lessons ``learner`` has finished."""
        return {r["lesson"] for r in self._rows("SELECT lesson FROM progress WHERE learner = ?",
                                                (_check_learner(learner),))}

    def rate(self, learner: str, lesson: str, helpful: bool, comment: str = "") -> None:
        """Store (or replace) the learner's "was this helpful?" answer for a lesson."""
        if not isinstance(helpful, bool):
            raise ValueError(f"helpful must be True or False, got {helpful!r}")
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            raise ValueError(f"comment must be text of at most {MAX_COMMENT} characters")
        self._write("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?, ?)",
                    (_check_learner(learner), _check_item("lesson", lesson), int(helpful), comment.strip(), _now()))

    def clear_rating(self, learner: str, lesson: str) -> None:
        """Forget the learner's rating of a lesson (they un-clicked their thumb)."""
        self._write("DELETE FROM ratings WHERE learner = ? AND lesson = ?",
                    (_check_learner(learner), _check_item("lesson", lesson)))

    def rating(self, learner: str, lesson: str) -> dict | None:
        """``{"helpful": bool, "comment": str, "rated_at": str}``, or None if not rated."""
        rows = self._rows("SELECT helpful, comment, rated_at FROM ratings WHERE learner = ? AND lesson = ?",
                          (_check_learner(learner), _check_item("lesson", lesson)))
        if not rows:
            return None
        return {"helpful": bool(rows[0]["helpful"]), "comment": rows[0]["comment"], "rated_at": rows[0]["rated_at"]}

    def record_answer(self, learner: str, question: str, choice: int, correct: bool) -> None:
        """Store the learner's latest checked answer to a quiz question."""
        if not isinstance(choice, int) or isinstance(choice, bool) or choice < 0:
            raise ValueError(f"choice must be a choice index (an int >= 0), got {choice!r}")
        if not isinstance(correct, bool):
            raise ValueError(f"correct must be True or False, got {correct!r}")
        self._write("INSERT OR REPLACE INTO quiz_answers VALUES (?, ?, ?, ?, ?)",
                    (_check_learner(learner), _check_item("question", question), choice, int(correct), _now()))

    def answers(self, learner: str) -> dict[str, dict]:
        """Question id -> ``{"choice": int, "correct": bool, "answered_at": str}``."""
        rows = self._rows("SELECT question, choice, correct, answered_at FROM quiz_answers WHERE learner = ?",
                          (_check_learner(learner),))
        return {r["question"]: {"choice": r["choice"], "correct": bool(r["correct"]), "answered_at": r["answered_at"]}
                for r in rows}

    def seen(self, learner: str) -> None:
        """Count ``learner`` as one of this app's class (the first visit counts; repeats change nothing)."""
        self._write("INSERT OR IGNORE INTO visits VALUES (?, ?)", (_check_learner(learner), _now()))

    def class_counts(self, leave_out: str | None = None) -> dict:
        """The class in counts: ``{"learners": n, "done": {lesson: n}, "answers": {question: {choice: n}},
        "right": {question: n}, "ratings": {lesson: {"helpful": n, "not_helpful": n}}}``. No ids.

        ``leave_out``: a learner not to count (the instructor looking at the class)."""
        other = (leave_out if is_learner_id(leave_out) else "",)
        with closing(self._connect()) as db:
            learners = db.execute("SELECT COUNT(*) FROM (SELECT learner FROM visits UNION SELECT learner FROM progress "
                                  "UNION SELECT learner FROM ratings UNION SELECT learner FROM quiz_answers) "
                                  "WHERE learner != ?", other).fetchone()[0]
            done = dict(db.execute("SELECT lesson, COUNT(*) FROM progress WHERE learner != ? GROUP BY lesson",
                                   other).fetchall())
            answers: dict[str, dict[int, int]] = {}
            right: dict[str, int] = {}
            for question, choice, correct, n in db.execute(
                    "SELECT question, choice, correct, COUNT(*) FROM quiz_answers WHERE learner != ? "
                    "GROUP BY question, choice", other):
                answers.setdefault(question, {})[choice] = n
                right[question] = right.get(question, 0) + (n if correct else 0)
            ratings = {lesson: {"helpful": up, "not_helpful": down} for lesson, up, down in db.execute(
                "SELECT lesson, SUM(helpful), SUM(1 - helpful) FROM ratings WHERE learner != ? GROUP BY lesson",
                other)}
        return {"learners": learners, "done": done, "answers": answers, "right": right, "ratings": ratings}


def data_root() -> Path:
    """Where learners.sqlite3 lives: KITCHEN_DATA_ROOT if set now, else the settings' data root."""
    # Read the environment at call time too: `settings` was built at import, before a test could set it.
    override = os.environ.get("KITCHEN_DATA_ROOT")
    return Path(override) if override else settings.data_root


@st.cache_resource(show_spinner=False)
def store() -> LearnerStore:
    """The one LearnerStore of this server (shared by every browser session)."""
    return LearnerStore(data_root() / "learners.sqlite3")


def learner_id() -> str:
    """This device's learner id, kept in the URL as ``?learner=<id>`` so a reload or bookmark keeps it.

    Why a query parameter: Streamlit has no supported way to write a cookie or localStorage from
    Python (``st.context.cookies`` is read-only), and ``st.session_state`` is lost on reload. The URL
    is the one piece of browser state a script can both read and write. Page switches through
    ``st.navigation`` clear query parameters, so an id still in ``st.session_state`` is put back.
    The id is a random uuid4 and holds no personal data: anyone with the URL sees the same progress.
    An invalid id in the URL is replaced.
    """
    in_url = st.query_params.get(LEARNER_PARAM)
    if is_learner_id(in_url):
        st.session_state[_SESSION_KEY] = in_url
        return in_url  # type: ignore[return-value]
    learner = st.session_state.get(_SESSION_KEY)
    if not is_learner_id(learner):
        learner = uuid.uuid4().hex
        st.session_state[_SESSION_KEY] = learner
    st.query_params[LEARNER_PARAM] = learner
    return learner


def count_me_in(learner: str) -> None:
    """Count this browser as one of the class (once per session; the class view shows counts only)."""
    if st.session_state.get("counted") != learner:
        store().seen(learner)
        st.session_state["counted"] = learner


def _mark_done(learner: str, lesson: str) -> None:
    store().mark_done(learner, lesson)


def done_button(lesson: str, title: str) -> None:
    """"I've done this lesson", or a "Done" mark (a Material check icon) once the learner has pressed it."""
    learner = learner_id()
    if lesson in store().done(learner):
        st.button("Done", key=f"done-{lesson}", disabled=True, icon=":material/check:", help=f"You finished “{title}”.")
    else:
        st.button("I've done this lesson", key=f"done-{lesson}", on_click=_mark_done, args=(learner, lesson),
                  help=f"Mark “{title}” as done on this device.")


def _save_rating(learner: str, lesson: str) -> None:
    thumb = st.session_state.get(f"helpful-{lesson}")
    comment = st.session_state.get(f"helpful-comment-{lesson}", "") or ""
    if thumb is None:
        store().clear_rating(learner, lesson)
    else:
        store().rate(learner, lesson, helpful=thumb == 1, comment=comment[:MAX_COMMENT])


def helpful_widget(lesson: str) -> None:
    """"Was this helpful?" with 👍/👎 (st.feedback); the stored answer shows again after a reload."""
    learner = learner_id()
    stored = store().rating(learner, lesson)
    st.markdown("**Was this helpful?**")
    st.feedback("thumbs", key=f"helpful-{lesson}", default=None if stored is None else int(stored["helpful"]),
                on_change=_save_rating, args=(learner, lesson))
    if stored is not None:
        st.caption("Thanks! Glad it helped." if stored["helpful"] else "Thanks, we'll make this lesson better.")
        st.text_input("Anything to add? (optional)", value=stored["comment"], key=f"helpful-comment-{lesson}",
                      max_chars=MAX_COMMENT, on_change=_save_rating, args=(learner, lesson))


DONE_ICON, TODO_ICON = ":material/check_circle:", ":material/radio_button_unchecked:"


def is_done(lesson: str) -> bool:
    return lesson in store().done(learner_id())


def progress_summary(lessons: list[tuple[str, str]], checklist: bool = True) -> None:
    """A progress bar "N of M lessons done" and (unless told not to) a checklist of [(lesson id, title), ...]."""
    finished = store().done(learner_id())
    count = sum(1 for lesson, _ in lessons if lesson in finished)
    st.progress(count / len(lessons) if lessons else 0.0, text=f"{count} of {len(lessons)} lessons done")
    if checklist:
        done, todo = f":green[{DONE_ICON}]", f":gray[{TODO_ICON}]"
        st.markdown("\n".join(f"- {done if lesson in finished else todo} {title}" for lesson, title in lessons))
