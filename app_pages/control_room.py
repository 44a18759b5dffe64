"""The Control room page (thin: the page lives in lessons/control_room.py)."""

from lessons.app_state import kitchen_or_stop
from lessons.control_room import kitchen_on_screen, render

render(kitchen_or_stop(kitchen_on_screen()))
