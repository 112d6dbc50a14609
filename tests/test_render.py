"""Rendered files read back: the PDF with pypdf, the DOCX with python-docx, the HTML and JSON as text.

One build (all four formats, one audience) is shared by the module: PDF rendering costs about a second.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import docx
import pypdf
import pytest
from conftest import SECTION_TITLES, files_under, run_cli, write, write_config, write_corpus

from briefgen.output import write_atomically

HOSTILE_TITLE = "Radios <script>alert(1)</script> for {{ 7*7 }} police"
HOSTILE_SENTENCE = (
    "The MSS in Haiti received <script>alert(1)</script> twelve radios {{ 7*7 }} at the Port-au-Prince depot."
)
MARKING = "TEST MARKING // INTERNAL"


def normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("render")
    write_corpus(root / "corpus")
    write(
        root / "corpus" / "hostile.jsonl",
        json.dumps(
            {
                "title": HOSTILE_TITLE,
                "published": "2025-08-30",
                "url": "https://hostile.example/r",
                "text": HOSTILE_SENTENCE,
            }
        )
        + "\n",
    )
    config = write_config(root, extra=f'marking: "{MARKING}"\n')
    out = root / "out"
    result = run_cli(
        "build",
        "--config",
        config,
        "--from",
        "2025-08-25",
        "--to",
        "2025-08-31",
        "--as-of",
        "2025-09-01",
        "--audience",
        "analyst",
        "--format",
        "pdf,docx,html,json",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    stem = "testbrief_analyst_2025-08-25_2025-08-31"
    paths = {fmt: out / f"{stem}.{fmt}" for fmt in ("pdf", "docx", "html", "json")}
    return {
        "out": out,
        "printed": result.stdout.splitlines(),
        "paths": paths,
        "data": json.loads(paths["json"].read_text(encoding="utf-8")),
        "html": paths["html"].read_text(encoding="utf-8"),
        "pdf": pypdf.PdfReader(paths["pdf"]),
        "docx": docx.Document(str(paths["docx"])),
    }


def items(data):
    return [item for section in data["sections"] for item in section["items"]]


def sentences(data):
    """What each format shows of the items: every lead and every detail, each on its own."""
    return [text for item in items(data) for text in (item["lead"], *(d["text"] for d in item["details"]))]


def test_every_format_is_written_and_printed(built):
    assert sorted(built["printed"]) == sorted(str(p) for p in built["paths"].values())
    assert built["paths"]["pdf"].read_bytes().startswith(b"%PDF-")
    assert built["paths"]["docx"].read_bytes().startswith(b"PK")


def test_no_temporary_files_are_left_in_the_out_folder(built):
    assert files_under(built["out"]) == sorted(built["paths"].values())
    assert not [p for p in built["out"].iterdir() if p.name.endswith(".tmp") or p.name.startswith(".")]


def test_pdf_has_every_section_title_and_the_sources(built):
    reader = built["pdf"]
    assert len(reader.pages) >= 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    lines = [line.strip() for line in text.splitlines()]
    for title in SECTION_TITLES.values():
        assert title in lines, f"no {title!r} heading line in the PDF"
    assert "Sources" in lines
    assert MARKING in text
    assert "Test briefing" in text


def test_pdf_says_what_the_json_says(built):
    text = normalised("\n".join(page.extract_text() for page in built["pdf"].pages))
    for sentence in sentences(built["data"]):
        assert normalised(sentence) in text


def test_docx_headings_are_the_section_titles(built):
    document = built["docx"]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Key points", *SECTION_TITLES.values(), "Sources"]
    assert document.core_properties.title == "Test briefing"
    assert document.sections[0].header.paragraphs[0].text == MARKING


def test_docx_says_what_the_json_says(built):
    body = "\n".join(p.text for p in built["docx"].paragraphs)
    for sentence in sentences(built["data"]):
        assert sentence in body
    numbered = [p.text for p in built["docx"].paragraphs if p.style.name == "List Number"]
    assert len(numbered) == len(built["data"]["sources"])


def test_html_has_the_section_ids_and_sources(built):
    page = built["html"]
    for section_id in SECTION_TITLES:
        assert f'<section class="section" id="{section_id}">' in page
    assert '<section class="sources" id="sources">' in page
    for source in built["data"]["sources"]:
        assert f'<li id="{source["id"]}">' in page
    for sentence in sentences(built["data"]):
        assert html.escape(sentence, quote=False) in page or html.escape(sentence) in page


def test_article_markup_and_template_syntax_stay_literal_in_html(built):
    page = built["html"]
    # the hostile article is really used, as an item and as a source
    assert any(item["text"] == HOSTILE_SENTENCE for item in items(built["data"]))
    assert any(source["title"] == HOSTILE_TITLE for source in built["data"]["sources"])
    assert "<script>alert" not in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; twelve radios {{ 7*7 }} at the" in page
    assert "Radios &lt;script&gt;alert(1)&lt;/script&gt; for {{ 7*7 }} police" in page
    assert "twelve radios 49" not in page and "for 49 police" not in page


def test_article_markup_stays_literal_in_pdf_and_docx(built):
    pdf_text = normalised("\n".join(page.extract_text() for page in built["pdf"].pages))
    assert "received <script>alert(1)</script> twelve radios {{ 7*7 }} at the" in pdf_text
    assert "twelve radios 49" not in pdf_text
    docx_text = "\n".join(p.text for p in built["docx"].paragraphs)
    assert "twelve radios {{ 7*7 }} at the" in docx_text
    assert HOSTILE_TITLE in docx_text


def test_json_is_the_same_briefing(built):
    data = built["data"]
    assert data["audience"] == "analyst"
    assert data["marking"] == MARKING
    assert [s["id"] for s in data["sections"]] == list(SECTION_TITLES)


def test_write_atomically_replaces_existing_files_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "nested" / "brief.json"
    write(target, "old contents")
    written = write_atomically({target: b"new", tmp_path / "nested" / "brief.html": b"<p>x</p>"})
    assert written == [target, tmp_path / "nested" / "brief.html"]
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in (tmp_path / "nested").iterdir()) == ["brief.html", "brief.json"]


def test_written_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        [path] = write_atomically({tmp_path / "brief.json": b"{}"})
    finally:
        os.umask(old)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_item_ids_are_stable_across_builds(built, tmp_path):
    """A second build of the same corpus gives the same item ids (the JSON contract says so)."""
    root = built["out"].parent
    result = run_cli(
        "build",
        "--config",
        root / "brief.yaml",
        "--from",
        "2025-08-25",
        "--to",
        "2025-08-31",
        "--as-of",
        "2025-09-01",
        "--audience",
        "analyst",
        "--format",
        "json",
        "--out",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    again = json.loads(Path(result.stdout.strip()).read_text())
    assert [i["id"] for i in items(again)] == [i["id"] for i in items(built["data"])]
    assert re.fullmatch(r"[a-z]+-[0-9a-f]{10}", items(again)[0]["id"])
