"""`briefgen run`, the scheduled run: output layout, manifest, history rows, repeatability and exit codes.

Runs the CLI as a subprocess against the seeds corpus (when present) or small invented corpora.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from conftest import (
    SEEDS,
    config_text,
    files_under,
    history_runs,
    run_cli,
    run_config_text,
    sha256_of,
    write,
    write_corpus,
)

import briefgen

WEEK = "2025-08-25_2025-08-31"
AUDIENCES = ("analyst", "executive")
FORMATS = ("pdf", "docx", "html", "json")
GENERATED_AT = re.compile(rb'^\s*"generated_at": "[^"]*",?\n', re.M)


@pytest.fixture(scope="module")
def seeds_runs(tmp_path_factory):
    """The seeds corpus run twice for the week of 25-31 August 2025, every format (PDFs included)."""
    if not SEEDS.is_dir():
        pytest.skip(f"no seeds corpus at {SEEDS}")
    root = tmp_path_factory.mktemp("seeds-run")
    config = write(root / "brief.yaml", config_text(window="previous_week"))
    out = root / "out"
    first_result = run_cli("run", "--config", config, "--corpus", SEEDS, "--as-of", "2025-09-01", "--out", out)
    assert first_result.returncode == 0, first_result.stderr
    folder = out / "testbrief" / WEEK
    first = {p.name: p.read_bytes() for p in files_under(folder)}
    second_result = run_cli("run", "--config", config, "--corpus", SEEDS, "--as-of", "2025-09-01", "--out", out)
    assert second_result.returncode == 0, second_result.stderr
    second = {p.name: p.read_bytes() for p in files_under(folder)}
    return config, out, folder, first_result, first, second


def test_run_writes_every_audience_and_format_under_name_and_window(seeds_runs):
    _, out, folder, result, first, _ = seeds_runs
    expected = {f"{audience}.{fmt}" for audience in AUDIENCES for fmt in FORMATS} | {"manifest.json"}
    assert set(first) == expected
    # stdout names exactly the files written, the manifest among them
    assert sorted(result.stdout.splitlines()) == sorted(str(folder / name) for name in expected)
    assert "Traceback" not in result.stderr
    assert first["analyst.pdf"].startswith(b"%PDF") and first["executive.docx"].startswith(b"PK")
    for audience in AUDIENCES:
        data = json.loads(first[f"{audience}.json"])
        assert data["audience"] == audience
        assert data["window"] == {"from": "2025-08-25", "to": "2025-08-31"}
    # nothing else beside the briefing folder but the lock and the history
    assert {p.relative_to(out).as_posix() for p in files_under(out)} == (
        {f"testbrief/{WEEK}/{name}" for name in expected} | {"testbrief/.lock", "history.sqlite"}
    )


def test_manifest_records_config_inputs_outputs_and_timings(seeds_runs):
    config, _, _, _, first, _ = seeds_runs
    manifest = json.loads(first["manifest.json"])
    assert manifest["config"] == {"path": str(config.resolve()), "sha256": sha256_of(config)}
    assert manifest["briefgen_version"] == briefgen.__version__
    assert manifest["window"]["from"] == "2025-08-25" and manifest["window"]["to"] == "2025-08-31"
    assert manifest["as_of"] == "2025-09-01"
    assert manifest["briefing"] == "testbrief"

    documents = manifest["documents"]
    assert sorted(d["path"] for d in documents) == sorted(p.name for p in SEEDS.iterdir() if p.is_file())
    for document in documents:
        assert set(document) >= {"path", "item", "sha256", "published", "used", "reason"}
        assert re.fullmatch(r"[0-9a-f]{64}", document["sha256"])
        assert document["published"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", document["published"])
        assert isinstance(document["used"], bool) and document["reason"]
        if document["used"]:
            assert "2025-08-25" <= document["published"] <= "2025-08-31", document
    assert len({d["sha256"] for d in documents}) == len(documents)
    assert any(d["used"] for d in documents), "the seeds hold an article of the week of 25 August 2025"
    assert any(not d["used"] for d in documents)

    # every output is listed with the sha256 and size of the file actually on disk; the manifest itself is not
    listed = {entry["path"]: entry for entry in manifest["outputs"]}
    assert set(listed) == set(first) - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(first[name]).hexdigest(), name
        assert entry["bytes"] == len(first[name])
    assert isinstance(manifest["warnings"], list)
    timings = manifest["timings"]
    assert {"read", "summarise", "render", "total"} <= set(timings)
    assert all(isinstance(v, int | float) and v >= 0 for v in timings.values())
    assert timings["total"] >= timings["render"]


def test_manifest_hashes_match_the_files_of_its_own_run(seeds_runs):
    _, _, folder, _, _, second = seeds_runs
    manifest = json.loads(second["manifest.json"])
    assert len(manifest["outputs"]) == 8
    for entry in manifest["outputs"]:
        assert entry["sha256"] == sha256_of(folder / entry["path"]), entry["path"]
        assert entry["bytes"] == (folder / entry["path"]).stat().st_size


def test_rerun_gives_identical_json_but_the_generation_time(seeds_runs):
    _, _, _, _, first, second = seeds_runs
    for audience in AUDIENCES:
        name = f"{audience}.json"
        assert GENERATED_AT.search(first[name]), "the JSON carries generated_at"
        assert GENERATED_AT.sub(b"", first[name]) == GENERATED_AT.sub(b"", second[name])
        ids = [
            [item["id"] for section in json.loads(run[name])["sections"] for item in section["items"]]
            for run in (first, second)
        ]
        assert ids[0] == ids[1] and ids[0], audience
    assert json.loads(first["manifest.json"])["run_id"] == 1
    assert json.loads(second["manifest.json"])["run_id"] == 2


def test_history_database_records_both_runs_as_succeeded(seeds_runs):
    _, out, folder, _, _, _ = seeds_runs
    runs = history_runs(out / "history.sqlite")
    assert [(r["id"], r["status"], r["briefing"], r["window_from"], r["window_to"], r["as_of"]) for r in runs] == [
        (1, "succeeded", "testbrief", "2025-08-25", "2025-08-31", "2025-09-01"),
        (2, "succeeded", "testbrief", "2025-08-25", "2025-08-31", "2025-09-01"),
    ]
    for run in runs:
        assert run["manifest"] == str(folder / "manifest.json")
        assert run["finished_at"] and run["finished_at"] >= run["started_at"]
        assert run["message"] is None


def test_history_command_lists_each_run_on_one_line(seeds_runs):
    config, out, _, _, _, _ = seeds_runs
    result = run_cli("history", "--config", config, "--out", out)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["RUN", "STATUS"]
    rows = lines[1:]
    assert len(rows) == 2
    for run_id, line in zip((1, 2), rows, strict=True):
        assert line.split()[:2] == [str(run_id), "succeeded"]
        assert "2025-08-25 to 2025-08-31" in line and "2025-09-01" in line


@pytest.fixture
def small(tmp_path):
    """The conftest's four-article corpus (week of 25 August 2025) and a JSON-only run config."""
    write_corpus(tmp_path / "corpus")
    return write(tmp_path / "brief.yaml", run_config_text()), tmp_path


def test_run_succeeds_with_exit_0_and_the_config_s_own_corpus(small):
    config, root = small
    result = run_cli("run", "--config", config, "--as-of", "2025-09-01", "--out", root / "o")
    assert result.returncode == 0, result.stderr
    folder = root / "o" / "testbrief" / WEEK
    assert sorted(p.name for p in files_under(folder)) == ["analyst.json", "executive.json", "manifest.json"]
    assert json.loads((folder / "manifest.json").read_text())["corpus"] == str((root / "corpus").resolve())


def test_run_config_error_exits_2_and_writes_nothing(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text() + "outptu_dir: elsewhere\n")
    out = tmp_path / "o"
    result = run_cli("run", "--config", config, "--as-of", "2025-09-01", "--out", out)
    assert result.returncode == 2
    assert "outptu_dir" in result.stderr and "unknown key" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_run_bad_flag_value_exits_2_and_writes_nothing(small):
    config, root = small
    result = run_cli("run", "--config", config, "--as-of", "1 September", "--out", root / "o")
    assert result.returncode == 2
    assert result.stderr.count("briefgen: error:") == 1 and "--as-of" in result.stderr
    assert not (root / "o").exists()


def test_run_missing_corpus_exits_1_and_records_a_failed_run(small):
    config, root = small
    out = root / "o"
    result = run_cli(
        "run", "--config", config, "--corpus", root / "no-such-folder", "--as-of", "2025-09-01", "--out", out
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"briefgen: error: {root / 'no-such-folder'}: corpus folder not found"
    ]
    assert not (out / "testbrief" / WEEK).exists()
    runs = history_runs(out / "history.sqlite")
    assert [(r["status"], r["message"]) for r in runs] == [
        ("failed", f"{root / 'no-such-folder'}: corpus folder not found")
    ]
    assert runs[0]["finished_at"]


def test_history_key_in_config_puts_the_database_there(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text(extra="history: state/runs.sqlite\n"))
    out = tmp_path / "o"
    result = run_cli("run", "--config", config, "--as-of", "2025-09-01", "--out", out)
    assert result.returncode == 0, result.stderr
    assert not (out / "history.sqlite").exists()
    assert [r["status"] for r in history_runs(tmp_path / "state" / "runs.sqlite")] == ["succeeded"]
    listed = run_cli("history", "--config", config, "--out", out)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 2
