"""A per-document cache of the read and extract stages, in one SQLite file, so a rebuild or the editors' page
reads and extracts again only the documents that changed.

An entry is keyed by a digest of everything its value depends on: the input (a file's bytes, a document), the
settings that shape it (the reference date, the topic, the sections) and the pipeline version, a digest of
briefgen's own code and data. So an entry is never stale, only unused; entries unused for `MAX_AGE_DAYS` are
deleted. The cache only ever saves time: a database that cannot be opened or written means a build without it
(one warning), and a corrupt one is deleted and made again.

Values are pickled, and unpickling runs code: the file must live where only the briefing's users can write.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import pickle
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from briefgen import __version__

log = logging.getLogger(__name__)

FORMAT = 1  # of the pickled values: a value of another format is a miss
MAX_AGE_DAYS = 30
# An entry's largest pickle: SQLite refuses a value over a billion bytes (a failure that would leave the run
# without its cache), and one so large costs about as much to load as to make again
MAX_ENTRY_BYTES = 256 * 2**20
BUSY_SECONDS = 30  # another build writing its batch holds the lock for a moment, never this long
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB NOT NULL, used INTEGER NOT NULL)",
    # pruning finds the old entries by it: without, it reads every row, and `used` lies past the value's pages
    "CREATE INDEX IF NOT EXISTS entries_used ON entries (used)",
)
CORRUPT = ("SQLITE_CORRUPT", "SQLITE_NOTADB")

T = TypeVar("T")


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """A digest of briefgen's version and every source and data file it runs: any change to the code may change
    what a document reads or extracts as, so it invalidates every entry."""
    root = Path(__file__).resolve().parent
    files = sorted([*root.rglob("*.py"), *(p for p in (root / "data").iterdir() if p.is_file())])
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        digest.update(f"\0{path.relative_to(root).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cache_key(*parts: str) -> str:
    """The key of an entry that depends on `parts` and on the pipeline version."""
    return hashlib.sha256(json.dumps([pipeline_version(), *parts]).encode()).hexdigest()


def _today() -> int:
    """Days since 1970: last-used times need no finer grain, and a day's runs then touch an entry once."""
    return int(datetime.now(UTC).timestamp() // 86400)


def _corrupt(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "") in CORRUPT


def _problem(exc: Exception, path: Path) -> str:
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename and exc.filename != str(path) else ""
        return f"{exc.strerror or exc}{where}"
    return str(exc)


def remove(path: Path) -> list[Path]:
    """Delete the database and its WAL companions; the files that were there."""
    removed = []
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            file.unlink()
        except FileNotFoundError:
            continue
        removed.append(file)
    return removed


class _Referencing(pickle.Pickler):
    """Pickles the run's known objects (documents, facts) as their keys: a value that points into them (a
    window's events) is stored without them, and loaded back onto the objects the run has made."""

    def __init__(self, file: io.BytesIO, documents: Mapping[str, object]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.documents = {id(document): key for key, document in documents.items()}

    def persistent_id(self, obj: object) -> str | None:
        return self.documents.get(id(obj))


class _Dereferencing(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, documents: Mapping[str, object]):
        super().__init__(file)
        self.documents = documents

    def persistent_load(self, pid: object) -> object:
        return self.documents[str(pid)]  # a key the run no longer has: a KeyError, so a miss


def pickled_referencing(value: object, documents: Mapping[str, object]) -> bytes:
    """`value` pickled with every one of the known objects `documents` (by key) replaced by its key."""
    stream = io.BytesIO()
    _Referencing(stream, documents).dump(value)
    return stream.getvalue()


def unpickled_referencing(data: bytes, documents: Mapping[str, object]) -> object:
    """`pickled_referencing`'s value, its document keys replaced by this run's documents; raises on a key the
    run has not read."""
    return _Dereferencing(io.BytesIO(data), documents).load()  # noqa: S301 - the cache's folder is the users' own


class _TooLarge(Exception):
    pass


class _Bounded(io.BytesIO):
    """A pickle's bytes, given up on as soon as they pass MAX_ENTRY_BYTES: an entry too large to keep is not
    held in memory whole first (pickles are written a frame of 64 KB at a time)."""

    def write(self, data: bytes) -> int:  # type: ignore[override]  # BytesIO takes any buffer; pickle gives bytes
        if self.tell() + len(data) > MAX_ENTRY_BYTES:
            raise _TooLarge
        return super().write(data)


class Batch:
    """One stage's lookups and new entries, written in one transaction at its end (`save`)."""

    def __init__(self, cache: DocumentCache, what: str):
        self.cache, self.what = cache, what
        self.looked = 0
        self.hits: list[str] = []
        self.fresh: dict[str, bytes] = {}

    def lookup(self, key: str, expected: type[T]) -> T | None:
        return self._loaded(key, self.cache.get(key), expected)

    def lookup_many(self, keys: Sequence[str], expected: type[T]) -> list[T | None]:
        """`lookup` of each key, in one query."""
        found = self.cache.get_many(keys)
        return [self._loaded(key, found.get(key), expected) for key in keys]

    def _loaded(self, key: str, data: bytes | None, expected: type[T]) -> T | None:
        self.looked += 1
        if data is None:
            return None
        try:
            form, value = pickle.loads(data)  # noqa: S301 - the cache's folder is the briefing users' own
        except Exception:  # an entry that cannot be loaded is a miss: the stage's new value replaces it
            return None
        if form != FORMAT or not isinstance(value, expected):
            return None
        self.hits.append(key)
        return value

    def remember(self, key: str, value: object) -> None:
        if not self.cache.write:
            return
        stream = _Bounded()
        try:
            pickle.dump((FORMAT, value), stream, protocol=pickle.HIGHEST_PROTOCOL)
        except _TooLarge:
            log.info("cache: one of the %s not kept: over %d MB", self.what, MAX_ENTRY_BYTES >> 20)
            return
        self.fresh[key] = stream.getvalue()

    def save(self, *, counted: bool = True) -> None:
        """Store the new entries and mark the ones found used; `counted=False` leaves the lookups out of the run's
        report (asked only to know what the run can take from the cache, they are counted where it is taken)."""
        if self.looked and counted:  # a batch that only writes (a chunk's results) has nothing to report
            self.cache.count({self.what: (len(self.hits), self.looked)})
        self.cache.put(self.fresh, self.hits)


Counts = dict[str, tuple[int, int]]  # what -> (hits, lookups)


class DocumentCache:
    """One database file, one connection, shared by the threads of one process (the editors' page)."""

    def __init__(self, path: Path, db: sqlite3.Connection | None, *, write: bool, prune: bool = True):
        self.path, self.write = path, write
        self._db = db
        # made at the first write, so that a build failing before it has anything to keep leaves no file
        self._unmade = db is None
        self._lock = threading.Lock()
        self._pruned = not prune  # done once a run, by the run's own process
        # the lookups since the last report: a run works in many batches (one a chunk of files, some of them in
        # other processes) and logs one line for each kind of entry
        self._counts: Counts = {}
        self.collected: dict[str, bytes] | None = None  # see `collecting`

    @classmethod
    def collecting(cls) -> DocumentCache:
        """A cache that finds nothing and keeps what is written to it in `collected`, for the run's own cache
        to store: a worker on another machine must not open the database, since SQLite's WAL mode shares
        memory between the processes of one machine only (over a network file system it may corrupt it)."""
        cache = cls(Path(), None, write=True)
        cache._unmade = False
        cache.collected = {}
        return cache

    @classmethod
    def open(cls, path: Path, *, write: bool = True, prune: bool = True) -> DocumentCache | None:
        """The cache at `path`, made at its first write; None, with a warning, when it cannot be used. Without `write`,
        only an existing cache is opened and nothing is ever written to it; without `prune` (a worker's), old
        entries are left for the run's own process to delete."""
        try:
            if not path.is_file():
                return cls(path, None, write=True, prune=prune) if write else None
            try:
                db = cls._connect(path, write=write)
            except sqlite3.Error as exc:
                if not (write and _corrupt(exc)):
                    raise
                log.warning("warning: %s: cache corrupt (%s); made again", path, exc)
                remove(path)
                db = cls._connect(path, write=write)
        except (sqlite3.Error, OSError) as exc:
            log.warning("warning: %s: cache not used: %s", path, _problem(exc, path))
            return None
        return cls(path, db, write=write, prune=prune)

    @staticmethod
    def _connect(path: Path, *, write: bool) -> sqlite3.Connection:
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=BUSY_SECONDS, check_same_thread=False, isolation_level=None)
        try:
            if write:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")  # a cache may lose its last batch to a power cut
                for statement in SCHEMA:
                    db.execute(statement)
            else:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a corrupt file fails here, not later
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @property
    def usable(self) -> bool:
        """Whether this run can still write to the cache: not once it could not be made, opened or written."""
        with self._lock:
            return self.write and (self._db is not None or self._unmade)

    def batch(self, what: str) -> Batch:
        """A stage's batch; `what` names its units in the log line ("files read")."""
        return Batch(self, what)

    def count(self, counts: Counts) -> None:
        """Add lookups (a batch's, or a worker's batches') to the next report."""
        with self._lock:
            for what, (hits, looked) in counts.items():
                before = self._counts.get(what, (0, 0))
                self._counts[what] = (before[0] + hits, before[1] + looked)

    def counted(self) -> Counts:
        """The lookups since the last report or `counted`, and none from then on."""
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts

    def report(self) -> None:
        """Log how many of each kind of entry came from the cache since the last report."""
        for what, (hits, looked) in self.counted().items():
            log.info("cache: %d of %d %s from the cache", hits, looked, what)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            if self._db is None:
                return None
            try:
                row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                self._failed(exc)
                return None
        return row[0] if row else None

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The entries of those keys that the cache holds."""
        with self._lock:
            if self._db is None or not keys:
                return {}
            try:
                rows = self._db.execute(
                    "SELECT key, value FROM entries WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(keys),)
                ).fetchall()
            except sqlite3.Error as exc:
                self._failed(exc)
                return {}
        return dict(rows)

    def put(self, fresh: dict[str, bytes], used: list[str]) -> None:
        """Store the new entries and mark the used ones used today, in one short transaction; the first one of
        this process also deletes what has not been used for MAX_AGE_DAYS."""
        with self._lock:
            if self.collected is not None:
                self.collected.update(fresh)
                return
            if self._unmade and fresh:
                self._unmade = False
                try:
                    self._db = self._connect(self.path, write=True)
                except (sqlite3.Error, OSError) as exc:
                    log.warning("warning: %s: cache not used: %s", self.path, _problem(exc, self.path))
            if self._db is None or not self.write:
                return
            today = _today()
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO entries (key, value, used) VALUES (?, ?, ?)",
                        [(key, value, today) for key, value in fresh.items()],
                    )
                    self._db.execute(
                        "UPDATE entries SET used = ? WHERE used < ? AND key IN (SELECT value FROM json_each(?))",
                        (today, today, json.dumps(used)),
                    )
                    if not self._pruned:
                        self._db.execute("DELETE FROM entries WHERE used < ?", (today - MAX_AGE_DAYS,))
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:  # SQLite ends some failed transactions itself (a full disk)
                        self._db.execute("ROLLBACK")
                    raise
                self._pruned = True
            except sqlite3.Error as exc:
                self._failed(exc)

    def _failed(self, exc: sqlite3.Error) -> None:
        """A failure met after opening (the lock held): a corrupt file is made again, anything else (a full
        disk, a lock held too long) leaves this run without the cache."""
        assert self._db is not None
        self._db.close()
        self._db = None
        if not _corrupt(exc) or not self.write:
            log.warning("warning: %s: cache not used from here on: %s", self.path, exc)
            return
        log.warning("warning: %s: cache corrupt (%s); made again", self.path, exc)
        try:
            remove(self.path)
            self._db = self._connect(self.path, write=True)
        except (sqlite3.Error, OSError) as again:
            log.warning("warning: %s: cache not used from here on: %s", self.path, _problem(again, self.path))


@contextmanager
def opened(path: Path | None, *, write: bool = True, prune: bool = True) -> Iterator[DocumentCache | None]:
    """The cache at `path` for the block, closed after it; None when there is none (or it cannot be used)."""
    cache = DocumentCache.open(path, write=write, prune=prune) if path is not None else None
    try:
        yield cache
    finally:
        if cache is not None:
            cache.close()
