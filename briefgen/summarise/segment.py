"""Sentences with their offsets. A linear scan, so no input can make it backtrack."""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "cpt",
    "sgt",
    "cpl",
    "adm",
    "gov",
    "sen",
    "rep",
    "pres",
    "prof",
    "st",
    "no",
    "nos",
    "vol",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "ltd",
    "co",
    "corp",
    "vs",
    "etc",
    "approx",
    "est",
    "fig",
    "jr",
    "sr",
    "rev",
    "insp",
    "supt",
    "cmdr",
    "brig",
    "hon",
    "amb",
    "dept",
    "mt",
    "ft",
}
# A candidate end: terminal punctuation, optional closing quotes/brackets, then white space.
BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"”’')\]]*+\s+")  # a run of dots is tried once, from its start
WORD_BEFORE = re.compile(r"([\w.]+)[.!?]*[\"”’')\]]*\s*$")
INITIALISM = re.compile(r"^(?:[A-Za-z]\.){2,}$")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    paragraph: int


def _is_abbreviation(before: str) -> bool:
    match = WORD_BEFORE.search(before)
    if not match:
        return False
    word = match.group(1)
    if INITIALISM.match(word + ".") or INITIALISM.match(word):
        return True  # U.S., U.N.: rarely end a sentence in news copy
    bare = word.rstrip(".").lower()
    return bare in ABBREVIATIONS or (len(bare) == 1 and bare.isalpha())


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of a text whose paragraphs are separated by blank lines."""
    sentences: list[Sentence] = []
    offset = 0
    for number, paragraph in enumerate(text.split("\n\n")):
        start = 0
        for match in BOUNDARY.finditer(paragraph):
            following = paragraph[match.end() : match.end() + 2]
            if not following or not (following[0].isupper() or following[0].isdigit() or following[0] in '"“‘('):
                continue
            # only the word before the dot matters; a bounded look keeps long paragraphs linear
            if paragraph[match.start()] == "." and _is_abbreviation(
                paragraph[max(start, match.start() - 40) : match.start() + 1]
            ):
                continue
            _add(sentences, paragraph, start, match.end(), offset, number)
            start = match.end()
        _add(sentences, paragraph, start, len(paragraph), offset, number)
        offset += len(paragraph) + 2
    return sentences


def _add(out: list[Sentence], paragraph: str, start: int, end: int, offset: int, number: int) -> None:
    piece = paragraph[start:end].strip()
    if piece:
        first = paragraph.index(piece, start)
        out.append(Sentence(piece, offset + first, offset + first + len(piece), number))
