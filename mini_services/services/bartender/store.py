"""The bartender's own database: what is behind the bar and what was poured for which order."""

from pathlib import Path

from fastapi import HTTPException

from mini_services.kit.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS bar (drink TEXT PRIMARY KEY, stock INTEGER NOT NULL CHECK (stock >= 0));
CREATE TABLE IF NOT EXISTS pours (order_id TEXT PRIMARY KEY, drink TEXT NOT NULL)
"""
DRINKS = ["lemonade", "cola", "water", "iced tea", "coffee", "orange juice"]


def seed(tx) -> None:
    for drink in DRINKS:
        tx.execute("INSERT OR IGNORE INTO bar VALUES (?, ?)", (drink, 100_000))


class BarStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def pour(self, order_id: str, drink: str) -> dict:
        """Pour once per order: the stock goes down only the first time."""
        with self.db.transaction() as tx:
            shelf = tx.execute("SELECT stock FROM bar WHERE drink = ?", (drink,)).fetchone()
            if shelf is None:
                raise HTTPException(422, f"the bar has no {drink!r}; it serves {', '.join(DRINKS)}")
            if tx.execute("INSERT OR IGNORE INTO pours VALUES (?, ?)", (order_id, drink)).rowcount:
                if shelf["stock"] == 0:
                    raise HTTPException(409, f"the bar has run out of {drink}")
                tx.execute("UPDATE bar SET stock = stock - 1 WHERE drink = ?", (drink,))
            left = tx.execute("SELECT stock FROM bar WHERE drink = ?", (drink,)).fetchone()["stock"]
        return {"order_id": order_id, "drink": drink, "left_in_stock": left}
