"""The app's kitchens (one client each, shared by every tab), and what a page shows when one is not there.

    streaming             the streaming service, microservices   KITCHEN_CONTROL_URL (default port 8700)
    restaurant            the restaurant, microservices          the next port (8701)
    restaurant-monolith   the restaurant, one cook (monolith)    8702
    streaming-monolith    the streaming service as a monolith    8703

The first is the shared classroom kitchen the Control room drives; the others start the first
time a lesson needs them (the page says which is starting, and what it holds), and all of them stop
when the app stops.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import streamlit as st

from lessons.kitchen import DEFAULT_URL, KitchenClient, KitchenUnavailable, start_kitchen

KITCHENS = {  # name -> (topology, architecture, port offset from the main kitchen)
    "streaming": ("streaming", "microservices", 0),
    "restaurant": ("restaurant", "microservices", 1),
    "restaurant-monolith": ("restaurant", "monolith", 2),
    "streaming-monolith": ("streaming", "monolith", 3),
}


STARTING = {  # what a page says while a kitchen starts on first use
    "streaming": "the gateway, users, recommendations, billing and streaming services, each a real process",
    "restaurant": "the waiter, chef, bartender, cashier and dishwasher, each a real process",
    "restaurant-monolith": "the one-cook restaurant, one real process doing everything",
    "streaming-monolith": "the streaming service as one real process doing everything",
}


def kitchen_url(name: str) -> str:
    """``KITCHEN_<NAME>_URL`` if set (e.g. KITCHEN_RESTAURANT_MONOLITH_URL), else a port next to the main one."""
    own = os.environ.get(f"KITCHEN_{name.upper().replace('-', '_')}_URL")
    if own and name != "streaming":
        return own
    base = urlparse(os.environ.get("KITCHEN_CONTROL_URL", DEFAULT_URL))
    return f"{base.scheme}://{base.hostname}:{(base.port or 8700) + KITCHENS[name][2]}"


@st.cache_resource(show_spinner=False)
def kitchen(name: str = "streaming") -> KitchenClient:
    """One client per kitchen for every browser tab of this app (starting the kitchen if none answers)."""
    topology, architecture, _ = KITCHENS[name]
    return start_kitchen(kitchen_url(name), topology=topology, architecture=architecture)


def wants_private() -> bool:
    return bool(st.session_state.get("private"))


def _session_kitchen(name: str) -> KitchenClient:
    """This browser session's view of kitchen ``name``: its private one if asked for, with its key."""
    if name == "streaming" and wants_private():
        from lessons.private import private_kitchens
        from lessons.progress import learner_id

        registry = private_kitchens()
        others = registry.starting_now()
        kitchens = "another kitchen is" if others == 1 else f"{others} other kitchens are"
        queue = f"; {kitchens} starting now, so yours may wait its turn" if others else ""
        with st.spinner(f"Starting your private kitchen: {STARTING['streaming']} (a few seconds{queue})…"):
            return registry.get(learner_id())
    with st.spinner(f"Starting the live {name} kitchen, the first time a page needs it: {STARTING[name]} "
                    "(a few seconds)…"):
        return kitchen(name).with_key(st.session_state.get("instructor_key"))


def kitchen_or_stop(name: str = "streaming") -> KitchenClient:
    """The kitchen, or a plain message with a restart button (never a traceback), and the page stops."""
    try:
        client = _session_kitchen(name)
        if not client.healthy():
            raise KitchenUnavailable(f"the kitchen at {client.url} stopped answering")
        return client
    except KitchenUnavailable as problem:
        st.error(f"The live {name} kitchen is not running: {problem}")
        st.button("Restart the kitchen", key=f"restart-kitchen-{name}", on_click=kitchen.clear, type="primary")
        st.stop()


def kitchen_sidebar() -> None:
    """Which kitchen this browser is looking at; the private-kitchen switch; the instructor's key when shared."""
    with st.sidebar:
        st.toggle("My own private kitchen", key="private",
                  help="A streaming kitchen of your own to break, instead of the class's shared one. "
                       "It stops after a while with no page open on it.")
        try:
            client = _session_kitchen("streaming")
            shared = client.cluster()["shared"]
        except KitchenUnavailable as problem:
            st.warning(f"No kitchen to show: {problem}")
            return
        if wants_private():
            st.caption(f"You are looking at **your private kitchen** ({client.url}).")
            return
        if not shared:
            st.caption(f"You are looking at **the kitchen on this machine** ({client.url}).")
            return
        st.text_input("Instructor's key", type="password", key="instructor_key",
                      help="Only the instructor changes the shared kitchen; everyone sees it live.")
        if st.session_state.get("instructor_key") and client.key_works():
            st.caption(f"**Shared class kitchen** ({client.url}) · you are driving it.")
        else:
            st.caption(f"**Shared class kitchen** ({client.url}) · watching; changes need the instructor's key.")
