"""Microservices Kitchen — the Streamlit app. Run: ``streamlit run app.py``.

Attaches to the live kitchen at ``KITCHEN_CONTROL_URL`` (default http://127.0.0.1:8700), or
starts one that stops when this app stops.
"""

from __future__ import annotations

import os

import streamlit as st

from lessons.kitchen import DEFAULT_URL, KitchenClient, KitchenUnavailable, start_kitchen

st.set_page_config(page_title="Microservices Kitchen", page_icon="🍳", layout="wide")


@st.cache_resource(show_spinner=False)
def kitchen() -> KitchenClient:
    """One kitchen client for every browser tab of this app."""
    return start_kitchen(os.environ.get("KITCHEN_CONTROL_URL", DEFAULT_URL))


def restart_kitchen() -> None:
    kitchen.clear()


st.title("Microservices Kitchen")
st.write("A restaurant that grows from one cook doing everything into a brigade of specialists — "
         "and the same ideas on a streaming service, with live services you can break.")

try:
    with st.spinner("Starting the live kitchen…"):
        client = kitchen()
    cluster = client.cluster()
except KitchenUnavailable as problem:
    st.error(f"The live kitchen is not running: {problem}")
    st.button("Restart the kitchen", on_click=restart_kitchen, type="primary")
    st.stop()

st.subheader(f"The live {cluster['topology']} kitchen ({cluster['architecture']})")
st.dataframe(
    [{"service": s["name"], "role": s["role"], "replicas up": sum(r["state"] == "up" for r in s["replicas"]),
      "states": ", ".join(r["state"] for r in s["replicas"]) or "none", "version": s["version"],
      "latency ms": s["faults"]["latency_ms"], "error rate": s["faults"]["error_rate"]}
     for s in cluster["services"]],
    hide_index=True, width="stretch")

if st.button(f"Send {cluster['entry']['method']} {cluster['entry']['path']}"):
    answer = client.entry_request()
    st.caption(f"HTTP {answer.status_code} · trace {answer.headers.get('x-trace-id', '—')}")
    st.json(answer.json())
