"""Date rules: parsing metadata values, inferring years, and the publication-date precedence of the readers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import write

from briefgen.dates import date_line, find_dates, infer_year, parse_date_string
from briefgen.ingest import read_corpus

# --- parse_date_string -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-27", date(2025, 8, 27)),
        ("  2025-08-27 ", date(2025, 8, 27)),
        ("2025-08-27T09:15:00Z", date(2025, 8, 27)),
        ("2025-08-27T23:59:59Z", date(2025, 8, 27)),
        ("2025-08-27T09:15:00+00:00", date(2025, 8, 27)),
        ("2025-08-27T09:15:00", date(2025, 8, 27)),
        ("Wed, 27 Aug 2025 09:15:00 +0000", date(2025, 8, 27)),
        ("Wed, 27 Aug 2025 09:15:00 GMT", date(2025, 8, 27)),
        ("Mon, 25 Aug 2025", date(2025, 8, 25)),
        ("August 27, 2025", date(2025, 8, 27)),
        ("27 August 2025", date(2025, 8, 27)),
    ],
)
def test_parse_date_string_accepts_iso_timestamps_and_rfc822(value, expected):
    assert parse_date_string(value) == expected


@pytest.mark.parametrize(
    "value",
    ["not a date", "2024-02-30", "05/03/2024", "", "August 27", "2025-13-01", "Tue, 31 Feb 2025 10:00:00 +0000"],
)
def test_parse_date_string_gives_none_for_invalid_or_ambiguous_values(value):
    assert parse_date_string(value) is None


# --- year inference --------------------------------------------------------------------------------------


def test_weekday_pins_the_year_before_a_late_reference():
    mentions = find_dates("On Monday, August 25 the joint patrol left the base.", date(2026, 11, 21))
    assert [(m.day, m.text, m.certain) for m in mentions] == [(date(2025, 8, 25), "Monday, August 25", True)]


def test_weekday_pins_an_earlier_year_when_the_reference_is_the_day_before():
    # 2025-08-25 is after the reference; the latest earlier year where 25 August is a Monday is 2014
    mentions = find_dates("On Monday, August 25 the joint patrol left the base.", date(2025, 8, 24))
    assert [m.day for m in mentions] == [date(2014, 8, 25)]
    assert date(2014, 8, 25).weekday() == 0


def test_infer_year_without_weekday_takes_the_latest_date_not_after_the_reference():
    assert infer_year(8, 25, None, date(2025, 9, 3)) == date(2025, 8, 25)
    assert infer_year(9, 10, None, date(2025, 9, 3)) == date(2024, 9, 10)
    assert infer_year(2, 29, None, date(2025, 3, 1)) == date(2024, 2, 29)


def test_date_line_is_a_line_holding_only_one_full_date():
    assert date_line("Wednesday, August 27, 2025", date(2025, 9, 3)).day == date(2025, 8, 27)
    assert date_line("Published: August 27, 2025", date(2025, 9, 3)).day == date(2025, 8, 27)
    assert date_line("Police said on August 27, 2025 that the road was open", date(2025, 9, 3)) is None


# --- publication date precedence in the readers ----------------------------------------------------------

REFERENCE = date(2025, 9, 3)


def read_one(tmp_path, name, content, reference=REFERENCE):
    write(tmp_path / name, content)
    documents, diagnostics = read_corpus(tmp_path, reference)
    assert len(documents) == 1, [str(d) for d in diagnostics]
    return documents[0]


def test_text_weekday_date_is_inferred_and_says_so(tmp_path):
    doc = read_one(
        tmp_path,
        "a.txt",
        "On Monday, August 25 Haitian police and the MSS retook a police post in Delmas.\n",
        reference=date(2026, 11, 21),
    )
    assert doc.published == date(2025, 8, 25)
    assert "inferred" in doc.date_found_by
    assert "Monday, August 25" in doc.date_found_by


def test_text_weekday_date_with_early_reference_goes_back_to_2014(tmp_path):
    doc = read_one(
        tmp_path,
        "a.txt",
        "On Monday, August 25 Haitian police and the MSS retook a police post in Delmas.\n",
        reference=date(2025, 8, 24),
    )
    assert doc.published == date(2014, 8, 25)


def test_header_line_wins_over_byline_and_text(tmp_path):
    doc = read_one(
        tmp_path,
        "a.txt",
        "date 2025-08-26 Haitian police and the MSS retook a police post on August 29, 2025.\n\n"
        "Police Post Retaken\nBy Desk Writer\nWednesday, August 27, 2025\n",
    )
    assert doc.published == date(2025, 8, 26)
    assert doc.date_found_by == "header line 'date 2025-08-26'"


def test_byline_wins_over_dates_in_the_text(tmp_path):
    doc = read_one(
        tmp_path,
        "a.txt",
        "Haitian police and the MSS said they would reopen the road on Friday, August 29, 2025.\n\n"
        "Road To Reopen\nBy Desk Writer\nWednesday, August 27, 2025\nTags:\n",
    )
    assert doc.published == date(2025, 8, 27)
    assert "byline" in doc.date_found_by
    assert "Wednesday, August 27, 2025" in doc.date_found_by


HTML_PAGE = (
    "<html><head><meta property='article:published_time' content='2025-08-21T10:00:00Z'></head><body>"
    "<article><p>Wednesday, August 27, 2025</p>"
    "<p>The MSS in Haiti and the Haitian National Police reopened the main road to Kenscoff on "
    "Friday, August 29, 2025, after weeks of clashes with armed groups.</p>"
    "<p>Drivers in Port-au-Prince said traffic was slow but moving by the evening of that day.</p>"
    "</article></body></html>"
)
FEED = (
    "<?xml version='1.0'?><rss version='2.0'><channel><title>Desk</title>"
    "<item><title>Road</title><pubDate>Thu, 21 Aug 2025 10:00:00 +0000</pubDate>"
    "<description>The MSS in Haiti reopened the road on Friday, August 29, 2025.</description>"
    "</item></channel></rss>"
)


@pytest.mark.parametrize(
    ("name", "content", "found_by"),
    [
        (
            "a.md",
            "---\ntitle: Meta first\ndate: 2025-08-20\n---\n"
            "date 2025-08-26 The MSS in Haiti reopened the road on Friday, August 29, 2025.\n",
            "front matter",
        ),
        ("a.html", HTML_PAGE, "HTML meta"),
        ("a.xml", FEED, "feed"),
        (
            "a.jsonl",
            '{"published": "2025-08-21", "text": "The MSS in Haiti reopened the road on Friday, August 29, 2025."}\n',
            "JSONL",
        ),
    ],
)
def test_metadata_date_wins_over_header_line_and_dates_in_the_text(tmp_path, name, content, found_by):
    doc = read_one(tmp_path, name, content)
    assert doc.published == (date(2025, 8, 20) if name == "a.md" else date(2025, 8, 21))
    assert found_by in doc.date_found_by


def test_jsonl_unparseable_date_is_warned_with_its_line(tmp_path):
    write(
        tmp_path / "a.jsonl", '{"published": "05/03/2024", "text": "The MSS in Haiti reopened the road in Delmas."}\n'
    )
    documents, diagnostics = read_corpus(tmp_path, REFERENCE)
    assert documents[0].published is None
    assert "a.jsonl:1: published: not a date, got '05/03/2024'" in [str(d) for d in diagnostics]


def test_undated_document_keeps_unknown(tmp_path):
    doc = read_one(tmp_path, "a.txt", "Haitian police and the MSS patrolled Delmas through the night.\n")
    assert doc.published is None
    assert doc.date_found_by == "unknown"


def test_same_timestamp_gives_the_same_date_in_front_matter_and_html_meta(tmp_path):
    stamp = "2025-08-27T23:30:00-05:00"
    write(tmp_path / "a.md", f"---\ndate: {stamp}\n---\nThe MSS in Haiti patrolled Delmas overnight.\n")
    write(
        tmp_path / "b.html",
        f"<html><head><meta property='article:published_time' content='{stamp}'></head><body><article>"
        "<p>The MSS in Haiti and the Haitian National Police patrolled Delmas overnight and cleared two "
        "barricades near the market.</p><p>Residents of Port-au-Prince said the streets were calm by the "
        "morning, and shops opened on time.</p></article></body></html>",
    )
    documents, _ = read_corpus(tmp_path, REFERENCE)
    dates = {d.path: d.published for d in documents}
    assert dates["a.md"] is not None
    assert dates["a.md"] == dates["b.html"] == parse_date_string(stamp)


LATE_EVENING = "2025-08-27T23:30:00-05:00"  # 04:30 on 28 August in UTC


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "page.html",
            f'<html><head><meta property="article:published_time" content="{LATE_EVENING}">'
            "<title>Night raid</title></head><body><article><p>Haitian police raided a gang base in Delmas "
            "late on Wednesday and arrested four men.</p></article></body></html>",
        ),
        (
            "wire.jsonl",
            json.dumps(
                {
                    "title": "Night raid",
                    "published": LATE_EVENING,
                    "text": "Haitian police raided a gang base in Delmas and arrested four men.",
                }
            )
            + "\n",
        ),
        (
            "post.md",
            f"---\ntitle: Night raid\ndate: {LATE_EVENING}\n---\nHaitian police raided a gang base in Delmas "
            "and arrested four men.\n",
        ),
        (
            "feed.xml",
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>Night raid'
            "</title><pubDate>Wed, 27 Aug 2025 23:30:00 -0500</pubDate><description>Haitian police raided a "
            "gang base in Delmas and arrested four men.</description></item></channel></rss>",
        ),
        (
            "atom.xml",
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><entry>'
            f"<title>Night raid</title><published>{LATE_EVENING}</published><content>Haitian police raided a "
            "gang base in Delmas and arrested four men.</content></entry></feed>",
        ),
    ],
)
def test_a_late_evening_timestamp_is_the_day_in_the_publishers_time_zone(tmp_path, name, content):
    write(tmp_path / name, content)
    documents, diagnostics = read_corpus(tmp_path, date(2025, 9, 1))
    assert [d.published for d in documents] == [date(2025, 8, 27)], diagnostics


def test_a_date_without_a_year_in_a_plan_is_the_coming_one():
    text = "They may keep up to 12,626 personnel until June 30, by which date all troops are to be moved."
    reference = date(2024, 12, 28)
    assert [m.day for m in find_dates(text, reference, nearest=True, ahead=True)] == [date(2025, 6, 30)]
    assert [m.day for m in find_dates(text, reference, nearest=True)] == [date(2024, 6, 30)]  # no plan: nearest
