"""Wording shared by every format, so the PDF, DOCX and HTML say things the same way."""

from __future__ import annotations

from datetime import date

from briefgen.models import Window


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


def citation_marker(source_ids: tuple[str, ...], numbers: dict[str, int]) -> str:
    return "[" + ", ".join(str(numbers[s]) for s in source_ids) + "]"
