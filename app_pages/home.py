"""The home page: what you will learn, how far you are, and the live kitchen's state."""

import streamlit as st

from lessons import progress
from lessons.app_state import kitchen_or_stop
from lessons.experiments.common import answer_panel
from lessons.render import LESSONS, page_path, progress_id, progress_lessons

st.title("Microservices Kitchen")
st.write("A restaurant starts with one cook doing everything and grows into a brigade of specialists passing "
         "tickets; then the same ideas run a streaming service. Every lesson has **real services running on "
         "this machine**: kill them, scale them, slow them down, and watch what happens.")

learn, kitchen_col = st.columns([3, 2], gap="large")
with learn:
    st.subheader("What you will learn")
    for slug, title in LESSONS:
        st.page_link(page_path(slug), label=title,
                     icon=progress.DONE_ICON if progress.is_done(progress_id(slug)) else progress.TODO_ICON)
    progress.progress_summary(progress_lessons(), checklist=False)
    st.caption("Your progress, ratings and quiz answers stay on this app's machine under a random id. Your teacher "
               "can see the class's totals (\"12 of 20 have done lesson 3\"), never who answered what.")

with kitchen_col:
    client = kitchen_or_stop()
    cluster = client.cluster()
    st.subheader(f"The live {cluster['topology']} kitchen")
    st.dataframe(
        [{"service": s["name"], "up": f"{sum(r['state'] == 'up' for r in s['replicas'])}/{s['desired_replicas']}",
          "role": s["role"]} for s in cluster["services"]],
        hide_index=True, width="stretch")
    answer_panel(client, "home", f"Send {cluster['entry']['method']} {cluster['entry']['path']}", waterfall_below=False)
    st.page_link("app_pages/control_room.py", label="Open the Control room", icon=":material/tune:")
