"""The glossary: each term in our own words, with the lesson that shows it on the live kitchen."""

import streamlit as st

from lessons.glossary import TERMS
from lessons.render import TITLES, page_path

st.title("Glossary")
st.write("The words the lessons use, each in a few sentences, and where to see it happen on the live kitchen.")
for term in sorted(TERMS, key=lambda t: t.name.lower()):
    st.subheader(term.name, anchor=term.anchor)
    st.write(term.meaning)
    st.page_link(page_path(term.lesson), label=f"See it live: {TITLES[term.lesson]}", icon=":material/play_circle:")
