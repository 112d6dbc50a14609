"""Merge: facts -> drafts, each fact with every report of it.

Two sentences that state the same fact, in one outlet's words or another's, become one draft citing both;
documents that are copies of one another (syndication) merge their alike sentences whatever their dates.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from itertools import chain, combinations, groupby, islice
from typing import NamedTuple

from briefgen.forking import can_fork, in_two
from briefgen.models import Document, Window
from briefgen.summarise.extract import Fact, content_words, document_digest
from briefgen.summarise.grounds import Quote, quotes

log = logging.getLogger(__name__)

SAME_TEXT = 0.5  # word overlap above which two sentences say the same thing
SAME_EVENT = 0.2  # lower overlap that still counts when date and named entities agree
VERBATIM = 0.75  # word overlap of a syndicated copy with its original
COPY_DAYS = 3  # how much later a copy may be dated
COPY = 0.6  # word overlap of two documents that are copies of one another
SAME_ANCHORS = 3  # names and numbers two reports of one event share
EVENT_DAYS = 14  # how far apart the dates given to one event's reports may be
RARE_WORDS = 4
CANDIDATES = 64
FORK_FACTS = 20_000  # below this, merging takes less than a second: not worth a second process
CORROBORATION = 0.5  # rank added per further outlet reporting a fact
BACKGROUND_PENALTY = 3.0  # rank taken from a fact that happened before the window: context, not news


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not (a and b):
        return 0.0
    shared = len(a & b)  # the union's size from it: merging asks this of millions of pairs
    return shared / (len(a) + len(b) - shared)


@dataclass
class Draft:
    """A fact and the other reports of it, while an audience's edition is being put together."""

    lead: Fact
    reports: list[Fact]
    background: bool = False  # its lead tells of a time before the window

    @property
    def text(self) -> str:
        return self.lead.text

    # each walks every report, and a draft of a large window has tens of thousands: taken once, and again only
    # when `absorb` adds reports
    @cached_property
    def documents(self) -> tuple[Document, ...]:
        return tuple({f.document.key: f.document for f in self.reports}.values())

    @cached_property
    def quotes(self) -> tuple[Quote, ...]:
        return quotes(self.documents, self.reports)

    def absorb(self, other: Draft) -> None:
        """Another draft's reports as further reports of this one: it says again what this one says."""
        self.reports.extend(other.reports)
        self.__dict__ = self.__getstate__()  # what was taken from the reports is taken again

    def __getstate__(self) -> dict[str, object]:
        """The draft's fields alone: what is taken from its reports is taken again, not kept in the cache."""
        return {each.name: getattr(self, each.name) for each in fields(self)}

    @property
    def id(self) -> str:
        """Stable across runs and machines: the same lead sentence in the same section."""
        return item_id(self.lead.section, self.lead.text)

    @property
    def rank(self) -> float:
        """How much the fact matters: its strongest report, and how many outlets carried it."""
        return round(
            self.lead.score + CORROBORATION * (len(self.documents) - 1) - BACKGROUND_PENALTY * self.background, 3
        )

    @property
    def words(self) -> int:
        return len(self.text.split())


def same_fact(a: Fact, b: Fact, copies: frozenset[frozenset[str]] = frozenset()) -> bool:
    """Whether two reports state one fact. `copies` holds the pairs of document keys that are copies of one
    another (syndication): their alike sentences are one fact whatever dates each copy gives them."""
    if a.section != b.section:
        return False
    similarity = overlap(a.words, b.words)
    if similarity < SAME_EVENT:  # every way to one fact below needs at least this much in common
        return False
    shared = a.key_terms & b.key_terms
    # a day that a sentence does not name (its article's) is no evidence of another event
    undated_retelling = not (a.date_stated and b.date_stated) and len(shared) >= 2
    if a.date is not None and b.date is not None and a.date != b.date:
        # alike wording, different days: two events, unless one outlet's copy of the other
        days = abs((a.date - b.date).days)
        if (
            not (similarity >= VERBATIM and days <= COPY_DAYS)
            and not (days <= EVENT_DAYS and (undated_retelling or _pinned_alike(a, b)))
            and frozenset((a.document.key, b.document.key)) not in copies
        ):
            return False
    if not places_agree(a, b):
        return False
    if similarity >= SAME_TEXT:
        return True
    if a.document != b.document and _pinned_alike(a, b):
        return True
    same_day = a.date is not None and (a.date == b.date or undated_retelling)
    return a.document != b.document and same_day and len(shared) >= 2


def places_agree(a: Fact, b: Fact) -> bool:
    """Neither names a place, or they name one in common."""
    return not (a.places and b.places) or not a.places.isdisjoint(b.places)


def copied_documents(documents: Iterable[Document]) -> frozenset[frozenset[str]]:
    """Pairs of documents (by key) that are copies of one another: most of their words are the same.

    Only documents sharing two of their rarest words are compared, at most CANDIDATES per word and only when
    their sizes allow the overlap, so this is not all pairs.
    """
    words = {d.key: content_words(d.text) for d in documents}
    frequency = Counter(chain.from_iterable(words.values()))  # counted in C: millions of words at scale
    rarity = Rarity.of(frequency)
    alone = Counter(frequency.values())[1]  # how many words only one document has: the rarest of all
    by_word: dict[str, list[str]] = defaultdict(list)
    pairs = set()
    for key, vocabulary in words.items():
        # the rarest words it shares with some other document: a copy shares them with its original
        rare = rarity.rarest(vocabulary, RARE_WORDS, after=alone)
        candidates = [set(by_word[word][-CANDIDATES:]) for word in rare]
        # those sharing two of them, or the only one: sets intersected in C, where counting took a Python loop
        pairwise = [a & b for a, b in combinations(candidates, 2)] or candidates
        for other in set().union(*pairwise):
            sizes = sorted((len(vocabulary), len(words[other])))
            if sizes[0] >= COPY * sizes[1] and overlap(vocabulary, words[other]) >= COPY:
                pairs.add(frozenset((key, other)))
        for word in rare:
            by_word[word].append(key)
    return frozenset(pairs)


def scarcity(frequency: int) -> int:
    """How rare a word with this count is, by powers of two: an article or two more or less leaves almost every
    word as rare as it was, so a rerun takes again only the rarest words of facts with a word that crossed a
    power of two."""
    return frequency.bit_length()


class Rarity(NamedTuple):
    """The words from the rarest (by `scarcity`, ties by the word), and each word's place there: a fact's or a
    document's rarest words are then taken as the smallest places, with no sort key built for each of its
    words."""

    words: list[str]
    place: dict[str, int]

    @classmethod
    def of(cls, frequency: Counter[str]) -> Rarity:
        ordered = sorted(frequency, key=lambda w: (scarcity(frequency[w]), w))
        return cls(ordered, {word: place for place, word in enumerate(ordered)})

    def rarest(self, words: Iterable[str], count: int, after: int = 0) -> list[str]:
        """The `count` rarest of `words`, rarest first, leaving out the `after` rarest of all."""
        places = map(self.place.__getitem__, words)
        return [self.words[n] for n in heapq.nsmallest(count, filter(after.__le__, places) if after else places)]


def _pinned_alike(a: Fact, b: Fact) -> bool:
    """Two reports naming the same names and the same number (a day, a count) are of one event. A year is
    no such number: many reports of a period name it."""
    return not a.counts.isdisjoint(b.counts) and len(a.anchors & b.anchors) >= SAME_ANCHORS


def is_background(fact: Fact, window: Window) -> bool:
    """A report, in an article of the window, of what happened before it ("shut since November 11")."""
    latest = fact.date or fact.period_end
    return latest is not None and latest < window.start


KEYS_APART = "\x1e"  # between a fact's keys, as a merge's memory keeps them


@dataclass(frozen=True)
class MergeMemory:
    """What a merge of a window leaves for the next merge of that window: its facts strongest first, each with
    its keys and the stronger fact it restates, and the copies found. The next merge decides again only for the
    facts a change can reach, and its drafts are those a merge from nothing would make. Kept as a few flat
    lists, which a rerun loads in a fraction of the time a record per fact would take."""

    facts: list[str]  # each fact's id (`_identities`)
    scores: list[float]
    keys: list[str]  # each fact's keys, joined by KEYS_APART
    parents: list[int]  # the place in `facts` of the fact each restates; -1 for none
    documents: dict[str, str]  # each document's digest, by its key
    copies: frozenset[frozenset[str]]
    counts: Counter[str]  # how many facts have each word


def _strength(fact: Fact) -> tuple:
    return (-fact.score, fact.document.key, fact.position)


def merge(facts: list[Fact], window: Window) -> list[Draft]:
    """Group reports of the same fact; the strongest report leads (see `remerge`)."""
    return remerge(facts, window, None)[0]


def remerge(facts: list[Fact], window: Window, memory: MergeMemory | None) -> tuple[list[Draft], MergeMemory]:
    """Group reports of the same fact; the strongest report leads. With the memory of an earlier merge of the
    window, only the facts a change can reach are decided again; the drafts are the same either way.

    Each fact is filed under keys: its rarest words (two sentences saying the same thing share those), and its
    named entities, alone and with its date. A fact restates the nearest stronger fact it states the same fact
    as (`same_fact`), among the CANDIDATES nearest stronger facts of each of its keys, and so joins that fact's
    draft. Comparing every pair is quadratic; this compares at most CANDIDATES. A fact's draft depends only on
    its stronger neighbours under its keys, so a changed article reaches only the CANDIDATES facts after each
    of its facts in each of their keys.

    Facts of different sections never merge, so many facts are decided in two halves of the sections side by
    side (`forking.in_two`).
    """
    counts = Counter(chain.from_iterable(fact.words for fact in facts))
    by_key = {fact.document.key: fact.document for fact in facts}
    copies = copied_documents(by_key.values())
    ordered = sorted(facts, key=_strength)
    documents = {key: document_digest(document) for key, document in by_key.items()}
    ids = _identities(ordered, documents, memory)
    keys = _all_keys(ordered, ids, counts, memory)
    joined = [KEYS_APART.join(each) for each in keys]
    listed: dict[str, list[int]] = defaultdict(list)  # each key's facts, strongest first
    for position, its_keys in enumerate(keys):
        for key in its_keys:
            listed[key].append(position)
    parents = [-1] * len(ordered)
    undecided: Sequence[int] = range(len(ordered))
    if memory is not None:
        reached = _reached(memory, ordered, ids, joined, listed, copies)
        position_of = {fact: position for position, fact in enumerate(ids)}
        place_of = {fact: place for place, fact in enumerate(memory.facts)}
        for position, fact in enumerate(ids):
            if position not in reached and (parent := memory.parents[place_of[fact]]) >= 0:
                parents[position] = position_of[memory.facts[parent]]
        undecided = sorted(reached)
        log.info("merge: %d of %d fact(s) within reach of a change, decided again", len(undecided), len(ids))
    first, second = _halves(Counter(ordered[n].section for n in undecided))

    def decided(sections: frozenset[str]) -> list[tuple[int, int]]:
        return [(n, _restated(n, ordered, keys, listed, copies)) for n in undecided if ordered[n].section in sections]

    mine, theirs = in_two(decided, first, second, fork=len(undecided) >= FORK_FACTS and can_fork())
    for position, parent in mine + theirs:
        parents[position] = parent
    lead_of = list(range(len(ordered)))
    drafted: dict[int, list[int]] = defaultdict(list)
    for position, parent in enumerate(parents):
        if parent >= 0:
            lead_of[position] = lead_of[parent]  # stronger, so already led
        drafted[lead_of[position]].append(position)
    drafts = [
        Draft(ordered[lead], [ordered[n] for n in reports], is_background(ordered[lead], window))
        for lead, reports in drafted.items()
    ]
    return drafts, MergeMemory(ids, [fact.score for fact in ordered], joined, parents, documents, copies, counts)


def _identities(ordered: list[Fact], documents: dict[str, str], memory: MergeMemory | None) -> list[str]:
    """Each fact's id: its document's key, its place there, and a digest of all that merging reads of it. The
    same from one run to the next for a sentence an edit of its article left as it was; a document whose digest
    is the one the memory holds has the same facts, so only changed documents' facts are digested."""
    kept = {}
    if memory is not None:
        for fact in memory.facts:
            document, position, _ = fact.split("\0")
            if documents.get(document) == memory.documents[document]:
                kept[(document, int(position))] = fact
    return [kept.get((fact.document.key, fact.position)) or _identity(fact) for fact in ordered]


def _identity(fact: Fact) -> str:
    # its words and anchors are its text's; what else merging reads may come from the article around it
    read = [fact.section, fact.text, str(fact.date), str(fact.date_stated), repr(fact.score)]
    read += [*sorted(fact.key_terms), "", *sorted(fact.places)]
    digest = hashlib.blake2b("\0".join(read).encode(), digest_size=8).hexdigest()
    return f"{fact.document.key}\0{fact.position}\0{digest}"


def _all_keys(
    ordered: list[Fact], ids: list[str], counts: Counter[str], memory: MergeMemory | None
) -> list[tuple[str, ...]]:
    """Each fact's keys (`_keys`). A fact the memory holds keeps the keys it had unless it has a word whose
    scarcity changed: the other words keep their order of rarity, whatever words came or went."""
    rarity = Rarity.of(counts)
    if memory is None:
        return [_keys(fact, rarity) for fact in ordered]
    changed = {
        word for word in counts.keys() | memory.counts.keys() if scarcity(counts[word]) != scarcity(memory.counts[word])
    }
    kept = dict(zip(memory.facts, memory.keys, strict=True))
    return [
        tuple(_split(kept[fact_id])) if fact_id in kept and fact.words.isdisjoint(changed) else _keys(fact, rarity)
        for fact, fact_id in zip(ordered, ids, strict=True)
    ]


def _keys(fact: Fact, rarity: Rarity) -> tuple[str, ...]:
    """Its section with each of its rarest words, each entity it names, and each with its date."""
    terms = sorted(fact.key_terms)
    keys = [f"{fact.section}\x1f{word}" for word in rarity.rarest(fact.words, RARE_WORDS)]
    if fact.date is not None:
        keys += [f"{fact.section}\x1f{fact.date.isoformat()}\x1f{term}" for term in terms]
    # a retelling without its day: found through what it names
    keys += [f"{fact.section}\x1f{term}" for term in terms]
    return tuple(dict.fromkeys(keys))  # a rare word may be an entity too: a fact is in each key's list once


def _restated(
    position: int,
    ordered: list[Fact],
    keys: list[tuple[str, ...]],
    listed: dict[str, list[int]],
    copies: frozenset[frozenset[str]],
) -> int:
    """The nearest stronger fact that `ordered[position]` states again, among the CANDIDATES nearest of the
    CANDIDATES nearest stronger facts of each of its keys; -1 when it states something new."""
    fact = ordered[position]
    windows = []
    for key in keys[position]:
        facts = listed[key]
        place = bisect_left(facts, position)
        windows.append(reversed(facts[max(0, place - CANDIDATES) : place]))
    # nearest first, each once, taken only as far as the first it restates: most facts restate their nearest
    nearest = (n for n, _ in groupby(heapq.merge(*windows, reverse=True)))
    return next((n for n in islice(nearest, CANDIDATES) if same_fact(ordered[n], fact, copies)), -1)


def _reached(
    memory: MergeMemory,
    ordered: list[Fact],
    ids: list[str],
    joined: list[str],
    listed: dict[str, list[int]],
    copies: frozenset[frozenset[str]],
) -> set[int]:
    """The facts whose decision a change since `memory` can alter: the new ones and those whose keys moved; in
    each key one of those entered, the CANDIDATES after it; in each key a fact left (gone, or its keys moved),
    the CANDIDATES after where it was that were there before; and the facts of documents that became, or
    stopped being, copies of another."""
    reached: set[int] = set()
    entered: dict[str, list[int]] = defaultdict(list)
    left: dict[str, list[tuple]] = defaultdict(list)
    place_of = {fact: place for place, fact in enumerate(memory.facts)}

    def leaving(place: int, keys: Iterable[str]) -> None:
        document, position, _ = memory.facts[place].split("\0")
        for key in keys:
            left[key].append((-memory.scores[place], document, int(position)))

    for position, fact in enumerate(ids):
        place = place_of.pop(fact, None)
        if place is not None and memory.keys[place] == joined[position]:
            continue
        reached.add(position)
        new = set(_split(joined[position]))
        old = set(_split(memory.keys[place])) if place is not None else set()
        for key in new - old:
            entered[key].append(position)
        if place is not None:
            leaving(place, old - new)
    for place in place_of.values():  # gone
        leaving(place, _split(memory.keys[place]))
    for key, positions in entered.items():
        facts = listed[key]
        for position in positions:
            place = bisect_left(facts, position)
            reached.update(facts[place + 1 : place + 1 + CANDIDATES])
    strength = [_strength(fact) for fact in ordered] if left else []
    for key, strengths in left.items():
        facts = listed.get(key, [])
        for gone in strengths:
            # a fact's nearest stronger ones are all still there unless one of them is new (reached already)
            place = bisect_left(facts, gone, key=strength.__getitem__)
            reached.update(islice((n for n in facts[place:] if n not in reached), CANDIDATES))
    documents = {key for pair in copies.symmetric_difference(memory.copies) for key in pair}
    if documents:
        reached.update(n for n, fact in enumerate(ordered) if fact.document.key in documents)
    return reached


def _split(joined: str) -> list[str]:
    return joined.split(KEYS_APART) if joined else []


def _halves(sizes: Counter[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The sections in two groups of about as many facts, the largest placed first."""
    halves: tuple[list[str], list[str]] = ([], [])
    weights = [0, 0]
    for section, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        lighter = weights.index(min(weights))
        halves[lighter].append(section)
        weights[lighter] += size
    return frozenset(halves[0]), frozenset(halves[1])


def item_id(section: str, text: str) -> str:
    digest = hashlib.sha1(f"{section}\n{' '.join(text.lower().split())}".encode()).hexdigest()
    return f"{section}-{digest[:10]}"
