"""Composition: events -> one audience's sections and key points, within its item and word budgets.

An item is an event. Its lead is the event's strongest report and cites every source that reports the
event; in editions that show details, the sentences other reports add follow the lead, each citing its
own sources. Where reports give different figures for the same quantity, the item lists each figure with
its sources and is flagged: nothing is silently chosen. Every citation carries its evidence, the exact
sentence of the source and its offsets in the document's text.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from briefgen.config import AudienceSpec, Edits, SectionSpec
from briefgen.models import Conflict, Detail, Document, Evidence, Fields, Figure, Item, Section, Source
from briefgen.summarise.events import Event
from briefgen.summarise.extract import Fact
from briefgen.summarise.grounds import Figures, Given, Quote
from briefgen.summarise.merge import Draft, item_id, overlap

REPEAT_PENALTY = 4.0  # rank taken from an item per unit of overlap with a stronger kept one
WORD_COST = 0.03  # rank an item gives up, when the budget is tight, per word it takes
MAX_DETAILS = 10  # details under one lead, before the budget
SUBORDINATE = re.compile(
    r",\s+(?:days after|weeks after|after|as|while|which|who|where|with|according to|amid|following|before|"
    r"despite|even as|prompting|including|in a move|a statement|officials said|said)\b"
)


@dataclass
class Plan:
    """An event as one edition carries it: the event, and the details the edition keeps of it."""

    event: Event
    details: list[Draft] = field(default_factory=list)
    rewording: Mapping[str, str] = field(default_factory=dict)  # an editor's texts by id: they fill the budget

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.event.documents

    @property
    def rank(self) -> float:
        return self.event.rank

    @property
    def id(self) -> str:
        return self.event.id

    @property
    def lead(self) -> Fact:
        return self.event.lead.lead

    @property
    def words(self) -> int:
        return sum(self.words_of(draft) for draft in [self.event.lead, *self.details])

    def words_of(self, draft: Draft) -> int:
        reworded = self.rewording.get(draft.id)
        return draft.words if reworded is None else len(reworded.split())


def _figures(found: Figures, cite: dict[str, str]) -> tuple[tuple[Figure, ...], Conflict | None]:
    """The event's figures and conflict, citing this edition's sources."""

    def figure(given: Given) -> Figure:
        return Figure(given.quantity, given.value, tuple(cite[key] for key in given.documents))

    conflict = None
    if found.conflict_thing is not None:
        conflict = Conflict(found.conflict_thing, tuple(map(figure, found.conflicting)))
    return tuple(map(figure, found.given)), conflict


def shorten(text: str, min_words: int = 8) -> str:
    """The main clause of a long sentence, for key points: cut before a trailing subordinate clause."""
    for match in SUBORDINATE.finditer(text):
        head = text[: match.start()]
        if len(head.split()) >= min_words and head.count("“") == head.count("”") and head.count('"') % 2 == 0:
            return head.rstrip(" ,;:") + "."
    return text


def _repeats(plan: Plan, kept: list[Plan]) -> float:
    """How far an event's lead says again what a stronger kept lead of its section says (0 to 1)."""
    return max(
        (overlap(plan.lead.words, other.lead.words) for other in kept if other is not plan and other.rank >= plan.rank),
        default=0.0,
    )


def _fit(chosen: dict[str, list[Plan]], protected: list[Plan], pinned: set[str], max_words: int | None) -> None:
    """Drop details and items until the sections' text fits the word budget, which is a hard limit.

    Key points restate kept items in fewer words, so they are not counted again. The weakest goes first,
    a detail or a whole item: an item that repeats a stronger kept one counts as weaker, and so does a long
    one, which takes the room of shorter distinct facts. Each section's strongest item and the protected
    (watched) items go last; an editor's pins are never dropped: the editor chose them over the budget.
    """
    if max_words is None:
        return

    def is_protected(plan: Plan) -> bool:
        return any(plan is p for p in protected)

    def droppable(plan: Plan) -> bool:
        return plan.id not in pinned

    def worth(plan: Plan, section: str) -> float:
        return plan.rank - REPEAT_PENALTY * _repeats(plan, chosen[section]) - WORD_COST * plan.words_of(plan.event.lead)

    def droppable_items() -> list[tuple[float, str, Plan]]:
        items = [
            (worth(p, s), s, p)
            for s, plans in chosen.items()
            for p in plans[1:]
            if not is_protected(p) and droppable(p)
        ]
        items = items or [
            (worth(p, s), s, p) for s, plans in chosen.items() for p in plans if not is_protected(p) and droppable(p)
        ]
        return items or [(worth(p, s), s, p) for s, plans in chosen.items() for p in plans if droppable(p)]

    # A detail's worth is its own, so the details wait in a heap, weakest (then first listed) on top; an item's
    # depends on the items kept with it, so the items are weighed again only when one goes. Weighing everything
    # for every word dropped took a tenth of composing a 10,000-article window.
    total = sum(plan.words for plans in chosen.values() for plan in plans)
    details = [
        (d.rank - WORD_COST * plan.words_of(d), order, plan, d)
        for order, (plan, d) in enumerate(
            (plan, d) for plans in chosen.values() for plan in plans for d in plan.details if d.id not in pinned
        )
    ]
    heapq.heapify(details)
    gone: set[int] = set()  # the items dropped, whose details went with them
    items = droppable_items()
    while total > max_words:
        while details and id(details[0][2]) in gone:
            heapq.heappop(details)
        weakest_item = min(items, key=lambda t: t[0], default=None)
        if details and (weakest_item is None or details[0][0] <= weakest_item[0]):
            _, _, plan, detail = heapq.heappop(details)
            plan.details.remove(detail)
            total -= plan.words_of(detail)
        elif weakest_item is not None:
            _, section, plan = weakest_item
            chosen[section].remove(plan)
            total -= plan.words
            gone.add(id(plan))
            items = droppable_items()
        else:
            return


def _merged_fields(facts: list[Fact]) -> Fields:
    """The lead's fields, with what its details of the same kind add: lists joined, empty values filled."""
    merged = facts[0].fields
    for fact in facts[1:]:
        if type(fact.fields) is not type(merged):
            continue
        added: dict[str, Any] = {}
        for name in (f.name for f in dataclasses.fields(merged)):
            mine, theirs = getattr(merged, name), getattr(fact.fields, name)
            if isinstance(mine, tuple):
                added[name] = mine + tuple(v for v in theirs if v not in mine)
            elif mine in (None, ""):
                added[name] = theirs
        merged = dataclasses.replace(merged, **added)
    return merged


def compose(
    events: list[Event],
    audience: AudienceSpec,
    sections: tuple[SectionSpec, ...],
    watch_quota: dict[str, int],
    edits: Edits | None = None,
) -> tuple[tuple[Section, ...], tuple[Item, ...], tuple[Source, ...]]:
    """The audience's sections (in its order), its key points, and the sources they cite.

    `watch_quota` is how many events of each topic watch its section always carries. An editor's pins
    come first in their section and survive the budget; drops never appear (a dropped detail goes alone).
    """
    pinned = set(edits.pin) if edits else set()
    dropped = set(edits.drop) if edits else set()
    replaced = edits.replace if edits else {}
    chosen: dict[str, list[Plan]] = {}
    protected: list[Plan] = []
    for section_id in audience.sections:
        own = sorted(
            (
                Plan(
                    e, [d for d in e.details if d.id not in dropped][:MAX_DETAILS] if audience.details else [], replaced
                )
                for e in events
                if e.lead.lead.section == section_id and e.id not in dropped
            ),
            key=lambda p: -p.rank,
        )
        # pins first; then the strongest watched events, which always surface
        kept = [p for p in own if p.id in pinned]
        for watch, quota in watch_quota.items():
            kept += [p for p in own if p.event.watch == watch and p.id not in pinned][:quota]
        protected += kept
        rest = [p for p in own if all(p is not k for k in kept)]
        chosen[section_id] = (kept + rest)[: max(audience.max_items, len(kept))]
    _fit(chosen, protected, pinned, audience.max_words)
    leaders = [plans[0] for plans in chosen.values() if plans]
    runners = sorted((p for plans in chosen.values() for p in plans[1:]), key=lambda p: -p.rank)
    key_points = sorted(leaders, key=lambda p: -p.rank)[: audience.key_points]
    key_points += runners[: audience.key_points - len(key_points)]

    sources: dict[str, Source] = {}
    for plans in chosen.values():
        for plan in sorted(plans, key=_reading_order):
            for document in plan.documents:
                if document.key not in sources:
                    sources[document.key] = _source(document, f"s{len(sources) + 1}")
    cite = {key: source.id for key, source in sources.items()}

    def cited(quotes: tuple[Quote, ...]) -> tuple[tuple[str, ...], tuple[Evidence, ...]]:
        ids = tuple(cite[quote.document] for quote in quotes)
        return ids, tuple(Evidence(n, q.text, q.start, q.end) for n, q in zip(ids, quotes, strict=True))

    def item(plan: Plan, lead_text: str, item_id_: str, with_details: bool) -> Item:
        event = plan.event
        found, conflict = _figures(event.figures, cite)
        details = (
            tuple(Detail(replaced.get(d.id, d.text), *cited(d.quotes)) for d in plan.details) if with_details else ()
        )
        sources_, evidence = cited(event.quotes)
        lead = replaced.get(event.id, lead_text)
        return Item(
            id=item_id_,
            text=" ".join([lead, *(d.text for d in details)]),
            lead=lead,
            edited=event.id in replaced or any(d.id in replaced for d in plan.details),
            date=plan.lead.date,
            sources=sources_,
            evidence=evidence,
            details=details,
            figures=found,
            fields=_merged_fields([plan.lead, *(d.lead for d in plan.details)]),
            conflict=conflict,
        )

    titles = {s.id: s.title for s in sections}
    built = tuple(
        Section(
            section_id,
            titles[section_id],
            tuple(
                item(p, p.lead.text, p.id, True)
                for p in sorted(picked, key=lambda p: (p.id not in pinned, *_reading_order(p)))
            ),
        )
        for section_id, picked in chosen.items()
    )
    points = tuple(item(p, shorten(p.lead.text), item_id("key-point", p.lead.text), False) for p in key_points)
    return built, points, tuple(sources.values())


def _reading_order(plan: Plan) -> tuple[bool, date, str, int]:
    """Date order within a section, undated items last."""
    lead = plan.lead
    return (lead.date is None, lead.date or date.max, lead.document.key, lead.position)


def _source(document: Document, source_id: str) -> Source:
    return Source(
        id=source_id,
        title=document.title,
        published=document.published,
        date_found_by=document.date_found_by,
        path=document.path,
        item=document.item,
        url=document.url,
        outlet=document.outlet,
    )
