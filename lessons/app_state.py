"""The app's one shared kitchen client, and what every page shows when the kitchen is not there."""

from __future__ import annotations

import os

import streamlit as st

from lessons.kitchen import DEFAULT_URL, KitchenClient, KitchenUnavailable, start_kitchen


@st.cache_resource(show_spinner=False)
def kitchen() -> KitchenClient:
    """One kitchen client for every browser tab of this app (starting the kitchen if none answers)."""
    return start_kitchen(os.environ.get("KITCHEN_CONTROL_URL", DEFAULT_URL))


def kitchen_or_stop() -> KitchenClient:
    """The kitchen, or a plain message with a restart button (never a traceback) and the page stops."""
    try:
        with st.spinner("Starting the live kitchen… (a few seconds: every service is a real process)"):
            client = kitchen()
        if not client.healthy():
            raise KitchenUnavailable(f"the kitchen at {client.url} stopped answering")
        return client
    except KitchenUnavailable as problem:
        st.error(f"The live kitchen is not running: {problem}")
        st.button("Restart the kitchen", on_click=kitchen.clear, type="primary")
        st.stop()
