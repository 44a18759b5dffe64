"""For teachers: a 10-minute demo and a 45-minute lesson plan, with the worksheets and the glossary."""

import streamlit as st

from lessons.for_teachers import plan_coverage, step_lines
from lessons.teaching import PLANS

st.title("For teachers")
st.write("Two ready plans on the live kitchen. Each step says what to say, which control to press, what the class "
         "will see on the screen, and the question to ask. They follow a game day's order: ask for a prediction, "
         "press, look, then explain. The numbers on the screen are measured on your machine, so they differ "
         "from class to class; the plans only say which way they move.")
st.page_link("app_pages/worksheets.py", label="Worksheets to print, one per lesson, with answer sheets",
             icon=":material/print:")
st.page_link("app_pages/glossary.py", label="Glossary: every term, with the lesson that shows it live",
             icon=":material/menu_book:")
st.page_link("app_pages/class_view.py", label="Class view: how your class is doing (counts only)",
             icon=":material/groups:")
for title, steps in PLANS.values():
    st.header(title)
    if covered := plan_coverage(steps):
        st.caption(covered)
    for step in steps:
        st.markdown(step_lines(step))
