"""Lesson page (thin: the text is lessons/content/08_rail.md, the experiment lessons/experiments/rail.py)."""

from lessons.experiments.rail import rail_lesson
from lessons.render import lesson_page

lesson_page("08_rail", rail_lesson)
