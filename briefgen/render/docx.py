"""DOCX with python-docx: Word's built-in styles, so an editor can keep working on the file."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_docx
from docx.shared import Pt

from briefgen.models import Briefing
from briefgen.render.html import citation_numbers
from briefgen.render.text import citation_marker, display_date, window_label


def _marking(paragraph_container, text: str) -> None:
    paragraph = paragraph_container.paragraphs[0]
    paragraph.text = text
    paragraph.alignment = 1  # centred
    for run in paragraph.runs:
        run.font.size = Pt(8)
        run.bold = True


def render_docx(briefing: Briefing, template_dirs: tuple[Path, ...], template: str) -> bytes:
    document = new_docx()
    properties = document.core_properties
    properties.title = briefing.title
    properties.subject = f"{briefing.audience_title}, {window_label(briefing.window)}"
    properties.author = "briefgen"
    properties.keywords = ", ".join(s.title for s in briefing.sections)
    if briefing.marking:
        section = document.sections[0]
        _marking(section.header, briefing.marking)
        _marking(section.footer, briefing.marking)

    document.add_paragraph(briefing.title, style="Title")
    document.add_paragraph(
        f"{briefing.audience_title} · {window_label(briefing.window)} · generated "
        f"{briefing.generated_at:%d %B %Y %H:%M} UTC",
        style="Subtitle",
    )
    numbers = citation_numbers(briefing)
    if briefing.key_points:
        document.add_heading("Key points", level=1)
        for item in briefing.key_points:
            paragraph = document.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{item.text} {citation_marker(item.sources, numbers)}")
    for section in briefing.sections:
        document.add_heading(section.title, level=1)
        if not section.items:
            document.add_paragraph("Nothing reported in this window.", style="Normal")
        for item in section.items:
            paragraph = document.add_paragraph(style="List Bullet")
            if item.date:
                paragraph.add_run(f"{display_date(item.date)}: ").bold = True
            paragraph.add_run(item.text)
            paragraph.add_run(f" {citation_marker(item.sources, numbers)}")
            if item.conflict:
                flag = paragraph.add_run(f" Conflicting figures: {item.note}")
                flag.italic = True

    document.add_heading("Sources", level=1)
    for number, source in enumerate(briefing.sources, start=1):
        paragraph = document.add_paragraph(style="List Number")
        paragraph.add_run(f"[{number}] ").bold = True
        paragraph.add_run(source.title or source.path)
        details = [source.outlet, source.path if source.title else None,
                   f"published {display_date(source.published)} ({source.date_found_by})" if source.published
                   else "publication date unknown", source.url]
        paragraph.add_run(" — " + "; ".join(d for d in details if d))
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()
