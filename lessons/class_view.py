"""The instructor's class view: how the learners of this app are doing, in counts only, live, with a CSV.

    allowed()        on a shared app only with the instructor's key; on a laptop kitchen, open
    class_rows()     counts -> rows (pure: tested without Streamlit); class_csv() the same rows as CSV
    render()         a fragment that reads the counts every 2 s
"""

from __future__ import annotations

import csv
import io

import streamlit as st

from lessons import progress
from lessons.kitchen import KitchenProblem
from lessons.quiz import QUESTIONS
from lessons.render import LESSONS, progress_id

REFRESH_S = 2.0


def allowed() -> tuple[bool, str]:
    """(may this browser see the class view, why not). The key is the one that drives the shared kitchen."""
    from lessons.app_state import kitchen

    try:
        client = kitchen("streaming").with_key(st.session_state.get("instructor_key"))
        if not client.cluster()["shared"]:
            return True, ""
        if st.session_state.get("instructor_key") and client.key_works():
            return True, ""
    except KitchenProblem as problem:
        return False, f"The class's kitchen cannot say who the instructor is right now: {problem}"
    return False, ("The class view is for the instructor: type the instructor's key in the sidebar "
                   "(under “Instructor's key”) to see how the class is doing.")


def _share(n: int, of: int) -> str:
    return f"{round(100 * n / of)} %" if of else "–"


def class_rows(counts: dict) -> dict[str, list[dict]]:
    """The class view's three tables from ``LearnerStore.class_counts()``: lessons, quiz answers, ratings."""
    learners = counts["learners"]
    done = {slug: counts["done"].get(progress_id(slug), 0) for slug, _ in LESSONS}
    lessons = [{"lesson": title, "done": done[slug], "of": learners, "says": f"{done[slug]} of {learners} have done it"}
               for slug, title in LESSONS]
    quiz = []
    for number, q in enumerate(QUESTIONS, start=1):
        chosen = counts["answers"].get(q.id, {})
        answered = sum(chosen.values())
        for index, choice in enumerate(q.choices):
            n = chosen.get(index, 0)
            quiz.append({"question": f"{number}. {q.prompt}", "choice": choice,
                         "right answer": "yes" if index == q.answer else "", "chose it": n,
                         "share": _share(n, answered), "answered": answered})
    rated = {slug: counts["ratings"].get(progress_id(slug), {}) for slug, _ in LESSONS}
    ratings = [{"lesson": title, "helpful": rated[slug].get("helpful", 0),
                "not helpful": rated[slug].get("not_helpful", 0)} for slug, title in LESSONS]
    return {"lessons": lessons, "quiz": quiz, "ratings": ratings}


def class_csv(rows: dict[str, list[dict]]) -> str:
    """One CSV with a ``table`` column, so one download holds all three."""
    out = io.StringIO()
    fields = ["table", *dict.fromkeys(k for table in rows.values() for row in table for k in row)]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for name, table in rows.items():
        for row in table:
            writer.writerow({"table": name, **row})
    return out.getvalue()


@st.fragment(run_every=REFRESH_S)
def render() -> None:
    counts = progress.store().class_counts(leave_out=progress.learner_id())
    rows = class_rows(counts)
    learners = counts["learners"]
    noun, verb = ("learner", "has") if learners == 1 else ("learners", "have")
    st.markdown(f"**{learners} {noun}** {verb} opened this app (your own browser not counted). Counts only: no names, "
                "no ids. Updated every 2 s.")
    st.subheader("Lessons done")
    st.table([{"lesson": r["lesson"], "done": r["says"]} for r in rows["lessons"]], border="horizontal",
             hide_index=True)
    st.subheader("Quiz answers")
    for number, q in enumerate(QUESTIONS, start=1):
        mine = [r for r in rows["quiz"] if r["question"].startswith(f"{number}. ")]
        answered = mine[0]["answered"] if mine else 0
        right = counts["right"].get(q.id, 0)
        st.markdown(f"**Question {number}:** {q.prompt} — {answered} answered, {right} right "
                    f"({_share(right, answered)})")
        st.table([{"choice": r["choice"], "right answer": r["right answer"], "chose it": r["chose it"],
                   "share": r["share"]} for r in mine], border="horizontal", hide_index=True)
    st.subheader("Was this helpful?")
    st.table(rows["ratings"], border="horizontal", hide_index=True)
    st.download_button("Download these counts (CSV)", class_csv(rows), file_name="class-counts.csv",
                       mime="text/csv", key="class-csv", icon=":material/download:")
