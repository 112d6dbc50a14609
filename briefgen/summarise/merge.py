"""Merge: facts -> drafts, each fact with every report of it.

Two sentences that state the same fact, in one outlet's words or another's, become one draft citing both;
documents that are copies of one another (syndication) merge their alike sentences whatever their dates.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from itertools import chain, combinations, islice
from typing import NamedTuple, Protocol

from briefgen.forking import can_fork, in_two
from briefgen.models import Document, Window
from briefgen.summarise.extract import Fact, content_words, document_digest, shared_words
from briefgen.summarise.filing import Filing, before, listed, nearest, reached
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

    @cached_property  # asked again and again while an edition is fitted to its words
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


@dataclass(frozen=True)
class Copies:
    """Documents that are copies of one another (most of their words the same), as found: the documents (by key)
    filed under their rarest words that another document has too, the earlier ones each is a copy of, and how
    many documents have each word. The next run, given these, compares again only the documents a change
    can reach, and takes again the words only of documents it has not seen."""

    filing: Filing
    found: list[tuple[str, ...]]
    counts: Counter[str]
    # each filed document's words: finding them in every text was the largest part of a rerun's merge
    words: list[frozenset[str]]

    @property
    def pairs(self) -> frozenset[frozenset[str]]:
        return frozenset(
            frozenset((key, other))
            for (key,), others in zip(self.filing.orders, self.found, strict=True)
            for other in others
        )


def copied_documents(
    documents: Iterable[Document], last: Copies | None = None, digests: Mapping[str, str] | None = None
) -> Copies:
    """Which documents are copies of one another. Each is compared only with the CANDIDATES documents before it
    (by key) under each of its RARE_WORDS rarest words that another document has too (a copy shares them with
    its original), when it shares two of them or has only one, and only when their sizes allow the overlap, so
    this is not all pairs. `digests` (each document's, by its key) are taken when not given."""
    ordered = sorted(documents, key=lambda document: document.key)
    digests = digests or {document.key: document_digest(document) for document in ordered}
    ids = [f"{document.key}\0{digests[document.key]}" for document in ordered]
    seen = dict(zip(last.filing.ids, last.words, strict=True)) if last else {}
    words = [
        seen.get(id_) or shared_words(content_words(document.text)) for id_, document in zip(ids, ordered, strict=True)
    ]
    counts = Counter(chain.from_iterable(words))  # counted in C: millions of words at scale
    rarity = Rarity.of(counts)
    alone = Counter(map(scarcity, counts.values()))[1]  # the words only one document has: the rarest of all
    keys = _kept_keys(ids, words, lambda n: tuple(rarity.rarest(words[n], RARE_WORDS, after=alone)), counts, last)
    filing = Filing(ids, [(document.key,) for document in ordered], keys)
    filed = listed(keys)
    again = reached(last.filing, filing, filed, CANDIDATES) if last else range(len(ordered))
    kept = dict(zip(last.filing.ids, last.found, strict=True)) if last else {}
    found = []
    for n, vocabulary in enumerate(words):
        if n not in again:
            found.append(kept[ids[n]])
            continue
        candidates = [set(before(filed[word], n, CANDIDATES)) for word in keys[n]]
        # those sharing two of them, or the only one: sets intersected in C, where counting took a Python loop
        pairwise = [a & b for a, b in combinations(candidates, 2)] or candidates
        copied = []
        for other in sorted(set().union(*pairwise)):
            sizes = sorted((len(vocabulary), len(words[other])))
            if sizes[0] >= COPY * sizes[1] and overlap(vocabulary, words[other]) >= COPY:
                copied.append(ordered[other].key)
        found.append(tuple(copied))
    return Copies(filing, found, counts, words)


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
        # sorted whole in C: faster than heapq.nsmallest's loop for a sentence's words or a document's
        return [self.words[n] for n in sorted(filter(after.__le__, places) if after else places)[:count]]


def _pinned_alike(a: Fact, b: Fact) -> bool:
    """Two reports naming the same names and the same number (a day, a count) are of one event. A year is
    no such number: many reports of a period name it."""
    return not a.counts.isdisjoint(b.counts) and len(a.anchors & b.anchors) >= SAME_ANCHORS


def is_background(fact: Fact, window: Window) -> bool:
    """A report, in an article of the window, of what happened before it ("shut since November 11")."""
    latest = fact.date or fact.period_end
    return latest is not None and latest < window.start


class Counted(Protocol):
    """A filing of items under their rarest words among others, and how many items had each word."""

    @property
    def filing(self) -> Filing: ...

    @property
    def counts(self) -> Counter[str]: ...


@dataclass(frozen=True)
class MergeMemory:
    """What a merge of a window leaves for the next merge of that window: its facts strongest first, filed under
    their keys, each with the stronger fact it restates, and the copies found. The next merge decides again only
    for the facts a change can reach, and its drafts are those a merge from nothing would make."""

    filing: Filing  # the facts, by id (`_identity`), in order of strength
    counts: Counter[str]  # how many facts have each word
    parents: list[int]  # the place in `filing` of the fact each restates; -1 for none
    documents: dict[str, str]  # each document's digest, by its key
    copies: Copies


def _strength(fact: Fact) -> tuple:
    return (-fact.score, fact.document.key, fact.position)


def merge(facts: list[Fact], window: Window) -> list[Draft]:
    """Group reports of the same fact; the strongest report leads (see `remerge`)."""
    return remerge(facts, window, None)[0]


def remerge(
    facts: list[Fact], window: Window, memory: MergeMemory | None, digests: Mapping[str, str] | None = None
) -> tuple[list[Draft], MergeMemory]:
    """Group reports of the same fact; the strongest report leads. With the memory of an earlier merge of the
    window, only the facts a change can reach are decided again; the drafts are the same either way.

    Each fact is filed (`filing`) under keys: its rarest words (two sentences saying the same thing share those),
    and its named entities, alone and with its date. A fact restates the nearest stronger fact it states the same
    fact as (`same_fact`), among the CANDIDATES nearest stronger facts of each of its keys (the CANDIDATES
    nearest of those), and so joins that fact's draft. Comparing every pair is quadratic; this compares at most
    CANDIDATES, and a changed article reaches only the CANDIDATES facts after each of its facts in each key.

    Facts of different sections never merge, so a merge from nothing files and decides many facts in two halves of
    the sections side by side (`forking.in_two`), and a merge from the memory decides in two halves the many a
    change may reach. `digests`: the documents' (`document_digest`) by key, when the caller has taken them.
    """
    by_key = {fact.document.key: fact.document for fact in facts}
    documents = {key: digests[key] if digests else document_digest(document) for key, document in by_key.items()}
    copies = copied_documents(by_key.values(), memory.copies if memory else None, documents)
    strengths = sorted((_strength(fact), fact) for fact in facts)  # a fact's strength is its place: no two equal
    ordered = [fact for _, fact in strengths]
    counts = Counter(chain.from_iterable(fact.words for fact in facts))
    rarity = Rarity.of(counts)
    orders = [strength for strength, _ in strengths]
    if memory is None:
        filing, parents = _filed_afresh(ordered, orders, rarity, copies.pairs)
    else:
        filing, parents = _filed_again(ordered, orders, rarity, counts, documents, copies.pairs, memory)
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
    return drafts, MergeMemory(filing, counts, parents, documents, copies)


class _Half(NamedTuple):
    """What one half of the sections made of its facts, in their order: ids, keys, and the fact each restates."""

    ids: list[str]
    keys: list[tuple[str, ...]]
    parents: list[int]


def _filed_afresh(
    ordered: list[Fact], orders: list[tuple], rarity: Rarity, copies: frozenset[frozenset[str]]
) -> tuple[Filing, list[int]]:
    """Every fact filed and decided, with no memory: a fact's keys name its section, so each half of the
    sections files and compares its own facts only, and a forked child does all of its half's work (taking the
    ids and the keys of a large window's facts was a second and a half before its two halves could start)."""

    def filed(mine: list[int]) -> _Half:
        keys: list[tuple[str, ...]] = [()] * len(ordered)
        for n in mine:
            keys[n] = _keys(ordered[n], rarity)
        index = listed(keys)
        return _Half(
            [_identity(ordered[n]) for n in mine],
            [keys[n] for n in mine],
            [_restated(n, ordered, keys, index, copies) for n in mine],
        )

    first, second = _halves(Counter(fact.section for fact in ordered))
    places = [[n for n, fact in enumerate(ordered) if fact.section in half] for half in (first, second)]
    halves = in_two(filed, *places, fork=len(ordered) >= FORK_FACTS and can_fork())
    ids, parents = [""] * len(ordered), [-1] * len(ordered)
    keys: list[tuple[str, ...]] = [()] * len(ordered)
    for mine, half in zip(places, halves, strict=True):
        for n, id_, its_keys, parent in zip(mine, *half, strict=True):
            ids[n], keys[n], parents[n] = id_, its_keys, parent
    return Filing(ids, orders, keys), parents


def _filed_again(
    ordered: list[Fact],
    orders: list[tuple],
    rarity: Rarity,
    counts: Counter[str],
    documents: dict[str, str],
    copies: frozenset[frozenset[str]],
    memory: MergeMemory,
) -> tuple[Filing, list[int]]:
    """Every fact filed, and decided again only where a change can reach: the others restate what they did."""
    ids = _identities(ordered, documents, memory)
    keys = _kept_keys(ids, [fact.words for fact in ordered], lambda n: _keys(ordered[n], rarity), counts, memory)
    filing = Filing(ids, orders, keys)
    index = listed(keys)
    again = reached(memory.filing, filing, index, CANDIDATES)
    moved = {key for pair in copies.symmetric_difference(memory.copies.pairs) for key in pair}
    again.update(n for n, fact in enumerate(ordered) if fact.document.key in moved)  # copies, or no longer
    position_of = {fact: position for position, fact in enumerate(ids)}
    place_of = {fact: place for place, fact in enumerate(memory.filing.ids)}
    parents = [-1] * len(ordered)
    for position, fact in enumerate(ids):
        if position not in again and (parent := memory.parents[place_of[fact]]) >= 0:
            parents[position] = position_of[memory.filing.ids[parent]]
    undecided = sorted(again)
    log.info("merge: %d of %d fact(s) within reach of a change, decided again", len(undecided), len(ids))

    def decided(sections: frozenset[str]) -> list[tuple[int, int]]:
        return [(n, _restated(n, ordered, keys, index, copies)) for n in undecided if ordered[n].section in sections]

    first, second = _halves(Counter(ordered[n].section for n in undecided))
    mine, theirs = in_two(decided, first, second, fork=len(undecided) >= FORK_FACTS and can_fork())
    for position, parent in mine + theirs:
        parents[position] = parent
    return filing, parents


def _identities(ordered: list[Fact], documents: dict[str, str], memory: MergeMemory) -> list[str]:
    """Each fact's id (`_identity`), the same from one run to the next for a sentence an edit of its article left
    as it was: a document whose digest is the one the memory holds has the same facts, so only changed
    documents' facts are digested."""
    kept = {}
    for fact in memory.filing.ids:
        document, position, _ = fact.split("\0")
        if documents.get(document) == memory.documents[document]:
            kept[(document, int(position))] = fact
    return [kept.get((fact.document.key, fact.position)) or _identity(fact) for fact in ordered]


def _identity(fact: Fact) -> str:
    """Its document's key, its place there, and a digest of all that merging reads of it."""
    # its words and anchors are its text's; what else merging reads may come from the article around it
    read = [fact.section, fact.text, str(fact.date), str(fact.date_stated), repr(fact.score)]
    read += [*sorted(fact.key_terms), "", *sorted(fact.places)]
    digest = hashlib.blake2b("\0".join(read).encode(), digest_size=8).hexdigest()
    return f"{fact.document.key}\0{fact.position}\0{digest}"


def _kept_keys(
    ids: list[str],
    words: Sequence[frozenset[str]],
    keys_of: Callable[[int], tuple[str, ...]],
    counts: Counter[str],
    last: Counted | None,
) -> list[tuple[str, ...]]:
    """Each item's keys, `keys_of` its place. An item the last filing holds keeps the keys it had unless it has
    a word whose scarcity changed: the other words keep their order of rarity, whatever words came or went."""
    if last is None:
        return [keys_of(n) for n in range(len(ids))]
    changed = {
        word for word in counts.keys() | last.counts.keys() if scarcity(counts[word]) != scarcity(last.counts[word])
    }
    kept = dict(zip(last.filing.ids, last.filing.keys, strict=True))
    return [kept[item] if item in kept and words[n].isdisjoint(changed) else keys_of(n) for n, item in enumerate(ids)]


def _keys(fact: Fact, rarity: Rarity) -> tuple[str, ...]:
    """Its section with each of its rarest words, each entity it names, and each with its date."""
    terms = sorted(fact.key_terms)
    keys = [f"{fact.section}\x1f{word}" for word in rarity.rarest(fact.words, RARE_WORDS)]
    if fact.date is not None:
        keys += [f"{fact.section}\x1f{fact.date.isoformat()}\x1f{term}" for term in terms]
    # a retelling without its day: found through what it names
    keys += [f"{fact.section}\x1f{term}" for term in terms]
    # a rare word may be an entity too: a fact is in each key's list once; each key one string, kept once
    return tuple(dict.fromkeys(map(sys.intern, keys)))


def _restated(
    position: int,
    ordered: list[Fact],
    keys: list[tuple[str, ...]],
    filed: dict[str, list[int]],
    copies: frozenset[frozenset[str]],
) -> int:
    """The nearest stronger fact that `ordered[position]` states again, among the CANDIDATES nearest of the
    CANDIDATES nearest stronger facts of each of its keys; -1 when it states something new. Taken nearest first,
    only as far as the first it restates: most facts restate their nearest."""
    fact = ordered[position]
    candidates = islice(nearest(keys[position], filed, position, CANDIDATES), CANDIDATES)
    return next((n for n in candidates if same_fact(ordered[n], fact, copies)), -1)


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
