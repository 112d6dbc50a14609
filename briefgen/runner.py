"""The scheduled run: one briefing, every audience and format, under a lock, with a manifest and history.

Layout: <output_dir>/<name>/<from>_<to>/<audience>.<format> and manifest.json beside them; the history
database defaults to <output_dir>/history.sqlite.

A new edition replaces the previous one of its window as a whole, so that the edition folder always holds one
complete edition and the history names it, whenever the process is killed:
1. every file is written into <output_dir>/<name>/.staging-<run id>/ and flushed to disk;
2. the history records the run succeeded, pending, with that folder (one transaction, with its items);
3. the staging folder takes the edition folder's place: both names exchanged in one step (renameat2) where the
   system can; elsewhere by two renames, the old folder first to .old-<run id>;
4. the previous edition is removed and the history marks the run done.
The next run of the same output folder, under its lock, first settles what a killed run left (`recover`): a
pending run whose manifest is already in the edition folder only lacks step 4; one whose staged edition is
whole is finished; any other is rolled back (the old folder renamed back if two renames were cut in half) and
recorded failed, as are runs still `running`; staging folders of dead runs are removed.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from briefgen import __version__
from briefgen.config import BuildRequest
from briefgen.errors import BriefgenError, BusyError, RenderError
from briefgen.history import History
from briefgen.output import signals_deferred, write_atomically
from briefgen.pipeline import BuildResult, Composed, PreviousItems, build, run_summary
from briefgen.render.text import window_rule

# beside the edition folders of <output_dir>/<name>, each followed by its run's id
STAGING, OLD = ".staging-", ".old-"
UNFINISHED = "interrupted: the run ended before its outputs were in place; the previous ones were kept"


@contextmanager
def briefing_lock(path: Path, wait_seconds: float):
    """An exclusive lock per briefing: a second run waits up to `wait_seconds`, then refuses."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc, path.parent, "cannot create the output folder") from exc
    try:
        handle = path.open("a")
    except OSError as exc:
        raise _output_error(exc, path, "cannot open the lock file") from exc
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    raise BusyError(
                        f"{path}: another run of this briefing is in progress; "
                        "nothing was written (try again later, or pass --wait SECONDS)"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process dies


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(
    request: BuildRequest,
    composed: Composed,
    files: dict[Path, bytes],
    run_id: int,
    started: float,
    render_seconds: float,
    folder: Path,
) -> dict:
    config = request.config
    documents = []
    for selection in composed.survey.selections:
        document = selection.document
        documents.append(
            {
                "path": document.path,
                "item": document.item,
                "sha256": selection.sha256,
                "published": document.published.isoformat() if document.published else None,
                "published_found_by": document.date_found_by,
                "used": selection.included,
                "reason": selection.reason,
            }
        )
    return {
        "briefing": config.name,
        "title": config.title,
        "run_id": run_id,
        "briefgen_version": __version__,
        "config": {"path": str(config.path.resolve()), "sha256": _sha256(config.path.read_bytes())},
        "edits": str(request.edits.path) if request.edits else None,
        "as_of": request.as_of.isoformat(),
        "window": {
            "from": request.window.start.isoformat(),
            "to": request.window.end.isoformat(),
            "described_as": window_rule(request.window),
        },
        "generated_at": composed.briefings[0].generated_at.isoformat() if composed.briefings else None,
        "corpus": str(request.corpus.resolve()),
        "documents": documents,
        "outputs": [
            {"path": path.relative_to(folder).as_posix(), "sha256": _sha256(data), "bytes": len(data)}
            for path, data in files.items()
        ],
        "summary": run_summary(composed.survey),
        "warnings": [str(d) for d in composed.diagnostics],
        "timings": {
            **{k: round(v, 3) for k, v in composed.timings.items()},
            "render": round(render_seconds, 3),
            "total": round(time.monotonic() - started, 3),
        },
    }


def _output_error(exc: OSError, where: Path, problem: str) -> RenderError:
    """An OSError on the outputs as one line: the file it names (else `where`), the problem, the system's reason."""
    return RenderError(f"{exc.filename or where}: {problem}: {exc.strerror or exc}")


def _edition_run(folder: Path) -> int | None:
    """The run whose edition the folder holds, by its manifest; None for no folder or no readable manifest."""
    try:
        return json.loads((folder / "manifest.json").read_bytes())["run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _complete(staging: Path, run_id: int) -> bool:
    """The staging folder holds this run's whole edition: its manifest, and every file it lists, unchanged."""
    try:
        manifest = json.loads((staging / "manifest.json").read_bytes())
        return manifest["run_id"] == run_id and all(
            _sha256((staging / entry["path"]).read_bytes()) == entry["sha256"] for entry in manifest["outputs"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _fsync_folder(folder: Path) -> None:
    """Make the entries of a folder (files created, renamed) survive a power cut, as fsync does for contents."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


_LIBC = ctypes.CDLL(None, use_errno=True)
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
# what renameat2 answers where the system or the file system cannot exchange two names
_NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP}


def _exchange(first: Path, second: Path) -> None:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE): no moment holds neither."""
    renameat2 = getattr(_LIBC, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS), str(first))
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first), None, str(second))


def _swap_in(staging: Path, folder: Path, old: Path) -> None:
    """Put the staged edition in the folder's place; the previous edition, if any, ends in `staging` (exchanged)
    or in `old` (where no exchange is possible: two renames, which recovery can finish or undo)."""
    if not folder.exists():
        os.rename(staging, folder)
    else:
        try:
            _exchange(staging, folder)
        except OSError as exc:
            if exc.errno not in _NO_EXCHANGE:
                raise
            os.rename(folder, old)
            try:
                os.rename(staging, folder)
            except OSError:
                os.rename(old, folder)
                raise
    _fsync_folder(folder.parent)


def _discard(*paths: Path) -> None:
    # a folder left behind is swept by the next run; failing to remove it must not hide how the run ended
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def _settle(history: History, run_id: int, folder: Path, staging: Path, *, finish: bool, failure: str) -> None:
    """End a run recorded succeeded but pending: its edition in place and marked done, or the previous edition
    kept and the run marked failed with `failure`. With `finish`, a swap not yet made is made if the staged
    edition is whole (recovery after a kill); without, only a swap already made is kept (a run that failed after
    recording)."""
    old = folder.parent / f"{OLD}{run_id}"
    try:
        if finish and _edition_run(folder) != run_id and _complete(staging, run_id):
            _swap_in(staging, folder, old)
        if _edition_run(folder) == run_id:
            _discard(staging, old)
            history.done(run_id)
            return
        if old.is_dir() and not folder.exists():  # two renames stopped between the first and the second
            os.rename(old, folder)
    except OSError as exc:  # named by the edition folder: the system names the staging folder, soon gone
        raise RenderError(f"{folder}: cannot put the new edition in place: {exc.strerror or exc}") from exc
    _discard(staging, old)
    history.fail(run_id, failure)


def _output_key(base: Path) -> str:
    """How the history names a briefing's output folder: absolute, links resolved, so two spellings are one."""
    return str(base.resolve())


def recover(base: Path, history: History, briefing: str) -> None:
    """Settle whatever runs of this output folder (`<output_dir>/<name>`) left when killed: running ones are
    marked failed, pending ones finished or rolled back, staging folders removed. The caller holds the folder's
    lock, so none of those runs is alive."""
    output = _output_key(base)
    history.interrupt(briefing, output)
    for pending in history.pending(output):
        _settle(
            history,
            pending.id,
            base / f"{pending.window_from}_{pending.window_to}",
            Path(pending.staging or ""),
            finish=True,
            failure=UNFINISHED,
        )
    _discard(*base.glob(f"{STAGING}*"), *base.glob(f"{OLD}*"))


class ScheduledRun:
    """`run`'s hooks on `build` (a pipeline.Publisher): items compared with the last successful run, and the
    edition staged, recorded and swapped in as the module's docstring says."""

    def __init__(self, request: BuildRequest, history: History, run_id: int, base: Path, started: float):
        self.request, self.history, self.run_id, self.started = request, history, run_id, started
        self.folder = base / f"{request.window.start}_{request.window.end}"
        self.staging = Path(_output_key(base)) / f"{STAGING}{run_id}"
        self.committed = self.settled = False
        name, since = request.config.name, request.window.start.isoformat()
        self.previous: PreviousItems | None = lambda audience: history.previous_items(name, audience, since)

    def publish(
        self, request: BuildRequest, composed: Composed, rendered: dict[tuple[str, str], bytes], render_seconds: float
    ) -> tuple[Path, ...]:
        files = {self.folder / f"{audience}.{fmt}": data for (audience, fmt), data in rendered.items()}
        manifest = _manifest(request, composed, files, self.run_id, self.started, render_seconds, self.folder)
        manifest_path = self.folder / "manifest.json"
        files[manifest_path] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
        with signals_deferred():  # the edition in place and the history saying so: both, or neither
            write_atomically({self.staging / path.name: data for path, data in files.items()})
            _fsync_folder(self.staging)
            self.history.succeed(
                self.run_id,
                str(manifest_path),
                str(self.staging),
                [
                    (b.audience, item.id, section.id, item.text, item.new)
                    for b in composed.briefings
                    for section in b.sections
                    for item in section.items
                ],
            )
            self.committed = True
            _settle(self.history, self.run_id, self.folder, self.staging, finish=True, failure=UNFINISHED)
            self.settled = True
        return tuple(files)

    def abandon(self, exc: BaseException) -> None:
        """The build failed or was stopped: the history must not say "running", nor name an edition not in place.

        Failing to record the failure must not hide it: the next run settles what this one leaves.
        """
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        with suppress(BriefgenError):
            if not self.committed:
                _discard(self.staging)
                self.history.fail(self.run_id, message)
            elif not self.settled:
                _settle(self.history, self.run_id, self.folder, self.staging, finish=False, failure=message)


def run(request: BuildRequest, *, wait_seconds: float = 0.0, now: datetime | None = None) -> BuildResult:
    """`build` under the briefing's lock, recorded in the history, its edition put in place whole."""
    config = request.config
    started = time.monotonic()
    base = request.output_dir / config.name
    with briefing_lock(base / ".lock", wait_seconds):
        history = History(config.history or request.output_dir / "history.sqlite")
        recover(base, history, config.name)
        run_id = history.start(
            config.name,
            _output_key(base),
            request.window.start.isoformat(),
            request.window.end.isoformat(),
            request.as_of.isoformat(),
        )
        scheduled = ScheduledRun(request, history, run_id, base, started)
        try:
            result = build(request, now, scheduled)
        except BaseException as exc:  # also Ctrl-C and SIGTERM
            scheduled.abandon(exc)
            raise
    return replace(result, run_id=run_id)
