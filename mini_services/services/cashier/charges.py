"""The cashier on the rail: charge each order once (the saga's first step), refund it when the kitchen cannot.

    queue cashier   charge (one row per order), then pin the chef's and the bartender's tickets on the rail
    queue refunds   the compensating step: the charge becomes a refund (once, however often it is asked)

A redelivered ticket finds its row already there: it is not charged again, and its next tickets are
published again (the broker drops the duplicates by their Nats-Msg-Id), then it is acked.
"""

import json
import time
from pathlib import Path

from mini_services.kit.messaging import RailLink
from mini_services.kit.rail_station import rows_of, station_work
from mini_services.kit.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS charges (
    order_id TEXT PRIMARY KEY,
    items TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    status TEXT NOT NULL,          -- charged | refunded | failed
    detail TEXT NOT NULL,
    charged_at REAL NOT NULL,
    refunded_at REAL
)
"""
STEP = {"charged": "charged", "refunded": "refunded", "failed": "failed"}


class ChargeBook:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA)

    def charge(self, order_id: str, items: list[str]) -> dict:
        """One charge per order: a redelivered ticket answers the row already there."""
        with self.db.transaction() as tx:
            known = tx.execute("SELECT * FROM charges WHERE order_id = ?", (order_id,)).fetchone()
            if known is not None:
                return dict(known)
            prices = {r["item"]: r["cents"] for r in tx.execute("SELECT * FROM prices").fetchall()}
            unknown = [i for i in items if i not in prices]
            total = sum(prices.get(i, 0) for i in items)
            status, detail = (("failed", f"no price for {', '.join(unknown)}: not charged") if unknown else
                              ("charged", f"charged {total / 100:.2f} for {', '.join(items)}"))
            tx.execute("INSERT INTO charges VALUES (?, ?, ?, ?, ?, ?, NULL)",
                       (order_id, json.dumps(items), 0 if unknown else total, status, detail, time.time()))
            return dict(tx.execute("SELECT * FROM charges WHERE order_id = ?", (order_id,)).fetchone())

    def refund(self, order_id: str, reason: str) -> None:
        """Refund once: only a charge still standing becomes a refund."""
        with self.db.transaction() as tx:
            tx.execute("UPDATE charges SET status = 'refunded', refunded_at = ?, "
                       "detail = 'refunded ' || printf('%.2f', total_cents / 100.0) || ': ' || ? "
                       "WHERE order_id = ? AND status = 'charged'", (time.time(), reason, order_id))

    def of(self, order_ids: list[str]) -> list[dict]:
        rows = rows_of(self.db, "charges", order_ids)
        return [{"order_id": r["order_id"], "status": STEP[r["status"]], "detail": r["detail"],
                 "at": r["refunded_at"] or r["charged_at"], "total_cents": r["total_cents"]} for r in rows]


class CashierOnRail:
    def __init__(self, book: ChargeBook, rail: RailLink, ctx):
        self.book, self.rail, self.ctx = book, rail, ctx
        rail.consume("cashier", self.charge, ctx.station.workers)
        rail.consume("refunds", self.refund, 1)

    async def charge(self, ticket: dict, _delivery: int) -> None:
        """Pay first: charge, then pass the chef's (and the bartender's) ticket on; ack follows."""
        await station_work(self.ctx)
        items = [ticket["dish"]] + ([ticket["drink"]] if ticket.get("drink") else [])
        charge = self.book.charge(ticket["order_id"], items)
        if charge["status"] != "charged":
            return  # nothing charged, nothing to cook: the order reads failed
        oid = ticket["order_id"]
        await self.rail.publish("chef", {"order_id": oid, "dish": ticket["dish"]}, f"{oid}/cook")
        if ticket.get("drink"):
            await self.rail.publish("bartender", {"order_id": oid, "drink": ticket["drink"]}, f"{oid}/pour")

    async def refund(self, ticket: dict, _delivery: int) -> None:
        """The saga's compensating step."""
        self.book.refund(ticket["order_id"], ticket["reason"])
