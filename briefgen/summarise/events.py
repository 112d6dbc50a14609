"""Events: drafts (each one fact with every report of it) grouped into the events they tell of.

An article tells one event in several sentences (the raid, then what was seized, then who visited), and
other articles tell it again with other details. An event's lead is its strongest draft; the others are
its details, except those that say again what the lead says in other words and name nothing new: they
become further reports of the lead.

Two drafts are of one event when they are in the same section, the nations they name as acting do not
differ, their days agree (the same day, or one of them does not name its day and they lie within two
weeks), and either
- they come from one article: next to each other or naming an entity in common (a sentence naming no day
  belongs with its neighbours), though not plans and decisions, which an article lists side by side,
  unless a sentence names what the one before it told of ("The resolution...", "Both groups..."); or
- their places do not disagree, they name an entity in common and mean much the same: the cosine of their
  static embeddings (the filer's) is high, or fairly high when both name the same day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from briefgen.models import Document
from briefgen.summarise.extract import Fact
from briefgen.summarise.filer import embed
from briefgen.summarise.grounds import Figures, Quote, figures
from briefgen.summarise.merge import CANDIDATES, CORROBORATION, EVENT_DAYS, Draft, places_agree
from briefgen.topic import Kind

SAME_MEANING = 0.6  # cosine above which two reports naming one shared entity tell of one event
SAME_DAY_MEANING = 0.4  # ...when both name the same day
NEARBY = 2  # sentences this close in one article tell of one event unless their actors or days differ
RESTATES = 0.6  # cosine above which a report naming nothing new says again what the lead says
PARTS_COMPARED = 6  # an event is compared through its strongest parts only, so grouping stays linear


@dataclass(frozen=True)
class Event:
    """Made once its drafts are final (`group_events`), so that what walks every report of it is taken once:
    each edition's composition asks an event's documents and rank again and again, and an event of a large
    window has tens of thousands of reports."""

    parts: tuple[Draft, ...]  # the lead's draft first, then the details' drafts, strongest first

    @property
    def lead(self) -> Draft:
        return self.parts[0]

    @property
    def details(self) -> tuple[Draft, ...]:
        return self.parts[1:]

    @property
    def id(self) -> str:
        return self.lead.id

    @cached_property
    def documents(self) -> tuple[Document, ...]:
        return tuple({d.key: d for part in self.parts for d in part.documents}.values())

    @cached_property
    def reports(self) -> tuple[Fact, ...]:
        return tuple(fact for part in self.parts for fact in part.reports)

    @cached_property
    def quotes(self) -> tuple[Quote, ...]:
        """Each document's sentence, the first over the parts in order: the parts' own, which their details
        cite too, merged."""
        first: dict[str, Quote] = {}
        for part in self.parts:
            for quote in part.quotes:
                first.setdefault(quote.document, quote)
        return tuple(first.values())

    @cached_property
    def figures(self) -> Figures:
        return figures(self.reports)

    @cached_property
    def rank(self) -> float:
        """Its lead's rank, and one more corroboration for each further outlet its details come from."""
        extra = len(self.documents) - len(self.lead.documents)
        return round(self.lead.rank + CORROBORATION * extra, 3)

    @property
    def watch(self) -> str | None:
        return next((part.lead.watch for part in self.parts if part.lead.watch), None)


def _days_agree(a: Fact, b: Fact) -> bool:
    if a.date == b.date:
        return True
    if a.date is None or b.date is None or (a.date_stated and b.date_stated):
        return False
    return abs((a.date - b.date).days) <= EVENT_DAYS


def _actors_differ(a: Fact, b: Fact) -> bool:
    """Both name nations that act, and none in common: Guatemala's pledge is not El Salvador's."""
    return bool(a.actors and b.actors) and not a.actors & b.actors


def _one_article(a: Draft, b: Draft) -> Iterator[tuple[Fact, Fact]]:
    """Pairs of their strongest reports that come from the same article."""
    return (
        (x, y)
        for x in a.reports[:PARTS_COMPARED]
        for y in b.reports[:PARTS_COMPARED]
        if x.document.key == y.document.key
    )


def _told_together(a: Draft, b: Draft) -> bool:
    """Reports in one article, next to each other or naming an entity in common."""
    return any(abs(x.position - y.position) <= NEARBY or x.key_terms & y.key_terms for x, y in _one_article(a, b))


def _named_back(a: Draft, b: Draft) -> bool:
    """One report names what a report of the other told of, the sentence before it ("The vote came...")."""
    return any(x.follows == y.position or y.follows == x.position for x, y in _one_article(a, b))


def same_event(a: Draft, b: Draft, similarity: float) -> bool:
    """Whether two drafts tell of one event (see the module's docstring); `similarity` is their leads' cosine."""
    first, second = a.lead, b.lead
    if first.section != second.section or _actors_differ(first, second):
        return False
    undated = first.date is None or second.date is None
    if (undated or _days_agree(first, second)) and (
        _named_back(a, b) or (first.kind is not Kind.FORWARD_LOOKING and _told_together(a, b))
    ):
        return True  # one article tells one event in several sentences, naming several places
    if not _days_agree(first, second):
        return False
    if not places_agree(first, second):
        return False
    if not first.key_terms & second.key_terms:
        return False
    same_day = first.date is not None and first.date == second.date and first.date_stated and second.date_stated
    return similarity >= (SAME_DAY_MEANING if same_day else SAME_MEANING)


def _restates(draft: Draft, lead: Draft, similarity: float) -> bool:
    """A report that means what the lead says and names nothing (no one, no number) the lead does not."""
    return similarity >= RESTATES and draft.lead.anchors <= lead.lead.anchors


def group_events(drafts: list[Draft]) -> list[Event]:
    """Every draft in exactly one event, the strongest draft of each leading it.

    A draft is compared only with the events that share its article, or its section and one of its
    entities (at most CANDIDATES of them, the most recent first), so this is not all pairs.
    """
    order = sorted(
        range(len(drafts)), key=lambda n: (-drafts[n].rank, drafts[n].lead.document.key, drafts[n].lead.position)
    )
    vectors = embed([draft.lead.text for draft in drafts])
    members: list[list[int]] = []  # draft numbers of each event, its lead's first
    index: dict[tuple, list[int]] = defaultdict(list)
    for n in order:
        fact = drafts[n].lead
        keys = [(fact.section, fact.document.key)] + [(fact.section, term) for term in sorted(fact.key_terms)]
        candidates = sorted(set().union(*(index[key][-CANDIDATES:] for key in keys)))[:CANDIDATES]
        home = next(
            (
                e
                for e in candidates
                if any(
                    same_event(drafts[m], drafts[n], float(np.dot(vectors[m], vectors[n])))
                    for m in members[e][:PARTS_COMPARED]
                )
            ),
            None,
        )
        if home is None:
            home = len(members)
            members.append([])
        lead = members[home][0] if members[home] else None
        if lead is not None and _restates(drafts[n], drafts[lead], float(np.dot(vectors[lead], vectors[n]))):
            drafts[lead].absorb(drafts[n])  # another report of the lead: cited there
        else:
            members[home].append(n)
        for key in keys:
            if not index[key] or index[key][-1] != home:
                index[key].append(home)
    return [Event(tuple(drafts[m] for m in drafted)) for drafted in members]
