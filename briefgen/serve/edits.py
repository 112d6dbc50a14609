"""An edition's edits file as the editors' page changes it: versioned, written atomically, every change logged.

Two editors may work on the same edition. Each page sends the version of the edits it was showing; a save based
on an older version is refused (`StaleEdits`) instead of silently undoing the other editor's change. The check
and the write happen under a lock on the file, so two servers sharing it cannot interleave either.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import yaml

from briefgen.config import Edits, load_edits
from briefgen.errors import BriefgenError
from briefgen.history import History
from briefgen.output import write_atomically
from briefgen.schema import EditsFile, validate


class Action(StrEnum):
    PIN = "pin"
    UNPIN = "unpin"
    DROP = "drop"
    KEEP = "keep"  # undoes a drop
    REWORD = "reword"
    RESTORE = "restore"  # undoes a rewording
    NOTE = "note"  # the edition's note; empty text removes it


@dataclass(frozen=True)
class Change:
    action: Action
    item: str | None = None
    text: str | None = None


class StaleEdits(BriefgenError):
    """The page's edits are older than the file's: someone saved in between."""

    def __init__(self, current: Edits):
        super().__init__(
            f"not saved: the edits were changed by someone else since this page was loaded "
            f"(now version {current.version}); the page shows them as they are now"
        )
        self.current = current


def _applied(edits: Edits, change: Change) -> Edits:
    item, text = change.item or "", (change.text or "").strip()
    without = tuple(i for i in edits.pin if i != item), tuple(i for i in edits.drop if i != item)
    replaced = {k: v for k, v in edits.replace.items() if k != item}
    match change.action:
        case Action.PIN:
            return replace(edits, pin=(*without[0], item), drop=without[1])
        case Action.DROP:
            return replace(edits, pin=without[0], drop=(*without[1], item))
        case Action.UNPIN:
            return replace(edits, pin=without[0])
        case Action.KEEP:
            return replace(edits, drop=without[1])
        case Action.REWORD:
            return replace(edits, replace={**replaced, item: text} if text else replaced)
        case Action.RESTORE:
            return replace(edits, replace=replaced)
        case Action.NOTE:
            return replace(edits, note=text or None)


def _as_yaml(edits: Edits) -> bytes:
    data: dict[str, object] = {"version": edits.version}
    if edits.note:
        data["note"] = edits.note
    data |= {"pin": list(edits.pin), "drop": list(edits.drop), "replace": dict(edits.replace)}
    header = (
        "# Written by `briefgen serve` (the editors' page); a save from a page showing an older version is refused.\n"
    )
    return (header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)).encode()


class EditStore:
    """One edition's edits file, and the history database that logs every change to it."""

    def __init__(self, path: Path, history: History, briefing: str):
        self.path, self.history, self.briefing = path, history, briefing
        self._in_process = threading.Lock()  # flock is per open file, so threads of one server need their own lock

    def current(self) -> Edits:
        if not self.path.exists():
            return Edits(self.path, None, (), (), {}, 0)
        return load_edits(self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._in_process, open(self.path.with_name(f".{self.path.name}.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def save(self, change: Change, based_on: int, user: str) -> Edits:
        """Apply `change` to the edits at version `based_on`, as version `based_on + 1`, and log it."""
        with self._locked():
            current = self.current()
            if current.version != based_on:
                raise StaleEdits(current)
            changed = replace(_applied(current, change), version=current.version + 1)
            data = _as_yaml(changed)
            # the page's text goes through the same checks (length, control characters) as a hand-written file
            checked = validate(EditsFile, yaml.safe_load(data), self.path)
            changed = replace(changed, note=checked.note, replace=dict(checked.replace))
            write_atomically({self.path: _as_yaml(changed)})
            self.history.record_edit(
                self.briefing, str(self.path), user, (change.action.value, change.item, change.text), changed.version
            )
        return changed
