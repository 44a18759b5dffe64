"""The dishwasher's own database: the rack of plates, and which plate went to which order."""

from pathlib import Path

from mini_services.kit.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS rack (plate_no INTEGER PRIMARY KEY, times_washed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS handed_out (order_id TEXT PRIMARY KEY, plate_no INTEGER NOT NULL REFERENCES rack(plate_no))
"""
PLATES = 40


def seed(tx) -> None:
    for plate_no in range(1, PLATES + 1):
        tx.execute("INSERT OR IGNORE INTO rack VALUES (?, 0)", (plate_no,))


class RackStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def hand_out(self, order_id: str) -> dict:
        """Wash the least-used plate and hand it out, once per order."""
        with self.db.transaction() as tx:
            given = tx.execute("SELECT plate_no FROM handed_out WHERE order_id = ?", (order_id,)).fetchone()
            if given is None:
                plate_no = tx.execute("SELECT plate_no FROM rack ORDER BY times_washed, plate_no LIMIT 1").fetchone()[0]
                tx.execute("UPDATE rack SET times_washed = times_washed + 1 WHERE plate_no = ?", (plate_no,))
                tx.execute("INSERT INTO handed_out VALUES (?, ?)", (order_id, plate_no))
            else:
                plate_no = given[0]
            washed = tx.execute("SELECT SUM(times_washed) FROM rack").fetchone()[0]
        return {"order_id": order_id, "plate_no": plate_no, "washed_today": washed}
