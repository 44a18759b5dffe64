"""Lesson page (thin: the text is lessons/content/01_day_one.md, the experiment lessons/experiments/restaurant.py)."""

from lessons.experiments.restaurant import day_one
from lessons.render import lesson_page

lesson_page("01_day_one", day_one)
