"""The cases of ../shared/HOSTILE_INPUTS.md that other modules do not already hold, through the real stack.

Each test names its case number. The good corpus of conftest (one article per reader) sits beside the
hostile file, so "the others render" is checked every time.
"""

from __future__ import annotations

import errno
import json
import os
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import files_under, run_cli, write, write_config, write_corpus
from pypdf import PdfReader

SECRET = "root:x:0:0"  # the first bytes of /etc/passwd


def build(
    tmp_path: Path,
    *,
    formats: str = "json",
    extra_env: dict | None = None,
    out: Path | None = None,
    audience: str = "analyst",
    timeout: float = 120,
):
    """The CLI build of tmp_path's corpus; a build still running after `timeout` seconds fails the test (a hang)."""
    config = tmp_path / "brief.yaml"
    if not config.exists():
        write_config(tmp_path)
    env_before = dict(os.environ)
    if extra_env:
        os.environ.update(extra_env)
    try:
        return run_cli(
            "build",
            "--config",
            config,
            "--corpus",
            tmp_path / "corpus",
            "--out",
            out or tmp_path / "out",
            "--format",
            formats,
            "--audience",
            audience,
            timeout=timeout,
        )
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def outputs_text(folder: Path, *, raw_pdf: bool = True) -> str:
    """Everything the outputs say: HTML and JSON as text, PDF text (and raw bytes), DOCX XML parts."""
    chunks = []
    for path in files_under(folder):
        if path.suffix == ".pdf":
            chunks.append("\n".join(page.extract_text() for page in PdfReader(path).pages))
            if raw_pdf:
                chunks.append(path.read_bytes().decode("latin-1"))
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as docx:
                chunks.extend(
                    docx.read(name).decode("utf-8", "replace")
                    for name in docx.namelist()
                    if name.endswith((".xml", ".rels"))
                )
        else:
            chunks.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(chunks)


def docx_parts(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        return {name: docx.read(name) for name in docx.namelist()}


def pdf_has_no_attachments(path: Path) -> bool:
    reader = PdfReader(path)
    names = reader.trailer["/Root"].get("/Names", {})
    if "/EmbeddedFiles" in names:
        return False
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                return False
    return True


# --- rendering: cases 1-4 -----------------------------------------------------------------------------------

ATTACK_PAGE = """<html><head><title>Haiti MSS attack page</title>
<meta property="article:published_time" content="2025-08-28T09:00:00Z">
<link rel="attachment" href="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/passwd">
<style>@import url(file:///etc/passwd); body {{ background: url(file:///etc/passwd) }}</style></head>
<body><article><h1>MSS raid in Delmas</h1>
<p>Haitian police and the MSS mission in Haiti raided a gang base in Delmas and arrested four suspects.</p>
<p><a rel="attachment" href="file:///etc/passwd">file</a> <a rel="attachment" href="../secret">rel</a>
<img src="file:///dev/zero"> <img src="http://169.254.169.254/"> <object data="file:///etc/passwd"></object>
<embed src="file:///etc/passwd"> <span style="background:url(file:///etc/passwd)">styled</span></p>
<table><tr><td colspan="65534">wide</td></tr></table>
<p>The PNH said the operation in Port-au-Prince would continue in the coming days.</p>
</article></body></html>"""


def test_cases_1_to_4_article_markup_never_reaches_the_renderer(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / "attack.html", ATTACK_PAGE)
    write(tmp_path / "secret", "SECRET-NEIGHBOUR-FILE")
    result = build(tmp_path, formats="pdf,docx,html,json", timeout=60)  # no hang on /dev/zero
    assert result.returncode == 0, result.stderr
    text = outputs_text(tmp_path / "out")
    assert SECRET not in text and "SECRET-NEIGHBOUR-FILE" not in text
    pdf = next((tmp_path / "out").glob("*.pdf"))
    assert pdf_has_no_attachments(pdf)
    html = next((tmp_path / "out").glob("*.html")).read_text()
    assert "169.254.169.254" not in html and "<object" not in html and "<embed" not in html
    assert "colspan" not in html  # the article's 65534-column table, 11 s of layout, never reaches a renderer


# --- text hygiene: case 6 ---------------------------------------------------------------------------------------


def test_case_6_control_characters_are_removed_and_every_format_is_written(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "dirty.txt",
        "date 2025-08-27 Haitian police\x00 and the MSS\x0b mission in Haiti\x1b[31m raided a gang base in "
        "Delmas\ufffe and arrested five suspects.\n",
    )
    write(
        tmp_path / "corpus" / "surrogate.jsonl",
        '{"title": "Lone \\ud800 surrogate", "published": "2025-08-27", "text": "The PNH and the MSS in Haiti '
        'seized \\udc00 nine rifles in Delmas during a raid on Tuesday."}\n',
    )
    result = build(tmp_path, formats="pdf,docx,html,json")
    assert result.returncode == 0, result.stderr
    for path in files_under(tmp_path / "out"):
        data = path.read_bytes()
        assert b"\x00" not in data or path.suffix in (".pdf", ".docx")
    text = outputs_text(tmp_path / "out", raw_pdf=False)
    assert "\x0b" not in text and "\x1b" not in text and "\ufffe" not in text
    assert "arrested five suspects" in text


# --- config and front matter: cases 8, 10 ----------------------------------------------------------------------


def test_case_8_alias_bomb_in_config_is_an_error_within_a_second(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    write(tmp_path / "bomb.yaml", bomb)
    result = run_cli("build", "--config", tmp_path / "bomb.yaml", "--out", tmp_path / "out", timeout=60)
    assert result.returncode == 2
    assert "aliases" in result.stderr and "Traceback" not in result.stderr
    assert files_under(tmp_path / "out") == []


def test_case_8_alias_bomb_in_front_matter_skips_the_article(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "bomb.md",
        "---\na: &a [x, x]\nb: [*a, *a]\ntitle: Bomb\n---\n"
        "Haitian police and the MSS in Haiti raided Delmas and arrested a bomb maker.\n",
    )
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "bomb.md" in result.stderr and "skipped" in result.stderr
    assert "bomb maker" not in outputs_text(tmp_path / "out")


@pytest.mark.parametrize(
    "front_matter",
    [
        "---\ntitle: [unclosed\ndate: 2025-08-27\n---\n",
        "---\ntitle: Tabbed\n\tdate: 2025-08-27\n---\n",
        "---\n---\n",
    ],
)
def test_case_10_broken_front_matter_warns_and_the_others_render(tmp_path, front_matter):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "broken.md",
        front_matter + "Haitian police and the MSS mission in Haiti cleared barricades in Delmas on August 27, 2025.\n",
    )
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    paths = {s["path"] for s in data["sources"]}
    assert {"ops.txt", "equipment.md"} <= paths  # the others render
    if front_matter != "---\n---\n":
        assert "broken.md" in result.stderr


# --- dates: case 12 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["05/03/2024", "2 days ago", "not a date", "2024-02-30"])
def test_case_12_unusable_dates_are_unknown_with_a_warning(tmp_path, value):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "odd.jsonl",
        json.dumps({"title": "Odd", "published": value, "text": "The MSS in Haiti patrolled Delmas."}) + "\n",
    )
    result = run_cli("sources", "--config", write_config(tmp_path), "--corpus", tmp_path / "corpus")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("odd.jsonl"))
    assert "unknown" in line and "out: no publication date" in line
    assert "odd.jsonl" in result.stderr


def test_case_12_a_date_after_the_as_of_date_is_warned(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "future.jsonl",
        json.dumps({"title": "Future", "published": "2031-01-01", "text": "The MSS in Haiti patrolled."}) + "\n",
    )
    result = run_cli(
        "sources", "--config", write_config(tmp_path), "--corpus", tmp_path / "corpus", "--as-of", "2025-09-01"
    )
    assert "future.jsonl" in result.stderr and "after the as-of date" in result.stderr


# --- feeds, JSONL, HTML: cases 13-18 -------------------------------------------------------------------------------


def test_case_13_external_entities_are_not_resolved(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "xxe.rss",
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>Haiti &x;</title>'
        "<pubDate>Thu, 28 Aug 2025 07:30:00 +0000</pubDate>"
        "<description>The MSS in Haiti and the PNH raided Delmas &x; and seized rifles.</description></item>"
        "</channel></rss>",
    )
    result = build(tmp_path, formats="html,json")
    assert result.returncode == 0, result.stderr
    assert SECRET not in outputs_text(tmp_path / "out") and SECRET not in result.stderr


def test_case_14_billion_laughs_is_done_quickly(tmp_path):
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "laughs.rss",
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entities}]>\n<rss version="2.0"><channel><title>&a9;</title>'
        "<item><title>&a9;</title><description>&a9;</description></item></channel></rss>",
    )
    result = build(tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "laughs.rss" in result.stderr
    assert "lollollol" not in outputs_text(tmp_path / "out")


def test_case_15_a_truncated_feed_keeps_the_entries_before_the_break(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "cut.rss",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>'
        "<item><title>Whole</title><pubDate>Thu, 28 Aug 2025 07:30:00 +0000</pubDate>"
        "<description>Haitian police and the MSS in Haiti seized eleven rifles in Tabarre.</description></item>"
        "<item><title>Cut</title><pubDate>Fri, 29 Aug 2025 07:30</pubDate><description>The PNH and the MSS in",
    )
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "cut.rss" in result.stderr
    assert "eleven rifles" in outputs_text(tmp_path / "out")


def test_case_16_a_50_mb_jsonl_line_is_capped(tmp_path):
    write_corpus(tmp_path / "corpus")
    good = json.dumps(
        {
            "title": "Good",
            "published": "2025-08-27",
            "text": "The MSS mission in Haiti and the PNH arrested seven suspects in Tabarre.",
        }
    )
    huge = '{"title": "Huge", "published": "2025-08-27", "text": "' + "a" * (50 * 1024 * 1024) + '"}'
    write(tmp_path / "corpus" / "big.jsonl", good + "\n" + huge + "\n")
    result = build(tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "big.jsonl" in result.stderr
    assert "seven suspects" in outputs_text(tmp_path / "out")


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><script>var a = 1;</script></body></html>",
        "<html><body>" + "<div>" * 5000 + "x" + "</div>" * 5000 + "</body></html>",
        "<html><body><p>" + "word " * 2_000_000 + "</p></body></html>",
    ],
)
def test_case_17_html_without_usable_text_warns_without_crashing(tmp_path, page):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / "empty.html", page)
    result = build(tmp_path, timeout=90)
    assert result.returncode == 0, result.stderr
    assert "empty.html" in result.stderr


def test_case_18_a_100000_word_paragraph_is_capped(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / "long.txt", "date 2025-08-27 " + "The MSS in Haiti patrolled Delmas " * 30_000)
    result = build(tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "long.txt" in result.stderr and "ignored" in result.stderr


# --- the corpus folder and the outputs: cases 20-22, 25 --------------------------------------------------------------


def test_case_20_a_symlink_out_of_the_corpus_is_not_followed(tmp_path):
    write_corpus(tmp_path / "corpus")
    (tmp_path / "corpus" / "passwd.txt").symlink_to("/etc/passwd")
    (tmp_path / "corpus" / "outside").symlink_to(tmp_path, target_is_directory=True)
    result = build(tmp_path, formats="html,json")
    assert result.returncode == 0, result.stderr
    assert "passwd.txt" in result.stderr and "symbolic link" in result.stderr
    assert SECRET not in outputs_text(tmp_path / "out")


def test_case_21_a_corpus_of_invalid_articles_is_an_error_and_previous_outputs_stay(tmp_path):
    write_corpus(tmp_path / "corpus")
    assert build(tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in files_under(tmp_path / "out")}
    for path in files_under(tmp_path / "corpus"):
        path.unlink()
    write(tmp_path / "corpus" / "empty.txt", "")
    write(tmp_path / "corpus" / "binary.txt", b"\x00\x01\x02\xff" * 100)
    result = build(tmp_path)
    assert result.returncode == 1
    assert "0 usable articles" in result.stderr
    assert {p: p.read_bytes() for p in files_under(tmp_path / "out")} == before


def test_case_22_an_unwritable_output_leaves_no_partial_file_and_previous_outputs_intact(tmp_path):
    write_corpus(tmp_path / "corpus")
    assert build(tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in files_under(tmp_path / "out")}
    blocked = tmp_path / "blocked"
    write(blocked, "a file where the output folder should be")
    result = build(tmp_path, out=blocked / "sub")
    assert result.returncode == 1 and "cannot write output" in result.stderr
    assert {p: p.read_bytes() for p in files_under(tmp_path / "out")} == before


def test_case_22_a_disk_that_fills_mid_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    from briefgen.errors import RenderError
    from briefgen.output import write_atomically

    out = tmp_path / "out"
    write(out / "brief.json", "previous")
    calls = {"n": 0}
    real_fsync = os.fsync

    def full_disk(fd):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(RenderError):
        write_atomically({out / "brief.pdf": b"%PDF new", out / "brief.json": b"new"})
    assert (out / "brief.json").read_text() == "previous"
    assert [p.name for p in files_under(out)] == ["brief.json"]  # no temporary file, no half-set


@pytest.mark.heavy
def test_case_25_a_rerun_with_unchanged_inputs_gives_identical_files(tmp_path):
    write_corpus(tmp_path / "corpus")
    epoch = {"SOURCE_DATE_EPOCH": "1756713600"}
    assert build(tmp_path, formats="pdf,docx,json", extra_env=epoch).returncode == 0
    first = {p.name: p.read_bytes() for p in files_under(tmp_path / "out")}
    assert build(tmp_path, formats="pdf,docx,json", extra_env=epoch).returncode == 0
    second = {p.name: p.read_bytes() for p in files_under(tmp_path / "out")}
    assert first.keys() == second.keys()
    for name in first:
        if name.endswith(".docx"):  # the zip container stamps times; its parts must not differ
            assert docx_parts(first[name]) == docx_parts(second[name])
        else:
            assert first[name] == second[name], name
    write(
        tmp_path / "corpus" / "ops.txt",
        "date 2025-08-26 Haitian police and MSS officers raided a gang "
        "stronghold in Tabarre overnight and arrested nine suspects.\n",
    )
    assert build(tmp_path, formats="pdf,docx,json", extra_env=epoch).returncode == 0
    third = {p.name: p.read_bytes() for p in files_under(tmp_path / "out")}
    assert third.keys() == first.keys()  # replaced in place, no stray files
    assert third != first


def test_case_19_an_article_that_takes_too_long_is_skipped_and_the_run_goes_on(tmp_path, monkeypatch):
    import briefgen.ingest
    from briefgen.ingest import read_corpus

    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / "stuck.txt", "date 2025-08-27 The MSS in Haiti patrolled Delmas.\n")
    real = briefgen.ingest.reader_for
    woke = []

    def slow_for_stuck(suffix):
        reader = real(suffix)

        def read(rel, data, ctx):
            if rel == "stuck.txt":
                time.sleep(60)  # stands for a splitter or parser that never returns
                woke.append(rel)
            return reader(rel, data, ctx)

        return read

    monkeypatch.setattr(briefgen.ingest, "reader_for", slow_for_stuck)
    monkeypatch.setattr(briefgen.ingest, "SECONDS_PER_FILE", 0.5)
    documents, diagnostics = read_corpus(tmp_path / "corpus", date(2025, 9, 1))
    assert woke == [], "the read waited for the stuck file instead of giving up at its time budget"
    assert any(d.path == "stuck.txt" and "longer than" in d.message for d in diagnostics)
    assert {d.path for d in documents} >= {"ops.txt", "equipment.md"}


def test_build_and_run_end_with_a_one_line_report_also_in_the_manifest(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "corpus" / "old.jsonl",
        json.dumps({"title": "Old", "published": "2025-07-01", "text": "The MSS in Haiti patrolled."}) + "\n",
    )
    write(tmp_path / "corpus" / "broken.rss", "<rss><channel><item><title>only")
    built = build(tmp_path)
    assert built.returncode == 0, built.stderr
    report = built.stderr.strip().splitlines()[-1]
    assert report == "briefgen: 5 documents read, 4 used, 1 out of window, 1 skipped: no extractable text", report
    ran = run_cli(
        "run",
        "--config",
        tmp_path / "brief.yaml",
        "--corpus",
        tmp_path / "corpus",
        "--out",
        tmp_path / "runs",
        "--as-of",
        "2025-09-01",
    )
    assert ran.returncode == 0, ran.stderr
    manifest = json.loads(next((tmp_path / "runs").rglob("manifest.json")).read_text())
    assert f"briefgen: {manifest['summary']}" == ran.stderr.strip().splitlines()[-1] == report
