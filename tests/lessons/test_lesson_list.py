"""The lessons hold together as data: each has its page, text and drawing, in story order, and a lesson renumbered
when "Tickets on a rail" came in keeps the progress id a learner's marks were stored under."""

from __future__ import annotations

from lessons.render import CONTENT, DRAWINGS, LESSONS, ROOT, drawing_text, page_path, progress_id, progress_lessons


def test_every_lesson_has_its_page_text_and_drawing_in_order():
    for number, (slug, title) in enumerate(LESSONS, start=1):
        assert slug.startswith(f"{number:02d}_") and title.startswith(f"{number} · "), slug
        assert (ROOT / page_path(slug)).exists() and (CONTENT / f"{slug}.md").exists(), slug
        assert drawing_text(DRAWINGS / f"{slug}.svg"), f"{slug}'s drawing says what it shows"


def test_tickets_on_a_rail_comes_after_the_premium_and_before_the_real_world():
    slugs = [slug for slug, _ in LESSONS]
    assert slugs.index("07_premium") + 1 == slugs.index("08_rail") == slugs.index("09_real_world") - 1


def test_renumbered_lessons_keep_their_learners_progress_ids():
    assert progress_id("09_real_world") == "08_real_world" and progress_id("10_summary") == "09_summary"
    assert progress_id("07_premium") == "07_premium" and progress_id("08_rail") == "08_rail"
    ids = [lesson for lesson, _ in progress_lessons()]
    assert len(ids) == len(set(ids)) == len(LESSONS), "no two lessons share an id"
