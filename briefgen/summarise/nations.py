"""Nation names from pycountry, with the demonyms and short forms news copy uses instead."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
import yaml

from briefgen.summarise.lexicon import Lexicon

DEMONYMS = Path(__file__).resolve().parent.parent / "data" / "nations.yaml"


@dataclass(frozen=True)
class NationIndex:
    lexicon: Lexicon
    canonical: dict[str, str]  # an exact form, case-folded -> the display name
    stems: tuple[tuple[str, str], ...]  # (stem of a "Kenyan*" form, display name), longest first

    def find(self, text: str) -> list[str]:
        """Nations named in text, by display name, each once, in order of appearance."""
        names = [self.name_of(found) for found in self.lexicon.find(text)]
        return list(dict.fromkeys(n for n in names if n))

    def name_of(self, found: str) -> str | None:
        key = " ".join(found.lower().split())
        if key in self.canonical:
            return self.canonical[key]
        return next((name for stem, name in self.stems if key.startswith(stem)), None)


def _display(country) -> str:
    return getattr(country, "common_name", None) or country.name


@cache
def nation_index() -> NationIndex:
    """Built once per process: pycountry's names are immutable data."""
    with DEMONYMS.open(encoding="utf-8") as handle:
        extra: dict[str, list[str]] = yaml.safe_load(handle)
    canonical: dict[str, str] = {}
    stems: list[tuple[str, str]] = []
    terms: list[str] = []
    for country in pycountry.countries:
        display = _display(country)
        names = {country.name, display, getattr(country, "official_name", country.name)}
        names |= set(extra.get(country.name, []))
        for name in names:
            if "," in name:
                continue
            terms.append(name)
            key = " ".join(name.rstrip("*").lower().split())
            canonical[key] = display
            if name.endswith("*"):
                stems.append((key, display))
    stems.sort(key=lambda pair: len(pair[0]), reverse=True)
    return NationIndex(Lexicon.of(terms), canonical, tuple(stems))
