"""Worksheets: one printable game-day form per lesson (?sheet=<lesson>), and its answer sheet (&answers=1)."""

import streamlit as st

from lessons.for_teachers import PRINT_CSS, worksheet_html
from lessons.render import TITLES
from lessons.worksheets import WORKSHEETS

st.html(PRINT_CSS)
sheets = list(WORKSHEETS)
asked = st.query_params.get("sheet")
with st.container(key="worksheet-controls"):
    st.title("Worksheets")
    st.write("One sheet per lesson for learners to fill in while they try the experiment, and an answer sheet "
             "for you. Print with your browser (Ctrl+P or ⌘P, or “Save as PDF”): only the sheet is printed.")
    pick, answers = st.columns([3, 1], vertical_alignment="bottom")
    sheet = pick.selectbox("Lesson", sheets, index=sheets.index(asked) if asked in sheets else 0,
                           format_func=TITLES.__getitem__, key="worksheet-pick")
    answer_sheet = answers.toggle("Answer sheet", value=st.query_params.get("answers") == "1", key="worksheet-answers")
st.query_params["sheet"] = sheet
st.query_params["answers"] = "1" if answer_sheet else "0"
st.html(worksheet_html(WORKSHEETS[sheet], answers=answer_sheet))
