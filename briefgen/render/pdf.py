"""PDF from the same HTML, by WeasyPrint, with a fetcher that reads only the template folders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefgen.models import Briefing, RenderOptions
from briefgen.render.html import render_html_text
from briefgen.render.native import libraries_found_quickly

with libraries_found_quickly():  # WeasyPrint opens its C libraries (Pango, HarfBuzz...) as it is imported
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher


class TemplateOnlyFetcher(URLFetcher):
    """Serves `data:` URLs and files inside the template folders; refuses everything else.

    WeasyPrint's default fetcher follows any URL a document names (file://, http://), which would let a
    crafted document embed local files or reach the network.
    """

    def __init__(self, allowed: tuple[Path, ...]):
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        self._allowed = tuple(p.resolve() for p in allowed)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = self._find(Path(unquote(parts.path)).resolve())
            if path is None:
                raise ValueError(f"refused to read {url}: not a file inside the template folders")
            url = path.as_uri()
        elif parts.scheme != "data":
            raise ValueError(f"refused to fetch {url}: only template files and data: URLs are allowed")
        return super().fetch(url, headers)

    def _find(self, path: Path) -> Path | None:
        """The file inside the template folders; an asset a user folder lacks (fonts/...) is looked up in
        the next folder, as templates are."""
        home = next((folder for folder in self._allowed if path.is_relative_to(folder)), None)
        if home is None:
            return None
        relative = path.relative_to(home)
        return next(
            (
                f / relative
                for f in self._allowed
                if (f / relative).resolve().is_relative_to(f) and (f / relative).is_file()
            ),
            None,
        )


def render_pdf(briefing: Briefing, options: RenderOptions, markup: str | None = None) -> bytes:
    """The PDF of the HTML edition; `markup` is that HTML when the caller has already rendered it."""
    if markup is None:
        markup = render_html_text(briefing, options.template_dirs, options.template)
    document = HTML(
        string=markup,
        base_url=str(options.template_dirs[0]) + "/",
        url_fetcher=TemplateOnlyFetcher(options.template_dirs),
    )
    with _fonts() as fonts:
        # a fixed file identifier, so that the same briefing gives the same bytes
        return document.write_pdf(pdf_variant=options.pdf_variant, pdf_identifier=b"briefgen", font_config=fonts)


@contextmanager
def _fonts() -> Iterator[FontConfiguration]:
    """A font configuration whose temporary folder (WeasyPrint copies every @font-face font there, 2.5 MB a PDF)
    is removed when the render ends. WeasyPrint removes it only when the object is collected, which never happens
    in a build that ends by `os._exit` (cli.entry) or holds its objects frozen: every weekly run left a folder."""
    fonts = FontConfiguration()
    try:
        yield fonts
    finally:
        fonts.__del__()
