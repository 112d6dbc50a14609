"""Plain data passed between the pipeline stages. No I/O here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

# (stage, done, total): how far a long read has come, for a page that shows it: ("read", 40, 300)
Progress = Callable[[str, int, int], None]


class DiagnosticKind(StrEnum):
    WARNING = "warning"  # noted; the input is used
    SKIPPED = "skipped"  # the file, line or entry is left out


@dataclass(frozen=True)
class Diagnostic:
    """A problem with one input that did not stop the run."""

    path: str
    message: str  # the problem, worded for the operator
    line: int | None = None
    kind: DiagnosticKind = DiagnosticKind.WARNING
    entry: int | None = None  # the document of a multi-document file (a feed item) it is about

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        entry = "" if self.entry is None else f"item {self.entry}: "
        skipped = "; skipped" if self.kind is DiagnosticKind.SKIPPED else ""
        return f"{where}: {entry}{self.message}{skipped}"


@dataclass(frozen=True)
class Document:
    """One article, as read from the corpus."""

    path: str  # relative to the corpus folder, with forward slashes
    item: int | None  # index inside a multi-document file (feed entry, JSONL line)
    title: str | None
    url: str | None
    published: date | None
    date_found_by: str  # how `published` was determined, shown to editors
    text: str  # clean text, paragraphs separated by a blank line
    outlet: str | None = None

    @cached_property  # merging and composing ask it millions of times at scale
    def key(self) -> str:
        return self.path if self.item is None else f"{self.path}#{self.item}"


class WindowRule(StrEnum):
    """How a window's dates were chosen; the renderers put it in words."""

    DATES = "dates"  # given as from/to
    LAST_DAYS = "last_days"  # the days up to the as-of date
    PREVIOUS_WEEK = "previous_week"  # the ISO week, Monday to Sunday, before the as-of date's
    PREVIOUS_MONTH = "previous_month"  # the calendar month before the as-of date's


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    rule: WindowRule = WindowRule.DATES
    as_of: date | None = None  # the reference date of a relative rule

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class Verdict(StrEnum):
    """What the select stage decided about a document."""

    USED = "used"
    OUT_OF_WINDOW = "out of window"
    OFF_TOPIC = "off-topic"
    UNDATED = "undated"


@dataclass(frozen=True)
class Selection:
    """A document with the verdict of the select stage, and the reason in words for editors."""

    document: Document
    verdict: Verdict
    reason: str
    text_sha256: str | None = None  # kept when the text is let go (`without_text`)

    @property
    def included(self) -> bool:
        return self.verdict is Verdict.USED

    @property
    def sha256(self) -> str:
        """The digest of the document's text, which a run's manifest records."""
        return self.text_sha256 or hashlib.sha256(self.document.text.encode()).hexdigest()

    def without_text(self, *, even_used: bool = False) -> Selection:
        """A left-out document without its text: only the window's documents are summarised and cited, and a
        large corpus's other articles would otherwise stay in memory for the whole run. `even_used`: a window
        document's too, once its briefings are composed and only its verdict is still asked."""
        if self.included and not even_used:
            return self
        return Selection(replace(self.document, text=""), self.verdict, self.reason, self.sha256)


@dataclass(frozen=True)
class Source:
    id: str
    title: str | None
    published: date | None
    date_found_by: str
    path: str
    item: int | None
    url: str | None
    outlet: str | None = None


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # as the sentence gives it: "the mission's commander"


@dataclass(frozen=True)
class Fields:
    """What an item's sentences state: these for every kind of section, and more for each kind
    (topic.KIND_FIELDS lists them by name, for the topic's table columns)."""

    people: tuple[Person, ...] = ()
    modality: str | None = None


@dataclass(frozen=True)
class OperationFields(Fields):
    places: tuple[str, ...] = ()
    forces: tuple[str, ...] = ()
    opponents: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeliveryFields(Fields):
    donor: str | None = None
    recipient: str | None = None
    item: str | None = None
    quantity: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class ContributionFields(Fields):
    contributors: tuple[str, ...] = ()
    personnel: tuple[str, ...] = ()
    funds: tuple[str, ...] = ()
    status: str | None = None


@dataclass(frozen=True)
class ForwardFields(Fields):
    actor: str | None = None
    subject: tuple[str, ...] = ()
    horizon: str | None = None


def places_of(fields: Fields) -> tuple[str, ...]:
    """The places an item names; only an operation's sentences are read for them."""
    return fields.places if isinstance(fields, OperationFields) else ()


class Evidence(NamedTuple):  # a tuple: an edition of a large window cites a million, made afresh by every edit
    """The sentence of one source that a statement rests on: `quote` is its document's text[start:end]."""

    source: str
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Detail:
    """A sentence that another report (or the same one) adds to an event: who visited, what was seized."""

    text: str
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Figure:
    """A figure a report gives: "civilians killed", "2", cited."""

    quantity: str
    value: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    """Reports of one event that count one thing differently: each figure given, with its sources."""

    thing: str  # what is counted, singular: "vehicle"
    figures: tuple[Figure, ...]  # one per value given


@dataclass(frozen=True)
class Item:
    """One event: its lead sentence, and in editions that show them, the details other reports add.

    `text` is what the reader reads: the lead, then each detail.
    """

    id: str
    text: str
    date: date | None
    sources: tuple[str, ...]
    fields: Fields = Fields()
    conflict: Conflict | None = None
    new: bool = False  # not in the previous successful run of this briefing and audience
    edited: bool = False  # its text was replaced by an editor
    lead: str = ""  # the lead sentence (the whole text when there are no details)
    evidence: tuple[Evidence, ...] = ()
    details: tuple[Detail, ...] = ()
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class TableRow:
    """One event's row: every cell but the date states only what the event's evidence states."""

    cells: tuple[str, ...]
    sources: tuple[str, ...]
    conflict: Conflict | None = None
    item: str = ""  # the id of the item (event) the row is built from


@dataclass(frozen=True)
class Table:
    """A table built from the fields of one section's items (an operations timeline, deliveries...)."""

    id: str
    title: str
    section: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class Chart:
    """A bar chart's data; each writer draws it in its own format."""

    title: str
    section: str  # the section it illustrates
    alt_text: str
    labels: tuple[str, ...]
    values: tuple[int, ...]


@dataclass(frozen=True)
class Coverage:
    read: int
    used: int
    left_out: tuple[tuple[str, str], ...]  # (document key, reason)


@dataclass(frozen=True)
class Novelty:
    """How many items no earlier run carried, and the earlier briefing's window (None: the first run)."""

    new: int
    total: int
    since: Window | None


@dataclass(frozen=True)
class Briefing:
    title: str
    audience: str
    audience_title: str
    window: Window
    generated_at: datetime
    marking: str
    sections: tuple[Section, ...]
    key_points: tuple[Item, ...]
    sources: tuple[Source, ...]
    coverage: Coverage
    tables: tuple[Table, ...] = ()
    chart: Chart | None = None
    show_coverage: bool = False
    editor_note: str | None = None
    novelty: Novelty | None = None  # set by a scheduled run, which compares with the last one


@dataclass(frozen=True)
class RenderOptions:
    """How one audience's briefing is turned into files."""

    template_dirs: tuple  # of Path: the user's template folder first, then the built-in one
    template: str = "briefing.html"
    docx_reference: str = "reference.docx"
    pdf_variant: str | None = None
