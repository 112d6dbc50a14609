"""Markdown articles with optional YAML front matter (title, date or published, url, outlet or source)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime

import yaml

from briefgen.config import load_yaml
from briefgen.dates import parse_date_string
from briefgen.ingest import ReadContext, SkipFile, decode
from briefgen.ingest.article import build_document
from briefgen.models import Document

MAX_FRONT_MATTER = 64 * 1024
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*$\r?\n?", re.S | re.M)
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
BLOCK_MARK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
RULE_OR_HTML = re.compile(r"^\s*(?:[-*_]\s*){3,}$|^\s*</?[a-zA-Z][^>]*>\s*$")


def markdown_to_text(markdown: str) -> str:
    """Readable text of a Markdown body: markup dropped, each list item and heading on its own line."""
    lines = []
    for line in markdown.splitlines():
        if RULE_OR_HTML.match(line):
            continue
        line = BLOCK_MARK.sub("", line)
        line = IMAGE.sub("", line)
        line = LINK.sub(r"\1", line)
        line = EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines)


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date_string(str(value)) if value is not None else None


def _problem(exc: Exception) -> str:
    """Why front matter did not load, in one line: PyYAML's message, or the limit Python met building a value
    (an integer past sys.get_int_max_str_digits(), a `!!timestamp` that is no day, nesting past the stack)."""
    return "nested too deeply" if isinstance(exc, RecursionError) else str(exc).splitlines()[0]


def read(rel: str, data: bytes, ctx: ReadContext) -> Iterator[Document]:
    text = decode(rel, data, ctx).replace("\r\n", "\n")
    meta: dict = {}
    match = FRONT_MATTER.match(text)
    if match:
        text = text[match.end() :]
        if len(match[1]) > MAX_FRONT_MATTER:
            raise SkipFile(f"front matter larger than {MAX_FRONT_MATTER // 1024} KB")
        try:
            loaded = load_yaml(match[1])
        except yaml.composer.ComposerError as exc:
            # aliases are how YAML bombs work; an article that uses them is not trusted at all
            raise SkipFile(f"front matter uses YAML aliases ({exc.problem})") from None
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            ctx.warn(rel, f"front matter is not valid YAML ({_problem(exc)}); read without it")
            loaded = {}
        if isinstance(loaded, dict):
            meta = loaded
        elif loaded is not None:
            ctx.warn(rel, "front matter is not a mapping; read without it")
    published, found_by = None, None
    for key in ("date", "published", "pubDate", "published_at"):
        if key in meta:
            published = _as_date(meta[key])
            if published:
                found_by = f"front matter '{key}'"
                break
            ctx.warn(rel, f"front matter {key}: not a date, got {meta[key]!r}")
    text_of = lambda key: str(meta[key]) if meta.get(key) is not None else None  # noqa: E731
    document = build_document(
        rel,
        ctx,
        markdown_to_text(text),
        title=text_of("title"),
        url=text_of("url") or text_of("link"),
        published=published,
        found_by=found_by,
        outlet=text_of("outlet") or text_of("source") or text_of("publisher"),
    )
    if document:
        yield document
