"""The write stage: files put in place all at once or not at all, and stops held off while that happens."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from briefgen.errors import RenderError


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextmanager
def signals_deferred():
    """SIGTERM and Ctrl-C wait until the block is done, so that a stop never leaves half a set of files.

    The handlers are swapped rather than the signals masked: a mask holds for one thread only, and a
    library's thread would take the signal. Off the main thread (a request of the editors' page) there is
    nothing to swap: signals reach the main thread only, where the server finishes its requests before it stops.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {
        number: signal.signal(number, lambda signum, frame: received.append(signum))
        for number in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            signal.raise_signal(received[0])


def write_atomically(outputs: dict[Path, bytes]) -> list[Path]:
    """Write each file to a temporary name beside it, then rename: readers never see half a file."""
    staged: list[tuple[Path, Path]] = []
    mode = 0o666 & ~_umask()  # mkstemp makes 0600 files; outputs get the mode a plain open() would give
    try:
        for target, data in outputs.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(temporary), target))
            os.chmod(temporary, mode)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        with signals_deferred():  # the renames go together
            for written, target in staged:
                os.replace(written, target)
    except BaseException as exc:
        for written, _ in staged:
            written.unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        where = exc.filename or next(iter(outputs)).parent
        raise RenderError(f"{where}: cannot write output: {exc.strerror or exc}") from None
    return [target for _, target in staged]
