"""Novelty: which items of a briefing no earlier run carried, by id or by saying the same in other words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from briefgen.history import PastItem, RunRecord
from briefgen.models import Briefing, Item, Novelty, Window
from briefgen.summarise.extract import anchors, content_words
from briefgen.summarise.merge import SAME_TEXT, overlap


def mark_new(briefing: Briefing, previous: tuple[RunRecord, list[PastItem]] | None) -> Briefing:
    """Flag the items that the previous run (`None`: there was none) did not carry."""
    if previous is None:
        items = [i for s in briefing.sections for i in s.items]
        return replace(briefing, novelty=Novelty(0, len(items), None))
    run, past = previous
    past_ids = {p.item_id for p in past}
    past_facts = [(content_words(p.text), anchors(p.text)) for p in past]

    def is_new(item: Item) -> bool:
        words, named = content_words(item.text), anchors(item.text)
        # the same words about another place, day or number are another event
        return item.id not in past_ids and not any(overlap(words, w) >= SAME_TEXT and named == n for w, n in past_facts)

    sections = tuple(replace(s, items=tuple(replace(i, new=is_new(i)) for i in s.items)) for s in briefing.sections)
    items = [i for s in sections for i in s.items]
    since = Window(date.fromisoformat(run.window_from), date.fromisoformat(run.window_to))
    return replace(briefing, sections=sections, novelty=Novelty(sum(i.new for i in items), len(items), since))
