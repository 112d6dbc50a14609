"""Term lists from the topic file, compiled once into matchers; `Lexicons` scans many of them together.

A term matches as a whole word; a trailing `*` matches any word ending; a term written in capitals
(an acronym such as MSS or APC) matches only in capitals, and so does every term of a case-sensitive
lexicon (proper names: "Turkey", not "turkey").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

import ahocorasick


def term_pattern(term: str) -> str:
    stem = term.rstrip("*")
    body = re.escape(stem).replace(r"\ ", r"\s+")
    if term.endswith("*"):
        body += r"[\w'’-]*"
    return body


def _is_acronym(term: str) -> bool:
    letters = [c for c in term.rstrip("*") if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _alternation(terms: Sequence[str]) -> str:
    # one boundary check around the whole alternation lets the regex engine skip quickly by first letter
    return r"(?<![\w-])(?:" + "|".join(term_pattern(t) for t in terms) + r")(?!\w)"


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[str, ...]
    # (terms in the order its alternation tries them, flags) of each regex: the case-folded terms, then those
    # matched only as written; a group with no terms has no regex
    groups: tuple[tuple[tuple[str, ...], int], ...]
    patterns: tuple[re.Pattern[str], ...]  # one for each group

    @classmethod
    def of(cls, terms: list[str] | tuple[str, ...], case_sensitive: bool = False) -> Lexicon:
        folded = [] if case_sensitive else [t for t in terms if not _is_acronym(t)]
        exact = list(terms) if case_sensitive else [t for t in terms if _is_acronym(t)]
        groups = tuple(
            (tuple(sorted(group, key=len, reverse=True)), flags)  # longest first: "armoured vehicle" before "vehicle"
            for group, flags in ((folded, re.I), (exact, 0))
            if group
        )
        return cls(tuple(terms), groups, tuple(re.compile(_alternation(group), flags) for group, flags in groups))

    def matches(self, text: str) -> list[tuple[int, str]]:
        """(offset, matched text) of every match, in order of appearance."""
        return sorted((m.start(), m.group(0)) for pattern in self.patterns for m in pattern.finditer(text))

    def find(self, text: str) -> list[str]:
        """The matched spans of text, in order of appearance."""
        return [word for _, word in self.matches(text)]

    def count(self, text: str) -> int:
        return len(self.find(text))

    def reaches(self, text: str, count: int) -> bool:
        return reach([self], text, count)


def reach(lexicons: Sequence[Lexicon], text: str, count: int) -> bool:
    """Whether the lexicons match at least `count` times in the text, together: decided as soon as they have,
    where a document is long and a match or two decide."""
    every = (match for lexicon in lexicons for pattern in lexicon.patterns for match in pattern.finditer(text))
    return count <= 0 or any(True for _ in islice(every, count - 1, None))


# Characters whose lower case is one character that `re.I` equates with no other: the Latin script, digits,
# punctuation, typographic quotes and dashes. Among them a lower-cased text holds a term's lower-cased words
# wherever `re.I` matches the term. Elsewhere case has exceptions (the Turkish dotted and dotless i, the long s,
# the Greek final sigma), so a sentence or a term with other characters is left to the regexes.
OUTSIDE_SIMPLE_CASE = re.compile(r"[^\x00-\xb4\xb6-\u012f\u0132-\u017e\u0180-\u024f\u2000-\u206f\u20a0-\u20cf]")


def _key(term: str) -> str:
    """What the automaton looks for: the term's first word, lower-cased. Any white space may separate the
    words of a term, so only the first is known to be in the text as written."""
    return term.rstrip("*").split(" ")[0].lower()


@dataclass(frozen=True)
class Found:
    """Every lexicon's matches in one text."""

    by_lexicon: dict[int, list[tuple[int, str]]]  # `id` of a lexicon with matches -> `Lexicon.matches(text)`

    def of(self, lexicon: Lexicon) -> Sequence[tuple[int, str]]:
        return self.by_lexicon.get(id(lexicon), ())


class Lexicons:
    """Many lexicons scanned together, each sentence once: an Aho-Corasick automaton over the lower-cased text
    finds the places where a term of some lexicon may start, and there only each such lexicon's regex is
    tried, in order, resuming after each match as its own scan would: the same matches, at a few places."""

    def __init__(self, lexicons: Sequence[Lexicon]) -> None:
        self.lexicons = tuple({id(x): x for x in lexicons}.values())  # the same lexicon twice is scanned once
        indexed = [x for x in self.lexicons if all(map(_indexable, x.terms))]
        self._direct = [x for x in self.lexicons if not all(map(_indexable, x.terms))]  # scanned by their regexes
        # (lexicon, regex) of each group of the indexed lexicons; each key names the groups it may start a match of
        self._groups = [(id(x), pattern) for x in indexed for pattern in x.patterns]
        keys: dict[str, set[int]] = {}
        for number, (ordered, _) in enumerate(group for x in indexed for group in x.groups):
            for term in ordered:
                keys.setdefault(_key(term), set()).add(number)
        self._automaton = ahocorasick.Automaton()
        for key, numbers in keys.items():
            self._automaton.add_word(key, (len(key), tuple(sorted(numbers))))
        self._automaton.make_automaton()
        self._indexed = bool(keys)  # an automaton with no words cannot be run

    def scan(self, text: str) -> Found:
        """What each lexicon's `matches` would give in text."""
        if not self._indexed or OUTSIDE_SIMPLE_CASE.search(text):
            return Found({id(x): found for x in self.lexicons if (found := x.matches(text))})
        starts: dict[int, set[int]] = {}
        for last, (length, numbers) in self._automaton.iter(text.lower()):
            for number in numbers:
                starts.setdefault(number, set()).add(last + 1 - length)
        by_lexicon: dict[int, list[tuple[int, str]]] = {}
        for number, places in starts.items():
            owner, pattern = self._groups[number]
            resume = 0
            for start in sorted(places):
                if start >= resume and (match := pattern.match(text, start)):
                    by_lexicon.setdefault(owner, []).append((start, match.group(0)))
                    resume = match.end()  # a regex's next search starts where its last match ended
        for found in by_lexicon.values():
            found.sort()  # a lexicon's two regexes, merged
        by_lexicon.update((id(x), found) for x in self._direct if (found := x.matches(text)))
        return Found(by_lexicon)


def _indexable(term: str) -> bool:
    """Whether the automaton can find where the term starts: it has a first word, and no character outside
    simple case (with which `re.I` could match text that a lower-cased text does not hold)."""
    return bool(_key(term)) and not OUTSIDE_SIMPLE_CASE.search(term)
