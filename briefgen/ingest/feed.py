"""RSS and Atom feeds: one document per entry, dated by the entry's published (or updated) time.

An entry that cannot be read is skipped with a warning; the feed's other entries are still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import partial

import feedparser

from briefgen.dates import parse_date_string
from briefgen.ingest import ReadContext, SkipFile, contained
from briefgen.ingest.article import build_document
from briefgen.ingest.html import fragment_to_text
from briefgen.models import Document


def _entry_date(entry) -> tuple[date | None, str | None]:
    for key, label in (("published", "feed published date"), ("updated", "feed updated date")):
        # the date as written, in the publisher's time zone; feedparser's *_parsed fields are in UTC
        if isinstance(entry.get(key), str) and (written := parse_date_string(entry[key])):
            return written, label
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            try:
                return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday), label
            except (ValueError, OverflowError):
                continue
    return None, None


def _entry_body(entry) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "")
    return fragment_to_text(best if len(best) >= len(summary) else summary)


def read(rel: str, data: bytes, ctx: ReadContext) -> Iterator[Document]:
    parsed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=True)
    if parsed.bozo:
        problem = str(parsed.get("bozo_exception", "malformed feed")).splitlines()[0]
        if not parsed.entries:
            raise SkipFile(f"not a readable feed ({problem})")
        ctx.warn(rel, f"malformed feed ({problem}); the {len(parsed.entries)} entries read before it are used")
    outlet = parsed.feed.get("title")
    for index, entry in enumerate(parsed.entries):
        document = contained(rel, ctx, partial(_entry, rel, ctx, index, entry, outlet), entry=index)
        if document:
            yield document


def _entry(rel: str, ctx: ReadContext, index: int, entry, outlet: str | None) -> Document | None:
    published, found_by = _entry_date(entry)
    raw_date = entry.get("published") or entry.get("updated")
    if published is None and raw_date:
        ctx.warn(rel, f"date not understood, got {raw_date!r}", entry=index)
    return build_document(
        rel,
        ctx,
        _entry_body(entry),
        item=index,
        title=entry.get("title"),
        url=entry.get("link"),
        published=published,
        found_by=found_by,
        outlet=outlet,
    )
