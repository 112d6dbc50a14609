"""The command line as a user runs it: `python -m briefgen ...` in a subprocess."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SECTION_TITLES, SEEDS, config_text, files_under, run_cli, write, write_config, write_corpus

WINDOW = ("--from", "2025-08-25", "--to", "2025-08-31", "--as-of", "2025-09-01")


@pytest.fixture
def project(tmp_path):
    """A config in tmp_path whose corpus folder holds one good article per reader."""
    write_corpus(tmp_path / "corpus")
    return write_config(tmp_path), tmp_path


def test_build_json_prints_exactly_the_written_paths(project):
    config, root = project
    out = root / "briefings"
    result = run_cli(
        "build",
        "--config",
        config,
        "--corpus",
        root / "corpus",
        *WINDOW,
        "--audience",
        "analyst",
        "--format",
        "json",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    expected = out / "testbrief_analyst_2025-08-25_2025-08-31.json"
    assert result.stdout.splitlines() == [str(expected)]
    assert files_under(out) == [expected]
    assert "Traceback" not in result.stderr


def test_the_program_keeps_a_build_s_window_to_its_exit(project, capsys):
    """`briefgen` (cli.entry) exits without freeing what a build made, so the build hands it over whole: the
    window's events and facts, not freed with the build's frames."""
    from briefgen.cli import main
    from briefgen.pipeline import BuildResult

    config, root = project
    held: list[object] = []
    args = ["build", "--config", str(config), "--corpus", str(root / "corpus"), *WINDOW, "--format", "json"]
    assert main([*args, "--out", str(root / "out"), "--no-cache"], held=held) == 0
    [result] = held
    assert isinstance(result, BuildResult) and result.window is not None
    assert result.window.facts > 0 and result.window.events
    assert capsys.readouterr().out.splitlines() == [str(path) for path in result.written]


def test_build_json_follows_the_briefing_contract(project):
    config, root = project
    out = root / "out"
    result = run_cli("build", "--config", config, *WINDOW, "--audience", "analyst", "--format", "json", "--out", out)
    assert result.returncode == 0, result.stderr
    data = json.loads(Path(result.stdout.strip()).read_text(encoding="utf-8"))

    assert data["title"] == "Test briefing"
    assert data["audience"] == "analyst"
    assert data["window"] == {"from": "2025-08-25", "to": "2025-08-31"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", data["generated_at"])
    assert [s["id"] for s in data["sections"]] == ["operations", "equipment", "nations", "outlook"]
    assert [s["title"] for s in data["sections"]] == list(SECTION_TITLES.values())

    source_ids = [s["id"] for s in data["sources"]]
    assert len(source_ids) == len(set(source_ids))
    cited = set()
    for section in data["sections"]:
        assert section["items"], f"section {section['id']} is empty"
        for item in section["items"]:
            assert set(item) >= {"id", "text", "date", "sources"}
            assert isinstance(item["id"], str) and item["id"]
            assert isinstance(item["text"], str) and item["text"].strip()
            assert "<" not in item["text"]
            assert item["date"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", item["date"])
            assert item["sources"], f"item {item['id']} cites nothing"
            assert set(item["sources"]) <= set(source_ids)
            cited.update(item["sources"])
    item_ids = [i["id"] for s in data["sections"] for i in s["items"]]
    assert len(item_ids) == len(set(item_ids))
    assert cited == set(source_ids)

    by_path = {}
    for source in data["sources"]:
        assert set(source) >= {"id", "title", "published", "path", "item", "url"}
        by_path[(source["path"], source["item"])] = source
    assert set(by_path) == {("ops.txt", None), ("equipment.md", None), ("nations.html", None), ("feeds/wire.jsonl", 0)}
    assert by_path[("equipment.md", None)]["title"] == "Armoured vehicles handed to the mission"
    assert by_path[("equipment.md", None)]["url"] == "https://news.example/armour"
    assert by_path[("ops.txt", None)]["published"] == "2025-08-26"
    assert by_path[("nations.html", None)]["published"] == "2025-08-28"
    assert by_path[("feeds/wire.jsonl", 0)]["published"] == "2025-08-29"


def test_build_without_audience_builds_every_audience(project):
    config, root = project
    out = root / "out"
    result = run_cli("build", "--config", config, *WINDOW, "--format", "json,html", "--out", out)
    assert result.returncode == 0, result.stderr
    names = sorted(Path(line).name for line in result.stdout.splitlines())
    assert names == [
        "testbrief_analyst_2025-08-25_2025-08-31.html",
        "testbrief_analyst_2025-08-25_2025-08-31.json",
        "testbrief_executive_2025-08-25_2025-08-31.html",
        "testbrief_executive_2025-08-25_2025-08-31.json",
    ]
    assert [p.name for p in files_under(out)] == names
    executive = json.loads((out / "testbrief_executive_2025-08-25_2025-08-31.json").read_text())
    assert executive["audience"] == "executive"
    assert all(len(s["items"]) <= 3 for s in executive["sections"])  # its own max_items


def test_a_pdf_build_prints_only_its_summary_on_stderr(project):
    """No library's log lines (an imported library once turned on INFO logging for every other)."""
    config, root = project
    result = run_cli(
        "build", "--config", config, *WINDOW, "--audience", "executive", "--format", "pdf", "--out", root / "out"
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("briefgen: "), result.stderr


def test_as_of_drives_the_relative_window_of_the_config(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write_config(tmp_path, window="previous_week")
    result = run_cli(
        "build",
        "--config",
        config,
        "--as-of",
        "2025-09-07",
        "--format",
        "json",
        "--audience",
        "analyst",
        "--out",
        tmp_path / "out",
    )
    assert result.returncode == 0, result.stderr
    [written] = result.stdout.splitlines()
    assert Path(written).name == "testbrief_analyst_2025-08-25_2025-08-31.json"
    assert json.loads(Path(written).read_text())["window"] == {"from": "2025-08-25", "to": "2025-08-31"}


def test_from_to_override_the_window_of_the_config(project):
    config, root = project
    result = run_cli(
        "build",
        "--config",
        config,
        "--from",
        "2025-08-28",
        "--to",
        "2025-08-29",
        "--as-of",
        "2025-09-01",
        "--format",
        "json",
        "--audience",
        "analyst",
        "--out",
        root / "out",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(Path(result.stdout.strip()).read_text())
    assert data["window"] == {"from": "2025-08-28", "to": "2025-08-29"}
    # only the two articles published on 28 and 29 August are used
    assert {s["path"] for s in data["sources"]} == {"nations.html", "feeds/wire.jsonl"}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed articles are not present")
def test_sources_lists_each_seed_with_its_date(tmp_path):
    config = write_config(tmp_path, window="previous_week")
    result = run_cli("sources", "--config", config, "--corpus", SEEDS, "--as-of", "2025-09-01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("# window 2025-08-25 to 2025-08-31 (previous ISO week, Monday to Sunday, as of 2025-09-01)")
    assert lines[1].split()[:3] == ["PATH", "ITEM", "PUBLISHED"]
    rows = lines[2:]
    seeds = sorted(p.name for p in SEEDS.iterdir() if p.is_file() and not p.name.startswith("."))
    assert len(rows) == len(seeds)
    published = {row.split()[0]: row.split()[2] for row in rows}
    assert sorted(published) == seeds
    assert sorted(published.values()) == ["2024-08-28", "2025-01-21", "2025-08-25"]
    in_window = [row.split()[0] for row in rows if "  in: " in row]
    assert [published[name] for name in in_window] == ["2025-08-25"]
    assert list(tmp_path.iterdir()) == [config]  # nothing written


def test_check_writes_nothing_and_exits_0(project):
    config, root = project
    before = files_under(root)
    result = run_cli("check", "--config", config, *WINDOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{config}: config, topic and templates valid; 4 documents read, "
        "4 in the window 2025-08-25 to 2025-08-31, 0 off topic, 0 warning(s)"
    )
    assert files_under(root) == before
    assert not (root / "out").exists()


def test_empty_corpus_is_a_one_line_error_and_writes_nothing(tmp_path):
    (tmp_path / "corpus").mkdir()
    config = write_config(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", "--config", config, *WINDOW, "--out", out)
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"briefgen: error: {(tmp_path / 'corpus').resolve()}: 0 usable articles in the corpus folder"
    ]
    assert result.stdout == ""
    assert not out.exists()


def test_one_bad_article_is_warned_and_the_build_succeeds(project):
    config, root = project
    write(root / "corpus" / "garbled.txt", b"\x00\x01\x02\x03 not text")
    out = root / "out"
    result = run_cli("build", "--config", config, *WINDOW, "--audience", "analyst", "--format", "json", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "briefgen: warning: garbled.txt: binary file, not text; skipped" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    [written] = result.stdout.splitlines()
    data = json.loads(Path(written).read_text())
    assert "garbled.txt" not in {s["path"] for s in data["sources"]}
    assert len(data["sources"]) == 4


def test_config_errors_exit_2_with_one_line_each_and_write_nothing(tmp_path):
    write_corpus(tmp_path / "corpus")
    text = config_text(window="{from: 2025-13-01, to: 2025-08-31}").replace("    max_items: 25\n", "    max_item: 25\n")
    config = write(tmp_path / "brief.yaml", text)
    out = tmp_path / "out"
    result = run_cli("build", "--config", config, "--out", out)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"briefgen: error: {config}: audiences.analyst.max_item: unknown key (a typo?), got 'max_item'",
        f"briefgen: error: {config}: window.from: expected a date YYYY-MM-DD, got '2025-13-01'",
    ]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_bad_flags_exit_2_and_write_nothing(project):
    config, root = project
    out = root / "out"
    result = run_cli(
        "build", "--config", config, *WINDOW, "--audience", "minister", "--format", "pdf,odt", "--out", out
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"briefgen: error: {config}: --audience: expected one of analyst, executive, got 'minister'",
        f"briefgen: error: {config}: --format: expected some of pdf, docx, html, json, got 'odt'",
    ]
    assert not out.exists()


def test_missing_config_file(tmp_path):
    result = run_cli("check", "--config", tmp_path / "nope.yaml")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"briefgen: error: {tmp_path / 'nope.yaml'}: file not found"]
