"""Lesson page (thin: the text is lessons/content/09_real_world.md, the experiment lessons/experiments/wrapup.py)."""

from lessons.experiments.wrapup import real_world
from lessons.render import lesson_page

lesson_page("09_real_world", real_world)
