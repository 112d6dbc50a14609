"""HTML through Jinja templates: the user's template folder first, then the built-in `templates/`."""

from __future__ import annotations

from pathlib import Path

import jinja2

from briefgen.errors import RenderError
from briefgen.models import Briefing
from briefgen.render.text import display_date, window_label


def environment(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    # Article text is untrusted: every value is escaped, in every template, whatever its file name.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(display_date=display_date, window_label=window_label)
    return env


def citation_numbers(briefing: Briefing) -> dict[str, int]:
    return {source.id: number for number, source in enumerate(briefing.sources, start=1)}


def load_template(env: jinja2.Environment, template: str, template_dirs: tuple[Path, ...]) -> jinja2.Template:
    try:
        return env.get_template(template)
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(str(d) for d in template_dirs)
        raise RenderError(f"template {exc.name!r} not found (searched {searched})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename}:{exc.lineno}: template error: {exc.message}") from None


def render_html_text(briefing: Briefing, template_dirs: tuple[Path, ...], template: str) -> str:
    page = load_template(environment(template_dirs), template, template_dirs)
    try:
        return page.render(briefing=briefing, cite=citation_numbers(briefing))
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {template!r}: {exc}") from None


def render_html(briefing: Briefing, template_dirs: tuple[Path, ...], template: str) -> bytes:
    return render_html_text(briefing, template_dirs, template).encode("utf-8")
