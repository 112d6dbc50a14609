"""Grounds: what a statement rests on, before an edition numbers its sources.

For each document that reports it, the sentence the document gave (the evidence); and the figures the
reports give, with the conflict when they count one thing differently. Both are in terms of documents, so an
event's are taken once (`events.Event`) and shared by every edition and key point that carries it: a large
window's event has thousands of reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from briefgen.models import Document
from briefgen.summarise.extract import Fact


class Quote(NamedTuple):  # a tuple: a large window's events hold millions, made in a tenth of the time
    """A document's sentence: `text` is the document's text[start:end]."""

    document: str  # the document's key
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Given:
    """One figure given for one thing: the words of the first report giving it, and every document giving it."""

    quantity: str
    value: str
    documents: tuple[str, ...]  # keys, in the order the reports give them, each once


@dataclass(frozen=True)
class Figures:
    given: tuple[Given, ...]
    conflict_thing: str | None = None  # what sources count differently, singular: "vehicle"
    conflicting: tuple[Given, ...] = ()  # each figure given for it


def quotes(documents: Iterable[Document], reports: Iterable[Fact]) -> tuple[Quote, ...]:
    """For each document, the sentence of the first of `reports` it gave."""
    first: dict[str, tuple[int, int]] = {}
    for fact in reports:
        first.setdefault(fact.document.key, fact.span)
    return tuple(Quote(d.key, d.text[start:end], start, end) for d in documents for start, end in (first[d.key],))


def _states(document: Document, value: str) -> bool:
    return re.search(rf"(?<![\w.,]){re.escape(value)}(?![\w]|[.,]\d)", document.text, re.I) is not None


def figures(reports: Iterable[Fact]) -> Figures:
    """The figures the reports give, each with its documents, and the conflict when sources count one thing
    differently (eight vehicles in one, 10 in another).

    Sources disagree when one gives a number the other's text never states, and the other the reverse: an
    article that names both counts two things (Kenya's thousand officers, Belize's two).
    """
    by_thing: dict[str, dict[float, list[tuple[str, str, Document]]]] = {}
    for report in reports:
        for amount in report.amounts:
            if not amount["of"] or amount["number"] is None:
                continue  # "at least three of the ...": nothing named to compare
            thing = amount["of"].split()[-1].lower().rstrip("s")
            by_thing.setdefault(thing, {}).setdefault(amount["number"], []).append(
                (amount["of"], amount["value"], report.document)
            )

    def given(reported: list[tuple[str, str, Document]]) -> Given:
        return Given(reported[0][0], reported[0][1], tuple(dict.fromkeys(d.key for _, _, d in reported)))

    found = tuple(given(reported) for values in by_thing.values() for reported in values.values())
    for thing, values in by_thing.items():
        groups = list(values.values())
        disagree = any(
            any(not _states(d, second[0][1]) for _, _, d in first)
            and any(not _states(d, first[0][1]) for _, _, d in second)
            for n, first in enumerate(groups)
            for second in groups[n + 1 :]
        )
        if disagree:
            return Figures(found, thing, tuple(given(reported) for reported in groups))
    return Figures(found)
