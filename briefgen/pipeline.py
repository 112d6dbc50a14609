"""The only place that knows the order of the stages: config -> read -> select -> summarise -> render -> write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from briefgen.config import BuildRequest
from briefgen.errors import InputError
from briefgen.ingest import read_corpus
from briefgen.models import Briefing, Coverage, Diagnostic, Document, RenderOptions, Selection
from briefgen.render import render_all, write_atomically
from briefgen.render.html import environment, load_template
from briefgen.select import select
from briefgen.summarise import compose, extract, merge
from briefgen.summarise.tables import build_tables, items_per_day_chart


@dataclass(frozen=True)
class Survey:
    """The corpus as read and selected: what `sources` shows and `build` starts from."""

    selections: tuple[Selection, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def included(self) -> list[Document]:
        return [s.document for s in self.selections if s.included]


@dataclass(frozen=True)
class BuildResult:
    written: tuple[Path, ...]
    briefings: tuple[Briefing, ...]
    diagnostics: tuple[Diagnostic, ...]


def survey(request: BuildRequest) -> Survey:
    documents, diagnostics = read_corpus(request.corpus, request.as_of)
    if not documents:
        raise InputError(f"{request.corpus}: 0 usable articles in the corpus folder")
    return Survey(tuple(select(documents, request.window, request.config.topic)), tuple(diagnostics))


def check_templates(request: BuildRequest) -> None:
    """Every audience's template exists and compiles; raises the render error a build would meet."""
    env = environment(request.config.template_dirs)
    for name in request.audiences:
        load_template(env, request.config.audiences[name].template, request.config.template_dirs)


def output_name(request: BuildRequest, audience: str, fmt: str) -> str:
    window = request.window
    return f"{request.config.name}_{audience}_{window.start}_{window.end}.{fmt}"


def build(request: BuildRequest, now: datetime | None = None) -> BuildResult:
    config = request.config
    check_templates(request)
    surveyed = survey(request)
    section_ids = sorted({s for name in request.audiences for s in config.audiences[name].sections})
    drafts = merge(extract(surveyed.included, config.topic, section_ids, request.as_of))
    generated_at = (now or datetime.now(UTC)).replace(microsecond=0)
    coverage = Coverage(
        read=len(surveyed.selections),
        used=0,
        left_out=tuple((s.document.key, s.reason) for s in surveyed.selections if not s.included),
    )
    briefings, outputs = [], {}
    for name in request.audiences:
        audience = config.audiences[name]
        sections, key_points, sources = compose(drafts, audience, config.sections)
        briefing = Briefing(
            title=config.title,
            audience=name,
            audience_title=audience.title,
            window=request.window,
            generated_at=generated_at,
            marking=config.marking,
            sections=sections,
            key_points=key_points,
            sources=sources,
            tables=build_tables(audience.tables, config.topic.tables, sections),
            chart=items_per_day_chart(next((s for s in sections if s.id == audience.chart), None), request.window),
            show_coverage=audience.coverage,
            coverage=Coverage(coverage.read, len(surveyed.included), coverage.left_out),
            diagnostics=surveyed.diagnostics,
        )
        briefings.append(briefing)
        formats = request.formats or tuple(audience.formats)
        options = RenderOptions(config.template_dirs, audience.template, config.docx_reference, config.pdf_variant)
        rendered = render_all(briefing, formats, options)
        for fmt, data in rendered.items():
            outputs[request.output_dir / output_name(request, name, fmt)] = data
    written = write_atomically(outputs)
    return BuildResult(tuple(written), tuple(briefings), surveyed.diagnostics)
