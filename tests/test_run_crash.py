"""`briefgen run` killed with SIGKILL: the edition folder always holds one complete edition, and after recovery the
history says succeeded for exactly the editions that went in place. Runs are told apart by output folder.

Real `briefgen run` processes, killed at random moments (bench/kill_runs.py, 40 kills) and at every step of
putting an edition in place, with and without the one-step exchange of two folders.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import random
import signal
import sqlite3
from contextlib import closing
from itertools import count
from pathlib import Path

import pytest
from conftest import (
    ROOT,
    files_under,
    history_items,
    history_runs,
    run_cli,
    run_config_text,
    start_cli,
    tree_bytes,
    wait_for_run,
    write,
    write_corpus,
    write_many_articles,
)

from briefgen import runner
from briefgen.cli import build_request
from briefgen.errors import BriefgenError
from briefgen.history import History
from briefgen.runner import UNFINISHED, briefing_lock, recover, run

SPAN = "2025-08-25_2025-08-31"


def load_bench():
    spec = importlib.util.spec_from_file_location("kill_runs", ROOT / "bench" / "kill_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.heavy
def test_forty_sigkills_at_random_moments_leave_one_complete_edition_named_by_the_history(tmp_path):
    # about 40 s: each of the 40 runs is a real process (its imports alone take most of a second)
    seed = random.randrange(2**32)
    states = load_bench().kill_runs(tmp_path, kills=40, seed=seed, log=print)
    assert sum(states.values()) == 40, (seed, states)


# Runs the CLI and SIGKILLs the process right after the Nth step of putting an edition in place has returned.
# With "two-renames", the system is made to refuse the one-step exchange of two folders.
KILL_AFTER = """\
import errno, os, signal, sys
from briefgen import runner
from briefgen.history import History
at, mode = int(sys.argv[1]), sys.argv[2]
passed = []
def hooked(owner, name):
    real = getattr(owner, name)
    def call(*args, **kwargs):
        result = real(*args, **kwargs)
        passed.append(name)
        if len(passed) == at:
            print("killed after: " + " ".join(passed), file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(owner, name, call)
if mode == "two-renames":
    def refused(first, second):
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), str(first))
    runner._exchange = refused
for owner, name in ((runner, "_discard"), (runner, "write_atomically"), (History, "succeed"),
                    (runner, "_exchange"), (os, "rename"), (History, "done")):
    hooked(owner, name)
from briefgen.cli import main
sys.exit(main(sys.argv[3:]))
"""
STEPS = {
    "exchange": ["_discard", "write_atomically", "succeed", "_exchange", "_discard", "done"],
    "two-renames": ["_discard", "write_atomically", "succeed", "rename", "rename", "_discard", "done"],
}


@pytest.mark.heavy
@pytest.mark.parametrize("mode", ["exchange", "two-renames"])
def test_sigkill_after_each_step_is_finished_or_rolled_back_by_recovery(tmp_path, mode):
    bench = load_bench().Bench(tmp_path, seed=0)
    launcher = write(tmp_path / "kill_after.py", KILL_AFTER)
    bench.complete_run(bench.corpora[0])
    bench.recovered()
    for at in count(1):
        corpus = bench.corpora[at % 2]  # a different edition from the one in place
        process = bench.start(corpus, launcher=(str(launcher), str(at), mode))
        _, stderr = process.communicate(timeout=120)
        run_id = bench.ended(corpus)
        if process.returncode == 0:  # every step passed: nothing left to kill after
            assert at == len(STEPS[mode]) + 1
            bench.at_once(run_id)
            bench.recovered()
            assert bench.snapshot[0] == run_id
            break
        assert process.returncode == -signal.SIGKILL, stderr
        passed = stderr.splitlines()[-1].removeprefix("killed after: ").split()
        assert passed == STEPS[mode][:at]
        if bench.folder.exists():
            bench.at_once(run_id)
        else:  # the one moment without an exchange: between the two renames, the old edition set aside whole
            assert mode == "two-renames" and passed[-2:] == ["succeed", "rename"]
            assert (
                json.loads((bench.base / f".old-{run_id}" / "manifest.json").read_text())["run_id"] == bench.snapshot[0]
            )
        bench.recover()
        bench.recovered()
        recorded = "succeed" in passed  # the run was recorded succeeded: recovery must finish it, else undo it
        if run_id is None:  # killed before its row was written: it left nothing
            assert passed == ["_discard"]
        else:
            status = {r["id"]: r for r in bench.rows()}[run_id]["status"]
            assert status == ("succeeded" if recorded else "failed"), passed
        assert (bench.snapshot[0] == run_id) == recorded, passed


@pytest.mark.parametrize(("mode", "at"), [("exchange", 3), ("two-renames", 3), ("two-renames", 4)])
def test_a_staged_edition_found_incomplete_is_rolled_back_and_the_previous_one_kept(tmp_path, mode, at):
    bench = load_bench().Bench(tmp_path, seed=0)
    launcher = write(tmp_path / "kill_after.py", KILL_AFTER)
    bench.complete_run(bench.corpora[0])
    bench.recovered()
    process = bench.start(bench.corpora[1], launcher=(str(launcher), str(at), mode))
    _, stderr = process.communicate(timeout=120)
    run_id = bench.ended(bench.corpora[1])
    assert stderr.splitlines()[-1].split()[-1] == STEPS[mode][at - 1]
    # what a power cut can do to files that were not yet flushed, or a hand in the folder
    (bench.base / f".staging-{run_id}" / "analyst.html").unlink()
    bench.recover()
    bench.recovered()  # the previous edition in place, byte for byte; nothing left behind
    runs = {r["id"]: r for r in bench.rows()}
    assert (runs[run_id]["status"], runs[run_id]["message"]) == ("failed", UNFINISHED)


def first_run_killed(tmp_path: Path, at: int):
    """The first run of a briefing killed after step `at` (nothing in place before it), then recovered."""
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text(formats="[json, html]"))
    out = tmp_path / "out"
    launcher = write(tmp_path / "kill_after.py", KILL_AFTER)
    killed = start_cli(
        "run",
        "--config",
        config,
        "--as-of",
        "2025-09-01",
        "--out",
        out,
        python_args=(str(launcher), str(at), "exchange"),
    )
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL
    base = out / "testbrief"
    with briefing_lock(base / ".lock", 30):
        recover(base, History(out / "history.sqlite"), "testbrief")
    return base, history_runs(out / "history.sqlite")


def test_first_run_killed_after_recording_is_put_in_place_by_recovery(tmp_path):
    base, runs = first_run_killed(tmp_path, STEPS["exchange"].index("succeed") + 1)
    manifest = json.loads((base / SPAN / "manifest.json").read_text())
    assert manifest["run_id"] == 1
    assert [(r["status"], r["staging"], r["manifest"]) for r in runs] == [
        ("succeeded", None, str(base / SPAN / "manifest.json"))
    ]
    assert sorted(p.name for p in base.iterdir()) == [".lock", SPAN]


def test_first_run_killed_before_recording_leaves_no_edition_and_a_failed_run(tmp_path):
    base, runs = first_run_killed(tmp_path, STEPS["exchange"].index("write_atomically") + 1)
    assert [p.name for p in base.iterdir()] == [".lock"]  # its staging folder swept
    assert [(r["status"], r["message"]) for r in runs] == [
        ("failed", "interrupted: the process ended before the run finished")
    ]


@pytest.fixture
def in_process(tmp_path):
    """A request (JSON and HTML) run once in this process; its output folder and history database."""
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text(formats="[json, html]"))
    out = tmp_path / "out"
    request = build_request(config, as_of="2025-09-01", out=str(out))
    run(request)
    return request, out / "testbrief", out / "history.sqlite"


def test_a_swap_the_system_refuses_keeps_the_previous_edition_and_records_the_run_failed(in_process, monkeypatch):
    request, base, db = in_process
    before = tree_bytes(base)

    def refused(first, second):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(first))

    monkeypatch.setattr(runner, "_exchange", refused)
    with pytest.raises(BriefgenError) as raised:
        run(request)
    assert str(raised.value) == f"{base / SPAN}: cannot put the new edition in place: {os.strerror(errno.EIO)}"
    assert tree_bytes(base) == before
    runs = history_runs(db)
    assert [(r["status"], r["staging"]) for r in runs] == [("succeeded", None), ("failed", None)]
    assert runs[1]["message"] == str(raised.value)
    assert history_items(db, 2) == []


def test_a_run_in_place_but_not_marked_done_is_marked_by_the_next(in_process, monkeypatch):
    request, base, db = in_process

    def full(*args, **kwargs):
        raise BriefgenError(f"{db}: cannot write the run history: database or disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(History, "done", full)
        with pytest.raises(BriefgenError, match="database or disk is full"):
            run(request)
    # the edition went in place: the history already says so, only the mark that it is done is missing
    assert json.loads((base / SPAN / "manifest.json").read_text())["run_id"] == 2
    assert [(r["status"], r["staging"] is None) for r in history_runs(db)] == [
        ("succeeded", True),
        ("succeeded", False),
    ]
    with briefing_lock(base / ".lock", 30):
        recover(base, History(db), "testbrief")
    assert [(r["status"], r["staging"], r["message"]) for r in history_runs(db)] == [
        ("succeeded", None, None),
        ("succeeded", None, None),
    ]
    assert sorted(p.name for p in base.iterdir()) == [".lock", SPAN]


def test_a_history_that_cannot_record_the_failure_either_keeps_the_files_and_the_next_run_settles(
    in_process, monkeypatch
):
    request, base, db = in_process
    before = tree_bytes(base)

    def full(*args, **kwargs):
        raise BriefgenError(f"{db}: cannot write the run history: database or disk is full")

    with monkeypatch.context() as patched:  # the disk fills up after the run started
        patched.setattr(History, "succeed", full)
        patched.setattr(History, "fail", full)
        with pytest.raises(BriefgenError, match="database or disk is full"):
            run(request)
    assert tree_bytes(base) == before
    assert [r["status"] for r in history_runs(db)] == ["succeeded", "running"]
    run(request)
    runs = history_runs(db)
    assert [(r["status"], r["message"]) for r in runs] == [
        ("succeeded", None),
        ("failed", "interrupted: the process ended before the run finished"),
        ("succeeded", None),
    ]
    assert json.loads((base / SPAN / "manifest.json").read_text())["run_id"] == 3


def test_runs_of_one_name_in_two_output_folders_do_not_interrupt_each_other(tmp_path):
    write_corpus(tmp_path / "small")
    big = write_many_articles(tmp_path / "big", 300)
    shared = tmp_path / "state" / "runs.sqlite"
    config = write(tmp_path / "brief.yaml", run_config_text(extra=f"history: {shared}\n"))
    first, second = tmp_path / "first", tmp_path / "second"

    def run_in(out: Path, corpus: Path):
        return run_cli("run", "--config", config, "--corpus", corpus, "--as-of", "2025-09-01", "--out", out)

    victim = start_cli("run", "--config", config, "--corpus", big, "--as-of", "2025-09-01", "--out", first)
    try:
        wait_for_run(shared, process=victim)
        victim.send_signal(signal.SIGSTOP)  # mid-run, whatever the machine's speed
        assert run_in(second, tmp_path / "small").returncode == 0
        # the other folder's run holds another lock: it may be alive, and is not this run's to judge
        assert [(r["status"], r["message"]) for r in history_runs(shared)] == [("running", None), ("succeeded", None)]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait(timeout=30)
    assert run_in(second, tmp_path / "small").returncode == 0
    assert [r["status"] for r in history_runs(shared)] == ["running", "succeeded", "succeeded"]
    assert run_in(first, tmp_path / "small").returncode == 0
    runs = history_runs(shared)
    assert [r["status"] for r in runs] == ["failed", "succeeded", "succeeded", "succeeded"]
    assert "interrupted" in runs[0]["message"]
    assert [r["output"] for r in runs] == [str((first / "testbrief").resolve())] + [
        str((second / "testbrief").resolve())
    ] * 2 + [str((first / "testbrief").resolve())]
    assert [
        json.loads((out / "testbrief" / SPAN / "manifest.json").read_text())["run_id"] for out in (first, second)
    ] == [4, 3]


# The schema of the first history databases, before runs were told apart by output folder.
OLD_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, briefing TEXT NOT NULL, window_from TEXT NOT NULL,
    window_to TEXT NOT NULL, as_of TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')), message TEXT, manifest TEXT);
CREATE TABLE items (
    run_id INTEGER NOT NULL REFERENCES runs(id), audience TEXT NOT NULL, item_id TEXT NOT NULL,
    section TEXT NOT NULL, text TEXT NOT NULL, is_new INTEGER NOT NULL, PRIMARY KEY (run_id, audience, item_id));
CREATE INDEX runs_by_briefing ON runs (briefing, status, id);
INSERT INTO runs VALUES (1, 'testbrief', '2025-08-18', '2025-08-24', '2025-08-25', '2025-08-25T06:00:00+00:00',
    '2025-08-25T06:00:05+00:00', 'succeeded', NULL, '/elsewhere/testbrief/2025-08-18_2025-08-24/manifest.json');
INSERT INTO runs VALUES (2, 'testbrief', '2025-08-25', '2025-08-31', '2025-09-01', '2025-09-01T06:00:00+00:00',
    NULL, 'running', NULL, NULL);
INSERT INTO items VALUES (1, 'analyst', 'operations-0123456789', 'operations', 'An item of the week before.', 0);
"""


def test_an_old_history_database_is_listed_as_it_is_and_migrated_by_the_next_run(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write(tmp_path / "brief.yaml", run_config_text())
    out = tmp_path / "out"
    db = out / "history.sqlite"
    out.mkdir()
    with closing(sqlite3.connect(db)) as conn:
        conn.executescript(OLD_SCHEMA)
    before = db.read_bytes()

    listed = run_cli("history", "--config", config, "--out", out)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [["1", "succeeded"], ["2", "running"]]
    assert db.read_bytes() == before, "listing writes nothing"

    result = run_cli("run", "--config", config, "--as-of", "2025-09-01", "--out", out)
    assert result.returncode == 0, result.stderr
    runs = history_runs(db)
    # the old running row has no output folder: judged by briefing name, as before
    assert [(r["id"], r["status"], r["output"], r["staging"]) for r in runs] == [
        (1, "succeeded", None, None),
        (2, "failed", None, None),
        (3, "succeeded", str((out / "testbrief").resolve()), None),
    ]
    assert "interrupted" in runs[1]["message"]
    # the old run is still the one the new week is compared with
    analyst = json.loads((out / "testbrief" / SPAN / "analyst.json").read_text())
    assert "since the briefing of 2025-08-18 to 2025-08-24" in analyst["new_summary"]
    assert files_under(out / "testbrief") == sorted(
        [
            out / "testbrief" / ".lock",
            *(out / "testbrief" / SPAN / name for name in ("analyst.json", "executive.json", "manifest.json")),
        ]
    )
