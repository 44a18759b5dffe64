"""Microservices Kitchen — the Streamlit app. Run: ``streamlit run app.py``.

Navigation over thin pages. The live kitchen is attached at ``KITCHEN_CONTROL_URL`` (default
http://127.0.0.1:8700), or started there, owned by this app, and stopped when the app stops.
"""

import streamlit as st

st.set_page_config(page_title="Microservices Kitchen", page_icon="🍳", layout="wide")
st.navigation([
    st.Page("pages/home.py", title="Home", default=True),
    st.Page("pages/control_room.py", title="Control room", url_path="control-room"),
]).run()
