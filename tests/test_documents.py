"""One briefing model, every format: the PDF (pypdf), the DOCX (python-docx) and the HTML of the same build say
the same thing in the same order, and carry the layout an editor expects (title block, marking, page numbers,
key points, tables, conflict flags, chart, sources appendix, coverage note).

The sample corpus is built once per session (conftest.sample_editions); the models come from the same build
as the files, so nothing here depends on what the summariser happens to pick this week.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import replace

import docx
import pypdf
import pytest
from conftest import (
    BUILTIN_TEMPLATES,
    TABLE_HEADERS,
    TABLE_TITLES,
    docx_blocks,
    find_in_order,
    flat,
    html_body_text,
    pdf_body_text,
    reading_order,
    run_cli,
    squash,
    write,
    write_config,
)

from briefgen.models import RenderOptions
from briefgen.render.pdf import render_pdf
from briefgen.render.text import Citations, conflict_note

AUDIENCES = ["analyst", "executive"]
WINDOW_LABEL = "25–31 August 2025"
MARKER = re.compile(r"\[\d+(?:, \d+)*\]")


def section_html(page: str, element_id: str) -> str:
    match = re.search(rf'<section class="[^"]*" id="{element_id}">(.*?)</section>', page, re.S)
    assert match, f"no <section id={element_id!r}> in the HTML"
    return match[1]


def conflicting_items(briefing):
    return [item for section in briefing.sections for item in section.items if item.conflict]


# --- 1. one model, every format -------------------------------------------------------------------------


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_sections_follow_the_config_order(sample_editions, audience):
    briefing = sample_editions[audience].briefing
    assert [s.title for s in briefing.sections] == [
        "Operations",
        "Equipment deliveries",
        "Contributing nations",
        "Outlook",
    ]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_html_says_what_the_model_says_in_order(sample_editions, audience):
    edition = sample_editions[audience]
    problem = find_in_order(html_body_text(edition.html), reading_order(edition.briefing))
    assert problem is None, problem


@pytest.mark.parametrize("audience", AUDIENCES)
def test_docx_says_what_the_model_says_in_order(sample_editions, audience):
    edition = sample_editions[audience]
    problem = find_in_order("\n".join(docx_blocks(edition.docx)), reading_order(edition.briefing))
    assert problem is None, problem


@pytest.mark.parametrize("audience", AUDIENCES)
def test_pdf_says_what_the_model_says_in_order(sample_editions, audience):
    edition = sample_editions[audience]
    text = pdf_body_text(edition.pdf_pages, edition.briefing.marking)
    problem = find_in_order(text, reading_order(edition.briefing))
    assert problem is None, problem


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_headings_are_the_same_in_every_format(sample_editions, audience):
    edition = sample_editions[audience]
    briefing = edition.briefing
    expected = (["Key points"] if briefing.key_points else []) + [s.title for s in briefing.sections] + ["Sources"]
    html_h2 = [flat(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h2>(.*?)</h2>", edition.html, re.S)]
    docx_h1 = [p.text for p in edition.docx.paragraphs if p.style.name == "Heading 1"]
    assert docx_h1 == expected
    assert html_h2[: len(expected)] == expected
    # in the PDF, as lines of their own, with each table's title after its section's heading
    with_tables = ["Key points"] if briefing.key_points else []
    for section in briefing.sections:
        with_tables += [section.title, *(t.title for t in briefing.tables if t.section == section.id)]
    with_tables.append("Sources")
    pdf_lines = [line.strip() for page in edition.pdf_pages for line in page.splitlines()]
    assert [line for line in pdf_lines if line in with_tables] == with_tables
    captions = re.findall(r"<caption>(.*?)</caption>", edition.html)
    assert captions == [t.title for t in briefing.tables]
    assert [p.text for p in edition.docx.paragraphs if p.style.name == "Heading 2" and p.text != "Coverage"] == [
        t.title for t in briefing.tables
    ]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_item_carries_the_same_citation_markers_everywhere(sample_editions, audience):
    edition = sample_editions[audience]
    briefing = edition.briefing
    cite = Citations(briefing)
    docx_items = [p.text for p in edition.docx.paragraphs if p.style.name == "List Bullet"]
    pdf_text = pdf_body_text(edition.pdf_pages, briefing.marking)
    for section in briefing.sections:
        for item in section.items:
            marker = cite.marker(item.sources)
            li = re.search(rf'<li id="{item.id}">(.*?)</li>', edition.html, re.S)
            assert li, item.id
            cites = re.search(r'<span class="cites">(.*?)</span>', li[1], re.S)
            assert flat(re.sub(r"<[^>]+>", "", cites[1])) == marker, item.id
            assert [f'href="#{s}"' for s in cite.shown(item.sources)] == re.findall(r'href="#s\d+"', cites[1])
            assert any(
                text.endswith(f"{item.lead} {marker}") or f"{item.lead} {marker} Conflicting" in text
                for text in docx_items
            ), item.id
            assert squash(f"{item.lead} {marker}") in pdf_text, item.id
    items = [item for section in briefing.sections for item in section.items]
    assert any(cite.more(item.sources) for item in items), "an item of the sample shows only its strongest sources"


def test_the_comparison_notices_a_reordering(sample_editions):
    """The helpers above are not vacuous: two sections swapped, or a marker changed, is caught."""
    edition = sample_editions["analyst"]
    pieces = reading_order(edition.briefing)
    swapped = reading_order(replace(edition.briefing, sections=edition.briefing.sections[::-1]))
    text = html_body_text(edition.html)
    assert find_in_order(text, pieces) is None
    assert find_in_order(text, swapped) is not None
    first = edition.briefing.sections[0].items[0]
    assert find_in_order(text, [f"{first.text} [99]"]) is not None


# --- 2. layout --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", AUDIENCES)
def test_title_block(sample_editions, audience):
    edition = sample_editions[audience]
    briefing = edition.briefing
    block = re.search(r'<header class="title-block">(.*?)</header>', edition.html, re.S)
    assert block
    header_text = flat(re.sub(r"<[^>]+>", " ", block[1]))
    for expected in (briefing.title, briefing.audience_title, WINDOW_LABEL, "generated"):
        assert expected in header_text
    first_page = flat(edition.pdf_pages[0])
    for expected in (briefing.title, briefing.audience_title, WINDOW_LABEL, "generated"):
        assert expected in first_page
    paragraphs = edition.docx.paragraphs
    assert paragraphs[0].style.name == "Title" and paragraphs[0].text == briefing.title
    for expected in (briefing.audience_title, WINDOW_LABEL, "generated"):
        assert expected in paragraphs[1].text


@pytest.mark.parametrize("audience", AUDIENCES)
def test_marking_is_on_every_pdf_page_and_in_the_docx_header_and_footer(sample_editions, audience):
    edition = sample_editions[audience]
    marking = edition.briefing.marking
    assert marking == "UNCLASSIFIED // FOR INTERNAL DISTRIBUTION"
    for number, page in enumerate(edition.pdf_pages, start=1):
        assert squash(marking) in squash(page), f"no marking on page {number}"
    section = edition.docx.sections[0]
    assert marking in "\n".join(p.text for p in section.header.paragraphs)
    assert marking in "\n".join(p.text for p in section.footer.paragraphs)
    assert marking in html_body_text(edition.html)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_pdf_page_says_page_x_of_y(sample_editions, audience):
    pages = sample_editions[audience].pdf_pages
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in flat(page)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_at_most_five_key_points_each_with_a_citation(sample_editions, audience):
    edition = sample_editions[audience]
    assert 1 <= len(edition.briefing.key_points) <= 5
    assert all(item.sources for item in edition.briefing.key_points)
    points = re.findall(r"<li>(.*?)</li>", section_html(edition.html, "key-points"), re.S)
    assert len(points) == len(edition.briefing.key_points)
    for point in points:
        assert re.search(r'<span class="cites">\[<a href="#s\d+">\d+</a>', point), point
    paragraphs = edition.docx.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Key points")
    bullets = []
    for paragraph in paragraphs[start + 1 :]:
        if paragraph.style.name.startswith("Heading"):
            break
        bullets.append(paragraph)
    assert len(bullets) == len(points)
    assert all(p.style.name == "List Bullet" and MARKER.search(p.text) for p in bullets)


def test_analyst_tables_have_their_header_rows(sample_editions):
    edition = sample_editions["analyst"]
    assert [t.id for t in edition.briefing.tables] == ["operations", "equipment", "nations"]
    docx_tables = edition.docx.tables
    assert len(docx_tables) == 3
    pdf_text = pdf_body_text(edition.pdf_pages, edition.briefing.marking)
    for table, grid in zip(edition.briefing.tables, docx_tables, strict=True):
        headers = TABLE_HEADERS[table.id]
        assert table.title == TABLE_TITLES[table.id]
        html_table = re.search(rf'<table class="fields" id="table-{table.id}">(.*?)</table>', edition.html, re.S)
        assert html_table, table.id
        thead = re.search(r"<thead>(.*?)</thead>", html_table[1], re.S)
        assert re.findall(r'<th scope="col">(.*?)</th>', thead[1]) == headers
        assert len(re.findall(r"<tr[ >]", html_table[1])) == len(table.rows) + 1
        assert [c.text for c in grid.rows[0].cells] == headers
        assert len(grid.rows) == len(table.rows) + 1
        assert squash(table.title + " ".join(headers)) in pdf_text


@pytest.mark.parametrize("audience", AUDIENCES)
def test_conflicting_maxxpro_figures_are_flagged_in_every_format(sample_editions, audience):
    edition = sample_editions[audience]
    flagged = conflicting_items(edition.briefing)
    maxxpro = [item for item in flagged if "MaxxPro" in item.lead]
    assert maxxpro, "the 8 vs 10 MaxxPro delivery is flagged"
    item = maxxpro[0]
    note = f"Conflicting figures: {conflict_note(item.conflict, Citations(edition.briefing))}"
    assert re.search(r"\b(?:8|eight)\b", note, re.I) and re.search(r"\b10\b", note)
    li = re.search(rf'<li id="{item.id}">(.*?)</li>', edition.html, re.S)
    assert li and '<span class="conflict">' in li[1]
    shown = re.search(r'<span class="conflict">(.*?)</span>', li[1], re.S)[1]
    assert flat(html.unescape(re.sub(r"<[^>]+>", "", shown))) == flat(note)
    assert squash(note) in pdf_body_text(edition.pdf_pages, edition.briefing.marking)
    paragraph = next(p for p in edition.docx.paragraphs if item.lead in p.text)
    flag = [run for run in paragraph.runs if "Conflicting figures" in run.text]
    assert flag and flag[0].text.strip() == note and flag[0].italic


def test_conflicting_table_row_is_flagged_in_every_format(sample_editions):
    edition = sample_editions["analyst"]
    rows = [row for table in edition.briefing.tables for row in table.rows if row.conflict]
    assert rows, "the MaxxPro delivery row is flagged"
    html_rows = re.findall(r'<tr class="conflicting">(.*?)</tr>', edition.html, re.S)
    assert len(html_rows) == len(rows)
    assert all('<span class="flag"' in r and "⚠ conflict" in r for r in html_rows)
    docx_flags = [row for grid in edition.docx.tables for row in grid.rows if "⚠ conflict" in row.cells[-1].text]
    assert len(docx_flags) == len(rows)
    pdf_text = pdf_body_text(edition.pdf_pages, edition.briefing.marking)
    assert pdf_text.count(squash("⚠ conflict")) == len(rows)


def test_chart_is_in_the_html_docx_and_pdf(sample_editions):
    edition = sample_editions["analyst"]
    chart = edition.briefing.chart
    assert chart is not None and chart.section == "operations"
    images = re.findall(r"<img [^>]*>", edition.html)
    assert len(images) == 1
    assert 'src="data:image/svg+xml;base64,' in images[0]
    alt = re.search(r'alt="([^"]*)"', images[0])
    assert alt and alt[1].strip() and alt[1] == chart.alt_text
    # inside the Operations section, before its table
    operations = section_html(edition.html, "operations")
    assert operations.index("<img ") < operations.index('id="table-operations"')
    assert len(edition.docx.inline_shapes) == 1
    # WeasyPrint draws the SVG as vectors: a bar and a tick mark for each day at least, which the same briefing
    # without its chart does not draw; and its title and day labels as text, which a reader can search
    without = render_pdf(replace(edition.briefing, chart=None), RenderOptions((BUILTIN_TEMPLATES,)))

    def path_operators(reader) -> int:
        data = b"".join(page.get_contents().get_data() for page in reader.pages)
        return len(re.findall(rb"(?<=\s)(?:c|l|re)(?=\s)", data))

    drawn = sum(1 for value in chart.values if value) + len(chart.labels)
    assert path_operators(edition.pdf) - path_operators(pypdf.PdfReader(io.BytesIO(without))) >= drawn
    pdf_text = pdf_body_text(edition.pdf_pages, edition.briefing.marking)
    assert squash(chart.title + " ".join(chart.labels)) in pdf_text


@pytest.mark.parametrize("audience", AUDIENCES)
def test_sources_appendix_is_numbered_with_dates_how_found_and_urls(sample_editions, audience):
    from briefgen.render.text import display_date

    edition = sample_editions[audience]
    sources = Citations(edition.briefing).sources
    assert sources
    listed = re.findall(r'<li id="(s\d+)">', section_html(edition.html, "sources"))
    assert listed == [s.id for s in sources]
    assert "<ol>" in section_html(edition.html, "sources")
    numbered = [p.text for p in edition.docx.paragraphs if p.style.name == "List Number"]
    assert [re.match(r"\[(\d+)\] ", t)[1] for t in numbered] == [str(n) for n in range(1, len(sources) + 1)]
    # layout mode keeps each list marker on its entry's line
    laid_out = "\n".join(page.extract_text(extraction_mode="layout") for page in edition.pdf.pages)
    appendix = re.split(r"(?m)^\s*Sources\s*$", laid_out)[-1]
    assert re.findall(r"(?m)^\s*(\d+)\. ", appendix) == [str(n) for n in range(1, len(sources) + 1)], (
        "the PDF's sources list is numbered"
    )
    pdf_text = flat("\n".join(edition.pdf_pages))
    html_text = flat(html_body_text(edition.html))
    for source, docx_line in zip(sources, numbered, strict=True):
        assert source.published and source.date_found_by
        published = f"published {display_date(source.published)} ({source.date_found_by})"
        for text in (html_text, pdf_text, docx_line):
            assert published in text
        if source.url:
            assert source.url in html_text and source.url in docx_line
            assert squash(source.url) in squash(pdf_text)
    assert sum(1 for s in sources if s.url) >= 5


def test_coverage_note_is_in_the_analyst_edition_only(sample_editions):
    analyst, executive = sample_editions["analyst"], sample_editions["executive"]
    coverage = analyst.briefing.coverage
    assert analyst.briefing.show_coverage and not executive.briefing.show_coverage
    note = f"{coverage.read} documents read; {coverage.used} used; {len(coverage.left_out)} left out"
    assert note in flat(html_body_text(analyst.html))
    assert note in flat("\n".join(analyst.pdf_pages))
    assert note in "\n".join(p.text for p in analyst.docx.paragraphs)
    assert coverage.left_out, "the samples leave documents out"
    for key, reason in coverage.left_out:
        for text in (html_body_text(analyst.html), "\n".join(analyst.pdf_pages), "\n".join(docx_blocks(analyst.docx))):
            assert squash(f"{key}: {reason}") in squash(text)
    assert 'id="coverage"' in analyst.html
    assert 'id="coverage"' not in executive.html
    assert "Coverage" not in [p.text for p in executive.docx.paragraphs]
    assert squash("documents read") not in squash("".join(executive.pdf_pages))


# --- 3. the editions' extent --------------------------------------------------------------------------------


def test_executive_pdf_fits_on_two_pages(sample_editions):
    assert len(sample_editions["executive"].pdf.pages) <= 2


def test_analyst_edition_has_everything(sample_editions):
    edition = sample_editions["analyst"]
    briefing = edition.briefing
    assert {t.id for t in briefing.tables} == set(TABLE_HEADERS)
    assert all(t.rows for t in briefing.tables)
    assert briefing.chart is not None and briefing.show_coverage
    for title in TABLE_TITLES.values():
        assert f"<caption>{title}</caption>" in edition.html
    assert len(edition.pdf.pages) > len(sample_editions["executive"].pdf.pages)
    executive_items = sum(len(s.items) for s in sample_editions["executive"].briefing.sections)
    assert sum(len(s.items) for s in briefing.sections) > executive_items


# --- a conflicting report that is also a key point ------------------------------------------------------------

TWELVE = """\
---
title: Armoured vehicles reach the mission
date: 2025-08-27
url: https://ledger.example/armour-twelve
outlet: Harbour Ledger
---
Twelve armoured vehicles donated by Canada arrived at the port of Port-au-Prince on Tuesday for the MSS mission in Haiti, officials said.

Haitian police will use the vehicles on patrols in Delmas.
"""
NINE = """\
---
title: Canada delivers vehicles to Haiti mission
date: 2025-08-27
url: https://courier.example/armour-nine
outlet: Island Courier
---
Nine armoured vehicles donated by Canada arrived at the port of Port-au-Prince on Tuesday for the MSS mission in Haiti, officials said.

The Haitian National Police said the vehicles would help its officers.
"""


@pytest.fixture(scope="module")
def conflicting_key_point(tmp_path_factory):
    root = tmp_path_factory.mktemp("conflict-key-point")
    write(root / "corpus" / "twelve.md", TWELVE)
    write(root / "corpus" / "nine.md", NINE)
    config = write_config(root)
    result = run_cli(
        "build",
        "--config",
        config,
        "--as-of",
        "2025-09-01",
        "--audience",
        "analyst",
        "--format",
        "html,docx,pdf,json",
        "--out",
        root / "out",
    )
    assert result.returncode == 0, result.stderr
    stem = root / "out" / "testbrief_analyst_2025-08-25_2025-08-31"
    data = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    flagged = [k for k in data["key_points"] if k.get("conflict")]
    assert flagged, "the 12 vs 9 delivery is a key point and is flagged in the model"
    return {
        "point": flagged[0],
        "html": stem.with_suffix(".html").read_text(encoding="utf-8"),
        "docx": docx.Document(str(stem.with_suffix(".docx"))),
        "pdf": [page.extract_text() for page in pypdf.PdfReader(stem.with_suffix(".pdf")).pages],
    }


def test_docx_flags_a_conflicting_key_point(conflicting_key_point):
    point = conflicting_key_point["point"]
    paragraphs = conflicting_key_point["docx"].paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Key points")
    bullet = next(p for p in paragraphs[start + 1 :] if point["text"] in p.text)
    assert f"Conflicting figures: {point['note']}" in bullet.text


def test_html_and_pdf_flag_a_conflicting_key_point_as_the_docx_does(conflicting_key_point):
    point = conflicting_key_point["point"]
    note = f"Conflicting figures: {point['note']}"
    key_points = flat(html.unescape(re.sub(r"<[^>]+>", " ", section_html(conflicting_key_point["html"], "key-points"))))
    pdf_text = squash("\n".join(conflicting_key_point["pdf"]))
    key_points_in_pdf = pdf_text[pdf_text.index(squash("Key points")) : pdf_text.index(squash("Operations"))]
    assert flat(note) in key_points
    assert squash(note) in key_points_in_pdf
