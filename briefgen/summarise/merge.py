"""Merge: facts -> drafts, each fact with every report of it.

Two sentences that state the same fact, in one outlet's words or another's, become one draft citing both;
documents that are copies of one another (syndication) merge their alike sentences whatever their dates.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import cached_property
from itertools import chain, combinations
from typing import NamedTuple

from briefgen.forking import can_fork, in_two
from briefgen.models import Document, Window
from briefgen.summarise.extract import Fact, content_words
from briefgen.summarise.grounds import Quote, quotes

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


class Rarity(NamedTuple):
    """The words from the rarest (ties by the word), and each word's place there: a fact's or a document's
    rarest words are then taken as the smallest places, with no sort key built for each of its words."""

    words: list[str]
    place: dict[str, int]

    @classmethod
    def of(cls, frequency: Counter[str]) -> Rarity:
        ordered = sorted(frequency, key=lambda w: (frequency[w], w))
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


def merge(facts: list[Fact], window: Window) -> list[Draft]:
    """Group reports of the same fact; the strongest report leads.

    Comparing every pair is quadratic, so a fact is compared only with drafts that share one of its rarest
    words (two sentences saying the same thing share those) or its date and a named entity; and with at
    most CANDIDATES of them, the most recent first.

    Facts of different sections never merge, so a large window's sections are merged in two halves side by
    side (`forking.in_two`); each draft is then put back where a single pass would have made it, its lead's
    place in the order of strength, so the drafts are the same, in the same order, either way.
    """
    rarity = Rarity.of(Counter(chain.from_iterable(fact.words for fact in facts)))
    copies = copied_documents({fact.document.key: fact.document for fact in facts}.values())
    ordered = sorted(facts, key=lambda f: (-f.score, f.document.key, f.position))
    first, second = _halves(Counter(fact.section for fact in ordered))

    def merged(sections: frozenset[str]) -> list[list[int]]:
        return _merged_positions(ordered, sections, rarity, copies)

    mine, theirs = in_two(merged, first, second, fork=len(facts) >= FORK_FACTS and can_fork())
    return [
        Draft(ordered[lead], [ordered[n] for n in (lead, *others)], is_background(ordered[lead], window))
        for lead, *others in sorted(mine + theirs)
    ]


def _halves(sizes: Counter[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The sections in two groups of about as many facts, the largest placed first."""
    halves: tuple[list[str], list[str]] = ([], [])
    weights = [0, 0]
    for section, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        lighter = weights.index(min(weights))
        halves[lighter].append(section)
        weights[lighter] += size
    return frozenset(halves[0]), frozenset(halves[1])


def _merged_positions(
    ordered: list[Fact], sections: frozenset[str], rarity: Rarity, copies: frozenset[frozenset[str]]
) -> list[list[int]]:
    """`merge` for the facts of `sections`: each draft as the positions in `ordered` of its reports, its lead's
    first (positions are what a forked child can send back cheaply)."""
    drafts: list[list[int]] = []
    index: dict[tuple, list[int]] = defaultdict(list)
    for position, fact in enumerate(ordered):
        if fact.section not in sections:
            continue
        rarest = rarity.rarest(fact.words, RARE_WORDS)
        keys: list[tuple] = [(fact.section, word) for word in rarest]
        if fact.date is not None:
            keys += [(fact.section, fact.date, term) for term in sorted(fact.key_terms)]
        # a retelling without its day: found through what it names
        keys += [(fact.section, term) for term in sorted(fact.key_terms)]
        # a union in C: a fact has a dozen keys, each with up to CANDIDATES drafts
        candidates = sorted(set().union(*(index[key][-CANDIDATES:] for key in keys)), reverse=True)[:CANDIDATES]
        home = next((n for n in candidates if any(same_fact(ordered[r], fact, copies) for r in drafts[n][:4])), None)
        if home is None:
            home = len(drafts)
            drafts.append([position])
        else:
            drafts[home].append(position)
        for key in keys:
            if not index[key] or index[key][-1] != home:
                index[key].append(home)
    return drafts


def item_id(section: str, text: str) -> str:
    digest = hashlib.sha1(f"{section}\n{' '.join(text.lower().split())}".encode()).hexdigest()
    return f"{section}-{digest[:10]}"
