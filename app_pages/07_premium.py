"""Lesson page (thin: the text is lessons/content/07_premium.md, the experiment lessons/experiments/premium.py)."""

from lessons.experiments.premium import premium
from lessons.render import lesson_page

lesson_page("07_premium", premium)
