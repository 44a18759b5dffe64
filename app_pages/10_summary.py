"""Lesson page (thin: the text is lessons/content/10_summary.md, the experiment lessons/experiments/wrapup.py)."""

from lessons.experiments.wrapup import summary
from lessons.render import lesson_page

lesson_page("10_summary", summary, heading="Your progress, and the quiz")
