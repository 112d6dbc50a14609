"""Wording shared by every format, so the PDF, DOCX and HTML say things the same way."""

from __future__ import annotations

from datetime import date

from briefgen.models import Briefing, Conflict, Novelty, Window, WindowRule


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


def conflict_note(conflict: Conflict, numbers: dict[str, int]) -> str:
    """The figures sources give for one thing: "Sources differ on the number of vehicles: Eight [5]; 10 [6]."."""
    given = "; ".join(f"{figure.value} {citation_marker(figure.sources, numbers)}" for figure in conflict.figures)
    return f"Sources differ on the number of {conflict.thing}s: {given}."


def citation_numbers(briefing: Briefing) -> dict[str, int]:
    return {source.id: number for number, source in enumerate(briefing.sources, start=1)}


def citation_marker(source_ids: tuple[str, ...], numbers: dict[str, int]) -> str:
    return "[" + ", ".join(str(numbers[s]) for s in source_ids) + "]"
