"""HTML through Jinja templates: the user's template folder first, then the built-in `briefgen/templates/`."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import jinja2
from jinja2 import meta

from briefgen.errors import RenderError
from briefgen.models import Briefing, RenderOptions
from briefgen.render.text import Citations, conflict_note, display_date, novelty_sentence, window_label


def environment(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    # Article text is untrusted: every value is escaped, in every template, whatever its file name.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        display_date=display_date,
        window_label=window_label,
        novelty_sentence=novelty_sentence,
        conflict_note=conflict_note,
    )
    env.tests["web_url"] = is_web_url
    return env


def is_web_url(url: str | None) -> bool:
    """Only web addresses become links: a `javascript:` or `file:` URL from an article must not."""
    return bool(url) and urlsplit(url).scheme.lower() in ("http", "https")


def load_template(env: jinja2.Environment, template: str, template_dirs: tuple[Path, ...]) -> jinja2.Template:
    """The template, after checking that every template it extends or includes exists and compiles."""
    try:
        pending, seen = [template], set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            source = cast(jinja2.BaseLoader, env.loader).get_source(env, name)[0]  # `environment` gives it one
            pending.extend(n for n in meta.find_referenced_templates(env.parse(source)) if n)
        return env.get_template(template)
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(str(d) for d in template_dirs)
        raise RenderError(f"template {exc.name!r} not found (searched {searched})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename}:{exc.lineno}: template error: {exc.message}") from None


def briefing_values(briefing: Briefing) -> dict[str, Any]:
    """What a briefing template renders from: the HTML file's, and the editors' page's around its controls."""
    return {"briefing": briefing, "cite": Citations(briefing), "chart_uri": _chart_uri(briefing)}


def render_html_text(briefing: Briefing, template_dirs: tuple[Path, ...], template: str) -> str:
    page = load_template(environment(template_dirs), template, template_dirs)
    try:
        return page.render(**briefing_values(briefing))
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {template!r}: {exc}") from None


def _chart_uri(briefing: Briefing) -> str | None:
    if briefing.chart is None:
        return None
    from briefgen.render.chart import chart_svg

    return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(briefing.chart).encode()).decode()


def render_html(briefing: Briefing, options: RenderOptions) -> bytes:
    return render_html_text(briefing, options.template_dirs, options.template).encode("utf-8")
