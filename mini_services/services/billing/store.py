"""The Billing service's own database: plans, subscriptions and every card charge."""

import uuid
from datetime import datetime, timezone
from pathlib import Path

from mini_services.kit.store import Database, body_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (name TEXT PRIMARY KEY, monthly_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (user_id INTEGER PRIMARY KEY, plan TEXT NOT NULL REFERENCES plans(name));
CREATE TABLE IF NOT EXISTS charges (
    charge_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    body_hash TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    plan TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL
)
"""
PLANS = {"basic": 799, "standard": 1299, "premium": 1799}


def seed(tx) -> None:
    for name, cents in PLANS.items():
        tx.execute("INSERT OR IGNORE INTO plans VALUES (?, ?)", (name, cents))
    for user_id in range(1, 51):
        tx.execute("INSERT OR IGNORE INTO subscriptions VALUES (?, ?)", (user_id, list(PLANS)[user_id % 3]))


class BillingStore:
    def __init__(self, path: Path):
        self.db = Database(path, SCHEMA, seed)

    def subscription(self, user_id: int) -> dict | None:
        return self.db.row(
            "SELECT s.user_id, s.plan, p.monthly_cents FROM subscriptions s JOIN plans p ON p.name = s.plan "
            "WHERE s.user_id = ?", (user_id,))

    def charge(self, user_id: int, plan: str, key: str) -> tuple[dict, bool]:
        """Charge once per idempotency key (committed before we answer); answer (charge, created?)."""
        row = {"charge_id": f"ch_{uuid.uuid4().hex[:12]}", "user_id": user_id, "plan": plan,
               "amount_cents": PLANS[plan], "created_at": datetime.now(timezone.utc).isoformat()}
        return self.db.idempotent_insert(
            "charges", key, body_hash([user_id, plan]), row,
            also=lambda tx: tx.execute("INSERT OR REPLACE INTO subscriptions VALUES (?, ?)", (user_id, plan)))

    def charges(self, user_id: int) -> list[dict]:
        return self.db.rows("SELECT * FROM charges WHERE user_id = ? ORDER BY created_at", (user_id,))
