"""The read stage: a corpus folder -> `Document`s, one reader per format, chosen by suffix.

A bad file never stops the run: it is reported as a `Diagnostic` naming it, and skipped.
"""

from __future__ import annotations

import importlib
import os
import signal
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from briefgen.errors import InputError, unexpected
from briefgen.models import Diagnostic, Document

MAX_FILE_BYTES = 10 * 1024 * 1024
SECONDS_PER_FILE = 20  # a file that takes longer to read is skipped: one bad page must not stall a Monday run


class _OutOfTime(Exception):
    pass


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

    def warn(self, path: str, message: str, line: int | None = None) -> None:
        self.diagnostics.append(Diagnostic(path, message, line))


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


def _corpus_files(root: Path, ctx: ReadContext) -> list[Path]:
    """Regular files under root, sorted; links are not followed so nothing outside the corpus is read."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        folder_path = Path(folder)
        for name in list(dirs):
            if (folder_path / name).is_symlink():
                ctx.warn(_relative(folder_path / name, root), "symbolic link not followed")
                dirs.remove(name)
            elif name.startswith("."):
                dirs.remove(name)
        for name in files:
            path = folder_path / name
            if name.startswith("."):
                continue
            if path.is_symlink():
                ctx.warn(_relative(path, root), "symbolic link not followed")
                continue
            found.append(path)
    return sorted(found, key=lambda p: _relative(p, root))


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def read_corpus(root: Path, reference: date) -> tuple[list[Document], list[Diagnostic]]:
    """Every document of the corpus folder, read recursively, with the problems met on the way."""
    if not root.is_dir():
        raise InputError(f"{root}: corpus folder not found")
    ctx = ReadContext(reference)
    documents: list[Document] = []
    for path in _corpus_files(root, ctx):
        rel = _relative(path, root)
        reader = reader_for(path.suffix)
        if reader is None:
            ctx.warn(rel, f"unsupported file type {path.suffix or '(none)'!r}, skipped")
            continue
        warned = len(ctx.diagnostics)
        try:
            size = path.stat().st_size
            if size == 0:
                raise SkipFile("empty file")
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                ctx.warn(rel, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB; only the start is read")
                data = data[:MAX_FILE_BYTES]
            with time_budget(SECONDS_PER_FILE):
                read = [doc for doc in reader(rel, data, ctx) if doc.text]
        except _OutOfTime:
            ctx.warn(rel, f"took longer than {SECONDS_PER_FILE} s to read; skipped")
            continue
        except SkipFile as exc:
            ctx.warn(rel, f"{exc}; skipped")
            continue
        except OSError as exc:
            ctx.warn(rel, f"cannot read: {exc.strerror or exc}; skipped")
            continue
        except Exception as exc:  # a reader's bug or a parser's limit: this file is lost, not the run
            ctx.warn(rel, f"{unexpected(exc)}; skipped")
            continue
        if not read and len(ctx.diagnostics) == warned:  # the reader has not said why already
            ctx.warn(rel, "no extractable text; skipped")
        documents.extend(read)
    return documents, ctx.diagnostics
