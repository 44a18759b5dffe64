"""The rail's figures and words on plain control-plane JSON (no Streamlit, no processes)."""

from __future__ import annotations

from lessons.figures import RAIL, TEXT_PX, edges_of, graph_figure, positions
from lessons.figures_rail import (
    backlog_figure,
    between_steps,
    every_dish_once,
    order_rows,
    queue_rows,
    queue_words,
    rail_news,
)


def service(name, up=1, calls=()):
    return {"name": name, "calls": list(calls), "desired_replicas": 1, "version": "v1",
            "replicas": [{"id": f"{name}-1", "state": "up" if up else "down", "version": "v1"}]}


STATIONS = ("chef", "bartender", "cashier", "dishwasher")
RESTAURANT = {"gateway": "waiter", "services": [service("waiter", calls=STATIONS), *map(service, STATIONS),
                                                service(RAIL)]}


def queue(name, pending=0, in_flight=0, consumers=1, **more):
    return {"name": name, "pending": pending, "in_flight": in_flight, "consumers": consumers, "delivered": 0,
            "redelivered": 0, "dead_lettered": 0, "rate_in": 0.0, "rate_out": 0.0, **more}


def test_the_rail_sits_between_the_waiter_and_the_stations_it_feeds():
    place = positions(RESTAURANT)
    waiter, rail, chef, bartender = place["waiter"], place[RAIL], place["chef"], place["bartender"]
    assert chef[1] < rail[1] < waiter[1], "half-way down"
    assert min(chef[0], bartender[0]) <= rail[0] <= max(chef[0], bartender[0]), "above the stations it feeds"
    assert RAIL not in positions({**RESTAURANT, "services": RESTAURANT["services"][:-1]}), "no rail, no node"


def test_the_rails_paths_are_drawn_idle_and_the_spans_own_pairs_too():
    graph = {"nodes": [], "edges": [{"source": RAIL, "target": "cashier", "calls": 4, "rps": 2, "error_rate": 0,
                                     "p50_ms": 3, "p95_ms": 5}]}
    pairs = edges_of(RESTAURANT, graph)
    assert {("waiter", RAIL), (RAIL, "chef"), (RAIL, "bartender"), (RAIL, "cashier")} <= set(pairs)
    assert len(pairs) == len(set(pairs)), "each edge once"
    fig = graph_figure(RESTAURANT, graph)
    cashier = fig.data[-1].text[[s["name"] for s in RESTAURANT["services"]].index("cashier")]
    assert "p95 5.0 ms" in cashier, "a station fed by the rail says how the rail's deliveries went"
    idle = [t for t in fig.data[:-1] if t.line.dash == "dot"]
    assert len(idle) == len(pairs) - 1, "every edge without traffic is dotted"


def test_each_queue_says_its_state_in_words():
    assert queue_words(queue("chef", pending=12, in_flight=1)) == "12 waiting, 1 handed out, not yet done"
    assert queue_words(queue("chef", pending=5, consumers=0)) == "5 waiting: nobody is taking them"
    assert queue_words(queue("chef")) == "empty"
    assert queue_words(queue("dead-letter", pending=1, consumers=0)) == "1 set aside"
    row = queue_rows([queue("chef", pending=3, redelivered=2, dead_lettered=1, rate_out=12.25)])[0]
    assert row["now"] == "3 waiting" and (row["redelivered"], row["dead-lettered"]) == (2, 1)
    assert row["taken /s"] == "12.2" and row["pinned /s"] == "0.0", "three chefs drain faster: said in numbers"


def test_a_rail_down_or_a_chef_away_is_said_in_a_sentence():
    assert rail_news(RESTAURANT, [queue("chef")], 100.0) == []
    stale = [queue("chef", pending=4, stale=True, as_of=88.0)]
    down = {**RESTAURANT, "services": [*RESTAURANT["services"][:-1], service(RAIL, up=0)]}
    said = rail_news(down, stale, 100.0)
    assert said and "The rail is down: the figures below are its last, from 12 s ago" in said[0]
    no_chef = {**RESTAURANT, "services": [service("chef", up=0) if s["name"] == "chef" else s
                                          for s in RESTAURANT["services"]]}
    assert any("The chef is down" in s for s in rail_news(no_chef, [queue("chef")], 100.0))


def test_the_backlog_line_covers_the_last_minute_per_queue_in_legible_text():
    points = [{"t": 40.0 + i, "queues": {"chef": {"pending": i, "in_flight": 0}, "bartender": {"pending": 0,
                                                                                             "in_flight": 0}}}
              for i in range(60)]
    fig = backlog_figure({"window_s": 60, "points": points}, now_s=100.0)
    assert [t.name for t in fig.data] == ["chef: waiting", "bartender: waiting"]
    assert list(fig.data[0].y)[-1] == 59 and list(fig.data[0].x)[-1] == -1.0
    assert fig.data[0].line.dash != fig.data[1].line.dash, "queues told apart by more than colour"
    assert tuple(fig.layout.xaxis.range) == (-60, 0) and fig.layout.font.size >= 14
    assert fig.layout.legend.font.size >= 14 and fig.layout.uirevision == "rail-backlog"
    assert backlog_figure({"window_s": 60, "points": []}, 0.0).data == ()
    assert tuple(backlog_figure({"window_s": 60, "points": points[:2]}, 100.0).layout.yaxis.range) == (0, 5), \
        "a quiet rail still counts whole tickets"


def order(status, cashier, chef):
    return {"order_id": "a1b2c3d4e5f6", "status": status, "table": 3, "dish": "pasta", "drink": "lemonade",
            "steps": [{"station": "cashier", "status": cashier, "detail": "", "at": 1.0},
                      {"station": "chef", "status": chef, "detail": "", "at": None}]}


def test_the_sagas_in_between_moment_is_said_in_words():
    assert between_steps(order("paid", "charged", "waiting")) == "paid, not cooked yet"
    assert between_steps(order("paid", "charged", "failed")).startswith("they disagree")
    assert between_steps(order("refunded", "refunded", "failed")).startswith("refunded")
    assert between_steps(order("served", "charged", "done")) == "they agree: paid and cooked"
    assert between_steps({"order_id": "o-1", "status": "served", "dish": "pasta"}) == "", "by calls: no in-between"
    assert order_rows([{"order_id": "o-2", "table": 3, "dish": "pasta"}])[0]["status"] == "–", "an order book row"
    row = order_rows([order("paid", "charged", "waiting")])[0]
    assert row == {"order": "a1b2c3d4e5f6", "dish": "pasta", "status": "paid", "cashier": "paid", "chef": "waiting",
                   "bartender": "–", "bill and kitchen": "paid, not cooked yet"}


def test_text_is_at_least_14_px():
    assert TEXT_PX - 1 >= 14


def test_every_dish_once_compares_the_waiters_orders_with_the_chefs_tickets():
    waiter = [{"name": "orders", "rows": 3}, {"name": "rail_orders", "rows": 40}, {"name": "outbox", "rows": 80}]
    chef = [{"name": "rail_tickets", "rows": 35}, {"name": "stock", "rows": 4}]
    said = every_dish_once(waiter, chef, [queue("chef", pending=4, in_flight=1, redelivered=2)])
    assert said.startswith("The waiter's own database holds 40 orders taken on the rail; the chef's holds 35 tickets")
    assert "5 are still on the rail" in said and "handed 2 tickets over again" in said
    assert "still on the rail" not in every_dish_once(waiter, chef, [queue("chef")])
