"""What every reader does once it has a body: drop page junk, find title and publication date in the text
when metadata gave none, and build the clean `Document`.

Publication date precedence (each records how it was found): metadata (given by the reader) > a header
line `date YYYY-MM-DD` > a byline date line > a dateline > the latest full date the text mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from briefgen.dates import EARLIEST, LATEST, DateMention, date_line, find_dates, parse_date_string, plausible
from briefgen.ingest import ReadContext
from briefgen.ingest.clean import MAX_TEXT_CHARS, MAX_URL_CHARS, clean_line, clean_lines
from briefgen.models import Document

HEADER_DATE = re.compile(r"^\s*date:?\s+((?:19|20)\d\d-\d\d-\d\d)\b[\s:]*", re.I)
JUNK_LINE = re.compile(
    r"^(?:tags?:.*|post a comment|\d*\s*comments?|share(?: this(?: article| story)?)?(?: on \w+)?:?|"
    r"\d{1,4}|leave a (?:reply|comment)|advertisement|read more:?.*|related(?: articles| stories)?:?|"
    r"subscribe.*newsletter.*|click here.*|follow us.*|copyright\b.*|©.*|all rights reserved\.?)$",
    re.I,
)
BYLINE = re.compile(r"^by(?:\s*[-–—:]\s*|\s+)(?P<author>[^.!?]{0,60})$", re.I)
DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\- ]{2,}(?:,\s*[A-Z][\w.'\- ]+)?)\s*,?\s+(?P<when>[A-Z][a-z]{2,8}\.?\s+\d{1,2}"
    r"(?:,\s*\d{4})?)\s*(?:\((?P<outlet>[^)]{1,40})\))?\s*[—–-]{1,2}\s*"
)
TERMINAL = (".", "!", "?", '"', "”", "’", ":", ";")


def _is_title_like(line: str) -> bool:
    return 2 <= len(line.split()) <= 25 and not line.endswith(TERMINAL)


def _paragraphs(lines: list[str]) -> list[str]:
    """Non-blank lines become paragraphs; a line broken mid-sentence is joined to the next."""
    out: list[str] = []
    for line in lines:
        if out and out[-1] and not out[-1].endswith(TERMINAL) and line[:1].islower():
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


@dataclass
class _Chrome:
    """What the page around the story says: the first byline's date and author, a title above a byline."""

    dated: DateMention | None = None
    author: str | None = None
    heading: str | None = None


def _without_chrome(lines: list[str], reference: date) -> tuple[list[str], _Chrome]:
    """The story's lines without bylines and page furniture, and what those said."""
    kept: list[str] = []
    chrome = _Chrome()
    for index, line in enumerate(lines):
        if not line or JUNK_LINE.match(line):
            continue
        byline = BYLINE.match(line)
        dated = date_line(line, reference) if len(line) < 60 else None
        if not (byline or dated):
            kept.append(line)
            continue
        chrome.dated = chrome.dated or dated
        chrome.author = chrome.author or (byline and byline["author"].strip(" -")) or None
        # a title line printed just above the byline belongs to the page chrome, not the story
        if kept and index > 0 and kept[-1] == lines[index - 1] and _is_title_like(kept[-1]):
            heading = kept.pop()
            chrome.heading = chrome.heading or heading
    return kept, chrome


def _latest_full_date(text: str, reference: date) -> DateMention | None:
    """The latest full date the text names, not after the reference: when nothing else dates an article."""
    full = [m for m in find_dates(text, reference) if m.precision == "day" and m.certain and m.day <= reference]
    return max(full, key=lambda m: m.day, default=None)


def build_document(
    rel: str,
    ctx: ReadContext,
    body: str,
    *,
    item: int | None = None,
    title: str | None = None,
    url: str | None = None,
    published: date | None = None,
    found_by: str | None = None,
    outlet: str | None = None,
) -> Document | None:
    if published is not None and not plausible(published):
        ctx.warn(
            rel,
            f"publication date {published} is not between {EARLIEST.year} and {LATEST.year}; read as undated",
            entry=item,
        )
        published, found_by = None, None
    if len(body) > MAX_TEXT_CHARS:
        ctx.warn(rel, f"text longer than {MAX_TEXT_CHARS} characters; the rest is ignored")
        body = body[:MAX_TEXT_CHARS]
    lines = [line for line in clean_lines(body) if line]
    if lines and (header := HEADER_DATE.match(lines[0])):
        header_date = parse_date_string(header[1])
        if header_date and published is None:
            published, found_by = header_date, f"header line 'date {header[1]}'"
        lines[0] = lines[0][header.end() :].strip()

    kept, chrome = _without_chrome(lines, ctx.reference)
    if published is None and chrome.dated:
        published, found_by = chrome.dated.day, f"byline '{chrome.dated.text}'"
    outlet, title = outlet or chrome.author, title or chrome.heading

    if kept and (dateline := DATELINE.match(kept[0])):
        when = find_dates(dateline["when"], published or ctx.reference)
        if when and published is None:
            published, found_by = when[0].day, f"dateline '{dateline['when']}'"
        outlet = outlet or (dateline["outlet"] and dateline["outlet"].strip())
        kept[0] = kept[0][dateline.end() :]

    if title is None and len(kept) > 1 and _is_title_like(kept[0]):
        title = kept.pop(0)

    text = "\n\n".join(p for p in _paragraphs(kept) if p)
    if published is None and (latest := _latest_full_date(text, ctx.reference)):
        published, found_by = latest.day, f"inferred from '{latest.text}' in the text"
    if published is None:
        ctx.warn(rel, "no publication date found; kept out of every window", entry=item)
    elif published > ctx.reference:
        ctx.warn(rel, f"publication date {published} is after the as-of date {ctx.reference}", entry=item)
    if not text:
        ctx.skip(rel, "no extractable text", entry=item)
        return None
    return Document(
        path=rel,
        item=item,
        title=clean_line(title),
        url=clean_line(url, MAX_URL_CHARS),
        published=published,
        date_found_by=found_by or "unknown",
        text=text,
        outlet=clean_line(outlet),
    )
