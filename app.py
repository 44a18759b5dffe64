"""Microservices Kitchen — the Streamlit app. Run: ``streamlit run app.py``.

Navigation over thin pages. The live kitchens are attached at ``KITCHEN_CONTROL_URL`` (default
http://127.0.0.1:8700, and the ports after it), or started there, owned by this app, and stopped
when the app stops.
"""

import streamlit as st

from lessons.app_state import kitchen_sidebar
from lessons.progress import learner_id
from lessons.render import LESSONS, page_path

st.set_page_config(page_title="Microservices Kitchen", page_icon="🍳", layout="wide")
learner_id()  # on every page: switching pages drops query parameters, and the learner's id lives in one
page = st.navigation({
    "": [st.Page("pages/home.py", title="Home", default=True)],
    "Lessons": [st.Page(page_path(slug), title=title, url_path=slug[3:].replace("_", "-")) for slug, title in LESSONS],
    "Classroom": [st.Page("pages/control_room.py", title="Control room", url_path="control-room")],
})
kitchen_sidebar()  # starts the class's kitchen with the app's first page, and says which kitchen you see
page.run()
