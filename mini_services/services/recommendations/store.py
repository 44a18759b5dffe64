"""The Recommendation service's own database: the catalogue and who watched what (its viewing history)."""

import random
from pathlib import Path

from mini_services.kit.store import Database, body_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS titles (id INTEGER PRIMARY KEY, name TEXT NOT NULL, genre TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS views (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, title_id INTEGER NOT NULL REFERENCES titles(id),
    watched_at REAL NOT NULL, idempotency_key TEXT NOT NULL UNIQUE, body_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS views_by_user ON views (user_id, id)
"""
CATALOGUE = {
    "romance": ["Letters in the Rain", "Two Tickets to Lisbon", "The Slow Waltz", "Paper Hearts"],
    "comedy": ["Burnt Toast", "The Wrong Wedding", "Office Plants", "Uncle Max Goes Viral"],
    "drama": ["The Lighthouse Keeper", "Salt and Iron", "Quiet Harbour", "The Long Shift"],
    "sci-fi": ["Orbit Kitchen", "The Last Relay", "Signal from Vega", "Clockwork Tide"],
    "documentary": ["Inside a Bakery", "Rivers of Data", "The Night Market", "Ten Thousand Bees"],
}
VIEWERS, WATCHES_EACH = 50, 8


def seed(tx) -> None:
    """The catalogue, and eight watches per viewer, mostly of the genres that viewer likes (the same every time)."""
    genres = list(CATALOGUE)
    title_id, by_genre = 0, {}
    for genre, names in CATALOGUE.items():
        for name in names:
            title_id += 1
            by_genre.setdefault(genre, []).append(title_id)
            tx.execute("INSERT OR IGNORE INTO titles VALUES (?, ?, ?)", (title_id, name, genre))
    if tx.execute("SELECT COUNT(*) FROM views").fetchone()[0]:
        return
    for user_id in range(1, VIEWERS + 1):
        pick = random.Random(user_id)
        liked = genres[user_id % 5:] + genres[: user_id % 5]  # this viewer's genres, favourite first
        titles = [t for rank, g in enumerate(liked) for t in by_genre[g] for _ in range(2 ** (4 - rank))]
        for n, title in enumerate(dict.fromkeys(pick.sample(titles, len(titles)))):
            if n == WATCHES_EACH:
                break
            tx.execute("INSERT INTO views (user_id, title_id, watched_at, idempotency_key, body_hash) "
                       "VALUES (?, ?, ?, ?, '')", (user_id, title, 1_700_000_000 + n, f"seed-{user_id}-{n}"))


class RecommendationStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def titles(self) -> dict[int, dict]:
        return {row["id"]: row for row in self.db.rows("SELECT id, name, genre FROM titles ORDER BY id")}

    def all_views(self) -> list[tuple[int, int]]:
        """Every (viewer, title) pair: what the model trains on."""
        return [(r["user_id"], r["title_id"]) for r in self.db.rows("SELECT user_id, title_id FROM views")]

    def history(self, user_id: int, most: int = 50) -> list[int]:
        """What this viewer watched, newest first."""
        rows = self.db.rows("SELECT title_id FROM views WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, most))
        return [r["title_id"] for r in rows]

    def watch(self, user_id: int, title_id: int, key: str, now: float) -> tuple[dict, bool]:
        """Record one watch, once per idempotency key (committed before the answer)."""
        body = {"user_id": user_id, "title_id": title_id}
        return self.db.idempotent_insert("views", key, body_hash(body), {**body, "watched_at": now})
