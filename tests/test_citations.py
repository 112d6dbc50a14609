"""Citations at scale: a statement that many reports support shows its strongest few sources and counts the
others, in the HTML, the PDF and the DOCX alike; the sources appendix lists exactly the sources shown; the JSON
keeps every source of every statement, for the programs that check them.

One build of an invented corpus: twelve reports of one event (two of them from the same outlet) and one
article about another.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import (
    NATIONS_HTML,
    build_in_process,
    docx_blocks,
    editions_of,
    flat,
    html_body_text,
    pdf_body_text,
    squash,
    write,
    write_config,
)

from briefgen.render.text import Citations, strongest

OUTLETS = [
    "Harbour Ledger",
    "Harbour Ledger",  # the same outlet again: its report is not among the three shown
    "Island Wire",
    "Coastal Times",
    "Port Gazette",
    "Valley Post",
    "Northern Herald",
    "Bay Courier",
    "Capital Daily",
    "Hill Chronicle",
    "Delta Observer",
    "Plain Reporter",
]
LEAD = "Haitian police and MSS officers retook the Télcos station near Kenscoff on Tuesday after a gunfight."


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    root = tmp_path_factory.mktemp("told-by-many")
    reports = [
        {
            "title": f"Report {n} from {outlet}",
            "published": "2025-08-26",
            "url": f"https://report{n}.example/telcos",
            "outlet": outlet,
            "text": f"{LEAD} The weather in the capital was warm.",
        }
        for n, outlet in enumerate(OUTLETS)
    ]
    write(root / "corpus" / "wire.jsonl", "".join(json.dumps(r) + "\n" for r in reports))
    write(root / "corpus" / "nations.html", NATIONS_HTML)
    result = build_in_process(write_config(root), root / "out", audiences=["analyst"])
    return editions_of(result)["analyst"]


def told_by_many(briefing):
    return next(item for section in briefing.sections for item in section.items if len(item.sources) > 3)


def first_of_each_outlet(briefing, source_ids):
    outlets = {s.id: s.outlet for s in briefing.sources}
    firsts: dict[str, str] = {}
    for source_id in source_ids:
        firsts.setdefault(outlets[source_id], source_id)
    return list(firsts.values())


def test_the_event_is_one_item_that_cites_every_report(edition):
    item = told_by_many(edition.briefing)
    assert item.lead == LEAD
    assert len(item.sources) == len(OUTLETS)


def test_an_item_told_by_many_reports_shows_three_and_counts_the_others_in_every_format(edition):
    item = told_by_many(edition.briefing)
    marker = "[1, 2, 3] and 9 more sources"
    li = re.search(rf'<li id="{item.id}">(.*?)</li>', edition.html, re.S)
    assert li, item.id
    cites = re.search(r'<span class="cites">(.*?)</span>', li[1], re.S)
    assert flat(re.sub(r"<[^>]+>", "", cites[1])) == marker
    assert len(re.findall(r"<a href=", cites[1])) == 3
    assert squash(f"{LEAD} {marker}") in pdf_body_text(edition.pdf_pages, edition.briefing.marking)
    bullets = [p.text for p in edition.docx.paragraphs if p.style.name == "List Bullet"]
    assert any(text.endswith(f"{LEAD} {marker}") for text in bullets)
    # its key point cites the same way
    points = re.search(r'<section class="key-points" id="key-points">(.*?)</section>', edition.html, re.S)
    assert points and marker in flat(re.sub(r"<[^>]+>", "", points[1]))


def test_the_three_shown_are_the_strongest_reports_of_three_different_outlets(edition):
    briefing = edition.briefing
    item = told_by_many(briefing)
    expected = first_of_each_outlet(briefing, item.sources)[:3]
    li = re.search(rf'<li id="{item.id}">(.*?)</li>', edition.html, re.S)
    assert re.findall(r'href="#(s\d+)"', li[1]) == expected
    outlets = {s.id: s.outlet for s in briefing.sources}
    repeated = [s for s in item.sources if outlets[s] == "Harbour Ledger"]
    assert len(repeated) == 2 and repeated[0] in expected and repeated[1] not in expected


def test_the_sources_appendix_lists_exactly_the_sources_shown_in_every_format(edition):
    briefing = edition.briefing
    item = told_by_many(briefing)
    other = next(i for section in briefing.sections for i in section.items if i is not item)
    shown = [*first_of_each_outlet(briefing, item.sources)[:3], *other.sources]
    by_id = {s.id: s for s in briefing.sources}
    titles = [by_id[s].title for s in shown]
    left_out = [by_id[s].title for s in item.sources if s not in shown]
    assert len(titles) == 4 and len(left_out) == 9

    appendix = re.search(r'<section class="sources" id="sources">(.*?)</section>', edition.html, re.S)[1]
    assert re.findall(r'<li id="(s\d+)">', appendix) == shown
    assert re.findall(r'<span class="source-title">(.*?)</span>', appendix) == titles

    numbered = [p.text for p in edition.docx.paragraphs if p.style.name == "List Number"]
    assert [re.match(r"\[(\d+)\] (.*?) — ", text).groups() for text in numbered] == [
        (str(n), title) for n, title in enumerate(titles, start=1)
    ]

    laid_out = "\n".join(page.extract_text(extraction_mode="layout") for page in edition.pdf.pages)
    pdf_appendix = re.split(r"(?m)^\s*Sources\s*$", laid_out)[-1]
    assert [(n, squash(t)) for n, t in re.findall(r"(?m)^\s*(\d+)\. (.*?) · ", pdf_appendix)] == [
        (str(n), squash(title)) for n, title in enumerate(titles, start=1)
    ]

    for text in (html_body_text(edition.html), "\n".join(edition.pdf_pages), "\n".join(docx_blocks(edition.docx))):
        assert not [title for title in left_out if title in text]


def test_the_json_keeps_every_source_of_every_item(edition):
    data = edition.data
    item = next(i for section in data["sections"] for i in section["items"] if i["text"] == LEAD)
    assert len(item["sources"]) == len(OUTLETS)
    assert [e["source"] for e in item["evidence"]] == item["sources"]
    assert len(data["sources"]) == len(OUTLETS) + 1
    assert {s["id"] for s in data["sources"]} == {s.id for s in edition.briefing.sources}
    assert any(point["sources"] == item["sources"] for point in data["key_points"])


def test_outlets_repeat_only_when_too_few_differ():
    outlets = {"a": "Ledger", "b": "Ledger", "c": "Wire", "d": "Ledger", "e": "Wire"}
    assert strongest(("a", "b", "c", "d", "e"), outlets, 3) == ("a", "b", "c")
    assert strongest(("b", "d", "a"), outlets, 2) == ("b", "d")
    assert strongest(("a", "b", "d", "c", "e"), outlets, 3) == ("a", "b", "c")


def test_a_statement_with_a_few_sources_shows_them_all(edition):
    cite = Citations(edition.briefing)
    five = tuple(s.id for s in edition.briefing.sources[:5])
    assert cite.shown(five) == five and cite.more(five) == ""
    six = tuple(s.id for s in edition.briefing.sources[:6])
    assert len(cite.shown(six)) == 3 and cite.more(six) == "and 3 more sources"
