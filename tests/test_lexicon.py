"""Many lexicons scanned together (briefgen.summarise.lexicon.Lexicons) find what each lexicon's own regexes
find, whatever the text: the extraction's output rests on it."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.summarise.lexicon import OUTSIDE_SIMPLE_CASE, Lexicon, Lexicons, reach

# Terms that overlap within a lexicon and across lexicons, prefixes of each other, with word endings (*),
# several words, acronyms, hyphens and apostrophes, proper names in a case-sensitive lexicon, and one term
# outside simple case, which leaves its lexicon to its regexes.
LEXICONS = [
    Lexicon.of(["police", "police officer*", "Haitian National Police", "PNH", "HNP", "gang*", "gang member"]),
    Lexicon.of(["officer*", "troop*", "police", "soldier's", "Kenya-led", "armoured vehicle*", "vehicle"]),
    Lexicon.of(["Kenya", "Kenyan*", "Oman", "Niger", "Nigeria", "United States", "Türkiye", "US"], case_sensitive=True),
    Lexicon.of(["will", "plan*", "expect*", "in the coming weeks"]),
    Lexicon.of(["ıstanbul", "kill*"]),
    Lexicon.of([]),
]
PIECES = [
    *(term.rstrip("*") for lexicon in LEXICONS for term in lexicon.terms),
    *("ed", "s", "'s", "’s", "-", "_", "n", "ian", "wo", " ", "  ", "\n", "\u00a0", ".", ",", "5"),
    *("POLICE", "Police", "KENYA", "kenyan", "ſ", "ı", "İ", "K", "Σ", "é", "ß", "ẞ"),
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=25).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=texts)
def test_lexicons_scanned_together_find_what_each_finds_alone(text):
    found = Lexicons(LEXICONS).scan(text)
    for lexicon in LEXICONS:
        assert list(found.of(lexicon)) == lexicon.matches(text)


@settings(max_examples=300, deadline=None)
@given(text=texts, count=st.integers(0, 6), chosen=st.sets(st.integers(0, len(LEXICONS) - 1)))
def test_reaching_a_count_of_matches_is_counting_them(text, count, chosen):
    lexicons = [LEXICONS[n] for n in sorted(chosen)]
    assert reach(lexicons, text, count) == (sum(lexicon.count(text) for lexicon in lexicons) >= count)


def test_a_lexicon_given_twice_is_scanned_once_and_found_under_both():
    lexicon = LEXICONS[0]
    scanned = Lexicons([lexicon, lexicon])
    assert scanned.lexicons == (lexicon,)
    assert list(scanned.scan("Police officers of the PNH.").of(lexicon)) == [(0, "Police officers"), (23, "PNH")]


def test_lexicons_without_terms_find_nothing():
    assert not Lexicons([Lexicon.of([])]).scan("Police officers.").by_lexicon


def test_inside_simple_case_re_ignorecase_equates_exactly_the_characters_of_one_lower_case():
    """What the automaton's lower-cased text rests on: between characters inside the range, `re.I` matches
    where str.lower() agrees, and lower-casing keeps every offset."""
    inside = "".join(c for c in map(chr, range(0x2100)) if not OUTSIDE_SIMPLE_CASE.match(c))
    assert len(inside.lower()) == len(inside)
    for char in inside:
        equal = {m.start() for m in re.finditer(re.escape(char), inside, re.I)}
        assert equal == {i for i, other in enumerate(inside) if other.lower() == char.lower()}, char


def test_a_topics_matchers_are_compiled_once_and_each_extraction_has_its_own_memo():
    from conftest import ROOT

    from briefgen.config import load_config
    from briefgen.summarise.extract import TopicMatchers

    topic = load_config(ROOT / "config" / "weekly.yaml").topic
    first, second = TopicMatchers.of(topic), TopicMatchers.of(topic.model_copy())
    assert first.every is second.every  # the automaton and regexes made once
    first.scan("Kenyan police patrolled Delmas.")
    assert first.scans and not second.scans
