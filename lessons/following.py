"""Switches that show a kitchen's live value and change it, while someone else may change it too.

Such a switch must show what the kitchen says (a scenario, another tab or the CLI may have changed it), but
setting a widget's value from the server races the browser: until it has drawn that run, the browser still holds
the old value and sends it back with its next request (the live view reruns twice a second, and each rerun
carries every widget's value); Streamlit then calls ``on_change`` as if the learner had moved the switch, and the
page puts back the fault that was just cleared. So the server never sets such a widget's value: when the kitchen's
value is not what the switch holds, the switch is drawn anew under a new key, starting at the kitchen's value, and
whatever the browser still sends for the old one is dropped with it. A learner's own change keeps its key (and
the keyboard focus).

    key = knob_key("latency-users", live)   on every full run, for the widget that shows ``live``
    st.slider(..., value=live, key=key, on_change=...)
"""

from __future__ import annotations

import streamlit as st


def knob_key(base: str, live) -> str:
    """The key of the widget that shows ``live`` for ``base``: the same as last run while the widget holds the
    kitchen's value, a new one (``base-1``, ``base-2``, …) when the kitchen moved away from what it holds."""
    generation = st.session_state.get(f"{base}-generation", 0)
    key = base if generation == 0 else f"{base}-{generation}"
    if key in st.session_state and st.session_state[key] != live:
        generation += 1
        st.session_state[f"{base}-generation"] = generation
        key = f"{base}-{generation}"
    return key


def is_knob(key: str, base: str) -> bool:
    """Whether ``key`` is one of ``base``'s keys (for tests and checks that look a switch up by its name)."""
    return key == base or (key.startswith(f"{base}-") and key[len(base) + 1:].isdigit())
