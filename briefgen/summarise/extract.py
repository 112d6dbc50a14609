"""Extraction: each sentence of each selected document -> a `Fact` filed under one section, with its event
date and structured fields (places, nations, actors, people, quantities, modality, outcome...).

All topic knowledge comes from the topic file; this module knows only English news grammar.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from functools import cached_property, lru_cache, partial
from typing import Any

from briefgen.cache import DocumentCache, cache_key
from briefgen.dates import DateMention, find_dates
from briefgen.errors import unexpected
from briefgen.models import (
    ContributionFields,
    DeliveryFields,
    Diagnostic,
    DiagnosticKind,
    Document,
    Fields,
    ForwardFields,
    OperationFields,
    Person,
    Progress,
    places_of,
)
from briefgen.summarise.filer import DIGIT, NONE, SentenceSignals, features, shipped_filer
from briefgen.summarise.lexicon import Found, Lexicon, Lexicons
from briefgen.summarise.nations import NationIndex, nation_index
from briefgen.summarise.segment import Sentence, split_sentences
from briefgen.topic import NATION, Kind, Role, TopicFile, Watch

YEAR = re.compile(r"(?:19|20)\d\d")
# a content word: a whole run of letters and digits, of four or more, or of digits alone ("32", "2025")
CONTENT_WORD = re.compile(r"(?<![a-z0-9])(?:[a-z0-9]{4,}|[0-9]{1,3})(?![a-z0-9])")
CONNECTIVE = re.compile(
    r"^(?:meanwhile|additionally|in addition|however|also|furthermore|moreover|separately|elsewhere|"
    r"among others|as a result|at the same time|in the meantime),\s+",
    re.I,
)
NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "dozens": None,
    "hundreds": None,
    "thousands": None,
    "dozen": 12,
}
QUALIFIERS = (
    "nearly",
    "almost",
    "about",
    "around",
    "approximately",
    "roughly",
    "some",
    "over",
    "more than",
    "at least",
    "up to",
    "fewer than",
    "less than",
    "another",
    "an additional",
    "a further",
    "only",
)
QUANTITY = re.compile(
    # a match starts a word, with a qualifier or a number: the boundary and the lookahead turn most places away
    # with a test or two, where the alternatives below would try each of their words (the two took this regex to
    # a third of its time on the development corpora and the benchmark's, with the same matches)
    r"\b(?=[\d" + "".join(sorted({word[0] for word in [*QUALIFIERS, *NUMBER_WORDS]})) + "])"
    r"(?:(?P<qualifier>" + "|".join(QUALIFIERS) + r")\s+)?"
    r"(?<![\w.,])(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")(?![\w.,]\d)"
    r"(?:\s+(?P<more>more|additional|new|further|extra))?"
    r"(?P<words>(?:\s+[\w'’-]+){1,4})",
    re.I,
)
# QUANTITY still tries every qualifier and number word at each word's start; a sentence with no digit and none
# of these words, as most are, has no quantity
NUMBER_WORD = re.compile("|".join(NUMBER_WORDS), re.I)
TIME_OF_DAY = re.compile(
    r"\s*(?:a\.?m\.?|p\.?m\.?|am|pm|o'clock|hours?|minutes?|days?|weeks?|months?|years?|"
    r"per ?cent|percent|%)(?!\w)",
    re.I,
)
TITLES = (
    r"Director[- ]General|Force Commander|Commander|President|Prime Minister|Minister|Secretary(?:-General)?|"
    r"Ambassador|Chief|Spokes(?:person|man|woman)|General|Gen\.|Inspector[- ]General|Commissioner|Envoy|"
    r"Representative|Coordinator|Colonel|Col\.|Superintendent"
)
# ROLE tries its run of capitalised words at every place; a sentence with no title, as most are, has no role
TITLE = re.compile(TITLES)
ROLE = re.compile(
    r"(?P<role>(?:(?:[A-Z][\w'’.-]*|of|the)\s+){0,4}(?:" + TITLES + r"))"
    r"\s+(?P<name>[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|d[eu]|van|von|al-\w+)){1,3})"
)
ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|remarked|explained|added|noted|recounted|stated|according to)\s+(?P<after>[^,.;”\"]{1,60})|"
    r"(?P<before>[^,.;“\"]{1,60})\s+(?:said|says|told|remarked|explained|added|noted)\b"
)
UNNAMED = re.compile(r"^\s*(?i:a|an|one|another|the|some|several|many|local|other)\b(?!.*\b[A-Z][a-z]+\s+[A-Z])")
OPENING_QUOTES = '"“‘'
HORIZON = re.compile(
    r"\b(?:in the coming (?:days|weeks|months)|coming (?:days|weeks|months)|next (?:week|month|year)|soon|"
    r"this (?:week|month|year)|later this (?:week|month|year)|by (?:the end of )?(?:January|February|March|April|May|"
    r"June|July|August|September|October|November|December)|in (?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December)|before [A-Z]\w+ \d{1,2}|long haul|for years)\b",
    re.I,
)
FUNCTION_WORDS = {
    "of",
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "to",
    "for",
    "from",
    "by",
    "with",
    "and",
    "or",
    "were",
    "was",
    "are",
    "is",
    "would",
    "will",
    "had",
    "have",
    "has",
    "that",
    "who",
    "which",
    "as",
    "during",
    "near",
    "after",
    "before",
    "since",
    "while",
    "when",
    "into",
    "across",
    "through",
    "over",
    "under",
    "between",
    "against",
    "around",
    "inside",
    "outside",
}
STATEMENT_DATE = re.compile(r"\b(?:said|says|told|announced|confirmed|stated|reported)\s+(?:on\s+)?$", re.I)
# "MOGADISHU, Sept 23, 2024 (Horn Wire) - ", "ANKARA - ": a place in capitals, perhaps a date and an agency
DATELINE = re.compile(
    r"^(?=\S)(?:[A-Z][A-Z.'’ /-]{2,40})?(?:,?\s*(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)?"
    r"(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
    r"(?:\s*\([^()\n]{1,40}\))?\s+[-–—]+\s+(?=[A-Z])"
)
SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*$")
MIN_WORDS, MAX_WORDS = 6, 70
STATEMENT_LAG = timedelta(days=7)  # a decision "on Friday" is news for a week; "until June 30" is a horizon
# Ranking: cue words say which section, not how much a sentence tells; names and dates say that
CUE_CAP = 3
DECISIVE_CUES = 2
# a sentence that speaks of an event named before it: "the attack", "the vote", "they", "also"
NAMES_BACK = (  # a sentence that names what the one before it told of: "The vote...", "Both groups..."
    r"^(?:They|It|He|She|Its|Their|These|Those|Both)\b|^(?:The|This|That|Under\s+the)\s+(?:[\w-]+\s+){0,2}?(?:attack|"
    r"assault|operation|raid|clash(?:es)?|fighting|ambush|blast|explosion|crash|massacre|killings?|incident|vote|"
    r"resolution|decision|designations?|meeting|summit|talks|delivery|shipment|consignment|deployment|contingent|"
    r"unit|victims|attackers|gunmen|officers|troops|soldiers|group|statement|report|move|offensive)\b"
)
REFERS_BACK = re.compile(NAMES_BACK + r"|\balso\b")  # ...or adds to it
NAMED_BACK = re.compile(NAMES_BACK)
CONTEXT_SCORE = 0.5  # a sentence filed only because it refers back ranks low
NONE_CUTOFF = 0.7  # the filer's probability of `none` under which a sentence informs some section
SURE_KIND = 0.5  # a sentence naming nobody and no number is filed when the filer is this sure of its kind
SPECIFIC = 0.3
INFORMATIVE = 2.0  # rank for a sentence the filer is sure informs some section
PROPER_NAME = re.compile(r"(?<=\s)[A-Z][\w'’-]+")
DONE = "done"  # the modality of a report of what happened
PROSPECTIVE = "prospective"  # ...of a forward-looking one, when the topic names no prospective status
# "formed in 2023", "during 2022": a bare year after a word that makes it one (not "2000 officers")
PAST_YEAR = re.compile(
    r"\b(?:in|during|until|through|throughout)\s+(?:(?:early|late|mid-?)\s*)?((?:19|20)\d\d)\b(?![\d,])"
)
SINCE = re.compile(r"\bsince\b[^,;:.]*$", re.I)  # "since the embargo was lifted in December 2023": same clause
GIVING = re.compile(
    r"\b(?:donat|deliver|hand(?:ed|s|ing)?\s+over|gave|give|suppl|provid|transferr?|ship|sen[dt])\w*", re.I
)
BY_WHOM = re.compile(r"\b(?:by|from)\s+(?:the\s+)?$", re.I)  # "donated by the United States"
TO_WHOM = re.compile(r"\b(?:to|for(?:\s+use\s+by)?)\s+(?:the\s+)?$", re.I)  # "handed to the PNH"
CURRENCY_BEFORE = re.compile(r"(?:[$€£]|\b(?:US|USD|EUR|KES|KSh)\s?)$")  # "$15", "US$ 15"
CURRENCY_AFTER = re.compile(r"^\s*(?:million|billion)?\s*(?:dollars|euros|pounds|shillings)\b", re.I)


Day = date  # inside Fact, `date` names its field


@dataclass(frozen=True)
class Fact:
    """One sentence of one document, filed under a section, before any audience's selection."""

    section: str
    text: str
    date: date | None
    document: Document
    score: float
    position: int  # sentence number in its document, for stable ordering
    span: tuple[int, int] = (0, 0)  # the sentence's offsets in its document's text: the evidence
    fields: Fields = Fields()
    key_terms: frozenset[str] = frozenset()  # entities named, case-folded: what "the same fact" is judged on
    actors: frozenset[str] = frozenset()  # nations spoken of as acting (contributors, donors)
    words: frozenset[str] = frozenset()  # content words, for comparing reports
    anchors: frozenset[str] = frozenset()  # names and numbers: what pins a report to one event
    date_stated: bool = False  # the sentence names its day; otherwise the day is its article's or its lead's
    follows: int | None = None  # the position of the fact before it that this sentence names ("The vote")
    period_end: Day | None = None  # the latest day any time the sentence names reaches ("in 2023": 31 Dec)
    amounts: tuple[dict[str, Any], ...] = field(default=(), compare=False, hash=False)  # see `quantities`
    watch: str | None = None  # the topic watch it matches: the strongest such reports are always carried
    kind: Kind = Kind.OPERATION  # its section's kind

    # merging asks the next two of every pair of reports it compares, hundreds of thousands of times at scale
    @cached_property
    def places(self) -> frozenset[str]:
        """The places it names, case-folded."""
        return frozenset(place.lower() for place in places_of(self.fields))

    @cached_property
    def counts(self) -> frozenset[str]:
        """Its anchors that are numbers but not years: a day of the month, a count. A year pins nothing down, as
        many reports of a period name it."""
        return frozenset(w for w in self.anchors if w[:1].isdigit() and not YEAR.fullmatch(w))


@dataclass(frozen=True)
class Scan:
    """What the topic file recognises in one sentence."""

    named: dict[Role, list[str]]  # terms of each role's groups, each once, in order of appearance
    contributors: list[str]  # nations spoken of as actors
    cues: dict[str, list[str]]  # cue words found, by section
    decisions: dict[str, int]  # decision words, by section
    forward: tuple[int, ...]  # offsets of forward-looking words
    statuses: tuple[str, ...]  # statuses named, in the topic's order
    outcomes: tuple[str, ...]
    watch: Watch | None
    found: Found  # every lexicon's matches, for what reads them again (the donor and the recipient)

    @property
    def roles(self) -> set[str]:
        return {role for role, terms in self.named.items() if terms} | ({NATION} if self.contributors else set())

    def signals(self, topic: TopicFile) -> SentenceSignals:
        cues: dict[Kind, int] = {}
        for section, found in self.cues.items():
            kind = topic.sections[section].kind
            cues[kind] = cues.get(kind, 0) + len(found)
        return SentenceSignals(frozenset(self.roles), bool(self.forward), any(self.decisions.values()), cues)


@dataclass(frozen=True)
class TopicMatchers:
    """The topic file compiled once per run. It knows groups by their role, never by their name."""

    topic: TopicFile
    roles: dict[Role, tuple[Lexicon, ...]]
    cues: dict[str, Lexicon]
    decisions: dict[str, Lexicon]
    forward: Lexicon
    outcomes: dict[str, Lexicon]
    statuses: dict[str, Lexicon]  # in the topic's order of precedence
    watches: tuple[tuple[Watch, tuple[Lexicon, ...]], ...]
    nations: NationIndex
    every: Lexicons  # all of the above, scanned together
    # the scan of each sentence met in this run: a sentence met again (a wire story in several outlets, a
    # caller asking twice) is not scanned again
    scans: dict[str, Scan] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def of(cls, topic: TopicFile) -> TopicMatchers:
        """The topic's matchers, with a memo of their own: compiled once a process (its automaton and regexes
        take 20 ms, and a large run extracts a chunk of files at a time), the memo made afresh each time."""
        return replace(_compiled(topic.model_dump_json()))

    @classmethod
    def compiled(cls, topic: TopicFile) -> TopicMatchers:
        roles = {
            role: tuple(Lexicon.of(topic.entities[name].terms) for name in topic.groups_with(role)) for role in Role
        }
        cues = {name: Lexicon.of(rule.cues) for name, rule in topic.sections.items()}
        decisions = {name: Lexicon.of(rule.decisions) for name, rule in topic.sections.items()}
        forward = Lexicon.of(topic.forward_looking)
        outcomes = {name: Lexicon.of(terms) for name, terms in topic.outcomes.items()}
        statuses = {name: Lexicon.of(status.terms) for name, status in topic.statuses.items()}
        watches = tuple((w, tuple(Lexicon.of(group) for group in w.all_of)) for w in topic.watch)
        nations = nation_index(topic.nations)
        every = Lexicons(
            [
                *(lexicon for lexicons in roles.values() for lexicon in lexicons),
                *cues.values(),
                *decisions.values(),
                forward,
                *outcomes.values(),
                *statuses.values(),
                *(lexicon for _, groups in watches for lexicon in groups),
                nations.lexicon,
            ]
        )
        return cls(topic, roles, cues, decisions, forward, outcomes, statuses, watches, nations, every)

    def scan(self, text: str) -> Scan:
        """Everything the topic recognises in a sentence, from one pass of every lexicon over it."""
        known = self.scans.get(text)
        if known is None:
            known = self.scans[text] = self._scan(text)
        return known

    def _scan(self, text: str) -> Scan:
        found = self.every.scan(text)
        named = {}
        for role, lexicons in self.roles.items():
            matches = sorted(match for lexicon in lexicons for match in found.of(lexicon))
            named[role] = list(dict.fromkeys(word for _, word in matches))
        return Scan(
            named=named,
            contributors=self.nations.contributors(text, found.of(self.nations.lexicon)),
            cues={section: [word for _, word in found.of(lexicon)] for section, lexicon in self.cues.items()},
            decisions={section: len(found.of(lexicon)) for section, lexicon in self.decisions.items()},
            forward=tuple(offset for offset, _ in found.of(self.forward)),
            statuses=tuple(name for name, lexicon in self.statuses.items() if found.of(lexicon)),
            outcomes=tuple(name for name, lexicon in self.outcomes.items() if found.of(lexicon)),
            watch=next((w for w, groups in self.watches if all(found.of(group) for group in groups)), None),
            found=found,
        )

    def signals(self, text: str) -> SentenceSignals:
        """What the topic recognises in a sentence, as the filer reads it."""
        return self.scan(text).signals(self.topic)

    def status(self, scan: Scan, allowed: list[str] | None) -> str | None:
        """The first status (in the topic's order, among those the section allows) that the sentence names."""
        named = next((name for name in scan.statuses if allowed is None or name in allowed), None)
        return named or (self.topic.prospective_status if scan.forward else self.topic.default_status)

    def modality(self, scan: Scan) -> str:
        """What the statement reports: a prospective status it names (a pledge, a plan), or done."""
        prospective = next((name for name in scan.statuses if self.topic.statuses[name].prospective), None)
        if prospective:
            return prospective
        return (self.topic.prospective_status or PROSPECTIVE) if scan.forward else DONE


@lru_cache(maxsize=4)
def _compiled(topic: str) -> TopicMatchers:
    """The matchers of a topic file, by its JSON: a chunk's topic is unpickled afresh in each worker."""
    return TopicMatchers.compiled(TopicFile.model_validate_json(topic))


def trim(text: str) -> str:
    """Drop a wire dateline ("UNITED NATIONS (Horn Wire) - ") and a leading connective ("Meanwhile, ..."),
    which only make sense at their place in the article."""
    trimmed = CONNECTIVE.sub("", DATELINE.sub("", text, count=1), count=1)
    return trimmed[:1].upper() + trimmed[1:] if trimmed != text else text


def quantities(text: str, skip: list[range]) -> list[dict[str, Any]]:
    """Numbers with what they count and their qualifier: "nearly 1,000 Kenyan officers", "two more MaxxPros"."""
    found: list[dict[str, Any]] = []
    if not (DIGIT.search(text) or NUMBER_WORD.search(text)):
        return found
    for match in QUANTITY.finditer(text):
        if any(match.start("value") in span for span in skip) or TIME_OF_DAY.match(text, match.end("value")):
            continue
        value = match["value"]
        if YEAR.fullmatch(value):
            continue  # a year
        words = []
        for word in match["words"].split():
            bare = word.strip(",.;:")
            if bare.lower() in FUNCTION_WORDS:
                break
            words.append(bare)
            if word[-1:] in ",.;:" or (len(bare) > 3 and bare.endswith("s")):
                break  # a plural noun ends the phrase: "four gang members", "40 rifles"
        found.append(
            {
                "value": value,
                "number": _as_number(value),
                "qualifier": (match["qualifier"] or "").lower() or None,
                "more": bool(match["more"]),
                "of": " ".join(words).strip(",.;:"),
                "text": " ".join(p for p in (match["qualifier"], value, match["more"], *words) if p).strip(",.;:"),
                "money": bool(
                    CURRENCY_BEFORE.search(text[max(0, match.start("value") - 4) : match.start("value")])
                    or CURRENCY_AFTER.match(text, match.end("value"))
                ),
            }
        )
    return found


def anchors(text: str) -> frozenset[str]:
    """What pins a statement to one event: the names (capitalised words after the first), and the numbers."""
    words = re.findall(r"[\w’'-]+", text)
    named = {w for w in words[1:] if w[:1].isupper()}
    numbers = {w.lower() for w in words if w[:1].isdigit() or w.lower() in NUMBER_WORDS}
    return frozenset(named | numbers)


def content_words(text: str) -> frozenset[str]:
    """Each whole run of letters and digits (lower-cased) of four characters or more, or of digits alone."""
    return frozenset(CONTENT_WORD.findall(text.lower()))


def shared_words(words: frozenset[str]) -> frozenset[str]:
    """The same words, each as the one string object of its value (interned): a window's facts name a few thousand
    words hundreds of thousands of times, and a file's pickle then holds each word once, loaded once."""
    return frozenset(map(sys.intern, words))


def _as_number(value: str) -> float | None:
    word = NUMBER_WORDS.get(value.lower(), 0)
    if word != 0:
        return word
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return None


def _names(text: str) -> set[str]:
    """Capitalised words after the first: the names that make a statement specific."""
    return set(PROPER_NAME.findall(text))


def people(text: str) -> tuple[Person, ...]:
    if not TITLE.search(text):
        return ()
    return tuple(Person(m["name"], " ".join(m["role"].split())) for m in ROLE.finditer(text))


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


def _section_scores(scan: Scan, topic: TopicFile, section_ids: list[str]) -> dict[str, float]:
    scores: dict[str, float] = {}
    present = scan.roles
    for section in section_ids:
        rule = topic.sections[section]
        if rule.requires_any and not present.intersection(rule.requires_any):
            continue
        hits = len(scan.cues[section])
        if rule.kind == Kind.FORWARD_LOOKING and not scan.forward:
            hits = hits if hits >= 2 else 0  # a statement about the future says so...
        hits += scan.decisions[section]  # ...unless it reports a decision taken
        if hits:
            scores[section] = float(hits)
    return scores


def _filed_sections(
    text: str, chances: dict[str, float], cue_scores: dict[str, float], topic: TopicFile, section_ids: list[str]
) -> dict[str, float]:
    """How well the sentence fits each section: the filer's probability of the section's kind.

    A sentence is filed when the filer thinks it informs some section, or when a section's cues take it;
    a sentence that names nobody and no number is filed only by cues, or when the filer is sure of its kind.
    Where one section's cues clearly win (DECISIVE_CUES or more, and more than any other's), the topic
    writer's words decide; elsewhere the cues reach the filer as features and the filer decides.
    """
    likeliest = max((p for kind, p in chances.items() if kind != NONE), default=0.0)
    informs = chances.get(NONE, 1.0) < NONE_CUTOFF and bool(
        _names(text) or DIGIT.search(text) or likeliest >= SURE_KIND
    )
    if not (informs or cue_scores):
        return {}
    if cue_scores:
        best = max(cue_scores.values())
        if best >= DECISIVE_CUES and list(cue_scores.values()).count(best) == 1:
            return {section: 1.0 for section, score in cue_scores.items() if score == best}
    return {section: chances.get(str(topic.sections[section].kind), 0.0) for section in section_ids}


def _giving(text: str, scan: Scan, matchers: TopicMatchers) -> tuple[str | None, str | None]:
    """(donor, recipient) as the sentence names them around its verb of giving: "donated by X", "to Y",
    or the nation that is the subject; nothing without such a verb."""
    verb = GIVING.search(text)
    if verb is None:
        return None, None
    lexicons = [matchers.nations.lexicon, *matchers.roles[Role.MISSION], *matchers.roles[Role.PARTNER]]
    # at one offset the longest name: "Haitian National Police", not "Haitian"
    named = sorted(
        (match for lexicon in lexicons for match in scan.found.of(lexicon)),
        key=lambda match: (match[0], -len(match[1])),
    )
    donor = recipient = None
    for offset, words in named:
        before = text[max(0, offset - 20) : offset]
        if offset > verb.start() and donor is None and BY_WHOM.search(before):
            donor = words
        elif offset > verb.start() and recipient is None and TO_WHOM.search(before):
            recipient = words
    if donor is None:  # "France delivered ...": the nation before the verb
        donor = next(
            (words for offset, words in reversed(named) if offset < verb.start() and matchers.nations.name_of(words)),
            None,
        )
    return donor, recipient


def _fields(section: str, text: str, scan: Scan, common: dict[str, Any], matchers: TopicMatchers) -> Fields:
    """The fields of the section's kind (see `topic.KIND_FIELDS`)."""
    rule = matchers.topic.sections[section]
    nations, amounts = scan.contributors, common["quantities"]
    forces = tuple(scan.named[Role.MISSION] + scan.named[Role.PARTNER])
    said: Fields = Fields(common["people"], common["modality"])
    if rule.kind == Kind.OPERATION:
        return OperationFields(
            **vars(said),
            places=tuple(common["places"]),
            forces=forces,
            opponents=tuple(scan.named[Role.OPPONENT]),
            outcome=scan.outcomes,
            figures=tuple(q["text"] for q in amounts),
        )
    if rule.kind == Kind.DELIVERY:
        items = scan.named[Role.MATERIEL]
        counted = [q for q in amounts if any(i.lower() in q["of"].lower() for i in items)] or amounts
        donor, recipient = _giving(text, scan, matchers)
        return DeliveryFields(
            **vars(said),
            donor=donor,
            recipient=recipient,
            item=items[0] if items else None,
            quantity=counted[0]["text"] if counted else None,
            status=matchers.status(scan, rule.statuses),
        )
    if rule.kind == Kind.CONTRIBUTION:
        personnel_terms = {t.lower() for t in scan.named[Role.PERSONNEL]}
        money_terms = {t.lower() for t in scan.named[Role.MONEY]}
        return ContributionFields(
            **vars(said),
            contributors=tuple(nations),
            personnel=tuple(q["text"] for q in amounts if any(t in q["of"].lower() for t in personnel_terms)),
            funds=tuple(q["text"] for q in amounts if q["money"] or any(t in q["of"].lower() for t in money_terms)),
            status=matchers.status(scan, rule.statuses),
        )
    horizon = HORIZON.search(text)
    actors = nations + list(forces)
    return ForwardFields(
        **vars(said),
        actor=actors[0] if actors else (common["people"][0].name if common["people"] else None),
        subject=tuple(w.lower() for w in dict.fromkeys(scan.cues[section]))[:4],
        horizon=horizon.group(0) if horizon else None,
    )


def _period_end(text: str, named: list[DateMention]) -> date | None:
    """The last day of the latest period the sentence names: how recent the newest thing it speaks of is.

    A time after "since" starts something still going on, so it says nothing of how old the news is.
    """
    years = list(PAST_YEAR.finditer(text))
    if any(SINCE.search(text[:start]) for start in [m.start for m in named] + [y.start() for y in years]):
        return None
    ends = [
        m.day
        if m.precision == "day"
        else (m.day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        for m in named
    ]
    return max(ends + [date(int(y[1]), 12, 31) for y in years], default=None)


def _event_dates(text: str, reference: date, forward: tuple[int, ...]):
    """Dates the sentence names; a bare weekday after a forward-looking word ("will deploy ... on Friday")
    is the coming one, any other the last one."""
    named = find_dates(text, reference, nearest=True)
    if not forward:
        return named
    ahead = {m.start: m for m in find_dates(text, reference, nearest=True, ahead=True)}
    return [ahead.get(m.start, m) if forward[0] < m.start else m for m in named]


@dataclass(frozen=True)
class Candidate:
    """A sentence of a document that could be a statement of the briefing: not a headline, not too short."""

    document: Document
    sentence: Sentence
    text: str  # without a dateline or a leading connective
    position: int  # sentence number in its document


def candidates(document: Document) -> list[Candidate]:
    title = " ".join((document.title or "").split())
    found = []
    for position, sentence in enumerate(split_sentences(document.text)):
        if " ".join(sentence.text.split()) == title or not SENTENCE_END.search(sentence.text):
            continue  # a headline, a subheading or a byline: not a statement
        text = trim(sentence.text)
        if MIN_WORDS <= len(text.split()) <= MAX_WORDS:
            found.append(Candidate(document, sentence, text, position))
    return found


@dataclass(frozen=True)
class DocumentFacts:
    """What extraction made of one document: its facts, or why it was skipped (and whether that happened while
    scanning, so that a run from the cache reports skips in the order a cold run meets them). The cache's value."""

    facts: tuple[Fact, ...]
    skipped: Diagnostic | None = None
    while_scanning: bool = False


def extraction_settings(topic: TopicFile, section_ids: Sequence[str], as_of: date) -> tuple[str, str, str]:
    """What a document's facts depend on besides the document: the parts of every cache key built on them."""
    # the topic by its digest: every key of a run hashes these, and the topic's JSON runs to kilobytes
    topic_digest = hashlib.sha256(topic.model_dump_json().encode()).hexdigest()
    return topic_digest, json.dumps(list(section_ids)), as_of.isoformat()


def document_digest(document: Document) -> str:
    # the fields one level deep (a Document holds only text, numbers and a date): `astuple` copies recursively
    values = [getattr(document, each.name) for each in fields(document)]
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()


def extract(
    documents: list[Document],
    topic: TopicFile,
    section_ids: list[str],
    as_of: date,
    progress: Progress | None = None,
    cache: DocumentCache | None = None,
) -> tuple[list[Fact], list[Diagnostic]]:
    """Every sentence that belongs in one of the sections, with its event date and fields; and a warning for
    each document that could not be read through, which is skipped: one article never stops a run.

    A document the cache has extracted before, with the same topic, sections and reference date, is not
    extracted again.
    """
    batch = cache.batch("documents extracted") if cache else None
    known: dict[int, DocumentFacts] = {}
    keys: list[str] = []
    if batch:
        settings = extraction_settings(topic, section_ids, as_of)
        keys = [cache_key("extract", document_digest(document), *settings) for document in documents]
        known = {i: hit for i, key in enumerate(keys) if (hit := batch.lookup(key, DocumentFacts)) is not None}
    fresh = [i for i in range(len(documents)) if i not in known]

    def counted(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, len(known) + done, len(documents))

    made = _extract_each([documents[i] for i in fresh], topic, section_ids, as_of, counted) if fresh else []
    if batch:
        for i, result in zip(fresh, made, strict=True):
            batch.remember(keys[i], result)
        batch.save()
    results = {**known, **dict(zip(fresh, made, strict=True))}
    ordered = [results[i] for i in range(len(documents))]
    facts = [fact for result in ordered for fact in result.facts]
    skipped = [r.skipped for r in ordered if r.skipped and r.while_scanning]
    skipped += [r.skipped for r in ordered if r.skipped and not r.while_scanning]
    return facts, skipped


def _extract_each(
    documents: list[Document], topic: TopicFile, section_ids: list[str], as_of: date, progress: Progress
) -> list[DocumentFacts]:
    """Each document's facts, or why it was skipped. Sentences are gathered from every document first, so that
    the filer embeds them in one batch."""
    matchers = TopicMatchers.of(topic)
    skipped: dict[str, DocumentFacts] = {}

    def contained(document: Document, work: Callable[[], list[Any]], *, scanning: bool) -> list[Any]:
        try:
            return work()
        except Exception as exc:  # a sentence no rule foresaw: this article is lost, not the run
            why = Diagnostic(document.key, f"{unexpected(exc)} while extracting", kind=DiagnosticKind.SKIPPED)
            skipped[document.key] = DocumentFacts((), why, scanning)
            return []

    gathered: list[list[tuple[Candidate, Scan]]] = []
    for done, document in enumerate(documents, 1):
        gathered.append(contained(document, partial(_scanned, document, matchers), scanning=True))
        progress("extract", done, len(documents))
    every = [pair for pairs in gathered for pair in pairs]
    matrix = features([c.text for c, _ in every], [scan.signals(topic) for _, scan in every])
    # A matrix product's last bits depend on how many rows it multiplies at once (BLAS picks its kernel by
    # shape), so each document's sentences are filed apart: a document files the same from the cache, alone
    # or among other new ones, as in a run that extracts every document. The embeddings have no such effect.
    by_document: dict[str, list[tuple[Candidate, Scan, dict[str, float]]]] = {}
    start = 0
    for document, pairs in zip(documents, gathered, strict=True):
        chances = shipped_filer().probabilities(matrix[start : start + len(pairs)])
        by_document[document.key] = [(c, scan, p) for (c, scan), p in zip(pairs, chances, strict=True)]
        start += len(pairs)
    made = {
        document.key: DocumentFacts(
            tuple(
                contained(
                    document,
                    partial(_facts_of, document, by_document.get(document.key, []), matchers, section_ids, as_of),
                    scanning=False,
                )
            )
        )
        for document in documents
        if document.key not in skipped
    }
    return [skipped.get(document.key) or made[document.key] for document in documents]


def _scanned(document: Document, matchers: TopicMatchers) -> list[tuple[Candidate, Scan]]:
    return [(candidate, matchers.scan(candidate.text)) for candidate in candidates(document)]


def _facts_of(
    document: Document,
    filed: list[tuple[Candidate, Scan, dict[str, float]]],
    matchers: TopicMatchers,
    section_ids: list[str],
    as_of: date,
) -> list[Fact]:
    topic = matchers.topic
    facts: list[Fact] = []
    reference = document.published or as_of
    paragraphs = document.text.split("\n\n")
    lead = next(
        (m.day for m in find_dates(" ".join(paragraphs[:2]), reference, nearest=True) if m.precision == "day"), None
    )
    before: tuple[int, Fact] | None = None  # (paragraph, last fact): what a sentence referring back speaks of
    for candidate, scan, chances in filed:
        text, sentence, position = candidate.text, candidate.sentence, candidate.position
        present = scan.roles
        scores = _filed_sections(text, chances, _section_scores(scan, topic, section_ids), topic, section_ids)
        context = (
            before[1] if before is not None and before[0] == sentence.paragraph and REFERS_BACK.search(text) else None
        )
        if context is not None and not scores:
            scores = {context.section: CONTEXT_SCORE}  # "A bystander was also hurt in the blast."
        watch = scan.watch
        if watch and watch.section in section_ids:
            scores[watch.section] = max(scores.values(), default=1.0) + 1.0
        if not scores:
            continue
        best = max(scores.values())
        section = next(s for s in topic.tie_order + section_ids if scores.get(s) == best)
        kind = topic.sections[section].kind
        modality = matchers.modality(scan)
        named = _event_dates(text, reference, scan.forward)
        # "police said on Wednesday that ... on Monday": the event is Monday
        events = [m for m in named if not STATEMENT_DATE.search(text[: m.start])]
        mentions = [m for m in events or named if m.precision == "day"]
        stated = False  # whether the sentence names the day of what it reports (not only of a statement)
        if kind == Kind.FORWARD_LOOKING:
            # the date of the statement or decision, not of the future it speaks of
            recent = [
                m.day
                for m in mentions
                if document.published is not None and timedelta(0) <= document.published - m.day <= STATEMENT_LAG
            ]
            when = recent[0] if recent else document.published
            stated = bool(recent)
        elif mentions:
            when = mentions[0].day
            stated = bool(events)
        elif named:
            when = None  # "in October 2023": no day to give
        elif context is not None and context.section == section:
            when = context.date  # the event it refers back to
        elif kind == Kind.OPERATION:
            # an undated sentence continues the event the article opens with; in a lead, the news is the day's
            when = lead or (document.published if sentence.paragraph < 3 else None)
        else:
            when = document.published
        found_quantities = quantities(text, [range(m.start, m.end) for m in mentions])
        common = {
            "places": scan.named[Role.PLACE] or (places_of(context.fields) if context else ()),
            "people": people(text),
            "quantities": found_quantities,
            "modality": modality,
        }
        weight = (
            min(best, CUE_CAP)
            + INFORMATIVE * (1.0 - chances.get(NONE, 0.0))
            + 0.5 * bool(common["quantities"])
            + 0.2 * len(present)
            + 0.3 * bool(common["people"])
            + SPECIFIC * (bool(mentions) + min(len(_names(text)), 3))
        )
        weight += 1.0 if position == 0 else 0.5 if position < 3 else 0.0
        if _quote_speaker_unnamed(sentence, paragraphs[sentence.paragraph]):
            weight *= 0.2
        key_terms = shared_words(
            frozenset(t.lower() for role in (Role.PLACE, Role.MATERIEL, Role.OPPONENT) for t in scan.named[role])
            | frozenset(n.lower() for n in scan.contributors)
        )
        facts.append(
            Fact(
                section=section,
                text=text,
                date=when,
                document=document,
                score=round(weight + (2.0 if watch else 0.0), 3),
                position=position,
                span=(sentence.start, sentence.end),
                fields=_fields(section, text, scan, common, matchers),
                key_terms=key_terms,
                actors=shared_words(frozenset(scan.contributors)),
                words=shared_words(content_words(text)),
                anchors=shared_words(anchors(text)),
                date_stated=stated,
                follows=context.position if context is not None and NAMED_BACK.search(text) else None,
                period_end=_period_end(text, named),
                amounts=tuple(found_quantities),
                watch=watch.name if watch else None,
                kind=kind,
            )
        )
        before = (sentence.paragraph, facts[-1])
    return facts
