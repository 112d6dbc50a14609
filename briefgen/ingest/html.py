"""HTML pages: main text by trafilatura (menus, footers, banners and scripts left out), dates from metadata.

Nothing in the page is fetched or executed: the page is parsed from bytes already read.
"""

from __future__ import annotations

from collections.abc import Iterator

import lxml.html
import trafilatura
from lxml import etree

from briefgen.dates import parse_date_string
from briefgen.ingest import BadJSON, ReadContext, SkipFile, decode, load_json
from briefgen.ingest.article import build_document
from briefgen.models import Document

# Where publishers put the publication date, most specific first.
DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)
BLOCKS = {
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "pre",
    "dd",
    "dt",
    "figcaption",
    "table",
    "ul",
    "ol",
}
SILENT = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math"}


def fragment_to_text(markup: str) -> str:
    """Text of an HTML fragment (a feed entry), one line per block, scripts and embeds dropped."""
    if "<" not in markup:
        return markup
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in SILENT:
            element.text = ""
            for child in element:
                child.drop_tree()
        elif tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif tag in BLOCKS:
            element.tail = "\n\n" + (element.tail or "")
    return root.text_content()


def _meta(rel: str, ctx: ReadContext, tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip()
        value = element.get("content")
        if key and value and key.lower() not in found:
            found[key.lower()] = value.strip()
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = load_json(script.text)
        except BadJSON as exc:
            ctx.warn(rel, f"JSON-LD metadata: {exc}; ignored")
            continue
        for entry in data if isinstance(data, list) else [data]:
            if isinstance(entry, dict):
                for key in ("datePublished", "headline", "url"):
                    if isinstance(entry.get(key), str):
                        found.setdefault(f"ld:{key.lower()}", entry[key])
    return found


def _published(tree: lxml.html.HtmlElement, meta: dict[str, str]):
    for key in DATE_META:
        for candidate in (key.lower(), f"ld:{key.lower()}"):
            if candidate in meta and (found := parse_date_string(meta[candidate])):
                return found, f"HTML meta '{key}'"
    for element in tree.iter("time"):
        if element.get("datetime") and (found := parse_date_string(element.get("datetime"))):
            return found, "HTML <time datetime>"
    return None, None


def read(rel: str, data: bytes, ctx: ReadContext) -> Iterator[Document]:
    markup = decode(rel, data, ctx)
    try:
        tree = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise SkipFile(f"not parseable as HTML ({exc})") from None
    meta = _meta(rel, ctx, tree)
    published, found_by = _published(tree, meta)
    found = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "max_date": ctx.reference.isoformat(),
        },
    )
    extracted = found.as_dict() if isinstance(found, trafilatura.settings.Document) else found
    if not extracted or not (extracted.get("text") or "").strip():
        raise SkipFile("no extractable text")
    if published is None and extracted.get("date"):
        published = parse_date_string(extracted["date"])
        found_by = "HTML metadata (trafilatura)" if published else None
    title_tag = tree.find(".//title")
    document = build_document(
        rel,
        ctx,
        extracted["text"],
        title=meta.get("og:title")
        or meta.get("ld:headline")
        or extracted.get("title")
        or (title_tag.text_content() if title_tag is not None else None),
        url=meta.get("og:url") or meta.get("ld:url") or extracted.get("url"),
        published=published,
        found_by=found_by,
        outlet=meta.get("og:site_name") or extracted.get("sitename"),
    )
    if document:
        yield document
