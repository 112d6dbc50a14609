"""The scheduled run: one briefing, every audience and format, under a lock, with a manifest and history.

Layout: <output_dir>/<name>/<from>_<to>/<audience>.<format> and manifest.json beside them; the history
database defaults to <output_dir>/history.sqlite.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from briefgen import __version__
from briefgen.config import BuildRequest
from briefgen.errors import BusyError, stage
from briefgen.history import History
from briefgen.models import Diagnostic
from briefgen.pipeline import Composed, compose_editions, render_editions, run_summary
from briefgen.render import signals_deferred, write_atomically


@dataclass(frozen=True)
class RunResult:
    run_id: int
    written: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...]
    summary: str


@contextmanager
def briefing_lock(path: Path, wait_seconds: float):
    """An exclusive lock per briefing: a second run waits up to `wait_seconds`, then refuses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    raise BusyError(f"{path}: another run of this briefing is in progress; "
                                    "nothing was written (try again later, or pass --wait SECONDS)") from None
                time.sleep(0.2)
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process dies


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(request: BuildRequest, composed: Composed, files: dict[Path, bytes], run_id: int,
              started: float, render_seconds: float, folder: Path) -> dict:
    config = request.config
    documents = []
    for selection in composed.survey.selections:
        document = selection.document
        documents.append({
            "path": document.path,
            "item": document.item,
            "sha256": _sha256(document.text.encode()),
            "published": document.published.isoformat() if document.published else None,
            "published_found_by": document.date_found_by,
            "used": selection.included,
            "reason": selection.reason,
        })
    return {
        "briefing": config.name,
        "title": config.title,
        "run_id": run_id,
        "briefgen_version": __version__,
        "config": {"path": str(config.path.resolve()), "sha256": _sha256(config.path.read_bytes())},
        "edits": str(request.edits.path) if request.edits else None,
        "as_of": request.as_of.isoformat(),
        "window": {"from": request.window.start.isoformat(), "to": request.window.end.isoformat(),
                   "described_as": request.window.described_as},
        "generated_at": composed.briefings[0].generated_at.isoformat() if composed.briefings else None,
        "corpus": str(request.corpus.resolve()),
        "documents": documents,
        "outputs": [{"path": path.relative_to(folder).as_posix(), "sha256": _sha256(data), "bytes": len(data)}
                    for path, data in files.items()],
        "summary": run_summary(composed.survey),
        "warnings": [str(d) for d in composed.diagnostics],
        "timings": {**{k: round(v, 3) for k, v in composed.timings.items()}, "render": round(render_seconds, 3),
                    "total": round(time.monotonic() - started, 3)},
    }


def run(request: BuildRequest, *, wait_seconds: float = 0.0, now: datetime | None = None) -> RunResult:
    config = request.config
    started = time.monotonic()
    base = request.output_dir / config.name
    folder = base / f"{request.window.start}_{request.window.end}"
    with briefing_lock(base / ".lock", wait_seconds):
        # under the lock no other run is writing: temporary files here were left by a killed run
        for leftover in folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        database = config.history or request.output_dir / "history.sqlite"
        with stage("history", database):
            history = History(database)
            run_id = history.start(config.name, request.window.start.isoformat(), request.window.end.isoformat(),
                                   request.as_of.isoformat())
        recorded = False
        try:
            since = request.window.start.isoformat()
            composed = compose_editions(
                request, now, previous=lambda audience: history.previous_items(config.name, audience, since))
            render_started = time.monotonic()
            files = {folder / f"{audience}.{fmt}": data
                     for (audience, fmt), data in render_editions(request, composed.briefings).items()}
            manifest = _manifest(request, composed, files, run_id, started, time.monotonic() - render_started,
                                 folder)
            manifest_path = folder / "manifest.json"
            files[manifest_path] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
            with signals_deferred():  # files in place and history saying so: both, or neither
                written = write_atomically(files)
                history.succeed(run_id, str(manifest_path), [
                    (b.audience, item.id, section.id, item.text, item.new)
                    for b in composed.briefings for section in b.sections for item in section.items])
                recorded = True
        except BaseException as exc:  # also Ctrl-C and SIGTERM: the history must not say "running"
            if not recorded:  # a stop held until the run was recorded does not undo it
                history.fail(run_id, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            raise
    return RunResult(run_id, tuple(written), composed.diagnostics, run_summary(composed.survey))
