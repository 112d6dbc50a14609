"""JSON Lines: one article per line, with `title`, `published`, `url`, `text` (and optionally `outlet`).

A bad line is skipped with its line number; the file's other lines are still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from briefgen.dates import parse_date_string
from briefgen.ingest import BadJSON, ReadContext, contained, decode, load_json
from briefgen.ingest.article import build_document
from briefgen.models import Document

MAX_LINE_CHARS = 2_000_000


def read(rel: str, data: bytes, ctx: ReadContext) -> Iterator[Document]:
    seen: dict[str, int] = {}
    for index, line in enumerate(decode(rel, data, ctx).splitlines()):
        if line.strip():
            document = contained(rel, ctx, partial(_line, rel, ctx, line, index, seen), line=index + 1)
            if document:
                yield document


def _line(rel: str, ctx: ReadContext, line: str, index: int, seen: dict[str, int]) -> Document | None:
    number = index + 1
    if len(line) > MAX_LINE_CHARS:
        ctx.skip(rel, f"line longer than {MAX_LINE_CHARS} characters", number)
        return None
    try:
        record = load_json(line)
    except BadJSON as exc:
        ctx.skip(rel, str(exc), number)
        return None
    if not isinstance(record, dict):
        ctx.skip(rel, f"expected a JSON object, got {type(record).__name__}", number)
        return None
    body = record.get("text") or record.get("content") or record.get("body")
    if not isinstance(body, str) or not body.strip():
        ctx.skip(rel, "no 'text'", number)
        return None
    identity = str(record.get("id") or record.get("url") or body[:200])
    if identity in seen:
        ctx.warn(rel, f"duplicate of line {seen[identity]}; the first is kept", number)
        return None
    seen[identity] = number
    published, found_by = None, None
    raw_date = record.get("published") or record.get("date")
    if raw_date is not None:
        published = parse_date_string(str(raw_date))
        if published:
            found_by = "JSONL 'published'" if record.get("published") else "JSONL 'date'"
        else:
            ctx.warn(rel, f"published: not a date, got {raw_date!r}", number)
    return build_document(
        rel,
        ctx,
        body,
        item=index,
        title=_text(record.get("title")),
        url=_text(record.get("url")),
        published=published,
        found_by=found_by,
        outlet=_text(record.get("outlet") or record.get("source")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
