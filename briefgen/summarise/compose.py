"""Composition: facts -> one audience's sections and key points, within its item and word budgets.

The same fact from several articles becomes one item citing all of them; where they give different
figures for the same thing, the item keeps its own sentence, cites every source and is flagged.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from briefgen.config import AudienceSpec, Edits, SectionSpec
from briefgen.models import Document, Item, Section, Source, Window
from briefgen.summarise.extract import Fact, content_words

SAME_TEXT = 0.5  # word overlap above which two sentences say the same thing
SAME_EVENT = 0.2  # lower overlap that still counts when date and named entities agree
VERBATIM = 0.75  # word overlap of a syndicated copy with its original
COPY_DAYS = 3  # how much later a copy may be dated
COPY = 0.6
SAME_ANCHORS = 3  # names and numbers two reports of one event share
EVENT_DAYS = 14  # how far apart the dates given to one event's reports may be
RARE_WORDS = 4
CANDIDATES = 64
REPEAT_PENALTY = 4.0  # rank taken from a draft per unit of overlap with a stronger kept one
YEAR = re.compile(r"(?:19|20)\d\d")
CORROBORATION = 0.5  # rank added per further outlet reporting a fact
WORD_COST = 0.03  # rank an item gives up, when the budget is tight, per word it takes
BACKGROUND_PENALTY = 3.0  # rank taken from a fact that happened before the window: context, not news
SUBORDINATE = re.compile(
    r",\s+(?:days after|weeks after|after|as|while|which|who|where|with|according to|amid|following|before|"
    r"despite|even as|prompting|including|in a move|a statement|officials said|said)\b"
)


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class Draft:
    """A fact and the other reports of it, while an audience's edition is being put together."""

    lead: Fact
    reports: list[Fact]
    background: bool = False  # its lead tells of a time before the window

    @property
    def text(self) -> str:
        return self.lead.text

    @property
    def documents(self) -> list[Document]:
        return list(dict.fromkeys(f.document for f in self.reports))

    @property
    def id(self) -> str:
        """Stable across runs and machines: the same lead sentence in the same section."""
        return item_id(self.lead.section, self.lead.text)

    @property
    def rank(self) -> float:
        """How much the fact matters: its strongest report, and how many outlets carried it."""
        return round(self.lead.score + CORROBORATION * (len(self.documents) - 1)
                     - BACKGROUND_PENALTY * self.background, 3)

    @property
    def words(self) -> int:
        return len(self.text.split())


def same_fact(a: Fact, b: Fact, copies: frozenset[frozenset[str]] = frozenset()) -> bool:
    """Whether two reports state one fact. `copies` holds the pairs of document keys that are copies of one
    another (syndication): their alike sentences are one fact whatever dates each copy gives them."""
    if a.section != b.section:
        return False
    similarity = overlap(a.words, b.words)
    shared = a.key_terms & b.key_terms
    # a day that a sentence does not name (its article's) is no evidence of another event
    undated_retelling = not (a.date_stated and b.date_stated) and len(shared) >= 2
    if a.date is not None and b.date is not None and a.date != b.date:
        # alike wording, different days: two events, unless one outlet's copy of the other
        copied = frozenset((a.document.key, b.document.key)) in copies
        days = abs((a.date - b.date).days)
        if not copied and not (similarity >= VERBATIM and days <= COPY_DAYS) and not (
                (_pinned_alike(a, b) or undated_retelling) and similarity >= SAME_EVENT and days <= EVENT_DAYS):
            return False
    places_a, places_b = a.fields.get("places") or [], b.fields.get("places") or []
    if places_a and places_b and not {p.lower() for p in places_a} & {p.lower() for p in places_b}:
        return False
    if similarity >= SAME_TEXT:
        return True
    if a.document != b.document and _pinned_alike(a, b) and similarity >= SAME_EVENT:
        return True
    same_day = a.date is not None and (a.date == b.date or undated_retelling)
    return a.document != b.document and same_day and len(shared) >= 2 and similarity >= SAME_EVENT


def copied_documents(documents: Iterable[Document]) -> frozenset[frozenset[str]]:
    """Pairs of documents (by key) that are copies of one another: most of their words are the same.

    Only documents sharing two of their rarest words are compared, at most CANDIDATES per word and only when
    their sizes allow the overlap, so this is not all pairs.
    """
    words = {d.key: content_words(d.text) for d in documents}
    frequency = Counter(word for vocabulary in words.values() for word in vocabulary)
    by_word: dict[str, list[str]] = defaultdict(list)
    pairs = set()
    for key, vocabulary in words.items():
        # the rarest words it shares with some other document: a copy shares them with its original
        rare = sorted((w for w in vocabulary if frequency[w] > 1), key=lambda w: (frequency[w], w))[:RARE_WORDS]
        sharing = Counter(k for word in rare for k in set(by_word[word][-CANDIDATES:]))
        for other in (k for k, n in sharing.items() if n >= min(2, len(rare))):
            sizes = sorted((len(vocabulary), len(words[other])))
            if sizes[0] >= COPY * sizes[1] and overlap(vocabulary, words[other]) >= COPY:
                pairs.add(frozenset((key, other)))
        for word in rare:
            by_word[word].append(key)
    return frozenset(pairs)


def _pinned_alike(a: Fact, b: Fact) -> bool:
    """Two reports naming the same names and the same number (a day, a count) are of one event. A year is
    no such number: many reports of a period name it."""
    shared = a.anchors & b.anchors
    return len(shared) >= SAME_ANCHORS and any(w[:1].isdigit() and not YEAR.fullmatch(w) for w in shared)


def is_background(fact: Fact, window: Window) -> bool:
    """A report, in an article of the window, of what happened before it ("shut since November 11")."""
    latest = fact.date or fact.period_end
    return latest is not None and latest < window.start


def merge(facts: list[Fact], window: Window) -> list[Draft]:
    """Group reports of the same fact; the strongest report leads.

    Comparing every pair is quadratic, so a fact is compared only with drafts that share one of its rarest
    words (two sentences saying the same thing share those) or its date and a named entity; and with at
    most CANDIDATES of them, the most recent first.
    """
    frequency = Counter(word for fact in facts for word in fact.words)
    copies = copied_documents({fact.document.key: fact.document for fact in facts}.values())
    drafts: list[Draft] = []
    index: dict[tuple, list[int]] = defaultdict(list)
    for fact in sorted(facts, key=lambda f: (-f.score, f.document.key, f.position)):
        keys = [(fact.section, word) for word in sorted(fact.words, key=lambda w: (frequency[w], w))[:RARE_WORDS]]
        if fact.date is not None:
            keys += [(fact.section, fact.date, term) for term in sorted(fact.key_terms)]
        # a retelling without its day: found through what it names
        keys += [(fact.section, term) for term in sorted(fact.key_terms)]
        candidates = sorted({n for key in keys for n in index[key][-CANDIDATES:]}, reverse=True)[:CANDIDATES]
        home = next((n for n in candidates if any(same_fact(r, fact, copies) for r in drafts[n].reports[:4])), None)
        if home is None:
            home = len(drafts)
            drafts.append(Draft(fact, [fact], is_background(fact, window)))
        else:
            drafts[home].reports.append(fact)
        for key in keys:
            if not index[key] or index[key][-1] != home:
                index[key].append(home)
    return drafts


def conflict_note(draft: Draft, cite: dict[str, int]) -> str | None:
    """Name the figures when reports of one fact count the same thing differently."""
    by_thing: dict[str, dict[float, list[tuple[str, int]]]] = {}
    for report in draft.reports:
        for amount in report.amounts:
            if not amount["of"] or amount["number"] is None:
                continue  # "at least three of the ...": nothing named to compare
            thing = amount["of"].split()[-1].lower().rstrip("s")
            by_thing.setdefault(thing, {}).setdefault(amount["number"], []).append(
                (amount["value"], cite[report.document.key]))
    for thing, values in by_thing.items():
        if len(values) > 1 and len({n for reports in values.values() for _, n in reports}) > 1:
            figures = "; ".join(
                f"{reports[0][0]} [{', '.join(str(n) for n in dict.fromkeys(n for _, n in reports))}]"
                for reports in values.values())
            return f"Sources differ on the number of {thing}s: {figures}."
    return None


def shorten(text: str, min_words: int = 8) -> str:
    """The main clause of a long sentence, for key points: cut before a trailing subordinate clause."""
    for match in SUBORDINATE.finditer(text):
        head = text[: match.start()]
        if len(head.split()) >= min_words and head.count("“") == head.count("”") and head.count('"') % 2 == 0:
            return head.rstrip(" ,;:") + "."
    return text


def item_id(section: str, text: str) -> str:
    digest = hashlib.sha1(f"{section}\n{' '.join(text.lower().split())}".encode()).hexdigest()
    return f"{section}-{digest[:10]}"


def _repeats(draft: Draft, kept: list[Draft]) -> float:
    """How far a draft says again what a stronger draft of its section says (0 to 1)."""
    return max((overlap(draft.lead.words, other.lead.words) for other in kept
                if other is not draft and other.rank >= draft.rank), default=0.0)


def _fit(chosen: dict[str, list[Draft]], protected: list[Draft], pinned: set[str], max_words: int | None) -> None:
    """Drop items until the sections' text fits the word budget, which is a hard limit.

    Key points restate kept items in fewer words, so they are not counted again. What goes first: the weakest items from the fullest section, then
    each section's strongest item, and the protected (watched) items last. An editor's pins are never
    dropped: the editor chose them over the budget.
    """
    if max_words is None:
        return

    def total() -> int:
        return sum(d.words for drafts in chosen.values() for d in drafts)

    def is_protected(draft: Draft) -> bool:
        return any(draft is p for p in protected)

    def droppable(draft: Draft) -> bool:
        return draft.id not in pinned

    while total() > max_words:
        candidates = [(d.rank, s, d) for s, drafts in chosen.items() for d in drafts[1:]
                      if not is_protected(d) and droppable(d)]
        candidates = candidates or [(d.rank, s, d) for s, drafts in chosen.items() for d in drafts
                                    if not is_protected(d) and droppable(d)]
        candidates = candidates or [(d.rank, s, d) for s, drafts in chosen.items() for d in drafts if droppable(d)]
        if not candidates:
            return
        # the weakest goes first; a report that repeats a stronger kept one counts as weaker, and so does a
        # long one, which takes the room of shorter distinct facts
        _, section, weakest = min(candidates, key=lambda t: t[0] - REPEAT_PENALTY * _repeats(t[2], chosen[t[1]])
                                  - WORD_COST * t[2].words)
        chosen[section].remove(weakest)


def compose(
    drafts: list[Draft], audience: AudienceSpec, sections: tuple[SectionSpec, ...], watch_quota: dict[str, int],
    edits: Edits | None = None,
) -> tuple[tuple[Section, ...], tuple[Item, ...], tuple[Source, ...]]:
    """The audience's sections (in its order), its key points, and the sources they cite.

    `watch_quota` is how many reports of each topic watch its section always carries. An editor's pins
    come first in their section and survive the budget; drops never appear.
    """
    pinned = set(edits.pin) if edits else set()
    dropped = set(edits.drop) if edits else set()
    replaced = edits.replace if edits else {}
    chosen: dict[str, list[Draft]] = {}
    protected: list[Draft] = []
    for section_id in audience.sections:
        own = sorted((d for d in drafts if d.lead.section == section_id and d.id not in dropped),
                     key=lambda d: -d.rank)
        # pins first; then the strongest watched reports, which always surface
        kept = [d for d in own if d.id in pinned]
        for watch, quota in watch_quota.items():
            kept += [d for d in own if d.lead.watch == watch and d.id not in pinned][:quota]
        protected += kept
        rest = [d for d in own if all(d is not k for k in kept)]
        chosen[section_id] = (kept + rest)[: max(audience.max_items, len(kept))]
    _fit(chosen, protected, pinned, audience.max_words)
    leaders = [drafts[0] for drafts in chosen.values() if drafts]
    runners = sorted((d for drafts in chosen.values() for d in drafts[1:]), key=lambda d: -d.rank)
    key_points = sorted(leaders, key=lambda d: -d.rank)[: audience.key_points]
    key_points += runners[: audience.key_points - len(key_points)]

    sources: dict[str, Source] = {}
    for drafts_of_section in chosen.values():
        for draft in sorted(drafts_of_section, key=_reading_order):
            for document in draft.documents:
                sources.setdefault(document.key, _source(document, f"s{len(sources) + 1}"))
    cite = {key: source.id for key, source in sources.items()}
    numbers = {key: number for number, key in enumerate(sources, start=1)}

    def item(draft: Draft, text: str, item_id_: str) -> Item:
        note = conflict_note(draft, numbers)
        return Item(
            id=item_id_,
            text=replaced.get(draft.id, text),
            edited=draft.id in replaced,
            date=draft.lead.date,
            sources=tuple(cite[d.key] for d in draft.documents),
            fields=draft.lead.fields,
            conflict=note is not None,
            note=note,
        )

    titles = {s.id: s.title for s in sections}
    built = tuple(
        Section(section_id, titles[section_id],
                tuple(item(d, d.text, d.id) for d in sorted(picked, key=lambda d: (d.id not in pinned,
                                                                                     *_reading_order(d)))))
        for section_id, picked in chosen.items()
    )
    points = tuple(item(d, shorten(d.text), item_id("key-point", d.text)) for d in key_points)
    return built, points, tuple(sources.values())


def _reading_order(draft: Draft) -> tuple[bool, date, str, int]:
    """Date order within a section, undated items last."""
    return (draft.lead.date is None, draft.lead.date or date.max, draft.lead.document.key, draft.lead.position)


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
