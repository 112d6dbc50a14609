"""Term lists from the topic file, compiled once into matchers.

A term matches as a whole word; a trailing `*` matches any word ending; a term written in capitals
(an acronym such as MSS or APC) matches only in capitals, and so does every term of a case-sensitive
lexicon (proper names: "Turkey", not "turkey").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def term_pattern(term: str) -> str:
    stem = term.rstrip("*")
    body = re.escape(stem).replace(r"\ ", r"\s+")
    if term.endswith("*"):
        body += r"[\w'’-]*"
    return body


def _is_acronym(term: str) -> bool:
    letters = [c for c in term.rstrip("*") if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[str, ...]
    folded: re.Pattern[str] | None
    exact: re.Pattern[str] | None

    @classmethod
    def of(cls, terms: list[str] | tuple[str, ...], case_sensitive: bool = False) -> Lexicon:
        folded = [] if case_sensitive else [t for t in terms if not _is_acronym(t)]
        exact = list(terms) if case_sensitive else [t for t in terms if _is_acronym(t)]

        def compile_(group: list[str], flags: int) -> re.Pattern[str] | None:
            if not group:
                return None
            ordered = sorted(group, key=len, reverse=True)  # longest first: "armoured vehicle" before "vehicle"
            # one boundary check around the whole alternation lets the regex engine skip quickly by first letter
            return re.compile(r"(?<![\w-])(?:" + "|".join(term_pattern(t) for t in ordered) + r")(?!\w)", flags)

        return cls(tuple(terms), compile_(folded, re.I), compile_(exact, 0))

    def matches(self, text: str) -> list[tuple[int, str]]:
        """(offset, matched text) of every match, in order of appearance."""
        found: list[tuple[int, str]] = []
        for pattern in (self.folded, self.exact):
            if pattern is not None:
                found.extend((m.start(), m.group(0)) for m in pattern.finditer(text))
        return sorted(found)

    def find(self, text: str) -> list[str]:
        """The matched spans of text, in order of appearance."""
        return [word for _, word in self.matches(text)]

    def count(self, text: str) -> int:
        return len(self.find(text))
