"""Lesson 7, live: charge, lose the reply, retry — with an Idempotency-Key (charged once) and without (twice).

    1. read user 7's charges from billing's own database   GET /api/charges?user_id=7 (through the gateway)
    2. make billing slow for a moment (its faults)           the charge still commits, only later
    3. POST /api/subscriptions with a client timeout shorter than that delay: the reply is lost (NotServed)
    4. put billing's faults back as they were; wait until the first try's row is in billing's database
    5. retry the same request (the same key, or none): one row for a key, two rows without one
"""

from __future__ import annotations

import time
import uuid

import streamlit as st

from lessons.experiments.common import say
from lessons.kitchen import KitchenClient, KitchenProblem, NotServed
from lessons.live import changed

SUBSCRIBE = {"user_id": 7, "plan": "premium"}
SLOW_MS = 600  # billing's delay while the reply is lost: well under the gateway's own timeout (1,000 ms)
COMMIT_WAIT_S = 3.0


def charges(client: KitchenClient) -> list[dict]:
    """User 7's charges, from billing's own database (through the gateway)."""
    answer = client.send("GET", f"/api/charges?user_id={SUBSCRIBE['user_id']}")
    if answer.status_code != 200:
        try:
            reason = answer.json().get("detail", answer.text[:200])
        except ValueError:
            reason = answer.text[:200]
        raise KitchenProblem(f"Billing's charges cannot be read now (HTTP {answer.status_code}: {reason}). "
                             "Is billing up?")
    return answer.json()


def charge_lose_reply_retry(client: KitchenClient, with_key: bool) -> dict:
    """The whole experiment; answers what billing's database held before and after, and what each try got."""
    before = charges(client)
    billing = next(s for s in client.cluster()["services"] if s["name"] == "billing")
    saved = dict(billing["faults"])
    switches = client.resilience()
    slow_ms = min(SLOW_MS, 0.6 * switches["timeout_ms"]) if switches["timeouts"] else SLOW_MS
    key = f"lesson7-{uuid.uuid4().hex[:8]}" if with_key else None
    headers = {"Idempotency-Key": key} if key else {}
    client.set_faults("billing", latency_ms=slow_ms, jitter_ms=0, error_rate=0)
    try:
        client.send("POST", "/api/subscriptions", json=SUBSCRIBE, headers=headers, timeout=slow_ms / 3000)
        first = "answered (the reply was not lost this time)"
    except NotServed:
        first = f"no reply within {slow_ms / 3:,.0f} ms: the reply was lost"
    finally:
        client.set_faults("billing", **saved)  # billing as it was before the experiment
    known = {c["idempotency_key"] for c in before}
    deadline = time.monotonic() + COMMIT_WAIT_S
    while time.monotonic() < deadline and not [c for c in charges(client) if c["idempotency_key"] not in known]:
        time.sleep(0.1)  # the first try is still being charged: billing commits it a moment later
    retry = client.send("POST", "/api/subscriptions", json=SUBSCRIBE, headers=headers)
    after = charges(client)
    new = [c for c in after if c["idempotency_key"] not in known]
    return {"with_key": with_key, "key": key, "first": first, "retry": retry.status_code,
            "before": len(before), "after": len(after), "new": new}


def _run(client: KitchenClient, with_key: bool) -> None:
    try:
        st.session_state["idempotency-result"] = charge_lose_reply_retry(client, with_key)
    except KitchenProblem as problem:
        say(str(problem), "idempotency-notice")
    changed()


def idempotency_experiment(client: KitchenClient) -> None:
    """Two buttons (with a key, without) and what billing's database says happened."""
    st.markdown("#### Charge, lose the reply, retry")
    st.write("User 7 subscribes to premium. Billing is made slow for a moment, so the charge goes through but "
             "the reply comes too late and the page gives up on it. Then the page does what any client would: "
             "it tries again. Count the rows in billing's own database.")
    keyed, bare = st.columns(2)
    keyed.button("With an Idempotency-Key", key="idem-with-key", on_click=_run, args=(client, True),
                 width="stretch", help="Both tries carry the same key: billing sees the repeat.")
    bare.button("Without a key", key="idem-without-key", on_click=_run, args=(client, False), width="stretch",
                help="Each try arrives as a new request (the gateway gives each its own key).")
    problem = st.session_state.pop("idempotency-notice", None)
    if problem:
        st.warning(problem, icon=":material/cloud_off:")
    got = st.session_state.get("idempotency-result")
    if not got:
        return
    new, how = got["new"], "with the key `" + str(got["key"]) + "`" if got["with_key"] else "without a key"
    st.write(f"Sent {how}. First try: {got['first']}. Retry: HTTP {got['retry']}. User 7's charges in billing's "
             f"database: **{got['before']} before, {got['after']} after**.")
    if len(new) == 1:
        st.success("One new row: the retry got the first charge's receipt back. Charged once.",
                   icon=":material/check_circle:")
    elif len(new) >= 2:
        st.error(f"{len(new)} new rows for one intended subscription: charged {len(new)} times. "
                 + ("Each row has a key of its own: the gateway gave each try a new one, so billing could not "
                    "tell the retry from a new purchase." if not got["with_key"] else ""),
                 icon=":material/content_copy:")
    else:
        st.warning("No new row: neither try was charged (was billing down?).", icon=":material/warning:")
    st.dataframe([{k: c[k] for k in ("charge_id", "idempotency_key", "amount_cents", "created_at")}
                  for c in new], hide_index=True, width="stretch")
