"""What the editors' page works on: each window read once (in the background, with progress), then composed
again from memory after every edit, so that regenerating takes a fraction of a second.

A window's documents and events stay in memory while the server runs; its editions are recomposed from them
with the edits as they are on disk. The config is read once, at start: restart the server after changing it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from briefgen.cache import DocumentCache
from briefgen.config import BuildRequest
from briefgen.errors import BriefgenError, unexpected
from briefgen.history import History, PastItem, RunRecord
from briefgen.models import Briefing, Document, Evidence, Item, Window
from briefgen.pipeline import (
    BuildResult,
    Extracted,
    check_templates,
    compose_briefings,
    extract_window,
    marked_new,
    output_name,
)
from briefgen.pipeline import render_editions as render_files
from briefgen.schema import FORMATS
from briefgen.serve.edits import EditStore

log = logging.getLogger(__name__)


KEPT_WINDOWS = 8
STAGES = {"read": "reading documents", "extract": "extracting from the documents in the window"}


@dataclass
class Progress:
    stage: str = "listing the corpus"
    done: int = 0
    total: int = 0


@dataclass
class WindowState:
    """One window: loading, then its extracted events and the editions last regenerated from them."""

    request: BuildRequest  # every audience, no edits: what reading and extraction need
    edits: EditStore
    progress: Progress = field(default_factory=Progress)
    extracted: Extracted | None = None
    error: str | None = None
    editions: dict[str, Briefing] = field(default_factory=dict)  # audience -> as last regenerated
    regenerated_with: dict[str, int] = field(default_factory=dict)  # audience -> the edits version it took

    @property
    def ready(self) -> bool:
        return self.extracted is not None


@dataclass(frozen=True)
class Passage:
    """A cited document as the page shows it: its text in runs, the evidence runs marked."""

    document: Document
    runs: tuple[tuple[str, bool], ...]  # (text, is evidence)


class Workspace:
    """The windows the editors have opened, for one config; safe to call from the server's threads."""

    def __init__(self, base: BuildRequest):
        check_templates(base)  # a broken template fails the start, not an editor's first click
        self.base = base
        self.config = base.config
        self.history = History(self.config.history or base.output_dir / "history.sqlite")
        # one cache for the server's life: every window's first read and every Read again share it
        self.cache = DocumentCache.open(base.cache) if base.cache else None
        self._windows: OrderedDict[tuple[date, date], WindowState] = OrderedDict()
        self._lock = threading.Lock()

    def edits_path(self, start: date, end: date) -> Path:
        """Each window has its own edits file, so one edition's choices never reach another's (`build --edits`
        and `run --edits` take it too)."""
        return self.base.output_dir / "edits" / f"{self.config.name}_{start}_{end}.yaml"

    def window(self, start: date, end: date, *, retry: bool = True) -> WindowState:
        """The window's state, its reading started in the background the first time it is asked for (and
        again, with `retry`, after a failed read)."""
        with self._lock:
            state = self._windows.get((start, end))
            if state is None or (retry and state.error is not None):
                state = self._start_reading(start, end)
            self._windows.move_to_end((start, end))
            return state

    def read_again(self, start: date, end: date) -> WindowState:
        """The window read afresh, for articles that came in since (unchanged ones come from the cache)."""
        with self._lock:
            return self._start_reading(start, end)

    def _start_reading(self, start: date, end: date) -> WindowState:
        request = replace(self.base, window=Window(start, end))
        store = EditStore(self.edits_path(start, end), self.history, self.config.name)
        state = self._windows[(start, end)] = WindowState(request, store)
        threading.Thread(target=self._read, args=(state,), name=f"read {start}..{end}", daemon=True).start()
        # each window holds its documents in memory: the least recently opened ones beyond a few are let go
        while len(self._windows) > KEPT_WINDOWS:
            self._windows.popitem(last=False)
        return state

    def _read(self, state: WindowState) -> None:
        def advance(stage: str, done: int, total: int) -> None:
            state.progress = Progress(STAGES.get(stage, stage), done, total)

        try:
            extracted = extract_window(state.request, advance, self.cache)
        except BriefgenError as exc:
            state.error = str(exc)
            return
        except Exception as exc:  # a bug: shown on the page, not lost in a thread
            log.exception("reading %s", state.request.window)
            state.error = unexpected(exc)
            return
        state.progress = Progress("composing", 0, 0)
        for audience in self.config.audiences:
            self._compose(state, audience, extracted)
        state.extracted = extracted

    def _request(self, state: WindowState, audience: str) -> BuildRequest:
        return replace(state.request, audiences=(audience,), edits=state.edits.current())

    def previous(self, state: WindowState, audience: str) -> tuple[RunRecord, list[PastItem]] | None:
        window = state.request.window
        return self.history.previous_items(self.config.name, audience, window.start.isoformat())

    def _compose(self, state: WindowState, audience: str, extracted: Extracted) -> Briefing:
        request = self._request(state, audience)
        composed = marked_new(compose_briefings(request, extracted), lambda name: self.previous(state, name))
        state.editions[audience] = composed.briefings[0]
        state.regenerated_with[audience] = request.edits.version if request.edits else 0
        return composed.briefings[0]

    def regenerate(self, state: WindowState, audience: str) -> Briefing:
        """The edition again, from the window's events in memory and the edits as saved."""
        if state.extracted is None:
            raise BriefgenError("the window is still being read")
        return self._compose(state, audience, state.extracted)

    def render(self, state: WindowState, audience: str, fmt: str) -> tuple[str, bytes]:
        """One file of the edition as last regenerated: (file name, bytes)."""
        request = replace(self._request(state, audience), formats=(fmt,))
        data = render_files(request, (state.editions[audience],))[(audience, fmt)]
        return output_name(request, audience, fmt), data

    def file_names(self, state: WindowState, audience: str) -> dict[str, str]:
        """format -> the name of the edition's file in it, as `build` names it."""
        request = replace(state.request, audiences=(audience,))
        return {fmt: output_name(request, audience, fmt) for fmt in FORMATS}

    def download_names(self) -> dict[str, tuple[WindowState, str, str]]:
        """Every file name the page offers: (window, audience, format) of each edition regenerated so far."""
        with self._lock:
            states = list(self._windows.values())
        return {
            name: (state, audience, fmt)
            for state in states
            for audience in state.editions
            for fmt, name in self.file_names(state, audience).items()
        }

    def approve(self, state: WindowState) -> BuildResult:
        """The edition written as `briefgen run` writes it: every audience and format, atomically, with its
        manifest and history row; the edits as saved go into it."""
        from briefgen.runner import run

        request = replace(state.request, edits=state.edits.current() if state.edits.path.exists() else None)
        return run(request, wait_seconds=30)

    @staticmethod
    def passage(state: WindowState, briefing: Briefing, source_id: str, item_id: str | None) -> Passage | None:
        """The document behind `source_id`, with the evidence of `item_id` (or of every item citing it)
        marked; None when no such source is in the edition."""
        source = next((s for s in briefing.sources if s.id == source_id), None)
        if source is None or state.extracted is None:
            return None
        document = next(
            (
                s.document
                for s in state.extracted.survey.selections
                if s.document.path == source.path and s.document.item == source.item
            ),
            None,
        )
        if document is None:
            return None
        items = [i for s in briefing.sections for i in s.items] + list(briefing.key_points)
        evidence = [
            e
            for item in items
            if item_id is None or item.id == item_id
            for e in (*item.evidence, *(e for d in item.details for e in d.evidence))
            if e.source == source_id
        ]
        return Passage(document, _runs(document.text, evidence))


def _runs(text: str, evidence: list[Evidence]) -> tuple[tuple[str, bool], ...]:
    """The text cut at the evidence spans (merged where they overlap)."""
    spans: list[list[int]] = []
    for e in sorted(evidence, key=lambda e: e.start):
        start, end = max(0, e.start), min(len(text), e.end)
        if start >= end:
            continue
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    runs, at = [], 0
    for start, end in spans:
        runs += [(text[at:start], False), (text[start:end], True)]
        at = end
    runs.append((text[at:], False))
    return tuple((run, marked) for run, marked in runs if run)


def item_of(briefing: Briefing, item_id: str) -> Item | None:
    return next((i for s in briefing.sections for i in s.items if i.id == item_id), None)
