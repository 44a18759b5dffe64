"""What every experiment shares: button callbacks that act on a kitchen, and the cost meter."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lessons.kitchen import KitchenUnavailable, NotAllowed
from lessons.live import changed

# The one assumption on the cost meter, said out loud wherever it is used: memory is measured, this is not.
EXAMPLE_PRICE_PER_GB_MONTH = 5.0


def say(message: str, key: str = "notice") -> None:
    st.session_state[key] = message


def show_notice(key: str = "notice") -> None:
    message = st.session_state.pop(key, None)
    if message:
        st.info(message)


def act(action: Callable, *args, notice: str = "", **kwargs) -> None:
    """A button callback: do ``action`` on the kitchen, refresh the live view at once, say what happened."""
    try:
        action(*args, **kwargs)
    except KitchenUnavailable as problem:
        say(f"The kitchen did not answer: {problem}")
        return
    except NotAllowed as refusal:
        say(f"Not allowed: {refusal}. Switch on *My own private kitchen* in the sidebar to break things yourself.")
        return
    changed()  # the next tick shows the change, not a second-old picture
    if notice:
        say(notice)


def memory_mb(cluster: dict) -> dict[str, float]:
    """Measured memory (RSS) of every live process of each service, in MB."""
    return {s["name"]: sum(r["rss_mb"] or 0 for r in s["replicas"] if r["state"] == "up") for s in cluster["services"]}


def cost_meter(cluster: dict, label: str = "This kitchen") -> float:
    """Show what the kitchen's processes occupy now (measured) and what that would cost at an example price."""
    per_service = memory_mb(cluster)
    total = sum(per_service.values())
    processes = sum(r["state"] == "up" for s in cluster["services"] for r in s["replicas"])
    monthly = total / 1024 * EXAMPLE_PRICE_PER_GB_MONTH
    st.metric(f"{label}: memory in use (measured now)", f"{total:,.0f} MB",
              help=f"{processes} processes: " + ", ".join(f"{k} {v:.0f} MB" for k, v in per_service.items()))
    st.caption(f"≈ ${monthly:,.2f} a month at an example price of ${EXAMPLE_PRICE_PER_GB_MONTH:.0f} per GB-month "
               "(the price is an assumption; the memory is measured from the running processes).")
    return total
