"""Each service's own SQLite database, with idempotent writes.

WAL mode lets the replicas of one service share their database file; a write is committed
before the reply, so a SIGKILL after the reply loses nothing (the WAL is in the OS's hands).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

from fastapi import HTTPException


def body_hash(body: Any) -> str:
    """A stable fingerprint of a request body, to spot one idempotency key reused for another body."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:32]


class Database:
    """One SQLite file: schema and seed applied once, small helpers for reads and writes."""

    def __init__(self, path: Path, schema: str, seed: Callable[[sqlite3.Connection], None] | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=10000")
        for statement in filter(str.strip, schema.split(";")):
            self.conn.execute(statement)
        if seed is not None:
            with self.transaction() as tx:
                seed(tx)

    def transaction(self) -> "_Transaction":
        return _Transaction(self)

    def rows(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def row(self, sql: str, params: tuple | dict = ()) -> dict | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def tables(self, sample: int = 5) -> list[dict]:
        """Each table with its row count and its newest rows: what a lesson shows of this service's database."""
        names = [r["name"] for r in self.rows("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return [{"name": n, "rows": self.row(f'SELECT COUNT(*) AS n FROM "{n}"')["n"],
                 "sample": self.rows(f'SELECT * FROM "{n}" ORDER BY rowid DESC LIMIT ?', (sample,))} for n in names]

    def idempotent_insert(self, table: str, key: str, fingerprint: str, row: dict,
                          also: Callable[[sqlite3.Connection], None] | None = None) -> tuple[dict, bool]:
        """Insert ``row`` once per idempotency ``key`` (and run ``also`` in the same transaction).

        Answers (the stored row, created?). The same key with another body is a 409: the
        caller reused a key by mistake.
        """
        with self.transaction() as tx:
            stored = tx.execute(f"SELECT * FROM {table} WHERE idempotency_key = ?", (key,)).fetchone()
            if stored is None:
                full = {**row, "idempotency_key": key, "body_hash": fingerprint}
                cols = ", ".join(full)
                marks = ", ".join("?" for _ in full)
                tx.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(full.values()))
                if also is not None:
                    also(tx)
                return full, True
        stored = dict(stored)
        if stored["body_hash"] != fingerprint:
            raise HTTPException(409, f"idempotency key {key!r} was already used for a different request")
        return stored, False


class _Transaction:
    """``with db.transaction() as tx:`` runs BEGIN IMMEDIATE ... COMMIT (or ROLLBACK)."""

    def __init__(self, db: Database):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db._lock.acquire()
        self.db.conn.execute("BEGIN IMMEDIATE")
        return self.db.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.db.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.db._lock.release()
