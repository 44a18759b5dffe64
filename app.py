"""Microservices Kitchen — the Streamlit app. Run: ``streamlit run app.py``.

Navigation over thin pages. The live kitchens are attached at ``KITCHEN_CONTROL_URL`` (default
http://127.0.0.1:8700, and the ports after it), or started there, owned by this app, and stopped
when the app stops.
"""

import streamlit as st

from lessons.app_state import kitchen_sidebar
from lessons.progress import count_me_in, learner_id
from lessons.render import LESSONS, page_path

st.set_page_config(page_title="Microservices Kitchen", page_icon="🍳", layout="wide")
count_me_in(learner_id())  # on every page: switching pages drops query parameters, and the learner's id lives in one
page = st.navigation({
    "": [st.Page("app_pages/home.py", title="Home", default=True),
         st.Page("app_pages/glossary.py", title="Glossary", url_path="glossary")],
    "Lessons": [st.Page(page_path(slug), title=title, url_path=slug[3:].replace("_", "-")) for slug, title in LESSONS],
    "Classroom": [st.Page("app_pages/control_room.py", title="Control room", url_path="control-room"),
                  st.Page("app_pages/teachers.py", title="For teachers", url_path="for-teachers"),
                  st.Page("app_pages/worksheets.py", title="Worksheets", url_path="worksheets"),
                  st.Page("app_pages/class_view.py", title="Class view", url_path="class-view")],
}, expanded=True)  # every lesson in the menu: no "View more" to find lesson 9 behind
kitchen_sidebar()  # starts the class's kitchen with the app's first page, and says which kitchen you see
page.run()
