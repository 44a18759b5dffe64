"""Pure builders for the rail's live backlog (control-plane JSON in, rows, sentences or a plotly figure out).

    backlog_figure(history, now)    pending tickets per queue over the last minute (GET /queues/history)
    queue_rows(queues)              a row per queue: its state in words, then pending / in flight / consumers /
                                    redelivered / dead-lettered / pinned and taken a second (GET /queues)
    rail_news(cluster, queues, now) sentences for what is missing: the rail down (figures from N s ago), no chef
    order_rows(orders)              the newest orders and each station's step; the saga's in-between said in words
    every_dish_once(waiter, chef, queues)   orders taken against tickets the chef handled, in one sentence

Tested without Streamlit (tests/lessons/test_figures_rail.py); every label of the figure is at least 14 px.
"""

from __future__ import annotations

import plotly.graph_objects as go

from lessons.figures import INK, TEXT_PX

QUEUE_COLOURS = {"chef": "#c2410c", "bartender": "#0369a1", "cashier": "#7c3aed", "dead-letter": "#991b1b"}
QUEUE_DASHES = {"chef": "solid", "bartender": "dash", "cashier": "dot", "dead-letter": "dashdot"}
OTHER_COLOUR = "#475569"
DEAD_LETTER = "dead-letter"


def _up(cluster: dict, name: str) -> int:
    service = next((s for s in cluster["services"] if s["name"] == name), None)
    return sum(r["state"] == "up" for r in service["replicas"]) if service else 0


def queue_words(queue: dict) -> str:
    """One queue's state in a few words: what waits, what is being worked on, who is there to take it."""
    pending, in_flight, consumers = queue.get("pending", 0), queue.get("in_flight", 0), queue.get("consumers", 0)
    if queue["name"] == DEAD_LETTER:
        return f"{pending} set aside" if pending else "empty"
    if not pending and not in_flight:
        return "empty" if consumers else "empty, nobody taking tickets"
    said = f"{pending} waiting" + (f", {in_flight} handed out, not yet done" if in_flight else "")
    return said + ("" if consumers else ": nobody is taking them")


def queue_rows(queues: list[dict]) -> list[dict]:
    """A table row per queue, its state in words first (a colour never says it alone)."""
    return [{"queue": q["name"], "now": queue_words(q), "pending": q.get("pending", 0),
             "in flight": q.get("in_flight", 0), "consumers": q.get("consumers", 0),
             "redelivered": q.get("redelivered", 0), "dead-lettered": q.get("dead_lettered", 0),
             "pinned /s": f"{q.get('rate_in', 0):.1f}", "taken /s": f"{q.get('rate_out', 0):.1f}"} for q in queues]


def rail_news(cluster: dict, queues: list[dict], now_s: float) -> list[str]:
    """Sentences for what the learner must know before reading the figures: the rail or a consumer missing."""
    news = []
    stale = [q for q in queues if q.get("stale")]
    if stale or (_up(cluster, "rail") == 0 and any(s["name"] == "rail" for s in cluster["services"])):
        as_of = min((q["as_of"] for q in stale if q.get("as_of")), default=None)
        ago = f": the figures below are its last, from {max(0, now_s - as_of):,.0f} s ago" if as_of else ""
        news.append(f"The rail is down{ago}. The waiter keeps taking orders; their tickets wait in its outbox.")
    for station in ("chef", "bartender"):
        if any(s["name"] == station for s in cluster["services"]) and _up(cluster, station) == 0:
            news.append(f"The {station} is down: tickets for the {station} wait on the rail until one is back.")
    return news


def backlog_figure(history: dict, now_s: float) -> go.Figure:
    """Pending tickets per queue over the last minute, a point a second (the dead-letter queue included)."""
    points = history.get("points", [])
    names = list(dict.fromkeys(name for p in points for name in p["queues"]))
    data, top = [], 0
    for name in names:
        data.append({
            "type": "scatter", "mode": "lines", "name": f"{name}: waiting",
            "x": [p["t"] - now_s for p in points],
            "y": (waiting := [p["queues"][name]["pending"] if name in p["queues"] else None for p in points]),
            "line": {"color": QUEUE_COLOURS.get(name, OTHER_COLOUR), "width": 3,
                     "dash": QUEUE_DASHES.get(name, "longdash")}, "connectgaps": False})
        top = max([top, *(n for n in waiting if n is not None)])
    return go.Figure({"data": data, "layout": {
        "uirevision": "rail-backlog", "height": 240, "margin": {"l": 64, "r": 16, "t": 10, "b": 44},
        "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": TEXT_PX - 1, "color": INK},
        "showlegend": True, "legend": {"orientation": "h", "y": 1.16, "x": 0, "font": {"size": TEXT_PX - 1}},
        "hoverlabel": {"font": {"size": TEXT_PX}},
        "xaxis": {"title": {"text": "seconds ago"}, "range": [-history.get("window_s", 60), 0],
                  "gridcolor": "#e2e8f0", "fixedrange": True},
        "yaxis": {"title": {"text": "tickets waiting"}, "rangemode": "tozero", "gridcolor": "#e2e8f0",
                  "fixedrange": True, "tickformat": "d",
                  **({"range": [0, 5], "dtick": 1} if top < 5 else {})}}})  # whole tickets, even when few


STEP_WORDS = {"waiting": "waiting", "done": "done", "failed": "failed", "refunded": "refunded",
              "charged": "paid"}


def between_steps(order: dict) -> str:
    """The saga's in-between moment, in words: what the bill says against what the kitchen says."""
    steps = {s["station"]: s["status"] for s in order.get("steps") or []}
    if not steps:  # an order taken by calls: served or refused while the guest waited, nothing in between
        return ""
    bill, kitchen = steps.get("cashier"), steps.get("chef")
    if bill == "refunded":
        return "refunded: the kitchen could not cook it, so the bill was undone"
    if bill == "charged" and kitchen == "failed":
        return "they disagree: paid, but the kitchen refused it (a refund is on its way)"
    if bill == "charged" and kitchen in (None, "waiting"):
        return "paid, not cooked yet"
    if bill == "charged" and kitchen == "done":
        return "they agree: paid and cooked"
    if bill in (None, "waiting"):
        return "not paid yet"
    return ""


def order_rows(orders: list[dict]) -> list[dict]:
    """A table row per order: its status, each station's step in words, and the bill against the kitchen."""
    rows = []
    for order in orders:
        steps = {s["station"]: s for s in order.get("steps") or []}
        row = {"order": str(order.get("order_id", "")), "dish": order.get("dish") or "", "status": order.get("status", "–")}
        for station in ("cashier", "chef", "bartender"):
            step = steps.get(station)
            row[station] = STEP_WORDS.get(step["status"], step["status"]) if step else "–"
        row["bill and kitchen"] = between_steps(order)
        rows.append(row)
    return rows


def _rows(tables: list[dict], name: str) -> int:
    return next((t["rows"] for t in tables if t["name"] == name), 0)


def every_dish_once(waiter_tables: list[dict], chef_tables: list[dict], queues: list[dict]) -> str:
    """Orders taken on the rail (the waiter's own database) against the tickets the chef handled (its own, one row
    per order number: the table's key), with what is still on the rail and what it handed out more than once."""
    taken, handled = _rows(waiter_tables, "rail_orders"), _rows(chef_tables, "rail_tickets")
    chef = next((q for q in queues if q["name"] == "chef"), {})
    waiting = chef.get("pending", 0) + chef.get("in_flight", 0)
    said = (f"The waiter's own database holds {taken} orders taken on the rail; the chef's holds {handled} tickets, "
            f"one row per order number, so none was cooked twice")
    if waiting:
        said += f"; {waiting} are still on the rail"
    if chef.get("redelivered"):
        said += f". The rail handed {chef['redelivered']} tickets over again, and the chef recognised each one"
    return said + "."
