"""The summarise stage: selected documents -> cited sections for one audience.

`extract` reads every sentence once per run and files it under the section whose cues it carries best;
`compose` then picks, merges and orders those statements within one audience's budget. Item text is
always a source sentence (at most trimmed of a leading connective), so nothing is invented.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date

from briefgen.config import AudienceSpec, SectionSpec, TopicFile
from briefgen.dates import find_dates
from briefgen.models import Document, Item, Section, Source
from briefgen.summarise.lexicon import Lexicon
from briefgen.summarise.nations import nation_index
from briefgen.summarise.segment import split_sentences

CONNECTIVE = re.compile(
    r"^(?:meanwhile|additionally|in addition|however|also|furthermore|moreover|separately|elsewhere|"
    r"among others|as a result|at the same time),\s+",
    re.I,
)
NUMBER = re.compile(r"\b\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand)s?\b",
                    re.I)
OPENING_QUOTE = ('"', "“", "‘", "'")
MIN_WORDS, MAX_WORDS = 6, 70
# Where two sections tie, the more specific one takes the sentence.
SPECIFICITY = ("equipment", "nations", "outlook", "operations")


@dataclass(frozen=True)
class Statement:
    """One sentence of one document, filed under a section, before any audience's selection."""

    section: str
    text: str
    date: date | None
    document: Document
    score: float
    position: int  # sentence number in its document, for stable ordering


@dataclass(frozen=True)
class TopicMatchers:
    """The topic file compiled once per run."""

    entities: dict[str, Lexicon]
    cues: dict[str, Lexicon]
    requires: dict[str, tuple[str, ...]]
    forward: Lexicon
    host_nations: frozenset[str]

    @classmethod
    def of(cls, topic: TopicFile) -> TopicMatchers:
        return cls(
            entities={name: Lexicon.of(terms) for name, terms in topic.entities.items()},
            cues={name: Lexicon.of(spec.cues) for name, spec in topic.sections.items()},
            requires={name: tuple(spec.requires_any) for name, spec in topic.sections.items()},
            forward=Lexicon.of(topic.forward_looking),
            host_nations=frozenset(topic.host_nations),
        )


def _trim(text: str) -> str:
    trimmed = CONNECTIVE.sub("", text, count=1)
    return trimmed[:1].upper() + trimmed[1:] if trimmed != text else text


def _is_unattributed_quote(text: str) -> bool:
    """A quotation from an unnamed speaker ("said a local resident") is colour, not a fact."""
    return text.startswith(OPENING_QUOTE) and not re.search(
        r"(?:said|told|according to|stated)\s+(?:[A-Z][a-z]+\s){1,3}", text
    )


def _lead_date(document: Document, reference: date) -> date | None:
    """The event date the article opens with, which its undated sentences usually continue."""
    opening = document.text.split("\n\n", 2)[:2]
    for mention in find_dates(" ".join(opening), reference):
        if mention.precision == "day" and mention.day <= reference:
            return mention.day
    return None


def _section_scores(text: str, matchers: TopicMatchers) -> dict[str, float]:
    present = {name for name, lexicon in matchers.entities.items() if lexicon.count(text)}
    nations = [n for n in nation_index().find(text) if n not in matchers.host_nations]
    if nations:
        present.add("nations")
    scores: dict[str, float] = {}
    for section, cues in matchers.cues.items():
        required = matchers.requires.get(section, ())
        if required and not present.intersection(required):
            continue
        hits = cues.count(text)
        if section == "outlook":
            hits += matchers.forward.count(text)
        if hits:
            scores[section] = float(hits)
    return scores


def extract(documents: list[Document], topic: TopicFile, section_ids: list[str], as_of: date) -> list[Statement]:
    """Every sentence that belongs in one of the sections, with its event date."""
    matchers = TopicMatchers.of(topic)
    statements: list[Statement] = []
    for document in documents:
        reference = document.published or as_of
        lead = _lead_date(document, reference)
        for position, sentence in enumerate(split_sentences(document.text)):
            words = len(sentence.text.split())
            if not MIN_WORDS <= words <= MAX_WORDS:
                continue
            scores = {s: v for s, v in _section_scores(sentence.text, matchers).items() if s in section_ids}
            if not scores:
                continue
            best = max(scores.values())
            section = next(s for s in SPECIFICITY + tuple(section_ids) if scores.get(s) == best)
            mentioned = [m.day for m in find_dates(sentence.text, reference, nearest=True) if m.precision == "day"]
            if section == "outlook":
                when = document.published  # the date of the statement, not of the future it speaks of
            elif mentioned:
                when = mentioned[0]
            elif section == "operations":
                when = lead
            else:
                when = document.published
            weight = best + 0.5 * bool(NUMBER.search(sentence.text)) + 0.2 * len(scores)
            if _is_unattributed_quote(sentence.text):
                weight *= 0.3
            statements.append(Statement(section, _trim(sentence.text), when, document, weight, position))
    return statements


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3 or w.isdigit()}


def _same_fact(a: Statement, b: Statement) -> bool:
    left, right = _words(a.text), _words(b.text)
    return bool(left and right) and len(left & right) / len(left | right) >= 0.5


@dataclass(frozen=True)
class _Draft:
    lead: Statement
    documents: tuple[Document, ...]


def _merge(statements: list[Statement]) -> list[_Draft]:
    """The same fact reported by several articles becomes one draft citing all of them."""
    drafts: list[_Draft] = []
    for statement in sorted(statements, key=lambda s: -s.score):
        for index, draft in enumerate(drafts):
            if draft.lead.section == statement.section and _same_fact(draft.lead, statement):
                if statement.document not in draft.documents:
                    drafts[index] = replace(draft, documents=draft.documents + (statement.document,))
                break
        else:
            drafts.append(_Draft(statement, (statement.document,)))
    return drafts


def _within_budget(chosen: dict[str, list[_Draft]], max_words: int | None) -> dict[str, list[_Draft]]:
    """Drop the weakest statements until the edition fits its word budget; every section keeps one."""
    if max_words is None:
        return chosen

    def total() -> int:
        return sum(len(d.lead.text.split()) for drafts in chosen.values() for d in drafts)

    while total() > max_words:
        droppable = [(d.lead.score, s, d) for s, drafts in chosen.items() if len(drafts) > 1 for d in drafts]
        if not droppable:
            break
        _, section, weakest = min(droppable, key=lambda t: t[0])
        chosen[section].remove(weakest)
    return chosen


def _item_id(section: str, text: str) -> str:
    digest = hashlib.sha1(f"{section}\n{' '.join(text.lower().split())}".encode()).hexdigest()
    return f"{section}-{digest[:10]}"


def compose(
    statements: list[Statement], audience: AudienceSpec, sections: tuple[SectionSpec, ...]
) -> tuple[tuple[Section, ...], tuple[Source, ...]]:
    """The audience's sections (in its order) and the sources they cite, numbered by first citation."""
    drafts = _merge(statements)
    chosen: dict[str, list[_Draft]] = {}
    for section_id in audience.sections:
        own = [d for d in drafts if d.lead.section == section_id]
        chosen[section_id] = sorted(own, key=lambda d: -d.lead.score)[: audience.max_items]
    chosen = _within_budget(chosen, audience.max_words)

    source_ids: dict[str, Source] = {}

    def cite(document: Document) -> str:
        if document.key not in source_ids:
            source_ids[document.key] = Source(
                id=f"s{len(source_ids) + 1}",
                title=document.title,
                published=document.published,
                date_found_by=document.date_found_by,
                path=document.path,
                item=document.item,
                url=document.url,
                outlet=document.outlet,
            )
        return source_ids[document.key].id

    titles = {s.id: s.title for s in sections}
    built = []
    for section_id, picked in chosen.items():
        ordered = sorted(picked, key=lambda d: (d.lead.date is None, d.lead.date or date.max,
                                                d.lead.document.key, d.lead.position))
        items = tuple(
            Item(
                id=_item_id(section_id, d.lead.text),
                text=d.lead.text,
                date=d.lead.date,
                sources=tuple(cite(doc) for doc in d.documents),
                score=round(d.lead.score, 3),
            )
            for d in ordered
        )
        built.append(Section(section_id, titles[section_id], items))
    return tuple(built), tuple(source_ids.values())
