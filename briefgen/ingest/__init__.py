"""The read stage: a corpus folder -> `Document`s, one reader per format, chosen by suffix.

A bad file never stops the run: it is reported as a `Diagnostic` naming it, and skipped. Every file and folder
is opened relative to the corpus folder without following a link, so a link planted or swapped in while the
run reads cannot lead outside it.
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import json
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import NamedTuple, cast

from briefgen.cache import DocumentCache, cache_key
from briefgen.errors import InputError, unexpected
from briefgen.files import UnsafeFile, read_regular
from briefgen.ingest.clean import escape_name
from briefgen.models import Diagnostic, DiagnosticKind, Document, Progress

MAX_FILE_BYTES = 10 * 1024 * 1024
SECONDS_PER_FILE = 20  # a file that takes longer to read is skipped: one bad page must not stall a Monday run
# A file changed within this long before its size and times were taken may change again without its times
# showing it (a file system keeps times to a second or two at worst), so such a file's times are not trusted.
RACY_NS = 2_000_000_000
# No news corpus is filed deeper; a deeper chain is a trap whose paths outgrow what the system accepts.
MAX_DEPTH = 32


class _OutOfTime(BaseException):
    """Not an Exception: a reader's `except Exception` for one bad entry must not swallow the file's deadline."""


@contextmanager
def time_budget(seconds: float):
    """Interrupt the block after `seconds` (main thread only: that is where signals arrive)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class ReadContext:
    """What a reader needs besides the file: the reference date for year inference, and where to warn."""

    reference: date
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # read when the context is made, so that a test's or a worker's budget is the one its run was given
    seconds: float = field(default_factory=lambda: SECONDS_PER_FILE)

    def warn(self, path: str, message: str, line: int | None = None, *, entry: int | None = None) -> None:
        self.diagnostics.append(Diagnostic(path, message, line, entry=entry))

    def skip(self, path: str, reason: str, line: int | None = None, *, entry: int | None = None) -> None:
        """The file, line or entry is left out, for `reason`."""
        self.diagnostics.append(Diagnostic(path, reason, line, DiagnosticKind.SKIPPED, entry))


Reader = Callable[[str, bytes, ReadContext], Iterable[Document]]


class SkipFile(Exception):
    """Raised by a reader when a file holds nothing usable; the message says why."""


def _looks_binary(sample: bytes) -> bool:
    """Many control bytes: an image or archive named .txt. A stray NUL in real text is cleaned, not fatal."""
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return bool(sample) and (sample.count(0) > len(sample) // 100 or controls > len(sample) // 10)


def decode(path: str, data: bytes, ctx: ReadContext) -> str:
    """UTF-8 text (a byte-order mark is dropped); undecodable bytes are replaced, with a warning."""
    if _looks_binary(data[:8192]):
        raise SkipFile("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        ctx.warn(path, f"not valid UTF-8 (byte {exc.start}); bad bytes replaced")
        return data.decode("utf-8-sig", errors="replace")


# the reader module of each suffix, imported on first use (trafilatura and feedparser are slow to import)
READERS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}


def reader_for(suffix: str) -> Reader | None:
    module = READERS.get(suffix.lower())
    return importlib.import_module(f"briefgen.ingest.{module}").read if module else None


class BadJSON(ValueError):
    """JSON a reader cannot use; the message is the reason, worded for a warning."""


def load_json(text: str) -> object:
    """`json.loads`, with the parser's limits turned into `BadJSON` like any syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadJSON(f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise BadJSON("JSON nested too deeply") from None
    except ValueError:  # the only other one: an integer longer than int() converts (sys.get_int_max_str_digits)
        raise BadJSON("JSON number too long") from None


def contained(
    rel: str,
    ctx: ReadContext,
    make: Callable[[], Document | None],
    *,
    entry: int | None = None,
    line: int | None = None,
) -> Document | None:
    """One entry of a multi-document file (a feed item, a JSONL line): an error nobody foresaw loses that
    entry, with a warning, and the file's other entries are still read."""
    try:
        return make()
    except Exception as exc:
        ctx.skip(rel, unexpected(exc), line, entry=entry)
        return None


_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_KINDS = {stat.S_IFIFO: "named pipe", stat.S_IFSOCK: "socket", stat.S_IFCHR: "device", stat.S_IFBLK: "device"}


def _open_folder(root_fd: int, parts: Iterable[str]) -> int:
    """A descriptor of the folder `parts` under the root, opened one name at a time without following a link,
    so a folder swapped for a link after it was listed is refused; the caller closes it."""
    fd = os.open(".", _FOLDER_FLAGS, dir_fd=root_fd)
    try:
        for part in parts:
            try:
                child = os.open(part, _FOLDER_FLAGS, dir_fd=fd)
            except OSError as exc:
                # a link refused by O_NOFOLLOW: ELOOP, or on Linux ENOTDIR (O_DIRECTORY is checked first)
                if exc.errno in (errno.ELOOP, errno.ENOTDIR) and stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode):
                    raise UnsafeFile(errno.ELOOP, "a symbolic link, not followed", part) from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_corpus_file(root_fd: int, parts: tuple[str, ...]) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of the regular file `parts` under the root. Neither the file nor a
    folder on its way is followed if it has become a link since the corpus was listed (UnsafeFile)."""
    folder = _open_folder(root_fd, parts[:-1])
    try:
        return read_regular(parts[-1], MAX_FILE_BYTES, dir_fd=folder)
    finally:
        os.close(folder)


def _shown(parts: tuple[str, ...]) -> str:
    """The path as documents and warnings carry it: file-system names may hold any byte but '/' and NUL, and
    the writers downstream (JSON, DOCX) accept neither lone surrogates nor control characters."""
    return "/".join(escape_name(part) for part in parts) or "."


Stamp = tuple[int, int, int, int, int]  # a file's size, modification and change times, inode and device


class CorpusFile(NamedTuple):
    """A regular file of the corpus, as listed."""

    rel: str  # the shown path
    parts: tuple[str, ...]  # its names under the corpus folder
    size: int  # bytes, when listed: what reading it will take, roughly
    stamp: Stamp  # when listed: what `content_digests` looks its digest up by (a reader takes its own, later)


def _corpus_files(root_fd: int, ctx: ReadContext) -> list[CorpusFile]:
    """The regular files under the root, by shown path. Links are not followed, so nothing outside the corpus
    is listed; hidden names are left out."""
    found = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        folder = pending.pop()
        try:
            fd = _open_folder(root_fd, folder)
        except OSError as exc:
            ctx.skip(_shown(folder), f"cannot read folder: {exc.strerror or exc}")
            continue
        try:
            with os.scandir(fd) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.name.startswith("."):
                        continue
                    parts = (*folder, entry.name)
                    rel = _shown(parts)
                    if escape_name(entry.name) != entry.name:
                        ctx.warn(rel, "name is not valid UTF-8 or holds control characters; shown with escapes")
                    try:
                        status = entry.stat(follow_symlinks=False)
                    except OSError as exc:  # gone since the folder was listed
                        ctx.skip(rel, f"cannot read: {exc.strerror or exc}")
                        continue
                    mode = status.st_mode
                    if stat.S_ISLNK(mode):
                        ctx.warn(rel, "symbolic link not followed")
                    elif stat.S_ISREG(mode):
                        found.append(CorpusFile(rel, parts, status.st_size, _stamp(status)))
                    elif not stat.S_ISDIR(mode):
                        kind = _KINDS.get(stat.S_IFMT(mode), "special file")
                        ctx.skip(rel, f"not a regular file ({kind})")
                    elif len(parts) > MAX_DEPTH:
                        ctx.warn(rel, f"folder more than {MAX_DEPTH} levels deep; not read")
                    else:
                        pending.append(parts)
        except OSError as exc:
            ctx.skip(_shown(folder), f"cannot read folder: {exc.strerror or exc}")
        finally:
            os.close(fd)
    return sorted(found)


def file_stamp(root_fd: int, parts: tuple[str, ...]) -> Stamp | None:
    """The file's stamp, taken without following a link; None when it cannot be taken (reading will say why)."""
    try:
        folder = _open_folder(root_fd, parts[:-1])
    except OSError:
        return None
    try:
        return _stamp(os.stat(parts[-1], dir_fd=folder, follow_symlinks=False))
    except OSError:
        return None
    finally:
        os.close(folder)


def _stamp(status: os.stat_result) -> Stamp:
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


class FileCache:
    """The read stage's cache: what a file's bytes read as, keyed by their digest (content is the truth), and
    the digest each file had when it last had its present stamp, so that an unchanged file is not even read.
    A stamp only leads to a digest recorded from the file's own bytes; a file whose stamp changed in any way
    (rewritten, touched, replaced, moved onto another file's inode) is read and known by its bytes again."""

    def __init__(self, cache: DocumentCache, root: Path, reference: date):
        self.reads = cache.batch("files read")
        self.stamps = cache.batch("files not read again (size and times unchanged)")
        self.root = str(root.absolute())  # a stamp's path is the corpus's own: corpora may share a cache
        self.reference = reference.isoformat()

    def read_key(self, rel: str, digest: str) -> str:
        return cache_key("read", digest, rel, self.reference)

    def _stamp_key(self, rel: str, stamp: Stamp) -> str:
        return cache_key("stamp", self.root, rel, *map(str, stamp))

    def digest(self, rel: str, stamp: Stamp | None) -> str | None:
        """The digest the file's bytes had when it last had this stamp, if it was recorded."""
        return self.stamps.lookup(self._stamp_key(rel, stamp), str) if stamp is not None else None

    def digests(self, stamped: Sequence[tuple[str, Stamp]]) -> list[str | None]:
        """`digest` of many (path, stamp), looked up together."""
        return self.stamps.lookup_many([self._stamp_key(rel, stamp) for rel, stamp in stamped], str)

    def known(self, rel: str, digest: str) -> FileRead | None:
        return self.reads.lookup(self.read_key(rel, digest), FileRead)

    def remember(self, rel: str, stamp: Stamp | None, digest: str, read: FileRead | None) -> None:
        """The file's reading (when new), and its stamp's digest unless the file changed too recently for its
        times to tell a next change apart (RACY_NS)."""
        if read is not None:
            self.reads.remember(self.read_key(rel, digest), read)
        if stamp is not None and time.time_ns() - max(stamp[1], stamp[2]) > RACY_NS:
            self.stamps.remember(self._stamp_key(rel, stamp), digest)

    def save(self) -> None:
        self.stamps.save()
        self.reads.save()


def _read_documents(
    root_fd: int, rel: str, parts: tuple[str, ...], ctx: ReadContext, cache: FileCache | None = None
) -> tuple[list[Document], str | None]:
    """The documents of one listed file, and with a cache the digest of its bytes when their reading is kept
    there; whatever goes wrong loses this file only, with a warning naming it. A file read before is not parsed
    again, and its warnings are given again as they were; one whose stamp is unchanged is not even read."""
    suffix = PurePosixPath(rel).suffix
    if suffix.lower() not in READERS:
        ctx.skip(rel, f"unsupported file type {suffix or '(none)'!r}")
        return [], None
    stamp = file_stamp(root_fd, parts) if cache is not None else None
    stamped = cache.digest(rel, stamp) if cache is not None else None
    if cache is not None and stamped and (known := cache.known(rel, stamped)):
        ctx.diagnostics += known.diagnostics
        return list(known.documents), stamped
    try:
        data = read_corpus_file(root_fd, parts)
    except UnsafeFile as exc:
        ctx.skip(rel, str(exc.strerror))
        return [], None
    except OSError as exc:
        ctx.skip(rel, f"cannot read: {exc.strerror or exc}")
        return [], None
    except Exception as exc:  # a file-system oddity nobody foresaw: this file is lost, not the run
        ctx.skip(rel, unexpected(exc))
        return [], None
    if cache is None:
        return _parsed(rel, suffix, data, ctx)[0], None
    digest = hashlib.sha256(data).hexdigest()
    known = cache.known(rel, digest) if digest != stamped else None  # the same digest was just looked up
    if known is not None:
        ctx.diagnostics += known.diagnostics
        cache.remember(rel, stamp, digest, None)
        return list(known.documents), digest
    warned = len(ctx.diagnostics)
    read, settled = _parsed(rel, suffix, data, ctx)
    if not settled:
        return read, None
    cache.remember(rel, stamp, digest, FileRead(tuple(read), tuple(ctx.diagnostics[warned:])))
    return read, digest


@dataclass(frozen=True)
class FileRead:
    """What reading one file gave: the cache's value."""

    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]


def _parsed(rel: str, suffix: str, data: bytes, ctx: ReadContext) -> tuple[list[Document], bool]:
    """The documents the reader makes of the file's bytes, and whether that is what these bytes always give
    (a file that ran out of time may read in time on a quieter machine, so it is not cached)."""
    warned = len(ctx.diagnostics)
    try:
        if not data:
            raise SkipFile("empty file")
        if len(data) > MAX_FILE_BYTES:
            ctx.warn(rel, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB; only the start is read")
            data = data[:MAX_FILE_BYTES]
        reader = cast(Reader, reader_for(suffix))  # the suffix is one of READERS'
        with time_budget(ctx.seconds):
            read = [doc for doc in reader(rel, data, ctx) if doc.text]
    except _OutOfTime:
        ctx.skip(rel, f"took longer than {ctx.seconds:g} s to read")
        return [], False
    except SkipFile as exc:
        ctx.skip(rel, str(exc))
        return [], True
    except Exception as exc:  # a reader's bug or a parser's limit: this file is lost, not the run
        ctx.skip(rel, unexpected(exc))
        return [], True
    if not read and len(ctx.diagnostics) == warned:  # the reader has not said why already
        ctx.skip(rel, "no extractable text")
    return read, True


@contextmanager
def opened_corpus(root: Path):
    """A descriptor of the corpus folder for the block: every file is opened relative to it."""
    if not root.is_dir():
        raise InputError(f"{root}: corpus folder not found")
    try:
        root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"{root}: cannot open the corpus folder ({exc.strerror or exc})") from None
    try:
        yield root_fd
    finally:
        os.close(root_fd)


def list_corpus(root: Path, reference: date) -> tuple[list[CorpusFile], list[Diagnostic]]:
    """The regular files under the corpus folder, by shown path, with the problems met listing it."""
    ctx = ReadContext(reference)
    with opened_corpus(root) as root_fd:
        return _corpus_files(root_fd, ctx), ctx.diagnostics


@dataclass(frozen=True)
class ReadFile:
    """One file's documents and warnings, and the digest of its bytes when their reading is in the cache."""

    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]
    digest: str | None


def read_files(
    root: Path,
    files: Iterable[CorpusFile],
    ctx: ReadContext,
    cache: DocumentCache | None = None,
    progress: Callable[[], None] | None = None,
) -> list[ReadFile]:
    """The listed files read, each on its own (`progress` called after each); the cache's batches are saved at
    the end. The corpus folder is opened here, so that a worker process reads from it as the parent would."""
    batch = FileCache(cache, root, ctx.reference) if cache else None
    found = []
    with opened_corpus(root) as root_fd:
        for file in files:
            warned = len(ctx.diagnostics)
            documents, digest = _read_documents(root_fd, file.rel, file.parts, ctx, batch)
            found.append(ReadFile(tuple(documents), tuple(ctx.diagnostics[warned:]), digest))
            if progress:
                progress()
    if batch:
        batch.save()
    return found


def content_digests(root: Path, files: Sequence[CorpusFile], cache: DocumentCache) -> list[str | None]:
    """Each listed file's content digest: from the cache where its stamp is unchanged since the cache read it,
    else from its bytes (and its stamp recorded for the next run); None for a file that cannot be read (reading
    it in earnest says why)."""
    stamps = FileCache(cache, root, date.min)  # only its stamps are asked: the reference date plays no part
    # the stamps the listing took, looked up in one query: a rerun over 100,000 files reads none of them, and a
    # stat and a query for each took seconds
    recorded = stamps.digests([(file.rel, file.stamp) for file in files])
    digests: list[str | None] = []
    with opened_corpus(root) as root_fd:
        for file, digest in zip(files, recorded, strict=True):
            if digest is None:
                try:
                    digest = hashlib.sha256(read_corpus_file(root_fd, file.parts)).hexdigest()
                except OSError:
                    digests.append(None)
                    continue
                stamps.remember(file.rel, file.stamp, digest, None)
            digests.append(digest)
    stamps.stamps.save(counted=False)
    return digests


def read_corpus(
    root: Path, reference: date, progress: Progress | None = None, cache: DocumentCache | None = None
) -> tuple[list[Document], list[Diagnostic]]:
    """Every document of the corpus folder, read recursively, with the problems met on the way; the files
    `cache` has read before are not parsed again."""
    listed, diagnostics = list_corpus(root, reference)
    ctx = ReadContext(reference, diagnostics)
    done = iter(range(1, len(listed) + 1))
    tick = (lambda: progress("read", next(done), len(listed))) if progress else None
    read = read_files(root, listed, ctx, cache, tick)
    return [document for each in read for document in each.documents], ctx.diagnostics
