"""The only place that knows the order of the stages: config -> read -> select -> summarise -> render -> write."""

from __future__ import annotations

import gc
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from briefgen.cache import DocumentCache, cache_key, opened, pickled_referencing, unpickled_referencing
from briefgen.config import BuildRequest
from briefgen.errors import InputError, RenderError, StrictError, stage
from briefgen.executor import FileResult, Job, run_stage
from briefgen.forking import Aside
from briefgen.history import PastItem, RunRecord
from briefgen.ingest import CorpusFile, ReadContext, content_digests, list_corpus
from briefgen.models import (
    Briefing,
    Coverage,
    Diagnostic,
    DiagnosticKind,
    Document,
    Progress,
    RenderOptions,
    Selection,
    Verdict,
)
from briefgen.output import write_atomically
from briefgen.render import render_all
from briefgen.render.html import environment, load_template
from briefgen.summarise import Event, compose, group_events, merge
from briefgen.summarise.extract import Fact, document_digest, extraction_settings
from briefgen.summarise.merge import Draft, MergeMemory, remerge
from briefgen.summarise.novelty import mark_new
from briefgen.summarise.tables import build_tables, items_per_day_chart

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Survey:
    """The corpus as read and selected: what `sources` shows and `build` starts from."""

    selections: tuple[Selection, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def included(self) -> list[Document]:
        return [s.document for s in self.selections if s.included]


@dataclass(frozen=True)
class Extracted:
    """The window's documents read, selected and summarised into events, before any editor's choice: what an
    edit recomposes from without reading again."""

    survey: Survey
    events: tuple[Event, ...]
    facts: int
    diagnostics: tuple[Diagnostic, ...]
    timings: dict[str, float]


@dataclass(frozen=True)
class Composed:
    """Every audience's briefing, before rendering, with what the run met on the way."""

    briefings: tuple[Briefing, ...]
    survey: Survey
    diagnostics: tuple[Diagnostic, ...]
    timings: dict[str, float]
    # the window's events and facts, when this run made them: see BuildResult.window
    window: Extracted | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class BuildResult:
    written: tuple[Path, ...]
    briefings: tuple[Briefing, ...]
    diagnostics: tuple[Diagnostic, ...]
    summary: str
    run_id: int | None = None  # the history's number of a scheduled run
    # Held with the result, so that a process ending with the build (`cli.entry`) leaves the window's millions
    # of objects to the system: freeing them one by one took 0.7 s of a 10-second rerun of 10,000 articles
    window: Extracted | None = field(default=None, compare=False, repr=False)


def run_summary(surveyed: Survey) -> str:
    """One line for the operator: "12 documents read, 9 used, 2 out of window, 1 off-topic, 1 skipped: bad feed"."""
    verdicts = Counter(selection.verdict for selection in surveyed.selections)
    skipped = [d for d in surveyed.diagnostics if d.kind is DiagnosticKind.SKIPPED]
    parts = [f"{len(surveyed.selections)} documents read"] + [
        f"{verdicts[v]} {v}" for v in Verdict if verdicts[v] or v is Verdict.USED
    ]
    if skipped:
        reasons = sorted({d.message for d in skipped})
        parts.append(f"{len(skipped)} skipped: {', '.join(reasons)}")
    return ", ".join(parts)


# audience -> the previous successful run's items of that audience, if any (see history.History)
PreviousItems = Callable[[str], "tuple[RunRecord, list[PastItem]] | None"]


# The corpus as listed, the listing's warnings, and each file's content digest (None: not yet taken)
Listing = tuple[list[CorpusFile], list[Diagnostic], list[str | None] | None]


def _listing(request: BuildRequest, cache: DocumentCache) -> Listing:
    listed, diagnostics = list_corpus(request.corpus, request.as_of)
    return listed, diagnostics, content_digests(request.corpus.absolute(), listed, cache)


def _per_document(
    request: BuildRequest,
    section_ids: list[str],
    progress: Progress | None,
    cache: DocumentCache | None,
    *,
    write: bool = True,
    listing: Listing | None = None,
) -> tuple[Survey, list[FileResult]]:
    """Every corpus file read, its documents selected and, for `section_ids`, the window's ones extracted, on
    the request's executor; the corpus as surveyed, and each file's result in the corpus's order. `listing`:
    the corpus as the caller has just listed it."""
    listed, diagnostics, digests = listing or (*list_corpus(request.corpus, request.as_of), None)
    job = Job(
        root=request.corpus.absolute(),
        reference=request.as_of,
        window=request.window,
        topic=request.config.topic,
        section_ids=tuple(section_ids),
        seconds=ReadContext(request.as_of).seconds,
        cache=request.cache.absolute() if cache is not None and request.cache is not None else None,
        write=write,
    )
    with stage("read", request.corpus):
        results = run_stage(job, listed, request.executor, request.scheduler, cache, progress, digests)
    if cache is not None:
        cache.report()
    selections = tuple(s for result in results for s in result.selections)
    if not selections:
        raise InputError(f"{request.corpus}: 0 usable articles in the corpus folder")
    read_diagnostics = tuple(diagnostics) + tuple(d for result in results for d in result.diagnostics)
    return Survey(selections, read_diagnostics), results


def survey(
    request: BuildRequest, progress: Progress | None = None, cache: DocumentCache | None = None, *, write: bool = True
) -> Survey:
    """The corpus read and selected, nothing extracted (`sources`, `check`); `write=False` for a cache opened
    only to read."""
    return _per_document(request, [], progress, cache, write=write)[0]


def check_templates(request: BuildRequest) -> None:
    """Every audience's template exists and compiles; raises the render error a build would meet."""
    env = environment(request.config.template_dirs)
    for name in request.audiences:
        load_template(env, request.config.audiences[name].template, request.config.template_dirs)


def missing_paths(request: BuildRequest) -> list[str]:
    """Every path the request names that a build would not find, each as a line naming it."""
    problems = []
    if not request.corpus.is_dir():
        problems.append(f"{request.corpus}: corpus folder not found")
    if any("docx" in (request.formats or request.config.audiences[name].formats) for name in request.audiences):
        from briefgen.render.docx import reference_document  # python-docx is slow to import; only DOCX needs it

        try:
            reference_document(request.config.template_dirs, request.config.docx_reference)
        except RenderError as exc:
            problems.append(str(exc))
    history_folder = request.config.history.parent if request.config.history else None
    for folder in (request.output_dir, history_folder):
        if folder is not None and folder.exists() and not folder.is_dir():
            problems.append(f"{folder}: a file where a folder is expected")
    return [f"{request.config.path}: {problem}" for problem in problems]


def output_name(request: BuildRequest, audience: str, fmt: str) -> str:
    window = request.window
    return f"{request.config.name}_{audience}_{window.start}_{window.end}.{fmt}"


def _stale_edits(request: BuildRequest, events: list[Event]) -> list[Diagnostic]:
    """Overrides whose item (or detail) is not in this briefing: reported, never silently ignored."""
    if request.edits is None:
        return []
    known = {part.id for event in events for part in event.parts}
    return [
        Diagnostic(str(request.edits.path), f"{kind}: no item {item!r} in this briefing (stale override)")
        for kind, item in request.edits.ids()
        if item not in known
    ]


def _section_ids(request: BuildRequest) -> list[str]:
    """Every section some audience of the request carries: what is extracted."""
    return sorted({s for name in request.audiences for s in request.config.audiences[name].sections})


@contextmanager
def _collector_paused(*, then_frozen: bool = False) -> Iterator[None]:
    """Python's cycle collector paused for the block: a large window's documents and facts are millions of
    objects that live to its end, which the collector would walk again and again as they are made or loaded
    (two thirds of the time taken to load 10,000 articles' facts), while the stages make next to no cycles.
    `then_frozen`: every object there is then left out of collections (`gc.freeze`) until `gc.unfreeze`: a
    rerun of 10 changed articles of 10,000 spent a fifth of its time walking them again while it rendered."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if then_frozen:
            gc.freeze()
        if paused:
            gc.enable()


def extract_window(
    request: BuildRequest, progress: Progress | None = None, cache: DocumentCache | None = None
) -> Extracted:
    """Read, select and summarise the window into events; every audience's sections are extracted. The cache
    is the request's unless one is given (the editors' page keeps one open)."""
    with _collector_paused():
        if cache is None and request.cache is not None:
            with opened(request.cache) as own:
                return _extract_window(request, progress, own)
        return _extract_window(request, progress, cache)


def _extract_window(
    request: BuildRequest, progress: Progress | None, cache: DocumentCache | None, listing: Listing | None = None
) -> Extracted:
    started = time.monotonic()
    section_ids = _section_ids(request)
    surveyed, results = _per_document(request, section_ids, progress, cache, listing=listing)
    facts = [fact for result in results for fact in result.facts]
    skipped = tuple(d for result in results for d in result.skipped)
    read_done = time.monotonic()
    with stage("merge", request.corpus):
        events = _grouped(request, surveyed, section_ids, facts, cache)
    # "read" is the per-document stage (read, select, extract), "summarise" what needs every fact at once
    timings = {"read": read_done - started, "summarise": time.monotonic() - read_done}
    log.info(
        "read %d document(s) and extracted %d fact(s) in %.1f s (%s); %d event(s) in %.1f s",
        len(surveyed.selections),
        len(facts),
        timings["read"],
        request.executor,
        len(events),
        timings["summarise"],
    )
    return Extracted(surveyed, tuple(events), len(facts), surveyed.diagnostics + skipped, timings)


def _grouped(
    request: BuildRequest, surveyed: Survey, section_ids: list[str], facts: list[Fact], cache: DocumentCache | None
) -> list[Event]:
    """The window's facts merged and grouped into events; from the cache when the window's documents, topic,
    sections and dates are those of a run before (merging every fact is the one stage that grows with the
    whole window, so a rerun with nothing changed must not do it again)."""
    if cache is None:
        return group_events(merge(facts, request.window))
    documents = surveyed.included
    digests = {document.key: document_digest(document) for document in documents}
    key = cache_key(
        "events",
        request.window.start.isoformat(),
        request.window.end.isoformat(),
        *extraction_settings(request.config.topic, section_ids, request.as_of),
        *digests.values(),
    )
    # the events point into this run's documents and facts, which are the same as the stored run's (the key
    # says so): stored by reference, the entry is the grouping alone, small and quick to load
    known: dict[str, object] = {f"d{d.key}": d for d in documents} | {f"f{n}": f for n, f in enumerate(facts)}
    batch = cache.batch("windows merged")
    stored = batch.lookup(key, bytes)
    events = None
    if stored is not None:
        try:
            events = unpickled_referencing(stored, known)
        except Exception:  # an entry this run cannot load is a miss, as any other
            events = None
    if not isinstance(events, list):
        events = group_events(_remerged(request, section_ids, facts, cache, digests))
        batch.remember(key, pickled_referencing(events, known))
    batch.save()
    cache.report()
    return events


def _remerged(
    request: BuildRequest, section_ids: list[str], facts: list[Fact], cache: DocumentCache, digests: dict[str, str]
) -> list[Draft]:
    """The window's facts merged, from what the last merge of this window and settings left: a rerun with a
    few articles changed decides again only for the facts they reach (`remerge`). `digests`: the window's
    documents' (`document_digest`), by key."""
    key = cache_key(
        "merge memory",
        str(request.corpus.absolute()),
        request.window.start.isoformat(),
        request.window.end.isoformat(),
        *extraction_settings(request.config.topic, section_ids, request.as_of),
    )
    batch = cache.batch("merge memories")
    try:
        drafts, memory = remerge(facts, request.window, batch.lookup(key, MergeMemory), digests)
    except (KeyError, IndexError):  # a memory that does not fit these facts is not trusted: merged from nothing
        log.info("cache: the last merge's memory does not fit this window's facts; merged from nothing")
        drafts, memory = remerge(facts, request.window, None, digests)
    batch.remember(key, memory)
    batch.save()
    return drafts


def compose_briefings(request: BuildRequest, extracted: Extracted, now: datetime | None = None) -> Composed:
    """Every audience's briefing from the window's events and the request's edits (no item marked NEW:
    `marked_new`)."""
    config = request.config
    surveyed = extracted.survey
    events = list(extracted.events)
    diagnostics = extracted.diagnostics + tuple(_stale_edits(request, events))
    generated_at = _generated_at(now)
    coverage = Coverage(
        read=len(surveyed.selections),
        used=len(surveyed.included),
        left_out=tuple((s.document.key, s.reason) for s in surveyed.selections if not s.included),
    )
    watch_quota = {watch.name: watch.keep for watch in config.topic.watch}
    briefings = []
    for name in request.audiences:
        audience = config.audiences[name]
        with stage("compose", f"the {name} edition of {config.path}"):
            sections, key_points, sources = compose(events, audience, config.sections, watch_quota, request.edits)
        briefing = Briefing(
            title=config.title,
            audience=name,
            audience_title=audience.title,
            window=request.window,
            generated_at=generated_at,
            marking=config.marking,
            sections=sections,
            key_points=key_points,
            sources=sources,
            tables=build_tables(audience.tables, config.topic.tables, sections),
            chart=items_per_day_chart(next((s for s in sections if s.id == audience.chart), None), request.window),
            show_coverage=audience.coverage,
            coverage=coverage,
            editor_note=request.edits.note if request.edits else None,
        )
        briefings.append(briefing)
    return Composed(tuple(briefings), surveyed, diagnostics, extracted.timings, extracted)


def marked_new(composed: Composed, previous: PreviousItems | None) -> Composed:
    """Every briefing's items marked NEW against the history's previous run of its audience, when `previous` is
    given: made afresh by every build, even of editions taken whole from the cache."""
    if previous is None:
        return composed
    return replace(composed, briefings=tuple(mark_new(b, previous(b.audience)) for b in composed.briefings))


def _generated_at(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


def compose_editions(
    request: BuildRequest,
    now: datetime | None = None,
    previous: PreviousItems | None = None,
    aside: Aside | None = None,
) -> Composed:
    """Read, select, summarise: every audience's briefing, NEW items marked when `previous` is given. The
    editions are kept in the cache by `aside` when given (the caller joins it), else before returning."""
    check_templates(request)
    keep = None
    with _collector_paused():
        with opened(request.cache) as cache:
            if cache is None:
                composed = compose_briefings(request, _extract_window(request, request.progress, None), now)
            else:
                composed, keep = _composed_through(cache, request, now)
        if keep is not None:  # the cache closed first: a connection must not cross a fork
            (aside or Aside(fork=False)).run(keep)
    return marked_new(composed, previous)


def _composed_through(
    cache: DocumentCache, request: BuildRequest, now: datetime | None
) -> tuple[Composed, Callable[[], None] | None]:
    """The editions from the cache when the window's files (by content), settings and edits are those of a
    build before: an unchanged rerun then reads, extracts, merges and composes nothing. Otherwise built, with
    what keeps them for the next run (storing a large window's editions takes as long as rendering them)."""
    started = time.monotonic()
    batch = cache.batch("windows composed")
    listing = _listing(request, cache)
    key = _editions_key(request, listing)
    remembered = batch.lookup(key, Composed) if key is not None else None
    keep = None
    if remembered is not None:
        seconds = time.monotonic() - started
        log.info(
            "%d document(s) unchanged since an earlier build: the editions taken from the cache in %.1f s",
            len(remembered.survey.selections),
            seconds,
        )
        composed = replace(
            remembered,
            briefings=tuple(replace(b, generated_at=_generated_at(now)) for b in remembered.briefings),
            timings={"read": seconds, "summarise": 0.0},
        )
    else:
        composed = compose_briefings(request, _extract_window(request, request.progress, cache, listing), now)
        if cache.usable and key is not None:
            texts_let_go = Survey(
                tuple(s.without_text(even_used=True) for s in composed.survey.selections),
                composed.survey.diagnostics,
            )
            keep = partial(_keep_editions, request, key, replace(composed, survey=texts_let_go, window=None))
    batch.save()
    cache.report()
    return composed, keep


def _keep_editions(request: BuildRequest, key: str, composed: Composed) -> None:
    """The editions kept under `key` when no file has changed since the build listed the corpus: the key then
    still says what was built. Listing again takes a large corpus's build a few tenths of a second, done aside
    with the keeping (`forking.Aside`)."""
    with opened(request.cache, prune=False) as cache:
        if cache is not None and key == _editions_key(request, _listing(request, cache)):
            batch = cache.batch("windows composed")
            batch.remember(key, composed)
            batch.save(counted=False)


def _editions_key(request: BuildRequest, listing: Listing) -> str | None:
    """What a build's editions depend on: every corpus file's content (its digest known from its unchanged
    stamp, so nothing is read), the listing's warnings, the window, the topic, the config's sections and
    audiences, and the edits. None when a file cannot be read."""
    listed, diagnostics, digests = listing
    if digests is None or None in digests:
        return None
    config = request.config
    edits = request.edits
    composing = {
        "window": [request.window.start, request.window.end, request.window.rule, request.window.as_of],
        "title": [config.title, config.marking],
        "sections": [section.model_dump(mode="json") for section in config.sections],
        "audiences": [[name, config.audiences[name].model_dump(mode="json")] for name in request.audiences],
        "edits": edits and [str(edits.path), edits.note, edits.pin, edits.drop, edits.replace],
    }
    return cache_key(
        "editions",
        str(request.corpus.absolute()),
        json.dumps(composing, default=str),
        *extraction_settings(config.topic, _section_ids(request), request.as_of),
        *(str(diagnostic) for diagnostic in diagnostics),
        *(f"{file.rel}\0{digest}" for file, digest in zip(listed, digests, strict=True)),
    )


def render_editions(request: BuildRequest, briefings: tuple[Briefing, ...]) -> dict[tuple[str, str], bytes]:
    """(audience, format) -> the file's bytes, all in memory before anything is written."""
    config = request.config
    rendered = {}
    for done, briefing in enumerate(briefings):
        if request.progress:
            request.progress("render", done, len(briefings))
        audience = config.audiences[briefing.audience]
        options = RenderOptions(config.template_dirs, audience.template, config.docx_reference, config.pdf_variant)
        with stage("render", f"the {briefing.audience} edition of {config.path}"):
            for fmt, data in render_all(briefing, request.formats or tuple(audience.formats), options).items():
                rendered[(briefing.audience, fmt)] = data
    if request.progress:
        request.progress("render", len(briefings), len(briefings))
    return rendered


class Publisher(Protocol):
    """Where a build's files go, and what it compares its items with: `Files` for `build`; `run` adds the
    scheduled run's lock, manifest and history (runner.ScheduledRun)."""

    previous: PreviousItems | None

    def publish(
        self, request: BuildRequest, composed: Composed, rendered: dict[tuple[str, str], bytes], render_seconds: float
    ) -> tuple[Path, ...]: ...


class Files:
    """The on-demand build's files, <output_dir>/<name>_<audience>_<from>_<to>.<format>; nothing compared."""

    previous: PreviousItems | None = None

    def publish(
        self, request: BuildRequest, composed: Composed, rendered: dict[tuple[str, str], bytes], render_seconds: float
    ) -> tuple[Path, ...]:
        with stage("write", request.output_dir):
            return tuple(
                write_atomically(
                    {
                        request.output_dir / output_name(request, audience, fmt): data
                        for (audience, fmt), data in rendered.items()
                    }
                )
            )


def build(request: BuildRequest, now: datetime | None = None, publisher: Publisher | None = None) -> BuildResult:
    """Compose every audience's briefing, render it in every format, and hand the files to the publisher."""
    publisher = publisher or Files()
    aside = Aside(fork=True)
    try:
        with _collector_paused(then_frozen=True):
            composed = compose_editions(request, now, previous=publisher.previous, aside=aside)
        if request.strict and composed.diagnostics:
            raise StrictError(composed.diagnostics)
        started = time.monotonic()
        rendered = render_editions(request, composed.briefings)
        render_seconds = time.monotonic() - started
        log.info("rendered %d file(s) in %.1f s", len(rendered), render_seconds)
        written = publisher.publish(request, composed, rendered, render_seconds)
    finally:
        gc.unfreeze()  # a process that goes on (the editors' page) collects them again
        aside.join()
    return BuildResult(
        written, composed.briefings, composed.diagnostics, run_summary(composed.survey), window=composed.window
    )
