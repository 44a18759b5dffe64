"""The User service's own database: one table of people."""

from pathlib import Path

from mini_services.kit.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, country TEXT NOT NULL
)
"""
FIRST = ["Ada", "Bea", "Cal", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Juno"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva"]
COUNTRIES = ["GB", "NG", "SE", "FR", "JP", "BR", "IN", "US"]


def seed(tx) -> None:
    for i in range(1, 51):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        tx.execute("INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?)",
                   (i, f"{first} {last}", f"{first.lower()}.{i}@example.com", COUNTRIES[i % len(COUNTRIES)]))


class UserStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def get(self, user_id: int) -> dict | None:
        return self.db.row("SELECT * FROM users WHERE id = ?", (user_id,))
