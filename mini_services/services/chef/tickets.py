"""The chef on the rail: takes cooking tickets from the chef's queue (every chef replica competes for them).

    one row per ticket (order id): cooking -> cooked | refused (sold out, not on the menu) | failed (poison)
    a redelivered ticket finds its row: cooked stays cooked (never cooked twice); a ticket whose chef died
    mid-cook is finished; refused and failed ones pin their refund on the rail again (the broker drops copies)

The stock table belongs to the chef alone: a dish with no portions left is refused, and the saga refunds.
"""

import time
from pathlib import Path

from mini_services.kit.messaging import MAX_DELIVERIES, DeadLetter, RailLink, Redeliver
from mini_services.kit.rail_station import rows_of, station_work
from mini_services.kit.store import Database
from mini_services.services.chef.store import DISHES

POISON = "burnt toast"  # always burns: its ticket ends in the dead-letter queue after MAX_DELIVERIES tries
PORTIONS = 1000  # each dish's stock at the start and after a reset
SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (dish TEXT PRIMARY KEY, portions INTEGER NOT NULL CHECK (portions >= 0));
CREATE TABLE IF NOT EXISTS rail_tickets (
    order_id TEXT PRIMARY KEY,
    dish TEXT NOT NULL,
    status TEXT NOT NULL,          -- cooking | cooked | refused | failed
    detail TEXT NOT NULL,
    taken_at REAL NOT NULL,
    done_at REAL
)
"""
STEP = {"cooking": "waiting", "cooked": "done", "refused": "failed", "failed": "failed"}


def restock(tx) -> None:
    for dish in DISHES:
        tx.execute("INSERT OR IGNORE INTO stock VALUES (?, ?)", (dish, PORTIONS))


class Pass:
    """The chef's ticket book and stock (its own database)."""

    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, restock)

    def take(self, order_id: str, dish: str) -> dict:
        """The ticket's row: made once (the stock goes down once), answered as it is on a redelivery."""
        with self.db.transaction() as tx:
            known = tx.execute("SELECT * FROM rail_tickets WHERE order_id = ?", (order_id,)).fetchone()
            if known is not None:
                return dict(known)
            shelf = tx.execute("SELECT portions FROM stock WHERE dish = ?", (dish,)).fetchone()
            if dish == POISON:
                status, detail = "cooking", "cooking"
            elif shelf is None:
                status, detail = "refused", f"{dish} is not on the menu"
            elif shelf["portions"] == 0:
                status, detail = "refused", f"{dish} is sold out"
            else:
                tx.execute("UPDATE stock SET portions = portions - 1 WHERE dish = ?", (dish,))
                status, detail = "cooking", "cooking"
            tx.execute("INSERT INTO rail_tickets VALUES (?, ?, ?, ?, ?, NULL)", (order_id, dish, status, detail,
                                                                                  time.time()))
            return {"order_id": order_id, "dish": dish, "status": status, "detail": detail}

    def finish(self, order_id: str, status: str, detail: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE rail_tickets SET status = ?, detail = ?, done_at = ? WHERE order_id = ? "
                       "AND status = 'cooking'", (status, detail, time.time(), order_id))

    def of(self, order_ids: list[str]) -> list[dict]:
        rows = rows_of(self.db, "rail_tickets", order_ids)
        return [{"order_id": r["order_id"], "status": STEP[r["status"]], "detail": r["detail"],
                 "at": r["done_at"] or r["taken_at"]} for r in rows]

    def stock(self) -> dict[str, int]:
        return {r["dish"]: r["portions"] for r in self.db.rows("SELECT * FROM stock ORDER BY dish")}

    def set_stock(self, dish: str, portions: int) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE stock SET portions = ? WHERE dish = ?", (portions, dish))

    def restock(self) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE stock SET portions = ?", (PORTIONS,))


class ChefOnRail:
    def __init__(self, book: Pass, rail: RailLink, ctx):
        self.book, self.rail, self.ctx = book, rail, ctx
        rail.consume("chef", self.cook, ctx.station.workers)

    async def cook(self, ticket: dict, delivery: int) -> None:
        """Cook once per ticket; a dish that cannot be cooked sends a refund ticket (the saga compensates)."""
        oid, dish = ticket["order_id"], ticket["dish"]
        row = self.book.take(oid, dish)
        if row["status"] == "cooking":
            await station_work(self.ctx)  # simulate cooking (the chef's service time, its faults)
            if dish == POISON and delivery < MAX_DELIVERIES:
                raise Redeliver(f"the {dish} burnt")
            if dish == POISON:
                self.book.finish(oid, "failed", f"dead-lettered: the {dish} burnt on each of {delivery} tries")
            else:
                self.book.finish(oid, "cooked", f"{dish} cooked")
            row = {**row, "status": "failed" if dish == POISON else "cooked"}
        if row["status"] in ("refused", "failed"):
            reason = "the kitchen could not cook it" if row["status"] == "failed" else row["detail"]
            await self.rail.publish("refunds", {"order_id": oid, "reason": reason}, f"{oid}/refund")
        if row["status"] == "failed":
            raise DeadLetter(f"the {dish} cannot be cooked")
