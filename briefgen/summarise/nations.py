"""Nations named in a sentence: pycountry's names, the demonyms and short forms news copy uses
(`briefgen/data/nations.yaml`), and what the topic file adds.

Nation names are proper names, so they match only as written ("Turkey", not "a turkey dinner"). A nation
counts as a contributor only where the sentence speaks of it as an actor: not as an adjective of place
("near the Kenyan border") or of origin ("Kenyan-born"), and never when the topic rules it out (the host
nation, adversaries, transit states).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import pycountry
import yaml

from briefgen.summarise.lexicon import Lexicon, term_pattern
from briefgen.topic import Nations

DEMONYMS = files("briefgen") / "data" / "nations.yaml"


@dataclass(frozen=True)
class NationIndex:
    lexicon: Lexicon
    canonical: dict[str, str]  # an exact form, case-folded -> the display name
    stems: tuple[tuple[str, str], ...]  # (stem of a "Kenyan*" form, display name), longest first
    not_contributors: frozenset[str]  # display names
    place_noun: re.Pattern[str]  # what follows an adjective of place: " border", " side"
    origin_suffixes: frozenset[str]  # the end of an adjective of origin: "-born", "-made"

    def named(self, text: str) -> list[str]:
        """Every nation named in text, by display name, each once, in order of appearance."""
        names = [self.name_of(found) for _, found in self.lexicon.matches(text)]
        return list(dict.fromkeys(n for n in names if n))

    def contributors(self, text: str, named: Sequence[tuple[int, str]] | None = None) -> list[str]:
        """The nations the sentence speaks of as actors, each once, in order of appearance. `named` is the
        lexicon's matches in text, when a scan of every lexicon has found them already."""
        names = []
        for offset, found in self.lexicon.matches(text) if named is None else named:
            end = offset + len(found)
            compound = found + (re.match(r"(?:-\w+)*", text[end:]) or [""])[0]
            if "-" in compound and compound.rsplit("-", 1)[1].lower() in self.origin_suffixes:
                continue
            if self.place_noun.match(text, end):
                continue
            name = self.name_of(found)
            if name and name not in self.not_contributors:
                names.append(name)
        return list(dict.fromkeys(names))

    def name_of(self, found: str) -> str | None:
        key = " ".join(found.lower().split())
        if key in self.canonical:
            return self.canonical[key]
        return next((name for stem, name in self.stems if key.startswith(stem)), None)


def _display(country) -> str:
    return getattr(country, "common_name", None) or country.name


@cache
def _iso_names() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(display name, every name and demonym) of each ISO country: immutable data, built once per process."""
    with DEMONYMS.open(encoding="utf-8") as handle:
        extra: dict[str, list[str]] = yaml.safe_load(handle)
    entries = []
    for country in pycountry.countries:
        names = {country.name, _display(country), getattr(country, "official_name", country.name)}
        names |= set(extra.get(country.name, []))
        entries.append((_display(country), tuple(sorted(n for n in names if "," not in n))))
    return tuple(entries)


def nation_index(rules: Nations) -> NationIndex:
    """The ISO nations with the topic's additions, and what the topic says is never a contributor."""
    names: dict[str, list[str]] = {display: list(forms) for display, forms in _iso_names()}
    display_of = {form.lower(): display for display, forms in names.items() for form in forms}
    for nation, forms in rules.add.items():
        display = display_of.get(nation.lower(), nation)
        names.setdefault(display, [nation]).extend(forms)
    canonical: dict[str, str] = {}
    stems: list[tuple[str, str]] = []
    terms: list[str] = []
    for display, forms in names.items():
        for form in forms:
            terms.append(form)
            key = " ".join(form.rstrip("*").lower().split())
            canonical[key] = display
            if form.endswith("*"):
                stems.append((key, display))
    stems.sort(key=lambda pair: len(pair[0]), reverse=True)

    def resolve(name: str) -> str:
        return display_of.get(name.lower()) or canonical.get(name.lower()) or name

    excluded = frozenset(resolve(n) for n in rules.host + rules.never_contributors)
    place_noun = re.compile(
        r"[\s-]+(?:" + "|".join(term_pattern(t) for t in rules.place_nouns) + r")(?!\w)"
        if rules.place_nouns
        else r"(?!)",
        re.I,
    )
    return NationIndex(
        Lexicon.of(terms, case_sensitive=True),
        canonical,
        tuple(stems),
        excluded,
        place_noun,
        frozenset(s.lower() for s in rules.origin_suffixes),
    )
