"""The bartender on the rail: takes drink tickets from the bartender's queue (replicas compete for them).

Pouring is idempotent already (one ``pours`` row per order: the stock goes down once); ``poured`` keeps the
rail's view of each ticket, one row per order, for the waiter to read the order's progress.
"""

import time

from fastapi import HTTPException

from mini_services.kit.messaging import RailLink
from mini_services.kit.rail_station import rows_of, station_work
from mini_services.kit.store import Database
from mini_services.services.bartender.store import BarStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS poured (
    order_id TEXT PRIMARY KEY,
    drink TEXT NOT NULL,
    status TEXT NOT NULL,          -- done | failed
    detail TEXT NOT NULL,
    poured_at REAL NOT NULL
)
"""


class BartenderOnRail:
    def __init__(self, bar: BarStore, rail: RailLink, ctx):
        self.bar, self.ctx = bar, ctx
        self.db = Database(bar.db.path, SCHEMA)
        rail.consume("bartender", self.pour, ctx.station.workers)

    async def pour(self, ticket: dict, _delivery: int) -> None:
        oid, drink = ticket["order_id"], ticket["drink"]
        if self.db.row("SELECT 1 AS x FROM poured WHERE order_id = ?", (oid,)):
            return  # a redelivered ticket: poured already
        await station_work(self.ctx)  # simulate pouring
        try:
            glass = self.bar.pour(oid, drink)
            status, detail = "done", f"{drink} poured ({glass['left_in_stock']} left)"
        except HTTPException as refusal:
            status, detail = "failed", refusal.detail
        with self.db.transaction() as tx:
            tx.execute("INSERT OR IGNORE INTO poured VALUES (?, ?, ?, ?, ?)", (oid, drink, status, detail, time.time()))

    def of(self, order_ids: list[str]) -> list[dict]:
        rows = rows_of(self.db, "poured", order_ids)
        return [{"order_id": r["order_id"], "status": r["status"], "detail": r["detail"], "at": r["poured_at"]}
                for r in rows]


