"""Extraction: each sentence of each selected document -> a `Fact` filed under one section, with its event
date and structured fields (places, nations, actors, people, quantities, modality, outcome...).

All topic knowledge comes from the topic file; this module knows only English news grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from briefgen.config import TopicFile
from briefgen.dates import find_dates
from briefgen.models import Document
from briefgen.summarise.lexicon import Lexicon
from briefgen.summarise.nations import nation_index
from briefgen.summarise.segment import Sentence, split_sentences

CONNECTIVE = re.compile(
    r"^(?:meanwhile|additionally|in addition|however|also|furthermore|moreover|separately|elsewhere|"
    r"among others|as a result|at the same time|in the meantime),\s+",
    re.I,
)
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "dozens": None, "hundreds": None, "thousands": None, "dozen": 12,
}
QUALIFIERS = ("nearly", "almost", "about", "around", "approximately", "roughly", "some", "over", "more than",
              "at least", "up to", "fewer than", "less than", "another", "an additional", "a further", "only")
QUANTITY = re.compile(
    r"(?:(?P<qualifier>" + "|".join(QUALIFIERS) + r")\s+)?"
    r"(?<![\w.,])(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")(?![\w.,]\d)"
    r"(?:\s+(?P<more>more|additional|new|further|extra))?"
    r"(?P<words>(?:\s+[\w'’-]+){1,3})",
    re.I,
)
TIME_OF_DAY = re.compile(r"\s*(?:a\.?m\.?|p\.?m\.?|am|pm|o'clock|hours?|minutes?|days?|weeks?|months?|years?|"
                         r"per ?cent|percent|%)(?!\w)", re.I)
ROLE = re.compile(
    r"(?P<role>(?:(?:[A-Z][\w'’.-]*|of|the)\s+){0,4}(?:Director[- ]General|Force Commander|Commander|President|"
    r"Prime Minister|Minister|Secretary(?:-General)?|Ambassador|Chief|Spokes(?:person|man|woman)|General|"
    r"Gen\.|Inspector[- ]General|Commissioner|Envoy|Representative|Coordinator|Colonel|Col\.|Superintendent))"
    r"\s+(?P<name>[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|d[eu]|van|von|al-\w+)){1,3})"
)
ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|remarked|explained|added|noted|recounted|stated|according to)\s+(?P<after>[^,.;”\"]{1,60})|"
    r"(?P<before>[^,.;“\"]{1,60})\s+(?:said|says|told|remarked|explained|added|noted)\b"
)
UNNAMED = re.compile(r"^\s*(?i:a|an|one|another|the|some|several|many|local|other)\b(?!.*\b[A-Z][a-z]+\s+[A-Z])")
OPENING_QUOTES = "\"“‘"
HORIZON = re.compile(
    r"\b(?:in the coming (?:days|weeks|months)|coming (?:days|weeks|months)|next (?:week|month|year)|soon|"
    r"this (?:week|month|year)|later this (?:week|month|year)|by (?:the end of )?(?:January|February|March|April|May|"
    r"June|July|August|September|October|November|December)|in (?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December)|before [A-Z]\w+ \d{1,2}|long haul|for years)\b",
    re.I,
)
FUNCTION_WORDS = {"of", "the", "a", "an", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "were",
                  "was", "are", "is", "would", "will", "had", "have", "has", "that", "who", "which", "as",
                  "during", "near", "after", "before", "since", "while", "when", "into", "across", "through",
                  "over", "under", "between", "against", "around", "inside", "outside"}
STATEMENT_DATE = re.compile(r"\b(?:said|says|told|announced|confirmed|stated|reported)\s+(?:on\s+)?$", re.I)
MIN_WORDS, MAX_WORDS = 6, 70


@dataclass(frozen=True)
class Fact:
    """One sentence of one document, filed under a section, before any audience's selection."""

    section: str
    text: str
    date: date | None
    document: Document
    score: float
    position: int  # sentence number in its document, for stable ordering
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    key_terms: frozenset[str] = frozenset()  # entities named, case-folded: what "the same fact" is judged on
    words: frozenset[str] = frozenset()  # content words, for comparing reports
    watched: bool = False  # matches a topic watch: the strongest such reports are always carried


@dataclass(frozen=True)
class TopicMatchers:
    """The topic file compiled once per run."""

    entities: dict[str, Lexicon]
    cues: dict[str, Lexicon]
    requires: dict[str, tuple[str, ...]]
    forward: Lexicon
    outcomes: dict[str, Lexicon]
    statuses: dict[str, Lexicon]
    watches: tuple[tuple[str | None, tuple[Lexicon, ...]], ...]  # (section it files under, term groups)
    host_nations: frozenset[str]

    @classmethod
    def of(cls, topic: TopicFile) -> TopicMatchers:
        return cls(
            entities={name: Lexicon.of(terms) for name, terms in topic.entities.items()},
            cues={name: Lexicon.of(spec.cues) for name, spec in topic.sections.items()},
            requires={name: tuple(spec.requires_any) for name, spec in topic.sections.items()},
            forward=Lexicon.of(topic.forward_looking),
            outcomes={name: Lexicon.of(terms) for name, terms in topic.outcomes.items()},
            statuses={name: Lexicon.of(terms) for name, terms in topic.statuses.items()},
            watches=tuple((w.section, tuple(Lexicon.of(group) for group in w.all_of)) for w in topic.watch),
            host_nations=frozenset(topic.host_nations),
        )

    def entity(self, group: str, text: str) -> list[str]:
        lexicon = self.entities.get(group)
        return list(dict.fromkeys(lexicon.find(text))) if lexicon else []


def trim(text: str) -> str:
    """Drop a leading connective ("Meanwhile, ..."), which only makes sense inside the article."""
    trimmed = CONNECTIVE.sub("", text, count=1)
    return trimmed[:1].upper() + trimmed[1:] if trimmed != text else text


def quantities(text: str, skip: list[range]) -> list[dict[str, Any]]:
    """Numbers with what they count and their qualifier: "nearly 1,000 Kenyan officers", "two more MaxxPros"."""
    found = []
    for match in QUANTITY.finditer(text):
        if any(match.start("value") in span for span in skip) or TIME_OF_DAY.match(text, match.end("value")):
            continue
        value = match["value"]
        if re.fullmatch(r"(?:19|20)\d\d", value):
            continue  # a year
        words = []
        for word in match["words"].split():
            bare = word.strip(",.;:")
            if bare.lower() in FUNCTION_WORDS:
                break
            words.append(bare)
            if word[-1:] in ",.;:" or (len(bare) > 3 and bare.endswith("s")):
                break  # a plural noun ends the phrase: "four gang members", "40 rifles"
        found.append({
            "value": value,
            "number": _as_number(value),
            "qualifier": (match["qualifier"] or "").lower() or None,
            "more": bool(match["more"]),
            "of": " ".join(words).strip(",.;:"),
            "text": " ".join(p for p in (match["qualifier"], value, match["more"], *words) if p).strip(",.;:"),
        })
    return found


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3 or w.isdigit())


def _as_number(value: str) -> float | None:
    word = NUMBER_WORDS.get(value.lower(), 0)
    if word != 0:
        return word
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return None


def people(text: str) -> list[dict[str, str]]:
    return [{"name": m["name"], "role": " ".join(m["role"].split())} for m in ROLE.finditer(text)]


def _quote_speaker_unnamed(sentence: Sentence, paragraph: str) -> bool:
    """Whether the sentence is (part of) a quotation whose speaker is not named ("said a local resident")."""
    quoted = paragraph.lstrip()[:1] in OPENING_QUOTES or any(q in sentence.text for q in OPENING_QUOTES)
    if not quoted:
        return False
    for match in ATTRIBUTION.finditer(paragraph):
        speaker = match["after"] or match["before"] or ""
        if speaker and not UNNAMED.match(speaker):
            return False
    return True


def _section_scores(text: str, present: set[str], matchers: TopicMatchers, section_ids: list[str]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for section in section_ids:
        cues = matchers.cues.get(section)
        required = matchers.requires.get(section, ())
        if cues is None or (required and not present.intersection(required)):
            continue
        hits = cues.count(text)
        if section == "outlook" and not matchers.forward.count(text):
            hits = hits if hits >= 2 else 0  # a statement about the future says so
        if hits:
            scores[section] = float(hits)
    return scores


def _modality(text: str, matchers: TopicMatchers) -> str:
    for status in ("considered", "pledged", "planned"):
        if status in matchers.statuses and matchers.statuses[status].count(text):
            return status
    return "planned" if matchers.forward.count(text) else "done"


def _first_status(text: str, matchers: TopicMatchers, order: tuple[str, ...], default: str) -> str:
    return next((s for s in order if s in matchers.statuses and matchers.statuses[s].count(text)), default)


def _fields(section: str, text: str, common: dict[str, Any], matchers: TopicMatchers) -> dict[str, Any]:
    nations, amounts = common["nations"], common["quantities"]
    if section == "operations":
        outcome = [name for name, lexicon in matchers.outcomes.items() if lexicon.count(text)]
        return {
            "places": common["places"],
            "forces": matchers.entity("mission", text) + matchers.entity("police", text),
            "opponents": matchers.entity("gangs", text),
            "outcome": outcome,
            "figures": [q["text"] for q in amounts],
        }
    if section == "equipment":
        items = matchers.entity("equipment", text)
        counted = [q for q in amounts if any(i.lower() in q["of"].lower() for i in items)] or amounts
        recipient = matchers.entity("mission", text) + matchers.entity("police", text)
        return {
            "donor": nations[0] if nations else None,
            "recipient": recipient[0] if recipient else None,
            "item": items[0] if items else None,
            "quantity": counted[0]["text"] if counted else None,
            "status": _first_status(text, matchers, ("shortage", "pledged"), "")
            or (common["modality"] if common["modality"] != "done" else None)
            or _first_status(text, matchers, ("delivered",), "reported"),
        }
    if section == "nations":
        personnel_terms = {t.lower() for t in matchers.entity("personnel", text)}
        personnel = [q["text"] for q in amounts if any(t in q["of"].lower() for t in personnel_terms)]
        status = _first_status(text, matchers, ("pledged",), "")
        if not status and common["modality"] != "done":
            status = "announced"  # a stated intention ("would arrive in September") is not an arrival
        return {
            "nations": nations,
            "personnel": personnel,
            "status": status or _first_status(text, matchers, ("arrived", "announced", "deployed"), "reported"),
        }
    horizon = HORIZON.search(text)
    actors = nations + matchers.entity("mission", text) + matchers.entity("police", text)
    return {
        "actor": actors[0] if actors else (common["people"][0]["name"] if common["people"] else None),
        "subject": [w.lower() for w in dict.fromkeys(matchers.cues["outlook"].find(text))][:4],
        "horizon": horizon.group(0) if horizon else None,
        "modality": common["modality"],
    }


def _event_dates(text: str, reference: date, matchers: TopicMatchers):
    """Dates the sentence names; a bare weekday after a forward-looking word ("will deploy ... on Friday")
    is the coming one, any other the last one."""
    named = find_dates(text, reference, nearest=True)
    cues = [offset for offset, _ in matchers.forward.matches(text)]
    if not cues:
        return named
    ahead = {m.start: m for m in find_dates(text, reference, nearest=True, ahead=True)}
    return [ahead.get(m.start, m) if cues[0] < m.start else m for m in named]


def extract(documents: list[Document], topic: TopicFile, section_ids: list[str], as_of: date) -> list[Fact]:
    """Every sentence that belongs in one of the sections, with its event date and fields."""
    matchers = TopicMatchers.of(topic)
    index = nation_index()
    facts: list[Fact] = []
    for document in documents:
        reference = document.published or as_of
        paragraphs = document.text.split("\n\n")
        lead = next((m.day for m in find_dates(" ".join(paragraphs[:2]), reference, nearest=True)
                     if m.precision == "day"), None)
        for position, sentence in enumerate(split_sentences(document.text)):
            text = trim(sentence.text)
            if not MIN_WORDS <= len(text.split()) <= MAX_WORDS:
                continue
            present = {name for name, lexicon in matchers.entities.items() if lexicon.count(text)}
            nations = [n for n in index.find(text) if n not in matchers.host_nations]
            if nations:
                present.add("nations")
            scores = _section_scores(text, present, matchers, section_ids)
            watch = next((w for w in matchers.watches if all(group.count(text) for group in w[1])), None)
            if watch and watch[0] in section_ids:
                scores[watch[0]] = max(scores.values(), default=1.0) + 1.0
            if not scores:
                continue
            best = max(scores.values())
            section = next(s for s in topic.tie_order + section_ids if scores.get(s) == best)
            modality = _modality(text, matchers)
            named = _event_dates(text, reference, matchers)
            # "police said on Wednesday that ... on Monday": the event is Monday
            events = [m for m in named if not STATEMENT_DATE.search(text[:m.start])] or named
            mentions = [m for m in events if m.precision == "day"]
            if section == "outlook":
                when = document.published  # the date of the statement, not of the future it speaks of
            elif mentions:
                when = mentions[0].day
            elif named:
                when = None  # "in October 2023": no day to give
            elif section == "operations":
                # an undated sentence continues the event the article opens with; in a lead, the news is the day's
                when = lead or (document.published if sentence.paragraph < 3 else None)
            else:
                when = document.published
            common = {
                "nations": nations,
                "places": matchers.entity("places", text),
                "people": people(text),
                "quantities": quantities(text, [range(m.start, m.end) for m in mentions]),
                "modality": modality,
            }
            weight = best + 0.5 * bool(common["quantities"]) + 0.2 * len(present) + 0.3 * bool(common["people"])
            weight += 1.0 if position == 0 else 0.5 if position < 3 else 0.0
            if _quote_speaker_unnamed(sentence, paragraphs[sentence.paragraph]):
                weight *= 0.2
            watched = watch is not None
            key_terms = frozenset(
                t.lower() for group in ("places", "equipment", "gangs") for t in matchers.entity(group, text)
            ) | frozenset(n.lower() for n in nations)
            facts.append(Fact(
                section=section,
                text=text,
                date=when,
                document=document,
                score=round(weight + (2.0 if watched else 0.0), 3),
                position=position,
                fields={**_fields(section, text, common, matchers), "people": common["people"],
                        "modality": common["modality"]},
                key_terms=key_terms,
                words=content_words(text),
                watched=watched,
            ))
    return facts
