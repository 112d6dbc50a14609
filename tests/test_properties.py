"""Property-based tests: whatever bytes arrive, a file is read or skipped with a warning, never an error, a
build beside a good corpus succeeds and every file it writes opens; and the contracts of the text helpers
the briefing rests on (sentence offsets, dates found in text, the window a config's rule gives)."""

from __future__ import annotations

import io
import itertools
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

import docx
from conftest import write, write_config, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from briefgen.cli import build_request
from briefgen.dates import MONTHS, find_dates
from briefgen.ingest import read_corpus
from briefgen.pipeline import build
from briefgen.schema import WindowSpec
from briefgen.select import resolve_window
from briefgen.summarise.segment import split_sentences

SUFFIXES = [".txt", ".md", ".html", ".jsonl", ".rss", ".atom"]
TAGS = [
    "p",
    "div",
    "article",
    "script",
    "style",
    "table",
    "td",
    "a",
    "img",
    "iframe",
    "h1",
    "title",
    "meta",
    "item",
    "entry",
    "description",
    "pubDate",
    "![CDATA[",
    "!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]",
]
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
markup = st.lists(
    st.one_of(
        words,
        st.sampled_from(TAGS).map(lambda tag: f"<{tag}>"),
        st.sampled_from(TAGS).map(lambda tag: f"</{tag}>"),
        st.just('<meta property="article:published_time" content="2025-08-27">'),
        st.just("---\ntitle: [x\n---\n"),
        st.just('{"title": "t", "published": "2025-08-27", "text": "MSS Haiti PNH"}\n'),
    ),
    max_size=30,
).map("".join)
payloads = st.one_of(
    st.binary(max_size=2000),
    words.map(lambda text: text.encode("utf-8")),
    markup.map(lambda text: text.encode("utf-8")),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(suffix=st.sampled_from(SUFFIXES), payload=payloads)
def test_every_reader_survives_any_bytes(suffix, payload):
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder) / f"article{suffix}", payload)
        documents, diagnostics = read_corpus(Path(folder), date(2025, 9, 1))
        for document in documents:
            assert document.text and "\x00" not in document.text
        assert documents or [d for d in diagnostics if d.path == f"article{suffix}"], "skipped without a word"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from(SUFFIXES), payload=payloads, text=markup)
def test_a_whole_build_with_a_random_article_writes_files_that_open(suffix, payload, text):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_corpus(folder / "corpus")
        write(folder / "corpus" / f"random{suffix}", payload)
        write(
            folder / "corpus" / "random-text.txt",
            f"date 2025-08-27 The MSS mission in Haiti and the PNH said: {text}".encode(),
        )
        request = build_request(
            write_config(folder), corpus=str(folder / "corpus"), out=str(folder / "out"), audiences=["executive"]
        )
        result = build(request)  # the good corpus beside the random article always makes a briefing
        assert sorted(path.suffix for path in result.written) == [".docx", ".html", ".json", ".pdf"]
        for path in result.written:
            data = path.read_bytes()
            if path.suffix == ".pdf":
                assert len(PdfReader(io.BytesIO(data)).pages) >= 1
            elif path.suffix == ".docx":
                assert docx.Document(io.BytesIO(data)).paragraphs
            elif path.suffix == ".json":
                assert json.loads(data)["sections"]
            else:
                assert data.decode("utf-8").startswith("<!DOCTYPE html>")


# --- sentences: briefgen.summarise.segment ---------------------------------------------------------------------

TEXT_SETTINGS = settings(max_examples=300, deadline=None)
# What the splitter turns on: ends, runs of them, closing quotes, abbreviations and initialisms, capitals and
# digits after a stop, paragraph breaks and other white space.
SENTENCE_PIECES = [
    ".",
    "!",
    "?",
    "...",
    "?!",
    ". ",
    "! ",
    "? ",
    '." ',
    ".” ",
    ".) ",
    "] ",
    "\n",
    "\n\n",
    "\n\n\n",
    " ",
    "  ",
    "\t",
    "\u00a0",
    "\u2028",
    "Police ",
    "the ",
    "MSS ",
    "Gen. ",
    "Dr. ",
    "U.S. ",
    "U.N. ",
    "No. ",
    "Aug. ",
    "a. ",
    "Haiti",
    "12 ",
    "3.5 ",
    '"Yes',
    "“Quote",
    "(Kenya",
    "É",
    "ß",
]
sentence_texts = st.lists(st.one_of(st.sampled_from(SENTENCE_PIECES), st.text(max_size=6)), max_size=40).map("".join)


@TEXT_SETTINGS
@given(text=sentence_texts)
def test_each_sentence_is_the_slice_of_the_text_at_its_offsets_in_order(text):
    sentences = split_sentences(text)
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.paragraph == text[: sentence.start].count("\n\n")  # paragraphs end at a blank line
    for before, after in itertools.pairwise(sentences):
        assert before.end <= after.start, (before, after)
    # nothing lost, nothing said twice: the sentences hold every character of the text but its white space
    assert "".join("".join(s.text.split()) for s in sentences) == "".join(text.split())


# --- dates in text: briefgen.dates.find_dates ----------------------------------------------------------------

DATE_PIECES = [
    "Monday",
    "tue.",
    "Sept.",
    "August",
    "may",
    "Dec",
    "the ",
    "of ",
    "on ",
    "last ",
    "since ",
    "by ",
    "yesterday",
    "Today",
    "New Year's Day",
    "christmas day",
    "2025",
    "1999",
    "2025-08-26",
    "2025-02-30",
    "2300-01-01",
    "31",
    "3rd",
    "21st",
    "0",
    "9",
    ",",
    ".",
    "-",
    "%",
    " percent",
    " ",
    "  ",
    "\n",
]
date_texts = st.lists(st.one_of(st.sampled_from(DATE_PIECES), st.text(max_size=4)), max_size=30).map("".join)
references = st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31))


@TEXT_SETTINGS
@given(text=date_texts, reference=references)
def test_every_date_mention_is_the_slice_it_came_from_and_a_real_day(text, reference):
    mentions = find_dates(text, reference)
    for mention in mentions:
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.text
        assert isinstance(mention.day, date)
        assert mention.precision in ("day", "month")
        if mention.precision == "month":
            assert mention.day.day == 1
        if mention.year_given:
            assert 1900 <= mention.day.year <= 2099  # the years the patterns read
        else:
            assert mention.day <= reference, mention  # a missing year (or a relative day) is never after the run
    for before, after in itertools.pairwise(mentions):  # in order, no character in two mentions
        assert before.end <= after.start, (before, after)


# Words around an inserted date: none of them a month, a weekday, a number or "percent", which would join it.
FILLER = st.lists(
    st.sampled_from(
        [
            "Police",
            "said",
            "the",
            "mission",
            "in",
            "Haiti",
            "arrived",
            "officers",
            "(",
            ")",
            ",",
            ".",
            ";",
            "—",
            "and",
            "Kenyan",
            "a",
            "of",
            "on",
            "news",
        ]
    ),
    max_size=8,
).map(" ".join)
NAMES = {number: [name for name, n in MONTHS.items() if n == number] for number in range(1, 13)}
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def ordinal(day: int) -> str:
    return f"{day}{'th' if 10 <= day % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


@st.composite
def month_names(draw, month: int) -> str:
    name = draw(st.sampled_from(NAMES[month]))
    name = draw(st.sampled_from([name, name.capitalize(), name.upper()]))
    return name + "." if len(name) <= 4 and name.lower() != "may" and draw(st.booleans()) else name


@st.composite
def written_dates(draw) -> tuple[str, date]:
    """A day and a way news copy writes it with its year."""
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
    month = draw(month_names(day.month))
    form = draw(
        st.sampled_from(
            [
                f"{day:%Y-%m-%d}",
                f"{month} {day.day}, {day.year}",
                f"{month} {ordinal(day.day)} {day.year}",
                f"{day.day} {month} {day.year}",
                f"{ordinal(day.day)} of {month}, {day.year}",
                f"{WEEKDAY_NAMES[day.weekday()]}, {month} {day.day}, {day.year}",
            ]
        )
    )
    return form, day


def latest_not_after(month: int, day: int, reference: date) -> date:
    candidates = []
    for year in range(reference.year - 8, reference.year + 1):  # a 29 February recurs within eight years
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    return max(c for c in candidates if c <= reference)


def found_at(text: str, start: int, end: int, reference: date) -> list[date]:
    """The days of the mentions that overlap text[start:end] (one may leave out an abbreviation's dot)."""
    return [m.day for m in find_dates(text, reference) if m.start < end and start < m.end and m.precision == "day"]


@TEXT_SETTINGS
@given(before=FILLER, written=written_dates(), after=FILLER, reference=references)
def test_a_date_written_with_its_year_is_found_where_it_stands(before, written, after, reference):
    form, day = written
    text = f"{before} {form} {after}"
    start = len(before) + 1
    assert found_at(text, start, start + len(form), reference) == [day], text


@TEXT_SETTINGS
@given(
    before=FILLER,
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)),
    after=FILLER,
    reference=references,
    data=st.data(),
)
def test_a_date_without_its_year_is_the_latest_such_day_not_after_the_reference(before, day, after, reference, data):
    month = data.draw(month_names(day.month))
    form = data.draw(st.sampled_from([f"{month} {day.day}", f"{day.day} {month}", f"{ordinal(day.day)} of {month}"]))
    text = f"{before} {form} {after}"
    start = len(before) + 1
    expected = latest_not_after(day.month, day.day, reference)
    assert found_at(text, start, start + len(form), reference) == [expected], text


# --- windows: briefgen.select.resolve_window -------------------------------------------------------------------

as_of_dates = st.dates(min_value=date(1910, 1, 1), max_value=date(2190, 12, 31))
WINDOW_SETTINGS = settings(max_examples=200, deadline=None)


@WINDOW_SETTINGS
@given(as_of=as_of_dates, days=st.integers(min_value=1, max_value=3660))
def test_last_days_ends_on_the_as_of_date_and_holds_that_many_days(as_of, days):
    window = resolve_window(WindowSpec(last_days=days), as_of)
    assert window.start <= window.end == as_of
    assert (window.end - window.start).days + 1 == days


@WINDOW_SETTINGS
@given(as_of=as_of_dates)
def test_previous_week_is_monday_to_sunday_of_the_week_before_the_as_of_date(as_of):
    window = resolve_window(WindowSpec(period="previous_week"), as_of)
    assert window.start.weekday() == 0 and window.end - window.start == timedelta(days=6)
    assert window.end + timedelta(days=1) == as_of - timedelta(days=as_of.weekday())  # this week's Monday
    assert window.end < as_of


@WINDOW_SETTINGS
@given(as_of=as_of_dates)
def test_previous_month_is_the_first_to_the_last_day_of_the_month_before(as_of):
    window = resolve_window(WindowSpec(period="previous_month"), as_of)
    assert window.start.day == 1 and window.start <= window.end < as_of
    assert (window.start.year, window.start.month) == (window.end.year, window.end.month)
    assert window.end + timedelta(days=1) == as_of.replace(day=1)  # the month ends the day before this one's 1st


@WINDOW_SETTINGS
@given(first=as_of_dates, length=st.integers(min_value=0, max_value=400), as_of=as_of_dates)
def test_from_and_to_are_the_window_whatever_the_as_of_date(first, length, as_of):
    last = first + timedelta(days=length)
    window = resolve_window(WindowSpec.model_validate({"from": first, "to": last}), as_of)
    assert (window.start, window.end) == (first, last)
