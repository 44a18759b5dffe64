"""Lesson page (thin: the text is lessons/content/05_deploys.md, the experiment lessons/experiments/streaming.py)."""

from lessons.experiments.streaming import deploys
from lessons.render import lesson_page

lesson_page("05_deploys", deploys)
