#!/usr/bin/env python3
"""Write briefgen/templates/reference.docx, the default house style of the DOCX edition.

Organisations do not need this script: they open briefgen/templates/reference.docx (or a copy named by
`docx_reference` in the config) in Word or LibreOffice and change its styles, margins, header and footer.
It is kept so that the default can be regenerated reviewably.
"""

from pathlib import Path

from docx import Document
from docx.shared import Cm, Pt, RGBColor

NAVY = RGBColor(0x1F, 0x3A, 0x5F)
OUT = Path(__file__).resolve().parent.parent / "briefgen" / "templates" / "reference.docx"


def main() -> None:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin = section.right_margin = Cm(2.0)
    styles = document.styles
    styles["Normal"].font.name = "Georgia"
    styles["Normal"].font.size = Pt(10.5)
    for name, size in (("Title", 22), ("Subtitle", 10), ("Heading 1", 14), ("Heading 2", 11)):
        style = styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = NAVY
    styles["Subtitle"].font.italic = False
    document.core_properties.title = "briefgen reference document"
    document.core_properties.author = "briefgen"
    document.add_paragraph("This document only carries styles; briefgen replaces its body.")
    document.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
