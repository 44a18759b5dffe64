"""The chef's own database: the menu and every ticket cooked."""

from datetime import datetime, timezone
from pathlib import Path

from mini_services.kit.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS dishes (name TEXT PRIMARY KEY, minutes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (order_id TEXT PRIMARY KEY, dish TEXT NOT NULL, cooked_at TEXT NOT NULL)
"""
DISHES = {"pasta": 12, "pizza": 15, "soup": 5, "salad": 4, "steak": 18, "curry": 14}


def seed(tx) -> None:
    for name, minutes in DISHES.items():
        tx.execute("INSERT OR IGNORE INTO dishes VALUES (?, ?)", (name, minutes))


class ChefStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def menu(self) -> list[str]:
        return [r["name"] for r in self.db.rows("SELECT name FROM dishes ORDER BY name")]

    def cook(self, order_id: str, dish: str) -> dict:
        """One ticket per order: a retried ticket is not cooked twice."""
        with self.db.transaction() as tx:
            tx.execute("INSERT OR IGNORE INTO tickets VALUES (?, ?, ?)",
                       (order_id, dish, datetime.now(timezone.utc).isoformat()))
            return dict(tx.execute("SELECT * FROM tickets WHERE order_id = ?", (order_id,)).fetchone())
