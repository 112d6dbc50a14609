"""The PDF edition done properly: fonts embedded, metadata, bookmarks, accented names that survive text
extraction, and PDF/A when the config asks for it. Read back with pypdf."""

from __future__ import annotations

import re

import pypdf
import pytest
from conftest import flat, html_body_text, run_cli, write_config, write_corpus

from briefgen.render.text import Citations

AUDIENCES = ["analyst", "executive"]


def fonts_of(resources, seen: set[int] | None = None):
    """Every font dictionary reachable from a resource dictionary, form XObjects included."""
    seen = set() if seen is None else seen
    if resources is None:
        return
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        if id(xobject.get_object()) in seen:
            continue
        seen.add(id(xobject.get_object()))
        if xobject.get_object().get("/Subtype") == "/Form":
            yield from fonts_of(xobject.get_object().get("/Resources"), seen)


def descriptor(font):
    if font.get("/Subtype") == "/Type0":
        return font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
    return font.get("/FontDescriptor")


def outline_titles(outline) -> list[str]:
    titles = []
    for entry in outline:
        if isinstance(entry, list):
            titles += outline_titles(entry)
        else:
            titles.append(entry.title)
    return titles


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_font_is_embedded(sample_editions, audience):
    reader = sample_editions[audience].pdf
    fonts = [font for page in reader.pages for font in fonts_of(page.get("/Resources"))]
    assert fonts
    for font in fonts:
        if font.get("/Subtype") == "/Type3":
            assert font.get("/CharProcs"), "a Type 3 font carries its glyphs"
            continue
        details = descriptor(font)
        assert details is not None, font.get("/BaseFont")
        details = details.get_object()
        assert any(key in details for key in ("/FontFile", "/FontFile2", "/FontFile3")), font.get("/BaseFont")


def test_the_shipped_fonts_are_the_ones_used(sample_editions):
    """templates/fonts ships the faces so every machine renders the same: the PDF uses them, not whatever the
    machine has installed."""
    reader = sample_editions["analyst"].pdf
    names = {str(font.get("/BaseFont")) for page in reader.pages for font in fonts_of(page.get("/Resources"))}
    assert names
    assert all("Brief-" in name for name in names), names


@pytest.mark.parametrize("audience", AUDIENCES)
def test_metadata_title_and_author(sample_editions, audience):
    edition = sample_editions[audience]
    metadata = edition.pdf.metadata
    assert metadata is not None
    assert edition.briefing.title in metadata.title
    assert edition.briefing.audience_title in metadata.title
    assert metadata.author and metadata.author.strip()


@pytest.mark.parametrize("audience", AUDIENCES)
def test_outline_has_the_section_titles_in_order(sample_editions, audience):
    edition = sample_editions[audience]
    titles = outline_titles(edition.pdf.outline)
    sections = [s.title for s in edition.briefing.sections]
    assert [t for t in titles if t in sections] == sections
    assert "Sources" in titles
    assert edition.briefing.title in titles
    if edition.briefing.key_points:
        assert "Key points" in titles


def test_outline_entries_point_at_the_pages_where_the_sections_are(sample_editions):
    edition = sample_editions["analyst"]
    reader = edition.pdf

    def flatten(outline):
        for entry in outline:
            if isinstance(entry, list):
                yield from flatten(entry)
            else:
                yield entry

    for entry in flatten(reader.outline):
        if entry.title in {s.title for s in edition.briefing.sections}:
            page = reader.get_destination_page_number(entry)
            lines = [line.strip() for line in edition.pdf_pages[page].splitlines()]
            assert entry.title in lines, f"{entry.title!r} is not on page {page + 1}"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_source_urls_are_live_links(sample_editions, audience):
    edition = sample_editions[audience]
    uris = set()
    for page in edition.pdf.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action.get_object():
                uris.add(str(action.get_object()["/URI"]))
    assert uris == {s.url for s in Citations(edition.briefing).sources if s.url}


@pytest.mark.parametrize("name", ["Télcos", "Pétion-Ville"])
def test_accented_names_extract_correctly(sample_editions, name):
    edition = sample_editions["analyst"]
    assert name in html_body_text(edition.html), f"the samples' analyst edition names {name}"
    text = flat("\n".join(edition.pdf_pages))
    assert name in text
    # every occurrence survives, none comes out as "Te´lcos", "T?lcos" or a decomposed e + accent
    assert text.count(name) == flat(html_body_text(edition.html)).count(name)


def test_sample_pdf_without_a_variant_does_not_claim_pdfa(sample_editions):
    reader = sample_editions["analyst"].pdf
    metadata = reader.trailer["/Root"].get("/Metadata")
    xmp = metadata.get_object().get_data() if metadata is not None else b""
    assert b"pdfaid" not in xmp


@pytest.fixture(scope="module")
def pdfa(tmp_path_factory):
    root = tmp_path_factory.mktemp("pdfa")
    write_corpus(root / "corpus")
    config = write_config(root, extra='marking: "PDFA TEST"\npdf_variant: pdf/a-3b\n')
    result = run_cli(
        "build",
        "--config",
        config,
        "--as-of",
        "2025-09-01",
        "--audience",
        "executive",
        "--format",
        "pdf",
        "--out",
        root / "out",
    )
    assert result.returncode == 0, result.stderr
    return root / "out" / "testbrief_executive_2025-08-25_2025-08-31.pdf"


def test_pdf_a_3b_declares_pdfaid_part_3(pdfa):
    raw = pdfa.read_bytes()
    reader = pypdf.PdfReader(pdfa)
    metadata = reader.trailer["/Root"].get("/Metadata")
    assert metadata is not None, "a PDF/A file carries an XMP metadata stream"
    # WeasyPrint compresses the XMP stream (PDF/A-2 and later allow it), so the raw bytes need decoding first
    xmp = metadata.get_object().get_data()
    assert b"pdfaid" in xmp
    assert re.search(rb"pdfaid:part(?:>|=\")\s*3\b", xmp), xmp[:400]
    assert re.search(rb"pdfaid:conformance(?:>|=\")\s*B\b", xmp), xmp[:400]
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert raw.startswith(b"%PDF-")
    assert "PDFA TEST" in flat(reader.pages[0].extract_text())


def test_pdf_variant_is_checked_by_the_config(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write_config(tmp_path, extra="pdf_variant: pdf/a-9z\n")
    result = run_cli("check", "--config", config, "--as-of", "2025-09-01")
    assert result.returncode == 2
    assert "pdf_variant" in result.stderr


def test_a_pdf_build_leaves_no_temporary_font_folder(tmp_path):
    """WeasyPrint copies the template's fonts to a temporary folder for each PDF; a weekly run that left them
    behind would fill the machine's temporary space, 2.5 MB a week."""
    write_corpus(tmp_path / "corpus")
    config = write_config(tmp_path)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = run_cli(
        "build",
        "--config",
        config,
        "--as-of",
        "2025-09-01",
        "--format",
        "pdf",
        "--out",
        tmp_path / "out",
        env={"TMPDIR": str(temporary)},
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 2, result.stdout
    assert [p.name for p in temporary.iterdir()] == []
