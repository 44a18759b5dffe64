"""Lesson 8: tickets on a rail. The restaurant kitchen's waiter passes tickets by calls or on a real broker.

    mode switch (calls | rail) ──▶ PUT /messaging
    orders: one, the poison dish, a stream (POST /load) ──▶ through the waiter
    chef: kill · restart · three chefs · one     rail: kill · restart     stock: sell out · restock the pasta
    two stories (the chef walks out, the rail goes down) ──▶ POST /scenario/play on this kitchen
    live_view(rail=True) ──▶ backlog_now(data): sentences for what is down, the queues in words and numbers,
                             the last minute of tickets waiting, the newest orders and their steps
"""

from __future__ import annotations

import time
import uuid

import httpx
import streamlit as st

from lessons.app_state import kitchen_or_stop
from lessons.control_room import scenario_story
from lessons.experiments.common import act, keep_answer, say, sent_at, show_notice
from lessons.figures_rail import between_steps, every_dish_once, order_rows
from lessons.following import knob_key
from lessons.kitchen import KitchenClient, KitchenProblem
from lessons.live import ORDERS_EVERY_S, live_view, rerun_page_after_this_tick
from lessons.rail_panel import backlog_panel

KITCHEN = "restaurant"
MODE_SWITCH = "Pin tickets on the rail (off: the waiter calls each station and waits)"
STREAM_RPS, STREAM_S = 10, 120  # two minutes: time to send the chef away and take the rail down while it runs
POISON = "burnt toast"  # always fails to cook: after a few tries its ticket is set aside (the dead-letter queue)
RESTOCK = 100
STORIES = {"chef_walks_out": "The chef walks out", "rail_goes_down": "The rail goes down"}
ANSWER = "rail-answer"
FOLLOWED = "rail-followed-order"  # (order id, read at, the order as read) of the order taken by hand


MODE_DRAWN = "rail-mode-drawn"  # the mode this page's switch shows


def current_mode(client: KitchenClient) -> str | None:
    """The kitchen's messaging mode (None with a sentence said when it cannot be read)."""
    try:
        return client.messaging()
    except KitchenProblem as problem:
        st.warning(f"This kitchen cannot say how its waiter passes tickets: {problem}", icon=":material/warning:")
        return None


def _set_mode(client: KitchenClient, key: str) -> None:
    mode = "rail" if st.session_state[key] else "calls"
    act(client.set_messaging, mode, notice={
        "rail": "Tickets on a rail: the waiter pins each ticket and answers “taken” at once (HTTP 202).",
        "calls": "Calls: the waiter waits at each station again, and answers when the dish is served."}[mode])


def take_order(client: KitchenClient, dish: str = "pasta") -> None:
    """One order through the waiter with its own idempotency key; what came back is kept for the page."""
    keep_answer(ANSWER, lambda: client.send("POST", "/api/orders", json={"table": 3, "dish": dish, "drink": "lemonade"},
                                            headers={"Idempotency-Key": f"lesson8-{uuid.uuid4().hex[:12]}"}), dish=dish)


def _answer() -> None:
    """The last order taken by hand: how the waiter answered, and how long the guest waited for that answer."""
    got = st.session_state.get(ANSWER)
    if not got:
        return
    if "problem" in got:
        st.error(f"{got['problem']} ({sent_at(got)})", icon=":material/cloud_off:")
        return
    body = got["body"] if isinstance(got["body"], dict) else {}
    waited = f"the guest waited {got['ms']:,.0f} ms for this answer (measured; {sent_at(got)})"
    if got["status"] == 202:
        st.success(f"HTTP 202 · taken: order {body.get('order_id', '')} ({got['dish']}) is on the rail; "
                   f"{waited}. Follow it in the table of orders below.", icon=":material/check_circle:")
    elif got["status"] < 400:
        st.success(f"HTTP {got['status']} · served while the guest waited: {waited}.", icon=":material/check_circle:")
    else:
        st.error(f"HTTP {got['status']} · not taken: {body.get('detail', '')} ({waited})", icon=":material/error:")


def _stock_change(client: KitchenClient, portions: int) -> None:
    client.set_stock("pasta", portions)
    left = client.stock().get("pasta")
    say(f"The chef's own stock table now says: {left} portions of pasta." + (
        " Order a pasta: it is paid first, then refused by the kitchen, then refunded." if left == 0 else ""))


def count_dishes(client: KitchenClient) -> None:
    """Read the waiter's and the chef's own databases, and say whether every dish was handled once."""
    say(every_dish_once(client.tables("waiter"), client.tables("chef"), client.queues()))


def _buttons(row, buttons: list[tuple[str, str, tuple, dict]]) -> None:
    """A row of buttons, each (label, key, args for act, act's keyword arguments)."""
    for column, (label, key, args, kwargs) in zip(row, buttons):
        column.button(label, key=key, on_click=act, args=args, kwargs=kwargs, width="stretch")


def controls(client: KitchenClient) -> None:
    """Every switch of the experiment, in rows whose labels fit."""
    mode = st.session_state[MODE_DRAWN] = current_mode(client)
    if mode is not None:
        key = knob_key("rail-mode", mode == "rail")  # what the kitchen says, whoever changed it (following.py)
        st.toggle(MODE_SWITCH, value=mode == "rail", key=key, on_change=_set_mode, args=(client, key),
                  help="On: the waiter answers “taken” at once. Off: the waiter waits until the dish is served.")
    orders = st.columns(4)
    orders[0].button("Take one order (pasta)", key="rail-order", on_click=take_order, args=(client,), width="stretch")
    orders[1].button(f"Order the {POISON}", key="rail-poison", on_click=take_order, args=(client, POISON),
                     width="stretch", help="On the rail, a dish that always fails to cook: watch its ticket being "
                                           "tried again, then set aside in the dead-letter queue, and the order refunded")
    _buttons(orders[2:], [
        (f"A stream: {STREAM_RPS} orders a second", "rail-stream", (client.start_load, STREAM_RPS, STREAM_S),
         {"notice": f"{STREAM_RPS} guests a second for {STREAM_S} s, whether or not the kitchen keeps up."}),
        ("Stop the stream", "rail-stream-stop", (client.stop_load,), {"notice": "No more guests are coming in."})])
    _buttons(st.columns(4), [
        ("Send the chef home (kill)", "rail-chef-kill", (client.kill, "chef"),
         {"notice": "The chef is gone. On the rail, orders are still taken and the chef's tickets pile up."}),
        ("Call the chef back (restart)", "rail-chef-restart", (client.restart, "chef"),
         {"notice": "The chef is on the way back: once `up`, the backlog drains, each dish cooked once."}),
        ("Three chefs", "rail-chefs-3", (client.scale, "chef", 3),
         {"notice": "Three chefs take tickets from one rail: each gets the next one, none the same."}),
        ("Back to one chef", "rail-chefs-1", (client.scale, "chef", 1), {"notice": "One chef again."})])
    _buttons(st.columns(4), [
        ("Take the rail down (kill)", "rail-kill", (client.kill, "rail"),
         {"notice": "The broker is gone. The waiter keeps taking orders: their tickets wait in its outbox."}),
        ("Bring the rail back", "rail-restart", (client.restart, "rail"),
         {"notice": "The broker is starting: the outbox's tickets go onto the rail once it is `up`."}),
        ("Sell out the pasta", "rail-sell-out", (_stock_change, client, 0), {}),
        (f"Restock the pasta ({RESTOCK})", "rail-restock", (_stock_change, client, RESTOCK), {})])
    st.button("Count every dish (read the waiter's and the chef's own databases)", key="rail-count",
              on_click=act, args=(count_dishes, client))


def _story_buttons(client: KitchenClient) -> None:
    st.markdown("**Or let a story play it** (the same stories are in the Control room, on the restaurant kitchen)")
    _buttons(st.columns(len(STORIES) + 1), [
        *((f"Play: {title}", f"rail-story-{stem}", (client.play_scenario, stem), {}) for stem, title in STORIES.items()),
        ("Stop the story and heal the kitchen", "rail-story-reset", (client.reset_scenario,), {})])


def _follow(client: KitchenClient, orders: list[dict], cluster: dict) -> None:
    """The order taken by hand, read again from the stations' own databases (its steps say the saga's moment)."""
    got = st.session_state.get(ANSWER) or {}
    order_id = (got.get("body") or {}).get("order_id") if got.get("status") == 202 else None
    if not order_id:
        return
    order = next((o for o in orders if o["order_id"] == order_id), None)
    if order is None:  # out of the newest: read it alone, as often as the newest are read (not at every tick)
        read_id, read_at, order = st.session_state.get(FOLLOWED, (None, 0.0, None))
        if read_id != order_id or time.monotonic() - read_at >= ORDERS_EVERY_S:
            try:
                answer = client.send("GET", f"/api/orders/{order_id}", timeout=1.0, cluster=cluster)
                order = answer.json() if answer.status_code == 200 else None
            except (KitchenProblem, ValueError, httpx.HTTPError):
                order = None
            st.session_state[FOLLOWED] = (order_id, time.monotonic(), order)
    if order is None:
        st.caption(f"Your order {order_id}: the waiter cannot show it just now.")
        return
    moment = between_steps(order)
    st.markdown(f"**Your order {order_id} ({order.get('dish', '')}): {order.get('status', '–')}**"
                + (f" · {moment}" if moment else ""))


def backlog_now(client: KitchenClient, data: dict | None) -> None:
    """Drawn every tick from the shared reading: what is down, the queues, their last minute, the newest orders."""
    if data is None:
        return
    if (data.get("scenario") or {}).get("name"):  # a story playing on this kitchen: its lines first
        scenario_story(client.url, data)
    rail = data.get("rail")
    if rail is None:
        st.info("This kitchen has no rail to show.")
        return
    if st.session_state.get(MODE_DRAWN) not in (None, rail["mode"]):  # switched elsewhere (a story, the Control
        st.session_state[MODE_DRAWN] = rail["mode"]                   # room, another tab): the switch follows it
        rerun_page_after_this_tick()
    backlog_panel(data, key="rail")
    st.markdown("**The newest orders**, each station's step read from its own database")
    st.caption(f"Read through the waiter every {ORDERS_EVERY_S:g} s: to answer, the waiter must ask every station "
               "now, so each read is a call (the thin waiter → station lines on the graph), not a message. These "
               "reads (and the read of your own order, once newer ones push it off this list) are left out of the "
               "trace picker below.")
    if rail["mode"] != "rail":
        st.caption("By calls, each order is served (or refused) while the guest waits: there is no step in between "
                   "to follow. Switch on the rail to see them.")
    elif rail["orders"]:
        if rail["orders_problem"]:  # the last list read is kept, and said to be old: not shown as if read now
            st.warning(f"The orders cannot be read just now, so this is the list as last read. "
                       f"{rail['orders_problem']}", icon=":material/history:")
        st.table(order_rows(rail["orders"]))
    elif rail["orders_problem"]:
        st.caption(f"The orders cannot be read just now: {rail['orders_problem']}")
    else:
        st.caption("No orders yet: take one.")
    _follow(client, rail["orders"], data["cluster"])


def rail_lesson() -> None:
    client = kitchen_or_stop(KITCHEN)
    st.write("The restaurant kitchen, each station its own process, and one more: **the rail**, a real NATS "
             "broker. Switch to the rail, start a stream of orders, and send the chef home.")
    controls(client)
    _answer()
    show_notice()
    _story_buttons(client)
    live_view(client.url, key="rail", above=lambda data: backlog_now(client, data), rail=True)
