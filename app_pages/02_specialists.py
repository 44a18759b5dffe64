"""Lesson page (thin: the text is lessons/content/02_specialists.md, the experiment lessons/experiments/restaurant.py)."""

from lessons.experiments.restaurant import specialists
from lessons.render import lesson_page

lesson_page("02_specialists", specialists)
