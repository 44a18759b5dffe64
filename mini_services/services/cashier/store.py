"""The cashier's own database: the price list and every bill (one per idempotency key)."""

import json
import uuid
from pathlib import Path

from fastapi import HTTPException

from mini_services.kit.store import Database, body_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS prices (item TEXT PRIMARY KEY, cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bills (
    bill_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    body_hash TEXT NOT NULL,
    order_id TEXT NOT NULL,
    items TEXT NOT NULL,
    total_cents INTEGER NOT NULL
)
"""
PRICES = {"pasta": 1250, "pizza": 1100, "soup": 650, "salad": 800, "steak": 2400, "curry": 1300,
          "burnt toast": 300,
          "lemonade": 350, "cola": 300, "water": 0, "iced tea": 350, "coffee": 280, "orange juice": 400}


def seed(tx) -> None:
    for item, cents in PRICES.items():
        tx.execute("INSERT OR IGNORE INTO prices VALUES (?, ?)", (item, cents))


def _bill(row: dict) -> dict:
    return {**row, "items": json.loads(row["items"])}


class TillStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def write_bill(self, order_id: str, items: list[str], key: str) -> dict:
        """Write the bill once per idempotency key, committed before we answer."""
        prices = {r["item"]: r["cents"] for r in self.db.rows("SELECT * FROM prices")}
        unknown = [i for i in items if i not in prices]
        if unknown:
            raise HTTPException(422, f"the cashier has no price for {', '.join(unknown)}")
        row = {"bill_id": f"bill_{uuid.uuid4().hex[:12]}", "order_id": order_id, "items": json.dumps(items),
               "total_cents": sum(prices[i] for i in items)}
        bill, _created = self.db.idempotent_insert("bills", key, body_hash([order_id, items]), row)
        return _bill(bill)

    def bill_for(self, order_id: str) -> dict | None:
        row = self.db.row("SELECT * FROM bills WHERE order_id = ?", (order_id,))
        return _bill(row) if row else None

    def bills(self) -> list[dict]:
        return [_bill(r) for r in self.db.rows("SELECT * FROM bills ORDER BY rowid")]
