"""The Recommendation service's own database: the catalogue and each viewer's tastes."""

from pathlib import Path

from mini_services.kit.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS titles (id INTEGER PRIMARY KEY, name TEXT NOT NULL, genre TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tastes (
    user_id INTEGER NOT NULL, genre TEXT NOT NULL, weight REAL NOT NULL, PRIMARY KEY (user_id, genre)
)
"""
CATALOGUE = {
    "romance": ["Letters in the Rain", "Two Tickets to Lisbon", "The Slow Waltz", "Paper Hearts"],
    "comedy": ["Burnt Toast", "The Wrong Wedding", "Office Plants", "Uncle Max Goes Viral"],
    "drama": ["The Lighthouse Keeper", "Salt and Iron", "Quiet Harbour", "The Long Shift"],
    "sci-fi": ["Orbit Kitchen", "The Last Relay", "Signal from Vega", "Clockwork Tide"],
    "documentary": ["Inside a Bakery", "Rivers of Data", "The Night Market", "Ten Thousand Bees"],
}


def seed(tx) -> None:
    genres = list(CATALOGUE)
    title_id = 0
    for genre, names in CATALOGUE.items():
        for name in names:
            title_id += 1
            tx.execute("INSERT OR IGNORE INTO titles VALUES (?, ?, ?)", (title_id, name, genre))
    for user_id in range(1, 51):
        for rank, genre in enumerate(genres[user_id % 5:] + genres[: user_id % 5]):
            tx.execute("INSERT OR IGNORE INTO tastes VALUES (?, ?, ?)", (user_id, genre, 1.0 / (rank + 1)))


class RecommendationStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def top_titles(self, user_id: int, limit: int) -> list[dict]:
        """Titles of the genres this viewer likes most (a stand-in for a real model)."""
        return self.db.rows(
            """SELECT t.id, t.name, t.genre FROM titles t
               LEFT JOIN tastes s ON s.genre = t.genre AND s.user_id = ?
               ORDER BY COALESCE(s.weight, 0) DESC, t.id LIMIT ?""",
            (user_id, limit),
        )
