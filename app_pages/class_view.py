"""The instructor's class view: progress, quiz answers and ratings of this app's learners, in counts only."""

import streamlit as st

from lessons import class_view

st.title("Class view")
ok, why = class_view.allowed()
if not ok:
    st.warning(why, icon=":material/lock:")
    st.stop()
class_view.render()
