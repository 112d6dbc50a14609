"""Merging again from the memory of an earlier merge of the window: whatever articles came, went or changed,
the drafts are those a merge from nothing makes, and only the facts a change can reach are decided again."""

from __future__ import annotations

import importlib
import logging
import random
import re
import sys
from dataclasses import replace
from datetime import date

import pytest
from conftest import ROOT

from briefgen.config import load_config
from briefgen.ingest import read_corpus
from briefgen.models import Document, Window
from briefgen.summarise import extract
from briefgen.summarise.extract import Fact, content_words

merging = importlib.import_module("briefgen.summarise.merge")  # the package's `merge` is the function
sys.path.insert(0, str(ROOT / "bench"))
bench_build = importlib.import_module("bench_build")  # the bench's generator of articles

AS_OF = date(2025, 9, 1)
WINDOW = Window(date(2025, 8, 25), date(2025, 8, 31))
SECTIONS = ["operations", "equipment", "nations", "outlook"]


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    read, _ = read_corpus(ROOT / "samples" / "corpus", AS_OF)
    return read


@pytest.fixture(autouse=True)
def few_candidates(monkeypatch):
    """Two candidates a key instead of 64: the sample's dozen articles then fill the windows a change must
    reach past, as a large window's thousands of facts do."""
    monkeypatch.setattr(merging, "CANDIDATES", 2)


def facts_of(documents: list[Document]) -> list[Fact]:
    topic = load_config(ROOT / "config" / "weekly.yaml").topic
    return extract(documents, topic, SECTIONS, AS_OF)[0]


def drafted(drafts: list[merging.Draft]) -> list[list[tuple[str, int]]]:
    return [[(fact.document.key, fact.position) for fact in draft.reports] for draft in drafts]


def decided_again(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    found = re.search(r"merge: (\d+) of (\d+) fact", caplog.text)
    assert found, caplog.text
    return int(found[1]), int(found[2])


def edited(document: Document) -> Document:
    """The article with its first sentence gone and one more at its end: every later sentence moves up."""
    rest = re.split(r"(?<=[.!?])\s+", document.text, maxsplit=1)[1]
    more = "\n\nKenyan MSS officers patrolled Delmas again on Friday, arresting four suspects."
    return replace(document, text=rest + more)


@pytest.mark.parametrize(
    "change",
    ["an article gone", "an article new", "an article edited", "two gone and one new"],
)
def test_merging_again_gives_the_drafts_of_a_merge_from_nothing(documents, change, caplog):
    before_documents, after_documents = list(documents), list(documents)
    if change == "an article gone":
        del after_documents[3]
    elif change == "an article new":
        del before_documents[3]
    elif change == "an article edited":
        after_documents[3] = edited(after_documents[3])
    else:
        del after_documents[5], after_documents[1]
        del before_documents[7]
    _, memory = merging.remerge(facts_of(before_documents), WINDOW, None)
    after = facts_of(after_documents)
    with caplog.at_level(logging.INFO, logger=merging.__name__):
        again, _ = merging.remerge(after, WINDOW, memory)
    assert drafted(again) == drafted(merging.merge(after, WINDOW))
    assert [d.background for d in again] == [d.background for d in merging.merge(after, WINDOW)]
    reached, total = decided_again(caplog)
    assert 0 < reached < total  # the change's reach, not the window


def test_merging_again_what_did_not_change_decides_nothing_again(documents, caplog):
    facts = facts_of(documents)
    first, memory = merging.remerge(facts, WINDOW, None)
    with caplog.at_level(logging.INFO, logger=merging.__name__):
        again, _ = merging.remerge(facts, WINDOW, memory)
    assert drafted(again) == drafted(first)
    assert decided_again(caplog) == (0, len(facts))
    assert any(len(draft.reports) > 1 for draft in first)  # there were reports to merge


def test_merging_again_finds_the_words_only_of_documents_it_has_not_seen(documents, monkeypatch):
    _, memory = merging.remerge(facts_of(documents), WINDOW, None)
    after = list(documents)
    after[3] = edited(after[3])
    facts = facts_of(after)
    texts: list[str] = []
    monkeypatch.setattr(merging, "content_words", lambda text: texts.append(text) or content_words(text))
    merging.remerge(facts, WINDOW, memory)
    assert texts == [after[3].text]


def test_merging_again_after_random_changes_to_many_like_articles(documents):
    """Articles told from a few sentence patterns (the bench's), so that most facts restate others and many
    documents are copies of others; each trial drops three, adds three and edits one, at random."""
    rng = random.Random(5)
    pool = []
    for n in range(120):
        title, text, day = bench_build.article(rng, n)
        pool.append(replace(documents[0], path=f"g{n:03d}.txt", item=None, title=title, text=text, published=day))
    for trial in range(8):
        pick = random.Random(trial)
        before = pick.sample(pool, 80)
        after = [d for d in before if d not in pick.sample(before, 3)] + pick.sample(
            [d for d in pool if d not in before], 3
        )
        after[-1] = edited(after[-1])
        _, memory = merging.remerge(facts_of(before), WINDOW, None)
        facts = facts_of(sorted(after, key=lambda d: d.key))
        (again, remembered), (fresh, made) = (
            merging.remerge(facts, WINDOW, memory),
            merging.remerge(facts, WINDOW, None),
        )
        assert drafted(again) == drafted(fresh), trial
        assert remembered.copies.pairs == made.copies.pairs, trial
        assert remembered.copies.words == made.copies.words, trial
    assert made.copies.pairs  # the articles had copies to find
