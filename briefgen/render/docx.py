"""DOCX with python-docx, built on a reference document (as pandoc's reference-doc does).

The reference DOCX (`briefgen/templates/reference.docx`, or one named in the config and found in the template
folders) carries the house style: its styles, margins, header and footer are kept, its body is replaced.
An organisation restyles the Word edition in Word or LibreOffice, never in Python.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as open_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from briefgen.errors import RenderError
from briefgen.files import read_regular
from briefgen.models import Briefing, Chart, Item, RenderOptions, Table
from briefgen.render.html import is_web_url
from briefgen.render.text import Citations, conflict_note, display_date, novelty_sentence, window_label

LINK_COLOUR = RGBColor(0x1F, 0x3A, 0x5F)
FLAG_COLOUR = RGBColor(0x8A, 0x1C, 0x1C)
NEW_COLOUR = RGBColor(0x2E, 0x7D, 0x32)
TABLE_STYLE = "Light Grid Accent 1"


MAX_REFERENCE_BYTES = 50 * 1024 * 1024


def reference_document(template_dirs: tuple[Path, ...], name: str) -> bytes:
    """The reference DOCX named `name`, from the first template folder holding it, and only from those:
    the config names a file (no folders), and it is read without following a link out of the folder."""
    for folder in template_dirs:
        try:
            data = read_regular(folder / name, MAX_REFERENCE_BYTES)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise RenderError(f"{folder / name}: reference DOCX not usable: {exc.strerror or exc}") from None
        if len(data) > MAX_REFERENCE_BYTES:
            raise RenderError(f"{folder / name}: reference DOCX larger than {MAX_REFERENCE_BYTES // 2**20} MB")
        return data
    raise RenderError(f"reference DOCX {name!r} not found (searched {', '.join(str(d) for d in template_dirs)})")


def _empty_document(reference: bytes, name: str):
    """The reference document with its body emptied; styles, section settings, header and footer stay."""
    try:
        document = open_docx(io.BytesIO(reference))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a DOCX
        raise RenderError(f"{name}: not a usable DOCX ({exc})") from None
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the reader's application fills in."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _marking_paragraph(container, text: str):
    last = container.paragraphs[-1] if container.paragraphs else None
    paragraph = last if last is not None and not last.text.strip() else container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(8), FLAG_COLOUR
    return paragraph


def _header_and_footer(document, marking: str) -> None:
    """The marking and page numbers in every header and footer the reference uses (first page, even pages)."""
    for section in document.sections:
        pairs = [(section.header, section.footer)]
        if section.different_first_page_header_footer:
            pairs.append((section.first_page_header, section.first_page_footer))
        if document.settings.odd_and_even_pages_header_footer:
            pairs.append((section.even_page_header, section.even_page_footer))
        for header, footer in pairs:
            if marking:
                _marking_paragraph(header, marking)
            line = _marking_paragraph(footer, marking) if marking else footer.add_paragraph()
            line.add_run("    Page ").font.size = Pt(8)
            _field(line, "PAGE")
            line.add_run(" of ").font.size = Pt(8)
            _field(line, "NUMPAGES")


def _hyperlink(paragraph, url: str, text: str) -> None:
    relation = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(LINK_COLOUR))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.extend([colour, underline])
    run.append(properties)
    content = OxmlElement("w:t")
    content.text = text
    run.append(content)
    link.append(run)
    paragraph._p.append(link)


FALLBACK_SIZES = {"Title": 20, "Subtitle": 10, "Heading 1": 14, "Heading 2": 11}


def _paragraph(document, style: str, text: str = ""):
    """A paragraph in a built-in style; a reference document that lacks the style gets Normal text
    formatted to look the part, rather than an error."""
    if style in document.styles:
        return document.add_paragraph(text, style=style)
    paragraph = document.add_paragraph()
    if text:
        run = paragraph.add_run(("• " if "Bullet" in style else "") + text)
        if style in FALLBACK_SIZES:
            run.bold, run.font.size = True, Pt(FALLBACK_SIZES[style])
    elif "Bullet" in style:
        paragraph.add_run("• ")
    return paragraph


def _item(document, item: Item, cite: Citations, with_date: bool) -> None:
    paragraph = _paragraph(document, "List Bullet")
    if with_date:
        paragraph.add_run(f"{display_date(item.date)}: ").bold = True
    if item.new:
        badge = paragraph.add_run("NEW ")
        badge.bold, badge.font.color.rgb = True, NEW_COLOUR
    paragraph.add_run(f"{item.lead} {cite.marker(item.sources)}")
    if item.conflict:
        flag = paragraph.add_run(f" Conflicting figures: {conflict_note(item.conflict, cite)}")
        flag.italic, flag.font.color.rgb = True, FLAG_COLOUR
    for detail in item.details:
        _paragraph(document, "List Bullet 2").add_run(f"{detail.text} {cite.marker(detail.sources)}")


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(document, table: Table, cite: Citations) -> None:
    _paragraph(document, "Heading 2", table.title)
    columns = [*table.columns, "Sources"]
    grid = document.add_table(rows=1, cols=len(columns))
    if TABLE_STYLE in [s.name for s in document.styles]:
        grid.style = TABLE_STYLE
    for cell, title in zip(grid.rows[0].cells, columns, strict=True):
        cell.text = title
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(grid.rows[0])
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row.cells, strict=False):
            cell.text = value
        cells[-1].text = cite.marker(row.sources)
        if row.conflict:
            flag = cells[-1].paragraphs[0].add_run(" ⚠ conflict")
            flag.bold, flag.font.color.rgb = True, FLAG_COLOUR
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)


def _chart(document, chart: Chart) -> None:
    from briefgen.render.chart import chart_png

    document.add_picture(io.BytesIO(chart_png(chart)), width=Cm(16))
    picture = document.paragraphs[-1]
    for properties in picture._p.xpath(".//wp:docPr"):
        properties.set("descr", chart.alt_text)
        properties.set("title", chart.title)


def render_docx(briefing: Briefing, options: RenderOptions) -> bytes:
    document = _empty_document(
        reference_document(options.template_dirs, options.docx_reference), options.docx_reference
    )
    properties = document.core_properties
    properties.title = briefing.title
    properties.subject = f"{briefing.audience_title}, {window_label(briefing.window)}"
    properties.author = "briefgen"
    properties.keywords = ", ".join(s.title for s in briefing.sections)
    properties.language = "en"
    _header_and_footer(document, briefing.marking)

    _paragraph(document, "Title", briefing.title)
    _paragraph(
        document,
        "Subtitle",
        f"{briefing.audience_title} · {window_label(briefing.window)} · generated "
        f"{briefing.generated_at:%d %B %Y %H:%M} UTC",
    )
    cite = Citations(briefing)
    if briefing.editor_note:
        note = document.add_paragraph()
        note.add_run("Editor's note. ").bold = True
        note.add_run(briefing.editor_note)
    if briefing.key_points or briefing.novelty:
        _paragraph(document, "Heading 1", "Key points")
    if briefing.novelty:
        document.add_paragraph().add_run(novelty_sentence(briefing.novelty)).font.color.rgb = NEW_COLOUR
    for item in briefing.key_points:
        _item(document, item, cite, with_date=False)
    for section in briefing.sections:
        _paragraph(document, "Heading 1", section.title)
        if not section.items:
            document.add_paragraph("Nothing reported in this window.")
        for item in section.items:
            _item(document, item, cite, with_date=True)
        if briefing.chart and briefing.chart.section == section.id:
            _chart(document, briefing.chart)
        for table in briefing.tables:
            if table.section == section.id:
                _table(document, table, cite)

    _paragraph(document, "Heading 1", "Sources")
    for number, source in enumerate(cite.sources, start=1):
        paragraph = _paragraph(document, "List Number")
        paragraph.add_run(f"[{number}] ").bold = True
        paragraph.add_run(source.title or source.path)
        origin = (source.outlet or source.path) + ("" if source.item is None else f" #{source.item}")
        published = (
            f"published {display_date(source.published)} ({source.date_found_by})"
            if source.published
            else "publication date unknown"
        )
        paragraph.add_run(f" — {origin}; {published}")
        if source.url and is_web_url(source.url):
            paragraph.add_run("; ")
            _hyperlink(paragraph, source.url, source.url)
    if briefing.show_coverage:
        coverage = briefing.coverage
        _paragraph(document, "Heading 2", "Coverage")
        document.add_paragraph(
            f"{coverage.read} documents read; {coverage.used} used; {len(coverage.left_out)} left out."
        )
        for key, reason in coverage.left_out:
            _paragraph(document, "List Bullet", f"{key}: {reason}")
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()
