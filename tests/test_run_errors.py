"""`briefgen run` and `briefgen history` on file systems and databases that fail: one line on stderr
(`briefgen: error: <path>: <problem>`), exit code 1, no traceback, and the previous outputs and history as they
were. The CLI runs as a subprocess, as a scheduler runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, history_runs, run_cli, run_config_text, tree_bytes, write, write_corpus

SPAN = "2025-08-25_2025-08-31"
LONG = "n" * 300  # longer than any file system allows for one name (255 bytes)


def assert_one_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefgen: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""
    return lines[0]


@pytest.fixture
def done(tmp_path):
    """A config (JSON and HTML), its corpus, and one good run in tmp_path/out; the folder's bytes before."""
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text(formats="[json, html]"))
    out = tmp_path / "out"
    assert run_cli(*run_args(config, out)).returncode == 0
    return config, out, tree_bytes(out)


def run_args(config: Path, out: Path) -> tuple:
    return ("run", "--config", config, "--as-of", "2025-09-01", "--out", out)


@contextmanager
def read_only(path: Path):
    """`path` (a file or a folder) unwritable for briefgen: by its mode, or, for root, whom modes do not stop,
    by the immutable attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    made = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
    if not made or made.returncode:
        pytest.skip(
            "running as root, whom file modes do not stop, and the immutable attribute is not available "
            f"here ({made.stderr.strip() if made else 'no chattr'})"
        )
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_run_into_an_output_folder_that_is_a_file(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text())
    out = write(tmp_path / "out", "a file where the output folder should be\n")
    line = assert_one_error(run_cli(*run_args(config, out)))
    assert line == f"briefgen: error: {out / 'testbrief'}: cannot create the output folder: Not a directory"
    assert out.read_text() == "a file where the output folder should be\n"


def test_run_into_an_output_folder_whose_name_is_too_long(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text())
    before = sorted(tmp_path.rglob("*"))
    line = assert_one_error(run_cli(*run_args(config, tmp_path / LONG)))
    assert (
        line == f"briefgen: error: {tmp_path / LONG / 'testbrief'}: cannot create the output folder: File name too long"
    )
    assert sorted(tmp_path.rglob("*")) == before


def test_run_into_a_read_only_output_folder_keeps_the_previous_edition(done):
    config, out, before = done
    with read_only(out / "testbrief"):
        assert_one_error(run_cli(*run_args(config, out)), str(out / "testbrief"), "cannot write output")
    after = tree_bytes(out)
    assert {k: v for k, v in after.items() if k != "history.sqlite"} == {
        k: v for k, v in before.items() if k != "history.sqlite"
    }
    runs = history_runs(out / "history.sqlite")
    assert [r["status"] for r in runs] == ["succeeded", "failed"]
    assert "cannot write output" in runs[1]["message"]


def test_run_with_a_read_only_history_changes_nothing(done):
    config, out, before = done
    with read_only(out / "history.sqlite"):
        assert_one_error(
            run_cli(*run_args(config, out)),
            f"{out / 'history.sqlite'}: cannot write the run history: attempt to write a readonly database",
        )
        listed = run_cli("history", "--config", config, "--out", out)  # reading needs no write
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [["1", "succeeded"]]
    assert tree_bytes(out) == before


def test_run_with_a_history_path_under_a_file_changes_nothing(tmp_path):
    write_corpus(tmp_path / "corpus")
    blocker = write(tmp_path / "state", "not a folder\n")
    config = write(tmp_path / "brief.yaml", run_config_text(extra="history: state/runs.sqlite\n"))
    out = tmp_path / "out"
    line = assert_one_error(run_cli(*run_args(config, out)))
    assert (
        line == f"briefgen: error: {blocker / 'runs.sqlite'}: cannot write the run history: {blocker} is not a folder"
    )
    assert not (out / "testbrief" / SPAN).exists()
    assert blocker.read_text() == "not a folder\n"


def test_run_with_a_corrupt_history_changes_nothing(done):
    config, out, _ = done
    corrupt = write(out / "history.sqlite", b"\x00not an SQLite database\xff" * 200)
    before = tree_bytes(out)
    assert_one_error(
        run_cli(*run_args(config, out)), f"{corrupt}: cannot write the run history: file is not a database"
    )
    assert tree_bytes(out) == before


# The history's database cannot grow (each connection capped at its size when opened), as on a full disk: the
# run's rows fit, its items, written when it is recorded succeeded, do not. (The document cache, which a full
# disk would leave out with a warning of its own, is not what this test is about.)
DISK_FULL = """\
import sqlite3, sys
real = sqlite3.connect
def connect(*args, **kwargs):
    db = real(*args, **kwargs)
    if str(args[0]).endswith("history.sqlite"):
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    return db
sqlite3.connect = connect
from briefgen.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_run_with_a_full_disk_at_the_history_commit_keeps_the_previous_edition(done, tmp_path):
    config, out, before = done
    write(
        tmp_path / "corpus" / "late.txt",
        "date 2025-08-30\nBelize sent twenty soldiers to join the MSS mission "
        "in Haiti, officials in Port-au-Prince said.\n",
    )
    launcher = write(tmp_path / "disk_full.py", DISK_FULL)
    result = subprocess.run(
        [sys.executable, str(launcher), *map(str, run_args(config, out))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_one_error(result, f"{out / 'history.sqlite'}: cannot write the run history: database or disk is full")
    after = tree_bytes(out)
    assert {k: v for k, v in after.items() if k != "history.sqlite"} == {
        k: v for k, v in before.items() if k != "history.sqlite"
    }, "the staged edition was not put in place"
    runs = history_runs(out / "history.sqlite")
    assert [(r["status"], r["staging"]) for r in runs] == [("succeeded", None), ("failed", None)]
    assert "database or disk is full" in runs[1]["message"]


def test_history_of_a_corrupt_database(done):
    config, out, _ = done
    corrupt = write(out / "history.sqlite", "not a database, some text\n" * 100)
    line = assert_one_error(run_cli("history", "--config", config, "--out", out))
    assert line == f"briefgen: error: {corrupt}: cannot read the run history: file is not a database"
    assert corrupt.read_text() == "not a database, some text\n" * 100


def test_history_in_an_output_folder_that_is_a_file(tmp_path):
    config = write(tmp_path / "brief.yaml", run_config_text())
    out = write(tmp_path / "out", "a file\n")
    line = assert_one_error(run_cli("history", "--config", config, "--out", out))
    assert line == f"briefgen: error: {out / 'history.sqlite'}: cannot read the run history: Not a directory"


def test_history_in_an_output_folder_whose_name_is_too_long(tmp_path):
    config = write(tmp_path / "brief.yaml", run_config_text())
    line = assert_one_error(run_cli("history", "--config", config, "--out", tmp_path / LONG))
    assert (
        line
        == f"briefgen: error: {tmp_path / LONG / 'history.sqlite'}: cannot read the run history: File name too long"
    )


def test_history_database_that_is_a_folder(tmp_path):
    config = write(tmp_path / "brief.yaml", run_config_text())
    (tmp_path / "out" / "history.sqlite").mkdir(parents=True)
    assert_one_error(
        run_cli("history", "--config", config, "--out", tmp_path / "out"),
        f"{tmp_path / 'out' / 'history.sqlite'}: cannot read the run history",
    )


def test_history_before_any_run_lists_nothing_and_creates_nothing(tmp_path):
    config = write(tmp_path / "brief.yaml", run_config_text())
    result = run_cli("history", "--config", config, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1 and result.stderr == ""
    assert not (tmp_path / "out").exists()
