"""Run history in an embedded SQLite database: every run with its status, every item of every briefing.

A run is recorded as `running` before anything is written and marked `succeeded` or `failed` after; a run
killed on the way stays `running` until the next run of the same briefing (which holds the briefing's lock,
so no other run can be alive) marks it `failed`.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from briefgen.errors import BriefgenError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    briefing TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    as_of TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    message TEXT,
    manifest TEXT
);
CREATE TABLE IF NOT EXISTS items (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    audience TEXT NOT NULL,
    item_id TEXT NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    is_new INTEGER NOT NULL,
    PRIMARY KEY (run_id, audience, item_id)
);
CREATE INDEX IF NOT EXISTS runs_by_briefing ON runs (briefing, status, id);
"""


@dataclass(frozen=True)
class RunRecord:
    id: int
    briefing: str
    window_from: str
    window_to: str
    as_of: str
    started_at: str
    finished_at: str | None
    status: str
    message: str | None
    manifest: str | None


@dataclass(frozen=True)
class PastItem:
    item_id: str
    text: str


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class History:
    """One database file; each method is one short transaction, so a killed process loses nothing else."""

    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db, db:
                db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise BriefgenError(f"{path}: cannot open the run history: {exc}") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def start(self, briefing: str, window_from: str, window_to: str, as_of: str) -> int:
        """Record a new run; any earlier run of this briefing still `running` died without finishing."""
        with closing(self._connect()) as db, db:
            db.execute("UPDATE runs SET status = 'failed', finished_at = ?, message = 'interrupted: the process "
                       "ended before the run finished' WHERE briefing = ? AND status = 'running'",
                       (_now(), briefing))
            cursor = db.execute(
                "INSERT INTO runs (briefing, window_from, window_to, as_of, started_at, status) "
                "VALUES (?, ?, ?, ?, ?, 'running')", (briefing, window_from, window_to, as_of, _now()))
            return int(cursor.lastrowid)

    def succeed(self, run_id: int, manifest: str, items: list[tuple[str, str, str, str, bool]]) -> None:
        """Mark the run done and keep its items: (audience, item id, section, text, is new)."""
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?)",
                           [(run_id, a, i, s, t, int(n)) for a, i, s, t, n in items])
            db.execute("UPDATE runs SET status = 'succeeded', finished_at = ?, manifest = ? WHERE id = ?",
                       (_now(), manifest, run_id))

    def fail(self, run_id: int, message: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("UPDATE runs SET status = 'failed', finished_at = ?, message = ? WHERE id = ?",
                       (_now(), message, run_id))

    def previous_items(self, briefing: str, audience: str, window_from: str) -> tuple[RunRecord, list[PastItem]] | None:
        """The items of the last successful run of this briefing for an earlier window.

        Re-running the same window compares with the same earlier briefing, so the result does not change.
        """
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT * FROM runs WHERE briefing = ? AND status = 'succeeded' AND window_from < ? "
                "ORDER BY window_from DESC, id DESC LIMIT 1", (briefing, window_from)).fetchone()
            if row is None:
                return None
            items = db.execute("SELECT item_id, text FROM items WHERE run_id = ? AND audience = ?",
                               (row[0], audience)).fetchall()
        return RunRecord(*row), [PastItem(*item) for item in items]

    def runs(self, briefing: str) -> list[RunRecord]:
        with closing(self._connect()) as db:
            return [RunRecord(*row) for row in
                    db.execute("SELECT * FROM runs WHERE briefing = ? ORDER BY id", (briefing,)).fetchall()]
