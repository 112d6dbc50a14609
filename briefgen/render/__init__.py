"""The render stage: one `Briefing` -> HTML, PDF, DOCX and JSON bytes, in memory (`output.py` writes them)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from briefgen.models import Briefing, RenderOptions

Renderer = Callable[[Briefing, RenderOptions], bytes]
# module and function of each format's writer, imported on first use: WeasyPrint alone takes 0.6 s to
# import, which an editor's HTML preview should not pay
RENDERERS: dict[str, tuple[str, str]] = {
    "html": ("briefgen.render.html", "render_html"),
    "pdf": ("briefgen.render.pdf", "render_pdf"),
    "docx": ("briefgen.render.docx", "render_docx"),
    "json": ("briefgen.render.jsonfile", "render_json"),
}


def renderer(fmt: str) -> Renderer:
    module, function = RENDERERS[fmt]
    return getattr(importlib.import_module(module), function)


def render_all(briefing: Briefing, formats: tuple[str, ...], options: RenderOptions) -> dict[str, bytes]:
    """Every requested format in memory, so that a failure in one leaves no file of the others.

    The PDF is typeset from the HTML edition: when both are asked for, the template (and the chart in it) is
    rendered once and its text given to both.
    """
    if not {"html", "pdf"} <= set(formats):
        return {fmt: renderer(fmt)(briefing, options) for fmt in formats}
    from briefgen.render.html import render_html_text
    from briefgen.render.pdf import render_pdf

    markup = render_html_text(briefing, options.template_dirs, options.template)
    shared: dict[str, Callable[[], bytes]] = {
        "html": lambda: markup.encode("utf-8"),
        "pdf": lambda: render_pdf(briefing, options, markup),
    }
    return {fmt: shared[fmt]() if fmt in shared else renderer(fmt)(briefing, options) for fmt in formats}
