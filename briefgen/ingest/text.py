"""Plain-text articles: the whole file is the body; the date comes from a header, byline or the text."""

from __future__ import annotations

from collections.abc import Iterator

from briefgen.ingest import ReadContext, decode
from briefgen.ingest.article import build_document
from briefgen.models import Document


def read(rel: str, data: bytes, ctx: ReadContext) -> Iterator[Document]:
    document = build_document(rel, ctx, decode(rel, data, ctx))
    if document:
        yield document
