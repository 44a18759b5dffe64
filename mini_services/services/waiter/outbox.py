"""The waiter's own database in rail mode: the order book and the outbox, written in ONE transaction.

    rail_orders  one row per order (one order per idempotency key)
    outbox       the tickets still to pin on the rail; the relay marks each sent after the broker's ack

An order is taken (202) once both rows are committed, so a rail that is down loses nothing: the
relay publishes what is waiting when the rail is back.
"""

import json
import time
from pathlib import Path

from mini_services.kit.store import Database, body_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS rail_orders (
    order_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    body_hash TEXT NOT NULL,
    table_no INTEGER NOT NULL,
    dish TEXT NOT NULL,
    drink TEXT,
    taken_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id TEXT NOT NULL UNIQUE,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    trace_context TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (id) WHERE sent_at IS NULL
"""


def _order(row: dict) -> dict:
    return {"order_id": row["order_id"], "table": row["table_no"], "dish": row["dish"], "drink": row["drink"],
            "taken_at": row["taken_at"]}


class Outbox:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA)

    def take(self, order_id: str, key: str, request: dict, ticket: dict, trace_context: dict) -> tuple[dict, bool]:
        """Write the order and its first ticket (to the cashier) in one transaction; (the order, new?).
        The same key again answers the stored order; with another body it is a 409."""
        row = {"order_id": order_id, "table_no": request["table"], "dish": request["dish"],
               "drink": request["drink"], "taken_at": time.time()}

        def pin_ticket(tx) -> None:
            tx.execute("INSERT INTO outbox (msg_id, queue, body, trace_context, created_ns) VALUES (?, ?, ?, ?, ?)",
                       (f"{order_id}/charge", "cashier", json.dumps(ticket), json.dumps(trace_context),
                        time.time_ns()))

        stored, created = self.db.idempotent_insert("rail_orders", key, body_hash(request), row, also=pin_ticket)
        return _order(stored), created

    def unsent(self, limit: int = 200) -> list[dict]:
        return self.db.rows("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,))

    def mark_sent(self, ids: list[int]) -> None:
        if ids:
            with self.db.transaction() as tx:
                tx.executemany("UPDATE outbox SET sent_at = ? WHERE id = ?", [(time.time(), i) for i in ids])

    def waiting(self) -> int:
        return self.db.row("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL")["n"]

    def get(self, order_id: str) -> dict | None:
        row = self.db.row("SELECT * FROM rail_orders WHERE order_id = ?", (order_id,))
        return _order(row) if row else None

    def recent(self, limit: int) -> list[dict]:
        return [_order(r) for r in self.db.rows("SELECT * FROM rail_orders ORDER BY rowid DESC LIMIT ?", (limit,))]
