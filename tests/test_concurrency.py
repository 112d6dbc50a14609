"""Two runs of one briefing, and runs that die: real `briefgen run` processes, the real lock file and the real
history database. A corpus of a few hundred generated articles keeps a run busy for a second or so."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    ROOT,
    files_under,
    history_runs,
    run_cli,
    run_config_text,
    sha256_of,
    start_cli,
    tree_bytes,
    wait_for_run,
    write,
    write_corpus,
    write_many_articles,
)

SPAN = "2025-08-25_2025-08-31"
BUSY = "another run of this briefing is in progress; nothing was written"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """A config, a corpus of 300 generated articles, and the same corpus with 30 more (a corpus that changed)."""
    root = tmp_path_factory.mktemp("busy")
    big = write_many_articles(root / "big", 300)
    bigger = write_many_articles(root / "bigger", 330)
    config = write(root / "brief.yaml", run_config_text())
    return config, big, bigger


def run_args(config: Path, corpus: Path, out: Path, *extra: str) -> tuple:
    return ("run", "--config", config, "--corpus", corpus, "--as-of", "2025-09-01", "--out", out, *extra)


def assert_outputs_intact(folder: Path) -> dict:
    """Every output (each JSON one valid JSON) has the sha256 and size its manifest gives; the manifest lists them all."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"] for entry in manifest["outputs"]}
    assert listed == {p.name for p in files_under(folder)} - {"manifest.json"}
    for entry in manifest["outputs"]:
        path = folder / entry["path"]
        assert sha256_of(path) == entry["sha256"], entry["path"]
        assert path.stat().st_size == entry["bytes"]
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    return manifest


def temporary_files(folder: Path) -> list[str]:
    return [p.name for p in files_under(folder) if p.name.startswith(".") and p.name.endswith(".tmp")]


def finish(*processes: subprocess.Popen) -> None:
    """Never leave a process behind when a test fails: continue stopped ones, kill what still runs."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait(timeout=30)


def test_held_lock_refuses_with_exit_1_one_line_and_changes_nothing(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text())
    out = tmp_path / "out"
    first = run_cli(*run_args(config, tmp_path / "corpus", out))
    assert first.returncode == 0, first.stderr
    before = tree_bytes(out)

    lock = out / "testbrief" / ".lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        refused = run_cli(*run_args(config, tmp_path / "corpus", out))
        started = time.monotonic()
        waited = run_cli(*run_args(config, tmp_path / "corpus", out, "--wait", "0.6"))
        waited_for = time.monotonic() - started
    for result in (refused, waited):
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            f"briefgen: error: {lock}: {BUSY} (try again later, or pass --wait SECONDS)"
        ]
        assert result.stdout == ""
    assert waited_for >= 0.6
    assert tree_bytes(out) == before, "a refused run wrote nothing, not even a history row"
    assert [r["status"] for r in history_runs(out / "history.sqlite")] == ["succeeded"]


def test_wait_blocks_until_the_lock_is_released_then_succeeds(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text())
    out = tmp_path / "out"
    lock = out / "testbrief" / ".lock"
    write(lock, "")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        waiter = start_cli(*run_args(config, tmp_path / "corpus", out, "--wait", "60"))
        try:
            time.sleep(1.5)
            assert waiter.poll() is None, waiter.communicate()
            assert files_under(out) == [lock] and history_runs(out / "history.sqlite") == []
        except BaseException:
            finish(waiter)
            raise
    stdout, stderr = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, stderr
    assert_outputs_intact(out / "testbrief" / SPAN)
    assert [r["status"] for r in history_runs(out / "history.sqlite")] == ["succeeded"]


def test_two_runs_started_at_once_one_runs_the_other_refuses(corpora, tmp_path):
    config, big, _ = corpora
    out = tmp_path / "out"
    processes = [start_cli(*run_args(config, big, out)) for _ in range(2)]
    results = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=120)
            results.append((process.returncode, stdout, stderr))
    finally:
        finish(*processes)
    assert sorted(code for code, _, _ in results) == [0, 1], results
    refused = next(err for code, _, err in results if code == 1)
    assert len(refused.splitlines()) == 1 and BUSY in refused
    manifest = assert_outputs_intact(out / "testbrief" / SPAN)
    assert sum(d["used"] for d in manifest["documents"]) == 300
    runs = history_runs(out / "history.sqlite")
    assert [(r["id"], r["status"]) for r in runs] == [(1, "succeeded")]
    assert temporary_files(out) == []


def test_a_run_in_progress_refuses_a_second_and_a_waiting_third_follows_it(corpora, tmp_path):
    config, big, _ = corpora
    out = tmp_path / "out"
    db = out / "history.sqlite"
    first = start_cli(*run_args(config, big, out))
    waiter = None
    try:
        wait_for_run(db, process=first)
        first.send_signal(signal.SIGSTOP)  # hold it mid-run, whatever the machine's speed
        refused = run_cli(*run_args(config, big, out))
        assert refused.returncode == 1
        assert len(refused.stderr.splitlines()) == 1 and BUSY in refused.stderr
        assert not (out / "testbrief" / SPAN).exists()
        assert [r["status"] for r in history_runs(db)] == ["running"]

        waiter = start_cli(*run_args(config, big, out, "--wait", "60"))
        time.sleep(1.0)
        assert waiter.poll() is None, "the waiting run must not start while the first one holds the lock"
        first.send_signal(signal.SIGCONT)
        assert first.wait(timeout=60) == 0, first.stderr.read()
        # the waiting run may be done already (its window comes from the cache): the first's row tells
        assert (history_runs(db)[0]["id"], history_runs(db)[0]["status"]) == (1, "succeeded")
        _, stderr = waiter.communicate(timeout=60)
        assert waiter.returncode == 0, stderr
    finally:
        finish(first, *([waiter] if waiter else []))
    assert json.loads((out / "testbrief" / SPAN / "manifest.json").read_text())["run_id"] == 2
    assert_outputs_intact(out / "testbrief" / SPAN)
    assert [(r["id"], r["status"]) for r in history_runs(db)] == [(1, "succeeded"), (2, "succeeded")]


def after_a_good_run(corpora, tmp_path: Path):
    """A succeeded run on the big corpus; returns what a second run on the bigger one needs, and the files."""
    config, big, bigger = corpora
    out = tmp_path / "out"
    folder = out / "testbrief" / SPAN
    assert run_cli(*run_args(config, big, out)).returncode == 0
    return config, bigger, out, out / "history.sqlite", folder, tree_bytes(folder)


def test_sigkill_mid_run_leaves_previous_outputs_and_the_next_run_marks_it_failed(corpora, tmp_path):
    config, bigger, out, db, folder, before = after_a_good_run(corpora, tmp_path)

    victim = start_cli(*run_args(config, bigger, out))  # the corpus changed: its outputs would differ
    try:
        wait_for_run(db, count=1, process=victim)
        runs = history_runs(db)
        assert [r["status"] for r in runs] == ["succeeded", "running"]
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
    finally:
        finish(victim)
    assert tree_bytes(folder) == before, "the previous outputs are intact, byte for byte"
    assert temporary_files(out) == []
    assert_outputs_intact(folder)
    assert [r["status"] for r in history_runs(db)] == ["succeeded", "running"]  # nobody could record the kill

    after = run_cli(*run_args(config, bigger, out))
    assert after.returncode == 0, after.stderr
    runs = history_runs(db)
    assert [(r["id"], r["status"]) for r in runs] == [(1, "succeeded"), (2, "failed"), (3, "succeeded")]
    assert "interrupted" in runs[1]["message"] and runs[1]["finished_at"]
    manifest = assert_outputs_intact(folder)
    assert manifest["run_id"] == 3 and sum(d["used"] for d in manifest["documents"]) == 330
    listed = run_cli("history", "--config", config, "--out", out)
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [
        ["1", "succeeded"],
        ["2", "failed"],
        ["3", "succeeded"],
    ]
    assert "interrupted" in listed.stdout.splitlines()[2]


def test_sigterm_mid_run_exits_non_zero_and_is_recorded_failed_at_once(corpora, tmp_path):
    config, bigger, out, db, folder, before = after_a_good_run(corpora, tmp_path)

    stopped = start_cli(*run_args(config, bigger, out))
    try:
        wait_for_run(db, process=stopped)
        stopped.send_signal(signal.SIGTERM)
        _, stderr = stopped.communicate(timeout=30)
    finally:
        finish(stopped)
    assert stopped.returncode not in (0, None)
    assert stopped.returncode == 130
    assert "Traceback" not in stderr and "interrupted" in stderr
    runs = history_runs(db)
    assert [r["status"] for r in runs] == ["succeeded", "failed"]
    assert "signal 15" in runs[1]["message"] and runs[1]["finished_at"]
    assert tree_bytes(folder) == before
    assert temporary_files(out) == []


# A real SIGTERM, delivered at an exact point of the write step: the wrapper runs the real CLI in a real process
# and sends the signal to itself from inside os.fsync (the Nth output staged) or os.replace (the Nth renamed).
SIGNAL_AT = """\
import os, signal, sys
hook, at = sys.argv[1], int(sys.argv[2])
calls = 0
def hooked(real):
    def call(*args, **kwargs):
        global calls
        result = real(*args, **kwargs)
        calls += 1
        if calls == at:
            os.kill(os.getpid(), signal.SIGTERM)
        return result
    return call
setattr(os, hook, hooked(getattr(os, hook)))
from briefgen.cli import main
sys.exit(main(sys.argv[3:]))
"""


def term_during_write(tmp_path: Path, hook: str, at: int):
    """A good run (JSON and HTML for two audiences), then a run on a changed corpus stopped by SIGTERM in its
    write step. Returns the output folder's files before, the stopped run's result, and the history."""
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text(formats="[json, html]"))
    out = tmp_path / "out"
    assert run_cli(*run_args(config, tmp_path / "corpus", out)).returncode == 0
    folder = out / "testbrief" / SPAN
    before = tree_bytes(folder)
    write(
        tmp_path / "corpus" / "late.txt",
        "date 2025-08-30\nBelize sent twenty soldiers to join the MSS mission "
        "in Haiti, officials in Port-au-Prince said.\n",
    )
    wrapper = write(tmp_path / "signal_at.py", SIGNAL_AT)
    stopped = subprocess.run(
        [sys.executable, str(wrapper), hook, str(at), *map(str, run_args(config, tmp_path / "corpus", out))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return folder, before, stopped, history_runs(out / "history.sqlite")


def test_sigterm_while_staging_outputs_is_held_until_the_run_is_recorded(tmp_path):
    folder, before, stopped, runs = term_during_write(tmp_path, "fsync", 2)
    assert stopped.returncode == 130  # honoured once the files are in place and recorded
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    assert tree_bytes(folder).keys() == before.keys() and tree_bytes(folder) != before
    assert_outputs_intact(folder)
    assert temporary_files(folder) == []


def test_sigterm_between_renames_is_held_until_the_new_set_is_complete(tmp_path):
    folder, before, stopped, runs = term_during_write(tmp_path, "replace", 1)
    assert stopped.returncode == 130  # the stop is honoured, after the renames and the history row
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    after = tree_bytes(folder)
    assert after.keys() == before.keys() and after != before  # the whole new set, never a mix
    assert_outputs_intact(folder)  # every file matches the new manifest
    assert temporary_files(folder) == []


def test_the_next_run_clears_temporary_files_a_killed_run_left(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text(formats="[json, html]"))
    out = tmp_path / "out"
    assert run_cli(*run_args(config, tmp_path / "corpus", out)).returncode == 0
    folder = out / "testbrief" / SPAN
    write(folder / ".analyst.json.k1ll3d.tmp", "half a file, as a SIGKILL mid-write leaves it")
    again = run_cli(*run_args(config, tmp_path / "corpus", out))
    assert again.returncode == 0, again.stderr
    assert temporary_files(out) == []
    assert_outputs_intact(folder)
