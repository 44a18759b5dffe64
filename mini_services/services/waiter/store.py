"""The waiter's own database: the order book (one order per idempotency key)."""

import json
from datetime import datetime, timezone
from pathlib import Path

from mini_services.kit.store import Database, body_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    body_hash TEXT NOT NULL,
    table_no INTEGER NOT NULL,
    dish TEXT NOT NULL,
    drink TEXT,
    served TEXT NOT NULL,
    degraded TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""


def _order(row: dict) -> dict:
    return {"order_id": row["order_id"], "table": row["table_no"], "dish": row["dish"], "drink": row["drink"],
            "idempotency_key": row["idempotency_key"], "served": json.loads(row["served"]),
            "degraded": json.loads(row["degraded"])}


class OrderBook:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA)

    @staticmethod
    def fingerprint(request: dict) -> str:
        return body_hash(request)

    def by_key(self, key: str) -> dict | None:
        row = self.db.row("SELECT * FROM orders WHERE idempotency_key = ?", (key,))
        return {**_order(row), "body_hash": row["body_hash"]} if row else None

    def record(self, order_id: str, key: str, request: dict, served: dict, degraded: list[str]) -> dict:
        row = {"order_id": order_id, "table_no": request["table"], "dish": request["dish"], "drink": request["drink"],
               "served": json.dumps(served), "degraded": json.dumps(degraded),
               "created_at": datetime.now(timezone.utc).isoformat()}
        stored, _created = self.db.idempotent_insert("orders", key, self.fingerprint(request), row)
        return _order(stored)

    def get(self, order_id: str) -> dict | None:
        row = self.db.row("SELECT * FROM orders WHERE order_id = ?", (order_id,))
        return _order(row) if row else None

    def recent(self, limit: int) -> list[dict]:
        return [_order(r) for r in self.db.rows("SELECT * FROM orders ORDER BY rowid DESC LIMIT ?", (limit,))]
