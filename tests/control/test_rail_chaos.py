"""Issue #10's hardest acceptance point: 200 orders on the rail while the chef is killed and restarted three
times and the rail once, some keys sent twice. Every order taken (202) ends served or refunded, each
station's database holds one row per ticket, no dish is cooked (nor drink poured) twice, the same key gives
the same order, and no order is charged without an outcome. Checked in the services' own SQLite files."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from tests.control.test_rail import all_end, rail_mode
from tests.utils.kitchen import Kitchen, wait_for

ORDERS = 200
DISHES = ["soup", "salad", "pasta", "steak"]  # steak is sold out: its orders are refunded (the saga)
DRINKS = [None, "lemonade", "cola"]


def rows(data_dir: Path, service: str, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(data_dir / f"{service}.sqlite3", timeout=10) as db:
        return db.execute(sql, params).fetchall()


def bar_stock(data_dir: Path) -> dict[str, int]:
    return dict(rows(data_dir, "bartender", "SELECT drink, stock FROM bar"))


def send_orders(kitchen: Kitchen, answers: list[tuple[str, dict, int, str | None]]) -> None:
    """200 orders at about 12 a second; every 8th sends an earlier order's key (and body) again."""
    rng = random.Random(10)
    sent: list[tuple[str, dict]] = []
    for n in range(ORDERS):
        if n % 8 == 7:
            key, body = sent[rng.randrange(len(sent))]
        else:
            key, body = str(uuid.uuid4()), {"table": 1 + n % 20, "dish": rng.choice(DISHES), "drink": rng.choice(DRINKS)}
            sent.append((key, body))
        answer = kitchen.gateway.post("/api/orders", json=body, headers={"Idempotency-Key": key})
        answers.append((key, body, answer.status_code, answer.json().get("order_id")))
        time.sleep(1 / 12)


def bounce(kitchen: Kitchen, service: str, down_s: float) -> None:
    kitchen.post(f"/services/{service}/kill")
    time.sleep(down_s)  # the outage the test is about (not a wait for a result)
    kitchen.post(f"/services/{service}/restart")
    wait_for(lambda: kitchen.up(service), 20, f"{service} up again")


def test_200_orders_through_kills_of_the_chef_and_the_rail(restaurant):
    data_dir = Path(restaurant.log.name).parent
    rail_mode(restaurant)
    restaurant.control.put("/stock", json={"dish": "steak", "portions": 0}).raise_for_status()
    stock_before, bar_before = restaurant.control.get("/stock").json()["dishes"], bar_stock(data_dir)
    answers: list[tuple[str, dict, int, str | None]] = []
    sender = threading.Thread(target=send_orders, args=(restaurant, answers))
    sender.start()
    for service, down_s in [("chef", 1.0), ("chef", 1.5), ("rail", 2.0), ("chef", 1.0)]:
        time.sleep(1.5)
        bounce(restaurant, service, down_s)
    sender.join(timeout=60)
    assert not sender.is_alive()

    assert [a[2] for a in answers] == [202] * ORDERS, Counter(a[2] for a in answers)
    by_key: dict[str, set[str]] = {}
    for key, _body, _status, order_id in answers:
        by_key.setdefault(key, set()).add(order_id)
    assert all(len(ids) == 1 for ids in by_key.values()), "one key, one order"
    orders = {next(iter(ids)): body for key, body, _s, _o in answers for ids in [by_key[key]]}
    assert len(orders) == len(by_key) < ORDERS  # some keys were sent twice

    ended = all_end(restaurant, list(orders), {"served", "refunded"}, 90)
    for order_id, body in orders.items():
        assert ended[order_id]["status"] == ("refunded" if body["dish"] == "steak" else "served"), ended[order_id]

    ids = tuple(orders)
    marks = ",".join("?" for _ in ids)
    cooked = rows(data_dir, "chef", f"SELECT order_id, status FROM rail_tickets WHERE order_id IN ({marks})", ids)
    charged = rows(data_dir, "cashier", f"SELECT order_id, status FROM charges WHERE order_id IN ({marks})", ids)
    poured = rows(data_dir, "bartender", f"SELECT order_id FROM poured WHERE order_id IN ({marks})", ids)
    assert sorted(o for o, _ in cooked) == sorted(ids) == sorted(o for o, _ in charged)  # one row per ticket
    with_drink = [o for o, b in orders.items() if b["drink"]]  # poured after the charge, even if the dish is refused
    assert sorted(o for (o,) in poured) == sorted(with_drink)
    outcome = dict(cooked)
    for order_id, till in charged:  # no charge without an outcome: cooked, or refused and refunded
        assert (till, outcome[order_id]) in {("charged", "cooked"), ("refunded", "refused")}, order_id

    stock_after = restaurant.control.get("/stock").json()["dishes"]
    dishes = Counter(b["dish"] for b in orders.values() if b["dish"] != "steak")
    assert {d: stock_before[d] - stock_after[d] for d in DISHES} == {d: dishes.get(d, 0) for d in DISHES}  # once each
    drinks = Counter(orders[o]["drink"] for o in with_drink)
    assert {d: bar_before[d] - bar_stock(data_dir)[d] for d in drinks} == dict(drinks)  # poured once each
