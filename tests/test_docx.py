"""The Word edition done properly: real styles, repeating table headers, live hyperlinks, page fields, document
properties, alt text on the chart, and a file LibreOffice opens.

Reads the session's sample build (conftest.sample_editions) with python-docx and, where python-docx has no
API, its XML.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pypdf
import pytest
from conftest import TABLE_HEADERS, flat
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn

from briefgen.render.text import Citations

AUDIENCES = ["analyst", "executive"]


def paragraphs_with_style(document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_title_and_heading_styles(sample_editions, audience):
    edition = sample_editions[audience]
    briefing, document = edition.briefing, edition.docx
    assert paragraphs_with_style(document, "Title") == [briefing.title]
    assert document.paragraphs[0].style.name == "Title"
    key_points = ["Key points"] if briefing.key_points else []
    assert paragraphs_with_style(document, "Heading 1") == [
        *key_points,
        *(s.title for s in briefing.sections),
        "Sources",
    ]
    tables = [t.title for t in briefing.tables]
    coverage = ["Coverage"] if briefing.show_coverage else []
    assert paragraphs_with_style(document, "Heading 2") == tables + coverage
    # the heading styles are Word's own, so the navigation pane and a table of contents find them
    for paragraph in document.paragraphs:
        if paragraph.style.name in ("Heading 1", "Heading 2"):
            assert paragraph.style.style_id in ("Heading1", "Heading2")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_items_are_list_bullets(sample_editions, audience):
    edition = sample_editions[audience]
    bullets = paragraphs_with_style(edition.docx, "List Bullet")
    cite = Citations(edition.briefing)
    items = [*edition.briefing.key_points, *(i for s in edition.briefing.sections for i in s.items)]
    coverage = len(edition.briefing.coverage.left_out) if edition.briefing.show_coverage else 0
    assert len(bullets) == len(items) + coverage
    for item, text in zip(items, bullets, strict=False):
        assert item.lead in text
    details = paragraphs_with_style(edition.docx, "List Bullet 2")
    assert details == [f"{d.text} {cite.marker(d.sources)}" for i in items for d in i.details]
    # List Bullet is a numbered (bulleted) style in the reference document, not a plain paragraph look-alike
    style = edition.docx.styles["List Bullet"]
    assert style.element.find(qn("w:pPr")).find(qn("w:numPr")) is not None


def test_tables_repeat_their_header_row(sample_editions):
    document = sample_editions["analyst"].docx
    assert [[c.text for c in t.rows[0].cells] for t in document.tables] == list(TABLE_HEADERS.values())
    for table in document.tables:
        header = table.rows[0]._tr.trPr
        assert header is not None
        repeat = header.find(qn("w:tblHeader"))
        assert repeat is not None and repeat.get(qn("w:val"), "true") in ("true", "1", "on")
        for row in table.rows[1:]:
            assert row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None
        assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_source_urls_are_real_hyperlinks(sample_editions, audience):
    edition = sample_editions[audience]
    document = edition.docx
    part = document.part
    links = {}
    for link in document.element.body.iter(qn("w:hyperlink")):
        relation = part.rels[link.get(qn("r:id"))]
        assert relation.is_external and relation.reltype == RELATIONSHIP_TYPE.HYPERLINK
        text = "".join(t.text or "" for t in link.iter(qn("w:t")))
        links[relation.target_ref] = text
    cited = Citations(edition.briefing).sources
    expected = {s.url for s in cited if s.url}
    assert expected, "the samples have source URLs"
    assert set(links) == expected
    assert all(text == url for url, text in links.items())
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    for source, paragraph in zip(cited, numbered, strict=True):
        inside = paragraph._p.findall(qn("w:hyperlink"))
        assert len(inside) == (1 if source.url else 0)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_footer_has_page_and_numpages_fields(sample_editions, audience):
    footer = sample_editions[audience].docx.sections[0].footer._element
    fields = [f.get(qn("w:instr")).strip().split()[0] for f in footer.iter(qn("w:fldSimple"))]
    fields += [t.text.strip().split()[0] for t in footer.iter(qn("w:instrText")) if t.text and t.text.strip()]
    assert "PAGE" in fields and "NUMPAGES" in fields
    text = "".join(t.text or "" for t in footer.iter(qn("w:t")))
    assert "Page" in text and "of" in text


@pytest.mark.parametrize("audience", AUDIENCES)
def test_core_properties(sample_editions, audience):
    edition = sample_editions[audience]
    briefing, properties = edition.briefing, edition.docx.core_properties
    assert properties.title == briefing.title
    assert briefing.audience_title in properties.subject and "25–31 August 2025" in properties.subject
    assert properties.author
    for section in briefing.sections:
        assert section.title in properties.keywords


def test_chart_picture_has_alt_text(sample_editions):
    edition = sample_editions["analyst"]
    shapes = edition.docx.inline_shapes
    assert len(shapes) == 1
    properties = shapes[0]._inline.find(qn("wp:docPr"))
    assert properties is not None
    assert properties.get("descr", "").strip()
    assert properties.get("descr") == edition.briefing.chart.alt_text
    # the picture sits under the Operations heading, before the Operations timeline
    blocks = list(edition.docx.paragraphs)
    picture = next(i for i, p in enumerate(blocks) if p._p.findall(".//" + qn("w:drawing")))
    headings = [(i, p.text) for i, p in enumerate(blocks) if p.style.name.startswith("Heading")]
    before = [text for i, text in headings if i < picture]
    after = [text for i, text in headings if i > picture]
    assert before[-1] == "Operations" and after[0] == "Operations timeline"


def test_executive_docx_has_no_picture_without_a_chart(sample_editions):
    edition = sample_editions["executive"]
    assert len(edition.docx.inline_shapes) == (0 if edition.briefing.chart is None else 1)


def test_libreoffice_converts_the_docx_to_pdf(sample_editions, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    edition = sample_editions["analyst"]
    source = edition.paths["docx"]
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    converted = tmp_path / (source.stem + ".pdf")
    assert result.returncode == 0, result.stderr
    assert converted.is_file(), result.stdout + result.stderr
    assert converted.read_bytes().startswith(b"%PDF-")
    reader = pypdf.PdfReader(converted)
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    assert edition.briefing.title in text
    assert "Operations timeline" in text
    # LibreOffice filled in the footer's fields
    assert re.search(rf"Page 1 of {len(reader.pages)}\b", text)
