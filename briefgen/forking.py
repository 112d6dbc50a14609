"""Two halves of one piece of work at once: the second in a child process forked from this one, which sees every
object this process holds without their being sent, and sends back only its answer.

Merging a large window's facts is the stage that needs every fact at once, so it cannot go to the executor's
workers; its sections never mix, so two halves of them can be merged side by side on two cores. A fork is only
safe from a process running one thread (a thread holding a lock at the fork leaves it held in the child for
ever), so the editors' page, whose server runs threads, does both halves itself, as does a machine with one
core or without fork. The answer is the same either way.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from typing import TypeVar

from briefgen.executor import cpus

Part = TypeVar("Part")
Answer = TypeVar("Answer")


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1 and cpus() > 1


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
