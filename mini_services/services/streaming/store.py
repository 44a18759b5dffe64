"""The Video streaming service's own database: video files and where each viewer stopped."""

from pathlib import Path

from mini_services.kit.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (title_id INTEGER PRIMARY KEY, title TEXT NOT NULL, duration_s INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS progress (user_id INTEGER PRIMARY KEY, title_id INTEGER NOT NULL, position_s INTEGER NOT NULL)
"""
VIDEOS = ["Letters in the Rain", "Burnt Toast", "The Lighthouse Keeper", "Orbit Kitchen", "Inside a Bakery"]


def seed(tx) -> None:
    for i, title in enumerate(VIDEOS, start=1):
        tx.execute("INSERT OR IGNORE INTO videos VALUES (?, ?, ?)", (i, title, 5400 + 300 * i))
    for user_id in range(1, 51):
        tx.execute("INSERT OR IGNORE INTO progress VALUES (?, ?, ?)", (user_id, 1 + user_id % len(VIDEOS), 60 * user_id))


class VideoStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def continue_watching(self, user_id: int) -> dict | None:
        return self.db.row(
            "SELECT p.user_id, v.title_id, v.title, p.position_s FROM progress p "
            "JOIN videos v ON v.title_id = p.title_id WHERE p.user_id = ?", (user_id,))
