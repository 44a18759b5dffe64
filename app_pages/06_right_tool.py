"""Lesson page (thin: the text is lessons/content/06_right_tool.md, the experiment lessons/experiments/polyglot.py)."""

from lessons.experiments.polyglot import right_tool
from lessons.render import lesson_page

lesson_page("06_right_tool", right_tool)
