"""One renderer for every lesson: drawing, text, the live experiment, then progress and feedback.

Lessons are data: ``lessons/content/NN_slug.md`` and ``assets/drawings/NN_slug.svg``. Each drawing says in
words what it shows (its ``<desc>``), and that text is its alternative for a screen reader or a missing image.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
CONTENT, DRAWINGS = ROOT / "lessons" / "content", ROOT / "assets" / "drawings"

LESSONS: list[tuple[str, str]] = [
    ("01_day_one", "1 · Day one: one cook does everything"),
    ("02_specialists", "2 · Hire specialists"),
    ("03_streaming", "3 · The streaming service"),
    ("04_scaling", "4 · Independent scaling"),
    ("05_deploys", "5 · Independent deployments"),
    ("06_right_tool", "6 · The right tool for each job"),
    ("07_premium", "7 · The microservice premium"),
    ("08_rail", "8 · Tickets on a rail"),
    ("09_real_world", "9 · The real world"),
    ("10_summary", "10 · Summary and quiz"),
]
TITLES = dict(LESSONS)
# A learner's progress and ratings are stored by lesson id. Lessons renumbered when "Tickets on a rail" came in
# keep the id they were stored under, so nobody's "done" marks are lost.
FORMER_SLUGS = {"09_real_world": "08_real_world", "10_summary": "09_summary"}
DRAWING_PX = 960  # on a 1920 px projector a full-width drawing would fill the screen and push its lesson down


def drawing_text(drawing: Path) -> str:
    """What a drawing shows, in words: its ``<desc>`` (every drawing has one; a test checks it)."""
    desc = ElementTree.parse(drawing).getroot().find("{http://www.w3.org/2000/svg}desc")
    return " ".join((desc.text or "").split()) if desc is not None else ""


def lesson_text(slug: str, learner: str) -> str:
    """The lesson's markdown with the first use of each glossary term linked to the glossary (in a new tab,
    as Streamlit opens links; the learner's id goes along so the new tab is the same learner)."""
    from lessons.glossary import link_terms

    return link_terms((CONTENT / f"{slug}.md").read_text(encoding="utf-8"),
                      lambda term: f"glossary?learner={learner}#{term.anchor}")


def page_path(slug: str) -> str:
    return f"app_pages/{slug}.py"


def progress_id(slug: str) -> str:
    """The id a lesson's progress and rating are stored under (stable across a renumbering)."""
    return FORMER_SLUGS.get(slug, slug)


def progress_lessons() -> list[tuple[str, str]]:
    """[(progress id, title), ...] of every lesson, in order: what the progress bar and checklist count."""
    return [(progress_id(slug), title) for slug, title in LESSONS]


def lesson_page(slug: str, experiment: Callable[[], None], heading: str = "Try it on the live kitchen") -> None:
    """Render lesson ``slug``: its drawing and text, ``experiment`` on the live kitchen, then done / helpful."""
    from lessons import progress  # Streamlit-only helpers, kept out of the figure tests' imports

    title = TITLES[slug]
    st.title(title)
    drawing = DRAWINGS / f"{slug}.svg"
    if drawing.exists():
        st.image(str(drawing), width=DRAWING_PX, alt=drawing_text(drawing))
    st.markdown(lesson_text(slug, progress.learner_id()))
    st.divider()
    st.subheader(heading)
    experiment()
    st.divider()
    done, helpful = st.columns(2)
    with done:
        progress.done_button(progress_id(slug), title)
    with helpful:
        progress.helpful_widget(progress_id(slug))
    index = [s for s, _ in LESSONS].index(slug)
    if index + 1 < len(LESSONS):
        following = LESSONS[index + 1][0]
        st.page_link(page_path(following), label=f"Next: {TITLES[following]}", icon=":material/arrow_forward:")
