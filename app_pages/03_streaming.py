"""Lesson page (thin: the text is lessons/content/03_streaming.md, the experiment lessons/experiments/streaming.py)."""

from lessons.experiments.streaming import streaming_example
from lessons.render import lesson_page

lesson_page("03_streaming", streaming_example)
