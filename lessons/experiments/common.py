"""What every experiment shares: button callbacks that act on a kitchen, and the cost meter."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import streamlit as st

from lessons.kitchen import KitchenProblem, NotAllowed
from lessons.live import changed, count_by_hand

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
    except NotAllowed as refusal:
        say(f"Not allowed: {refusal}. Switch on *My own private kitchen* in the sidebar to break things yourself.")
        return
    except KitchenProblem as problem:  # one plain sentence that says why, never a traceback
        say(str(problem))
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


def ask_and_keep(client, key: str) -> None:
    """A button callback: send the entry request and keep what came back under ``key`` (an answer, or the sentence
    that says why none came), for ``answer_verdict``."""
    keep_answer(key, client.entry_request)


def keep_answer(key: str, send: Callable[[], httpx.Response], **kept: object) -> None:
    """Send one request as a guest would (``send``) and keep what came back under ``key`` (with ``kept``): its
    status, body, time and trace id, or the sentence that says why no answer came. It counts on the page."""
    sent_at = time.strftime("%H:%M:%S")  # a kept answer says when it was asked: later changes do not show in it
    try:
        answer = send()
    except KitchenProblem as problem:
        st.session_state[key] = {"problem": str(problem), "sent_at": sent_at}
        count_by_hand("failed")
        return
    try:
        body = answer.json()
    except ValueError:
        body = {"detail": answer.text[:300]}
    st.session_state[key] = {"status": answer.status_code, "body": body, "ms": answer.elapsed.total_seconds() * 1000,
                             "trace_id": answer.headers.get("x-trace-id", ""), "sent_at": sent_at, **kept}
    degraded = isinstance(body, dict) and bool(body.get("degraded"))
    count_by_hand("failed" if answer.status_code >= 400 else "degraded" if degraded else "ok")
    changed()


def answer_panel(client, key: str, label: str, waterfall_below: bool = True) -> None:
    """A button that sends the entry request, and the answer it got: status, what was missing, the body."""
    st.button(label, key=f"{key}-send", on_click=ask_and_keep, args=(client, f"{key}-answer"))
    body = answer_verdict(st.session_state.get(f"{key}-answer"), waterfall_below)
    if body is not None:
        st.json(body, expanded=1)  # the top level (degraded or failed among it); open the rest by hand


def sent_at(got: dict) -> str:
    """When a kept answer was asked for, in words (its figures are as of then, not now)."""
    return f"sent at {got.get('sent_at', '?')}"


def answer_verdict(got: dict | None, waterfall_below: bool = True) -> dict | None:
    """What one kept answer says, in words: its status, what was missing, how long it took and its trace. Answers
    its body (None when there is no answer to show)."""
    if not got:
        return None
    if "problem" in got:
        st.error(f"{got['problem']} ({sent_at(got)})", icon=":material/cloud_off:")
        return None
    body = got["body"] if isinstance(got["body"], dict) else {"answer": got["body"]}
    missing = body.get("degraded") or body.get("failed") or []
    if got["status"] < 400:
        verdict = f"HTTP {got['status']} · answered" + (f" without {', '.join(missing)} (degraded)" if missing else
                                                          ", nothing missing")
        (st.warning if missing else st.success)(verdict, icon=":material/warning:" if missing else ":material/check_circle:")
    else:
        st.error(f"HTTP {got['status']} · not served: {body.get('detail', '')}", icon=":material/error:")
    st.caption(f"{'answered' if got['status'] < 400 else 'refused'} in {got['ms']:,.0f} ms (measured; {sent_at(got)}) · "
               f"trace {got['trace_id'][:8] or '—'}" + (" · pick it in the waterfall below" if waterfall_below else ""))
    return body
