"""Reading a file the user named without trusting the path: no link is followed, only a regular file is read,
and never more than a limit, whatever the file system says its size is (a device says 0)."""

from __future__ import annotations

import errno
import os
import stat
from importlib.resources import files
from pathlib import Path

CHUNK = 1024 * 1024


def resource_path(package: str, *parts: str) -> Path:
    """A file or folder shipped inside an installed package (importlib.resources), as a path: an installed
    package is a folder on disk, never a zip, and Jinja, WeasyPrint and numpy read paths."""
    return Path(str(files(package).joinpath(*parts)))


class UnsafeFile(OSError):
    """The path is a link, or not a regular file: reading it could leave the folder or never end."""


def read_regular(path: str | Path, limit: int, *, dir_fd: int | None = None) -> bytes:
    """At most `limit` + 1 bytes of a regular file (one more than the limit tells the caller it was larger).

    The file is opened with O_NOFOLLOW and checked with fstat on that same descriptor, so a link swapped in
    after the caller listed the folder is refused rather than followed; O_NONBLOCK keeps a FIFO from
    blocking the open.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, "a symbolic link, not followed", str(path)) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise UnsafeFile(errno.EINVAL, "not a regular file", str(path))
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(CHUNK, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)
