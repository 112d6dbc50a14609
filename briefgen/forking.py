"""Two halves of one piece of work at once: the second in a child process forked from this one, which sees every
object this process holds without their being sent, and sends back only its answer.

Merging a large window's facts is the stage that needs every fact at once, so it cannot go to the executor's
workers; its sections never mix, so two halves of them can be merged side by side on two cores. A fork is only
safe from a process running one thread (a thread holding a lock at the fork leaves it held in the child for
ever), so the editors' page, whose server runs threads, does both halves itself, as does a machine with one
core or without fork, or without the memory for a second copy of this process. The answer is the same either way.

Work whose answer nobody waits for (keeping a large window's editions in the cache) goes aside the same way
(`Aside`): a child does it while this process renders.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from briefgen.executor import cpus

Part = TypeVar("Part")
Answer = TypeVar("Answer")


def can_fork() -> bool:
    if not (hasattr(os, "fork") and threading.active_count() == 1 and cpus() > 1):
        return False
    room = available_memory()
    return room is None or room > resident_memory()


def available_memory() -> int | None:
    """Bytes the system can still give without swapping, within this process's control group's limit; None where
    Linux does not say. A forked child shares its parent's pages until one of them writes to a page, and merging
    touches most of them: the child merging half of 100,000 articles copied 2.7 GB of its parent's 4 GB."""
    try:
        meminfo = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    free_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemAvailable:")), None)
    if free_kb is None:
        return None
    room = free_kb * 1024
    try:  # a container's limit (cgroup v2), which the system-wide figure does not show
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text())
        return room if limit == "max" else min(room, int(limit) - used)
    except (OSError, ValueError):  # no such files, or not what cgroup v2 writes there: the system's figure
        return room


def resident_memory() -> int:
    """Bytes of this process in memory (Linux); 0 elsewhere, where `available_memory` says nothing either."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def in_two(work: Callable[[Part], Answer], first: Part, second: Part, *, fork: bool) -> tuple[Answer, Answer]:
    """work(first) and work(second), the second in a forked child when `fork`. The child's answer comes back
    pickled, so it should be small (positions, not the objects they point at). A child that fails, or is
    killed, leaves its half to be done here."""
    if not fork:
        return work(first), work(second)
    readable, writable = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which never returns
        status = 1
        try:
            os.close(readable)
            with os.fdopen(writable, "wb") as sent:
                pickle.dump(work(second), sent, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # no exit handlers: they are the parent's (its cache, its temporary files)
    os.close(writable)
    answer = os.fdopen(readable, "rb")
    try:
        mine = work(first)
        data = answer.read()
    finally:
        answer.close()  # should this half fail, a child still writing meets a broken pipe and ends
        _, status = os.waitpid(child, 0)
    if status != 0 or not data:
        return mine, work(second)
    return mine, pickle.loads(data)  # noqa: S301 - written by this process's own child


class Aside:
    """Work this process does not wait for until `join`: each piece in a forked child while this process goes
    on (the cache entry of a large window's editions is written while they are rendered), or at once when
    `fork` is false or this process cannot fork now (`can_fork`). A child that fails, or is killed, leaves its
    piece to be done here at `join`.

    Fork only where nothing a child could use half-held is open: an SQLite connection carried across a fork
    corrupts databases, so a piece opens its own, and the parent's is closed before the fork."""

    def __init__(self, *, fork: bool):
        self.fork = fork
        self.children: list[tuple[int, Callable[[], None]]] = []

    def run(self, work: Callable[[], None]) -> None:
        if not (self.fork and can_fork()):
            work()
            return
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child, which never returns
            status = 1
            try:
                work()
                status = 0
            finally:
                os._exit(status)  # no exit handlers: they are the parent's
        self.children.append((child, work))

    def join(self) -> None:
        """Wait for every piece; do here any a child did not finish."""
        children, self.children = self.children, []
        for child, work in children:
            _, status = os.waitpid(child, 0)
            if status != 0:
                work()
