"""Novelty: which items of a briefing no earlier run carried, by id or by saying the same in other words."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from briefgen.history import PastItem, RunRecord
from briefgen.models import Briefing, Item, Novelty, Window
from briefgen.summarise.extract import anchors, content_words
from briefgen.summarise.merge import SAME_TEXT, overlap

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


Gist = tuple[frozenset[str], frozenset[str]]  # a text's content words, and the names and numbers it anchors on


def _gist(text: str) -> Gist:
    return content_words(text), anchors(text)


def _says_same(gist: Gist, other: Gist) -> bool:
    # the same words about another place, day or number are another event
    return overlap(gist[0], other[0]) >= SAME_TEXT and gist[1] == other[1]


def mark_new(briefing: Briefing, previous: tuple[RunRecord, list[PastItem]] | None) -> Briefing:
    """Flag the items that the previous run (`None`: there was none) did not carry."""
    if previous is None:
        items = [i for s in briefing.sections for i in s.items]
        return replace(briefing, novelty=Novelty(0, len(items), None))
    run, past = previous
    past_ids = {p.item_id for p in past}
    past_gists = [_gist(p.text) for p in past]  # once each, not once for every item compared with it

    def is_new(item: Item) -> bool:
        if item.id in past_ids:
            return False
        gist = _gist(item.text)
        return not any(_says_same(gist, other) for other in past_gists)

    sections = tuple(replace(s, items=tuple(replace(i, new=is_new(i)) for i in s.items)) for s in briefing.sections)
    items = [i for s in sections for i in s.items]
    since = Window(date.fromisoformat(run.window_from), date.fromisoformat(run.window_to))
    return replace(briefing, sections=sections, novelty=Novelty(sum(i.new for i in items), len(items), since))


@dataclass(frozen=True)
class Changes:
    """What an edition says that the last one did not, and the reverse: for the editors' page."""

    since: RunRecord | None
    new: tuple[Item, ...]
    gone: tuple[PastItem, ...]  # carried last time, and neither the same item nor the same words now
    refigured: tuple[tuple[Item, PastItem], ...]  # the same item, with other numbers


def changes_since(briefing: Briefing, previous: tuple[RunRecord, list[PastItem]] | None) -> Changes:
    """`briefing` (marked by `mark_new`) against the previous run's items."""
    items = [i for s in briefing.sections for i in s.items]
    if previous is None:
        return Changes(None, tuple(items), (), ())
    run, past = previous
    by_id = {item.id: item for item in items}
    gists = [_gist(item.text) for item in items]

    def carried(past_item: PastItem) -> bool:
        gist = _gist(past_item.text)
        return past_item.item_id in by_id or any(_says_same(gist, other) for other in gists)

    gone = tuple(p for p in past if not carried(p))
    refigured = tuple(
        (by_id[p.item_id], p)
        for p in past
        if p.item_id in by_id and Counter(NUMBER.findall(by_id[p.item_id].text)) != Counter(NUMBER.findall(p.text))
    )
    return Changes(run, tuple(i for i in items if i.new), gone, refigured)
