"""Wording shared by every format, so the PDF, DOCX and HTML say things the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from briefgen.models import Briefing, Conflict, Novelty, Window, WindowRule

# The sources a statement shows: on a large corpus one event is told by hundreds of reports, and a reader
# learns no more from the fourth number than from "and 416 more sources" (the JSON keeps every one). A
# statement with a few more than that shows them all: two numbers take less room than "and 2 more sources".
SHOWN_SOURCES = 3
ALL_SHOWN_UP_TO = 5


def display_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "undated"


def window_label(window: Window) -> str:
    start, end = window.start, window.end
    if start == end:
        return display_date(start)
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{display_date(start)} – {display_date(end)}"


def window_rule(window: Window) -> str:
    """How the window was chosen, for operators: "previous ISO week, Monday to Sunday, as of 2025-09-01"."""
    if window.rule is WindowRule.LAST_DAYS:
        return f"last {(window.end - window.start).days + 1} days to {window.as_of}"
    if window.rule is WindowRule.PREVIOUS_WEEK:
        return f"previous ISO week, Monday to Sunday, as of {window.as_of}"
    if window.rule is WindowRule.PREVIOUS_MONTH:
        return f"previous calendar month as of {window.as_of}"
    return f"{window.start} to {window.end}"


def novelty_sentence(novelty: Novelty) -> str:
    """What is new since the last run: "3 of 12 items are new since the briefing of 2025-08-18 to 2025-08-24"."""
    if novelty.since is None:
        return "First recorded run of this briefing: nothing to compare with."
    since = f"the briefing of {novelty.since.start} to {novelty.since.end}"
    return (
        f"{novelty.new} of {novelty.total} items are new since {since}."
        if novelty.new
        else f"No new items since {since}."
    )


def conflict_note(conflict: Conflict, cite: Citations) -> str:
    """The figures sources give for one thing: "Sources differ on the number of vehicles: Eight [5]; 10 [6]."."""
    given = "; ".join(f"{figure.value} {cite.marker(figure.sources)}" for figure in conflict.figures)
    return f"Sources differ on the number of {conflict.thing}s: {given}."


def strongest(source_ids: tuple[str, ...], outlets: dict[str, str], most: int) -> tuple[str, ...]:
    """The `most` sources a statement shows, in the order given (compose lists the lead's reports first,
    strongest first, then the details'), one per outlet before a second of any: three outlets confirming an
    event tell the reader more than one outlet three times."""
    first_of: dict[str, str] = {}
    for source in source_ids:
        first_of.setdefault(outlets[source], source)
    chosen = list(first_of.values())[:most]
    chosen += [s for s in source_ids if s not in chosen][: most - len(chosen)]
    return tuple(s for s in source_ids if s in chosen)


class Citations:
    """How a document cites: each statement shows its strongest few sources and counts the others, and the
    sources appendix lists exactly the sources shown, numbered in order of first citation in the sections
    (the key points restate items, so they cite the numbers of their items).

    `every` shows every source, numbered in the briefing's order, for the JSON: the programs that read it
    check every citation.
    """

    def __init__(self, briefing: Briefing, every: bool = False) -> None:
        self.every = every
        # the origin the appendix names: the outlet, or the file of a source whose outlet is unknown
        self.outlets = {s.id: s.outlet or s.path for s in briefing.sources}
        by_id = {s.id: s for s in briefing.sources}
        cited = by_id if every else dict.fromkeys(s for ids in _statements(briefing) for s in self.shown(ids))
        self.sources = tuple(by_id[s] for s in cited)
        self.numbers = {source.id: number for number, source in enumerate(self.sources, start=1)}

    def shown(self, source_ids: tuple[str, ...]) -> tuple[str, ...]:
        if self.every or len(source_ids) <= ALL_SHOWN_UP_TO:
            return source_ids
        return strongest(source_ids, self.outlets, SHOWN_SOURCES)

    def more(self, source_ids: tuple[str, ...]) -> str:
        """The sources a statement does not show, in words: "and 5 more sources" ("" when it shows all)."""
        left = len(source_ids) - len(self.shown(source_ids))
        return f"and {left} more sources" if left else ""

    def marker(self, source_ids: tuple[str, ...]) -> str:
        """A statement's citation as text: "[1, 4, 5] and 5 more sources"."""
        shown = "[" + ", ".join(str(self.numbers[s]) for s in self.shown(source_ids)) + "]"
        more = self.more(source_ids)
        return f"{shown} {more}" if more else shown


def _statements(briefing: Briefing) -> Iterator[tuple[str, ...]]:
    """The sources of each statement a document cites, in reading order within the sections: an item, its
    conflicting figures and its details; then the table rows and the key points, which cite items again."""
    for item in (item for section in briefing.sections for item in section.items):
        yield item.sources
        yield from (figure.sources for figure in item.conflict.figures) if item.conflict else ()
        yield from (detail.sources for detail in item.details)
    yield from (row.sources for table in briefing.tables for row in table.rows)
    for point in briefing.key_points:
        yield point.sources
        yield from (figure.sources for figure in point.conflict.figures) if point.conflict else ()
