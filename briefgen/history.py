"""Run history in an embedded SQLite database: every run with its status, every item of every briefing.

A run is recorded as `running` before anything is written. It ends `failed`, or `succeeded` in two steps:
first with its edition staged in a folder (`staging` set, "pending"), then, once that edition is in the output
folder, done (`staging` cleared). A run killed on the way stays `running` or pending until the next run of the
same output folder (which holds that folder's lock, so no other run of it can be alive) settles it. Runs are
told apart by output folder (`output`), not only by briefing name: two configs may share a name and a history
file but write to different folders.

Reading (`runs`) never writes: it creates no file and migrates nothing, so a read-only database can be listed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeGuard, cast

from briefgen.errors import BriefgenError

TABLES = (
    """CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    briefing TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    as_of TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    message TEXT,
    manifest TEXT,
    output TEXT,
    staging TEXT
)""",
    """CREATE TABLE IF NOT EXISTS items (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    audience TEXT NOT NULL,
    item_id TEXT NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    is_new INTEGER NOT NULL,
    PRIMARY KEY (run_id, audience, item_id)
)""",
    "CREATE INDEX IF NOT EXISTS runs_by_briefing ON runs (briefing, status, id)",
    # every change an editor saved on the page (`briefgen serve`): who, when, what, and the version it made
    """CREATE TABLE IF NOT EXISTS edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    briefing TEXT NOT NULL,
    edits_file TEXT NOT NULL,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    item_id TEXT,
    text TEXT,
    version INTEGER NOT NULL
)""",
)
# Columns of `runs` newer than the first databases, which get them on their next run. A new status value would
# not do: SQLite cannot change the CHECK constraint of an existing table.
ADDED_COLUMNS = ("output", "staging")
PENDING = "pending: the outputs are being put in place"
INTERRUPTED = "interrupted: the process ended before the run finished"


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
    output: str | None = None  # the briefing's output folder, absolute; None in rows older than the column
    staging: str | None = None  # while succeeded but pending: the folder holding the staged edition


@dataclass(frozen=True)
class EditRecord:
    at: str
    user: str
    action: str
    item_id: str | None
    text: str | None
    version: int


@dataclass(frozen=True)
class PastItem:
    item_id: str
    text: str


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _has_table(db: sqlite3.Connection | None, name: str) -> TypeGuard[sqlite3.Connection]:
    """Whether a database opened only to read (None: not created yet) has the table: an older one may not."""
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db is not None and db.execute(query, (name,)).fetchone() is not None


def _record(row: sqlite3.Row) -> RunRecord:
    present = row.keys()
    return RunRecord(**{f.name: row[f.name] for f in fields(RunRecord) if f.name in present})


class History:
    """One database file; each method is one short transaction, so a killed process loses nothing else.

    Every failure to open, read or write it is a BriefgenError naming the file, worded for one line.
    """

    def __init__(self, path: Path):
        self.path = path
        self._prepared = False

    @contextmanager
    def _database(self, action: str, *, create: bool) -> Iterator[sqlite3.Connection | None]:
        """A connection in a transaction. With `create`, the database is made or migrated first; without, nothing
        is written and a database not created yet gives None."""
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            elif not self._exists():
                yield None
                return
            db = sqlite3.connect(self.path, timeout=30)
            try:
                db.row_factory = sqlite3.Row
                db.execute("PRAGMA foreign_keys = ON")
                if create and not self._prepared:
                    self._prepare(db)
                    self._prepared = True
                with db:
                    yield db
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise BriefgenError(f"{self.path}: cannot {action} the run history: {exc}") from exc
        except FileExistsError as exc:  # what mkdir says of a file standing where a folder of the path should be
            problem = f"{exc.filename} is not a folder"
            raise BriefgenError(f"{self.path}: cannot {action} the run history: {problem}") from exc
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename and exc.filename != str(self.path) else ""
            raise BriefgenError(f"{self.path}: cannot {action} the run history: {exc.strerror or exc}{where}") from exc

    @contextmanager
    def _connected(self, action: str) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction, the database made or migrated first (so there always is one)."""
        with self._database(action, create=True) as db:
            yield cast(sqlite3.Connection, db)

    def _exists(self) -> bool:
        """False only for a database not created yet; any other failure to look (a parent that is a file, a
        name too long) is raised."""
        try:
            os.stat(self.path)
        except FileNotFoundError:
            return False
        return True

    @staticmethod
    def _prepare(db: sqlite3.Connection) -> None:
        """Create the tables, or add the columns an older database lacks. Under the write lock, so two runs of
        different briefings sharing the file cannot both add a column."""
        db.execute("BEGIN IMMEDIATE")
        for statement in TABLES:
            db.execute(statement)
        present = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        for column in ADDED_COLUMNS:
            if column not in present:
                db.execute(f"ALTER TABLE runs ADD COLUMN {column} TEXT")
        db.commit()

    def interrupt(self, briefing: str, output: str) -> None:
        """Mark failed the runs of this output folder still `running`: they died without finishing. Rows from
        before the `output` column are matched by briefing name, as they were then."""
        with self._connected("write") as db:
            db.execute(
                "UPDATE runs SET status = 'failed', finished_at = ?, message = ? WHERE status = 'running' "
                "AND (output = ? OR (output IS NULL AND briefing = ?))",
                (_now(), INTERRUPTED, output, briefing),
            )

    def pending(self, output: str) -> list[RunRecord]:
        """Runs of this output folder recorded succeeded whose edition was not yet known to be in place."""
        with self._connected("read") as db:
            return [
                _record(row)
                for row in db.execute(
                    "SELECT * FROM runs WHERE output = ? AND status = 'succeeded' AND staging IS NOT NULL ORDER BY id",
                    (output,),
                )
            ]

    def start(self, briefing: str, output: str, window_from: str, window_to: str, as_of: str) -> int:
        with self._connected("write") as db:
            cursor = db.execute(
                "INSERT INTO runs (briefing, window_from, window_to, as_of, started_at, status, output) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (briefing, window_from, window_to, as_of, _now(), output),
            )
            return cast(int, cursor.lastrowid)  # an INSERT into a table with a rowid always sets it

    def succeed(self, run_id: int, manifest: str, staging: str, items: list[tuple[str, str, str, str, bool]]) -> None:
        """Record the run succeeded, its edition staged in `staging` and not yet in place, with its items:
        (audience, item id, section, text, is new)."""
        with self._connected("write") as db:
            db.executemany(
                "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, a, i, s, t, int(n)) for a, i, s, t, n in items],
            )
            db.execute(
                "UPDATE runs SET status = 'succeeded', finished_at = ?, manifest = ?, staging = ?, message = ? "
                "WHERE id = ?",
                (_now(), manifest, staging, PENDING, run_id),
            )

    def done(self, run_id: int) -> None:
        """The run's edition is in place."""
        with self._connected("write") as db:
            db.execute("UPDATE runs SET finished_at = ?, staging = NULL, message = NULL WHERE id = ?", (_now(), run_id))

    def fail(self, run_id: int, message: str) -> None:
        """Mark the run failed; the items of an edition that never went in place go with it."""
        with self._connected("write") as db:
            db.execute("DELETE FROM items WHERE run_id = ?", (run_id,))
            db.execute(
                "UPDATE runs SET status = 'failed', finished_at = ?, message = ?, staging = NULL WHERE id = ?",
                (_now(), message, run_id),
            )

    def previous_items(self, briefing: str, audience: str, window_from: str) -> tuple[RunRecord, list[PastItem]] | None:
        """The items of the last successful run of this briefing for an earlier window, its edition in place.

        Re-running the same window compares with the same earlier briefing, so the result does not change.
        """
        with self._connected("read") as db:
            row = db.execute(
                "SELECT * FROM runs WHERE briefing = ? AND status = 'succeeded' AND staging IS NULL "
                "AND window_from < ? ORDER BY window_from DESC, id DESC LIMIT 1",
                (briefing, window_from),
            ).fetchone()
            if row is None:
                return None
            items = db.execute(
                "SELECT item_id, text FROM items WHERE run_id = ? AND audience = ?", (row["id"], audience)
            ).fetchall()
        return _record(row), [PastItem(*item) for item in items]

    def record_edit(
        self, briefing: str, edits_file: str, user: str, edit: tuple[str, str | None, str | None], version: int
    ) -> None:
        """One saved change, (action, item id, text), and the edits file's version it produced."""
        action, item_id, text = edit
        with self._connected("write") as db:
            db.execute(
                "INSERT INTO edits (briefing, edits_file, at, user, action, item_id, text, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (briefing, edits_file, _now(), user, action, item_id, text, version),
            )

    def edit_log(self, briefing: str, edits_file: str) -> list[EditRecord]:
        """The changes saved to one edits file, oldest first; nothing written, as `runs`."""
        with self._database("read", create=False) as db:
            if not _has_table(db, "edits"):
                return []
            rows = db.execute(
                "SELECT at, user, action, item_id, text, version FROM edits WHERE briefing = ? AND edits_file = ? "
                "ORDER BY id",
                (briefing, edits_file),
            )
            return [EditRecord(*row) for row in rows]

    def runs(self, briefing: str) -> list[RunRecord]:
        with self._database("read", create=False) as db:
            if not _has_table(db, "runs"):
                return []
            return [
                _record(row) for row in db.execute("SELECT * FROM runs WHERE briefing = ? ORDER BY id", (briefing,))
            ]
