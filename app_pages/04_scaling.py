"""Lesson page (thin: the text is lessons/content/04_scaling.md, the experiment lessons/experiments/streaming.py)."""

from lessons.experiments.streaming import scaling
from lessons.render import lesson_page

lesson_page("04_scaling", scaling)
