"""Hostile corpora for the read stage (../shared/HOSTILE_INPUTS.md case 20, and the limits of the parsers and
of the file system), through the CLI as a user runs it: the bad file or entry is skipped, or its bad field
ignored, with one warning line naming it, and the build still writes its outputs.

The good corpus of conftest sits beside every hostile file, so "the run goes on" is checked each time.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from conftest import run_cli, write, write_config, write_corpus

from briefgen.dates import find_dates, parse_date_string
from briefgen.files import UnsafeFile
from briefgen.ingest import MAX_DEPTH, READERS, read_corpus, read_corpus_file, time_budget

AS_OF = "2025-09-01"
ARTICLE = "Haitian police and the MSS mission in Haiti raided a gang base in Delmas and arrested {} suspects."


def build(tmp_path: Path, formats: str = "json"):
    if not (tmp_path / "brief.yaml").exists():
        write_config(tmp_path)
    return run_cli(
        "build",
        "--config",
        tmp_path / "brief.yaml",
        "--corpus",
        tmp_path / "corpus",
        "--out",
        tmp_path / "out",
        "--format",
        formats,
        "--audience",
        "analyst",
        "--as-of",
        AS_OF,
    )


def briefing_after(result, tmp_path: Path) -> dict:
    """The JSON briefing the build wrote, once it has exited 0 without a traceback."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))


def warned(result, name: str, says: str) -> bool:
    """One stderr line names `name` and says `says`."""
    return any(name in line and says in line for line in result.stderr.splitlines())


def paths_in(briefing: dict) -> set[str]:
    """Every corpus path the briefing names, cited or left out."""
    return {s["path"] for s in briefing["sources"]} | {
        left["document"].split("#")[0] for left in briefing["coverage"]["left_out"]
    }


# --- links and special files ---------------------------------------------------------------------------------

SECRET = "Quartermaster Ledger Zebra"


@pytest.mark.heavy
def test_a_file_swapped_for_a_link_during_the_build_is_never_followed(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    # files read before the targets keep the listing far from the reads, so a swap lands between the two
    for n in range(120):
        write(corpus / f"filler-{n:03}.txt", f"date 2025-08-27 {ARTICLE.format(n)}\n")
    secret = write(tmp_path / "secret.txt", f"date 2025-08-27 {SECRET}\n\n{ARTICLE.format('ninety')}\n")
    plain = f"date 2025-08-28 {ARTICLE.format('twelve')}\n"
    targets = [write(corpus / f"zz-target-{n}.txt", plain) for n in range(8)]
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for target in targets:  # each swap is atomic (os.replace), as an attacker's would be
                link = target.with_name(".link")
                link.symlink_to(secret)
                os.replace(link, target)
                os.replace(write(target.with_name(".plain"), plain), target)

    def landed(result) -> bool:
        return warned(result, "zz-target-", "symbolic link")

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        results = []
        # Three builds, and more (twelve at most) until a swap lands between a listing and a read: how often
        # one does depends on how busy the machine's cores are, not on briefgen.
        while len(results) < 3 or (len(results) < 12 and not any(map(landed, results))):
            results.append(build(tmp_path))
            briefing = briefing_after(results[-1], tmp_path)
            assert SECRET not in json.dumps(briefing)
            assert SECRET not in results[-1].stdout + results[-1].stderr
    finally:
        stop.set()
        swapper.join()
    assert any(map(landed, results))  # the swaps did land


@pytest.mark.parametrize(
    ("make", "parts"),
    [
        (lambda corpus, outside: (corpus / "article.txt").symlink_to(outside / "secret.txt"), ("article.txt",)),
        (
            lambda corpus, outside: (corpus / "folder").symlink_to(outside, target_is_directory=True),
            ("folder", "secret.txt"),
        ),
        (lambda corpus, outside: os.mkfifo(corpus / "article.txt"), ("article.txt",)),
    ],
    ids=["link-as-file", "link-as-folder", "fifo"],
)
def test_opening_refuses_what_became_a_link_or_a_special_file_since_the_listing(tmp_path, make, parts):
    write(tmp_path / "outside" / "secret.txt", SECRET)
    (tmp_path / "corpus").mkdir()
    make(tmp_path / "corpus", tmp_path / "outside")
    root = os.open(tmp_path / "corpus", os.O_RDONLY | os.O_DIRECTORY)
    try:
        with time_budget(5), pytest.raises(UnsafeFile):  # opening a FIFO to read would block: it must not
            read_corpus_file(root, parts)
    finally:
        os.close(root)


def test_a_fifo_named_like_an_article_is_skipped_without_blocking(tmp_path):
    write_corpus(tmp_path / "corpus")
    os.mkfifo(tmp_path / "corpus" / "pipe.txt")
    result = build(tmp_path)
    briefing = briefing_after(result, tmp_path)
    assert warned(result, "pipe.txt", "not a regular file")
    assert "ops.txt" in paths_in(briefing)


# --- nesting and big numbers ---------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ('{"title": "Deep", "published": "2025-08-27", "text": "x", "tags": ' + DEEP + "}", "nested too deeply"),
        ('{"title": "Long", "published": "2025-08-27", "text": "x", "views": 1' + "0" * 5000 + "}", "number too long"),
    ],
    ids=["nested-100000-deep", "integer-of-5000-digits"],
)
def test_a_jsonl_line_past_the_parser_limits_skips_that_line_only(tmp_path, bad, says):
    write_corpus(tmp_path / "corpus")
    good = json.dumps({"title": "Good", "published": "2025-08-27", "text": ARTICLE.format("eleven")})
    write(tmp_path / "corpus" / "wire2.jsonl", f"{bad}\n{good}\n")
    result = build(tmp_path)
    briefing = briefing_after(result, tmp_path)
    assert warned(result, "wire2.jsonl:1:", says)
    assert "wire2.jsonl" in paths_in(briefing)  # line 2 of the same file is read


def test_json_ld_nested_100000_deep_is_ignored_and_the_page_read(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "deep.html",
        f'<html><head><title>Raid in Delmas</title><script type="application/ld+json">{DEEP}</script>'
        '<script type="application/ld+json">{"datePublished": "2025-08-27"}</script></head><body><article>'
        f"<p>{ARTICLE.format('fourteen')}</p><p>The PNH said the operation would continue in Port-au-Prince "
        "and that more raids were planned for the coming days.</p></article></body></html>",
    )
    result = build(tmp_path)
    briefing = briefing_after(result, tmp_path)
    assert warned(result, "deep.html", "JSON nested too deeply; ignored")
    source = next(s for s in briefing["sources"] if s["path"] == "deep.html")
    assert source["published"] == "2025-08-27"  # from the JSON-LD block after the bad one


def test_front_matter_with_an_integer_of_5000_digits_is_read_without_it(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "views.md",
        f"---\ntitle: Views\nviews: 1{'0' * 5000}\n---\ndate 2025-08-27 {ARTICLE.format('fifteen')}\n",
    )
    result = build(tmp_path)
    briefing = briefing_after(result, tmp_path)
    assert warned(result, "views.md", "front matter is not valid YAML")
    assert "views.md" in paths_in(briefing)


@pytest.mark.parametrize(
    ("suffix", "write_entries"),
    [
        (".jsonl", lambda texts: "".join(json.dumps({"published": "2025-08-27", "text": t}) + "\n" for t in texts)),
        (
            ".rss",
            lambda texts: (
                '<rss version="2.0"><channel><title>Desk</title>'
                + "".join(
                    f"<item><pubDate>Wed, 27 Aug 2025 07:30:00 +0000</pubDate><description>{t}</description></item>"
                    for t in texts
                )
                + "</channel></rss>"
            ),
        ),
    ],
    ids=["jsonl", "feed"],
)
def test_an_unforeseen_error_in_one_entry_loses_that_entry_only(tmp_path, monkeypatch, suffix, write_entries):
    reader = importlib.import_module(f"briefgen.ingest.{READERS[suffix]}")
    real = reader.build_document

    def fails_on_the_second(rel, ctx, body, **fields):
        if "second" in body:
            raise RuntimeError("a bug nobody foresaw")
        return real(rel, ctx, body, **fields)

    monkeypatch.setattr(reader, "build_document", fails_on_the_second)
    texts = [ARTICLE.format(word) for word in ("first", "second", "third")]
    write(tmp_path / f"wire{suffix}", write_entries(texts))
    documents, diagnostics = read_corpus(tmp_path, date.fromisoformat(AS_OF))
    assert [d.item for d in documents] == [0, 2]
    assert [str(d) for d in diagnostics] == [
        f"wire{suffix}:2: unexpected RuntimeError: a bug nobody foresaw; skipped"
        if suffix == ".jsonl"
        else f"wire{suffix}: item 1: unexpected RuntimeError: a bug nobody foresaw; skipped"
    ]


# --- dates at the ends of the calendar -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "late.jsonl",
            json.dumps(
                {"title": "Late", "published": "Fri, 31 Dec 9999 23:59:59 -1200", "text": ARTICLE.format("sixteen")}
            )
            + "\n",
        ),
        # a dateline "Yesterday" is resolved against the metadata date: year 1 minus a day overflowed
        (
            "early.md",
            "---\ntitle: Early\ndate: !!timestamp 0001-01-01\n---\n"
            f"PORT-AU-PRINCE, Yesterday 5 — {ARTICLE.format('seventeen')}\n",
        ),
        (
            "early.rss",
            '<rss version="2.0"><channel><title>Desk</title><item><title>Early</title>'
            f"<pubDate>Mon, 01 Jan 0001 00:00:00 +1400</pubDate><description>{ARTICLE.format('eighteen')}"
            "</description></item></channel></rss>",
        ),
    ],
    ids=["jsonl-9999", "front-matter-0001", "feed-0001"],
)
def test_a_metadata_date_in_year_9999_or_0001_is_dropped_with_a_warning(tmp_path, name, content):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / name, content)
    result = build(tmp_path)
    briefing = briefing_after(result, tmp_path)
    assert warned(result, name, "not between 1900 and 2200")
    assert name in paths_in(briefing)


def test_dates_at_the_ends_of_the_calendar_never_raise():
    for reference in (date.min, date.max):
        for text in (
            "yesterday",
            "today",
            "on Sunday",
            "last Monday",
            "Christmas Day",
            "New Year's Day",
            "March 3",
            "until June 30",
        ):
            for options in ({}, {"nearest": True}, {"ahead": True}):
                assert all(m.day is not None for m in find_dates(text, reference, **options))
    assert parse_date_string("Fri, 29 Aug 2025 07:30:00 +99999999999999999999") == date(2025, 8, 29)
    assert parse_date_string("Mon, 01 Jan 0001 00:00:00 +0000") is None  # not 2001, as a two-digit year


# --- deep folders and names that are not text ----------------------------------------------------------------


def test_a_folder_chain_1100_deep_is_read_to_its_depth_limit_and_the_rest_warned(tmp_path):
    write_corpus(tmp_path / "corpus")
    chain = tmp_path / "corpus" / "deep"
    # made through descriptors: the path of the bottom folder is longer than the system accepts (PATH_MAX)
    folder = os.open(tmp_path / "corpus", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for level in range(1, 1101):
            os.mkdir("deep", dir_fd=folder)
            below = os.open("deep", os.O_RDONLY | os.O_DIRECTORY, dir_fd=folder)
            os.close(folder)
            folder = below
            if level in (3, 1100):
                article = os.open(f"level-{level}.txt", os.O_WRONLY | os.O_CREAT, dir_fd=folder)
                os.write(article, f"date 2025-08-27 {ARTICLE.format(level)}\n".encode())
                os.close(article)
        os.close(folder)
        result = build(tmp_path)
        briefing = briefing_after(result, tmp_path)
        assert warned(result, "/".join(["deep"] * (MAX_DEPTH + 1)) + ":", "levels deep")
        assert "deep/deep/deep/level-3.txt" in paths_in(briefing)
    finally:
        subprocess.run(["rm", "-rf", chain], check=True)  # shutil.rmtree recurses once per level (Python 3.11)


@pytest.mark.parametrize(
    ("raw", "shown", "named"),
    [
        (b"caf\xe9-raid.txt", "caf\\xe9-raid.txt", "caf\\xe9-raid.txt"),
        (b"d\xff/raid.txt", "d\\xff/raid.txt", "d\\xff:"),
        (b"two\nlines.txt", "two\\nlines.txt", "two\\nlines.txt"),
    ],
    ids=["latin-1-name", "latin-1-folder", "newline-in-name"],
)
def test_a_name_that_is_not_utf8_text_reaches_every_output_escaped(tmp_path, raw, shown, named):
    write_corpus(tmp_path / "corpus")
    path = os.fsencode(tmp_path / "corpus") + b"/" + raw
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as article:
        article.write(f"date 2025-08-27 {ARTICLE.format('nineteen')}\n".encode())
    result = build(tmp_path, "json,docx,html")
    briefing = briefing_after(result, tmp_path)
    assert warned(result, named, "shown with escapes")
    assert shown in paths_in(briefing)
    assert {p.suffix for p in (tmp_path / "out").iterdir()} >= {".json", ".docx", ".html"}
