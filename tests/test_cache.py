"""The document cache, through the command line: a cached build writes what a cold one writes, byte for byte,
with the same warnings; a changed file or topic is read or extracted again; a broken, unwritable or shared cache
never fails a build."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TOPIC, cli_env, files_under, run_cli, write, write_config, write_corpus

WINDOW = ("--from", "2025-08-25", "--to", "2025-08-31", "--as-of", "2025-09-01")
EPOCH = {"SOURCE_DATE_EPOCH": "1756708200"}
# Two files whose reading warns: the warnings must come back from the cache as they were given the first time.
BAD_JSONL = (
    '{"title": "Patrol in Delmas", "published": "2025-08-27", "text": "Haitian police and MSS officers patrolled '
    'Delmas on Tuesday and arrested two suspects in Port-au-Prince."}\n'
    "not json at all\n"
)
LATIN1_TXT = "date 2025-08-28 MSS officers in Port-au-Prince escorted a convoy to Cit\xe9 Soleil, the police said.\n"


@pytest.fixture
def project(tmp_path):
    """A config in tmp_path, its corpus one good article per reader and two that warn; the cache goes in out/."""
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / "feeds" / "bad.jsonl", BAD_JSONL)
    write(tmp_path / "corpus" / "latin1.txt", LATIN1_TXT.encode("latin-1"))
    return write_config(tmp_path), tmp_path


def build(config: Path, out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    result = run_cli("build", "--config", config, *WINDOW, "--format", "json", "--out", out, *flags, env=EPOCH)
    assert result.returncode == 0, result.stderr
    return result


def outputs(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.glob("*.json"))}


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("briefgen: warning:")]


def hits(result: subprocess.CompletedProcess[str], what: str) -> tuple[int, int]:
    """(hits, lookups) of the -v log line "cache: H of N <what> from the cache"."""
    found = re.search(rf"cache: (\d+) of (\d+) {re.escape(what)} from the cache", result.stderr)
    assert found, result.stderr
    return int(found[1]), int(found[2])


def test_a_cached_rebuild_writes_the_same_bytes_and_warnings(project):
    config, root = project
    cold = build(config, root / "out", "-v")
    assert (root / "out" / "cache.sqlite").is_file()
    assert hits(cold, "files read") == (0, 6)
    written = outputs(root / "out")
    cached = build(config, root / "out", "-v")
    assert hits(cached, "windows composed") == (1, 1)
    assert "files read" not in cached.stderr  # nothing read, extracted or merged again
    assert outputs(root / "out") == written
    assert warnings(cached) == warnings(cold)
    assert any("bad.jsonl:2" in line for line in warnings(cold))
    assert any("latin1.txt: not valid UTF-8" in line for line in warnings(cold))
    build(config, root / "uncached", "--no-cache")
    assert outputs(root / "uncached") == written


def test_the_sample_briefing_from_the_cache_is_byte_identical(tmp_path):
    sample = ("build", "--config", ROOT / "config" / "weekly.yaml", "--as-of", "2025-09-01", "--format", "json")
    runs = [run_cli(*sample, "--out", tmp_path / "out", env=EPOCH) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert runs[0].stderr == runs[1].stderr
    cold = run_cli(*sample, "--out", tmp_path / "cold", "--no-cache", env=EPOCH)
    assert cold.returncode == 0, cold.stderr
    assert outputs(tmp_path / "out") == outputs(tmp_path / "cold")
    assert len(outputs(tmp_path / "cold")) == 2


def test_a_changed_file_is_read_again_and_the_others_come_from_the_cache(project):
    config, root = project
    build(config, root / "out")
    ops = root / "corpus" / "ops.txt"
    ops.write_text(ops.read_text().replace("arrested six suspects", "arrested nineteen suspects"))
    cached = build(config, root / "out", "-v")
    assert hits(cached, "whole files (read and extracted)") == (5, 6)  # the others: taken whole
    assert hits(cached, "files read") == (0, 1)
    assert hits(cached, "documents extracted") == (0, 1)
    assert hits(cached, "merge memories") == (1, 1)  # the last merge's decisions, kept for the facts out of reach
    decided_again = re.search(r"merge: (\d+) of (\d+) fact", cached.stderr)
    assert decided_again and 0 < int(decided_again[1]) < int(decided_again[2])
    assert b"nineteen" in b"".join(outputs(root / "out").values())
    build(config, root / "cold", "--no-cache")
    assert outputs(root / "out") == outputs(root / "cold")


def test_a_merge_memory_that_does_not_fit_the_window_is_not_trusted(project):
    """A memory the cache holds whole but that does not fit the window's facts (here its documents forgotten)
    is left aside: the facts are merged from nothing and the briefing is a cold build's."""
    import dataclasses
    import pickle
    import sqlite3

    from briefgen.summarise.merge import MergeMemory

    config, root = project
    build(config, root / "out")
    database = root / "out" / "cache.sqlite"
    with sqlite3.connect(database) as db:
        for key, value in db.execute("SELECT key, value FROM entries").fetchall():
            form, memory = pickle.loads(value)
            if isinstance(memory, MergeMemory):
                unfit = dataclasses.replace(memory, documents={})
                db.execute("UPDATE entries SET value = ? WHERE key = ?", (pickle.dumps((form, unfit)), key))
    db.close()
    ops = root / "corpus" / "ops.txt"
    ops.write_text(ops.read_text().replace("arrested six suspects", "arrested nineteen suspects"))
    cached = build(config, root / "out", "-v")
    assert "memory does not fit this window's facts; merged from nothing" in cached.stderr
    build(config, root / "cold", "--no-cache")
    assert outputs(root / "out") == outputs(root / "cold")


def test_a_window_is_composed_again_when_what_it_depends_on_changes(project):
    """An unchanged window's editions come from the cache whole; a changed audience, edits file or file
    content is built again (and equals a build without the cache), a file only touched is not."""
    config, root = project
    build(config, root / "out")
    ops = root / "corpus" / "ops.txt"
    ops.touch()  # new times, same bytes: known by its content
    assert hits(build(config, root / "out", "-v"), "windows composed") == (1, 1)

    config.write_text(config.read_text().replace("max_items: 3\n", "max_items: 1\n"))
    assert "max_items: 1\n" in config.read_text()
    fewer = build(config, root / "out", "-v")
    assert hits(fewer, "windows composed") == (0, 1)
    assert hits(fewer, "whole files (read and extracted)") == (6, 6)  # the files' facts still from the cache
    build(config, root / "cold", "--no-cache")
    assert outputs(root / "out") == outputs(root / "cold")

    edits = write(root / "edits.yaml", "note: Read with care.\n")
    edited = build(config, root / "out", "-v", "--edits", str(edits))
    assert hits(edited, "windows composed") == (0, 1)
    assert b"Read with care." in b"".join(outputs(root / "out").values())

    ops.write_text(ops.read_text().replace("arrested six suspects", "arrested nineteen suspects"))
    changed = build(config, root / "out", "-v", "--edits", str(edits))
    assert hits(changed, "windows composed") == (0, 1)
    assert b"nineteen" in b"".join(outputs(root / "out").values())


@pytest.mark.parametrize("changed", [False, True])
def test_editions_are_kept_only_when_no_file_changed_while_they_were_built(project, monkeypatch, changed):
    """A file edited after the build listed the corpus, before it read it: the editions are not those of the
    content the listing's key names, so they are not kept under it, and a build of that content (the edit undone)
    does not take them from the cache."""
    import briefgen.pipeline
    from briefgen.cli import build_request

    class Later:  # holds the editions' keeping until the test has done what it does
        def work(self):
            pass  # nothing to keep

        def run(self, work):
            self.work = work

    config, root = project
    ops = root / "corpus" / "ops.txt"
    before = ops.read_text()
    listing = briefgen.pipeline._listing

    def listed_then_edited(request, cache):
        listed = listing(request, cache)
        if changed and ops.read_text() == before:
            ops.write_text(before.replace("arrested six suspects", "arrested nineteen suspects"))
        return listed

    monkeypatch.setattr(briefgen.pipeline, "_listing", listed_then_edited)
    window = dict(zip(("date_from", "date_to", "as_of"), WINDOW[1::2], strict=True))
    later = Later()
    composed = briefgen.pipeline.compose_editions(build_request(config, out=str(root / "out"), **window), aside=later)
    assert changed == ("nineteen" in str(composed.briefings))
    later.work()
    ops.write_text(before)
    monkeypatch.undo()
    again = build(config, root / "out", "-v")
    assert hits(again, "windows composed") == ((0, 1) if changed else (1, 1))
    assert b"nineteen" not in b"".join(outputs(root / "out").values())


def test_a_changed_topic_extracts_every_document_again(project):
    config, root = project
    topic = write(root / "topic.yaml", TOPIC.read_text())
    config.write_text(config.read_text().replace(f"topic: {TOPIC}", "topic: topic.yaml"))
    build(config, root / "out")
    # "patrolled" is not an operations cue; made one, the patrol becomes an item
    text = topic.read_text()
    assert "\n    cues: [" in text
    topic.write_text(text.replace("\n    cues: [", "\n    cues: [patrolled, ", 1))
    cached = build(config, root / "out", "-v")
    assert hits(cached, "files read") == (6, 6)  # reading does not depend on the topic
    assert hits(cached, "documents extracted")[0] == 0
    build(config, root / "cold", "--no-cache")
    assert outputs(root / "out") == outputs(root / "cold")


def test_a_corrupt_cache_is_made_again(project):
    config, root = project
    build(config, root / "out")
    written = outputs(root / "out")
    database = root / "out" / "cache.sqlite"
    for file in (database, database.with_name("cache.sqlite-wal"), database.with_name("cache.sqlite-shm")):
        file.unlink(missing_ok=True)
    database.write_bytes(b"SQLite format 3\0" + os.urandom(8192))
    rebuilt = build(config, root / "out")
    assert outputs(root / "out") == written
    assert [line for line in rebuilt.stderr.splitlines() if "cache corrupt" in line]
    again = build(config, root / "out", "-v")
    assert hits(again, "windows composed") == (1, 1)
    assert outputs(root / "out") == written


def test_no_cache_flag_and_cache_false_write_no_cache(project):
    config, root = project
    build(config, root / "flag", "--no-cache")
    assert not (root / "flag" / "cache.sqlite").exists()
    config.write_text(config.read_text() + "cache: false\n")
    build(config, root / "off")
    assert not list((root / "off").glob("cache.sqlite*"))
    assert sorted(outputs(root / "off")) == sorted(outputs(root / "flag"))


def test_cache_clear_deletes_the_cache(project):
    config, root = project
    build(config, root / "out")
    cleared = run_cli("cache", "clear", "--config", config)
    assert cleared.returncode == 0, cleared.stderr
    assert str(root / "out" / "cache.sqlite") in cleared.stdout.splitlines()
    assert not list((root / "out").glob("cache.sqlite*"))
    assert len(outputs(root / "out")) == 2  # only the cache goes
    again = run_cli("cache", "clear", "--config", config)
    assert (again.returncode, again.stdout) == (0, "")


def test_check_and_sources_create_no_cache(project):
    config, root = project
    for command in ("check", "sources"):
        result = run_cli(command, "--config", config, *WINDOW)
        assert result.returncode == 0, result.stderr
    assert not (root / "out").exists()
    build(config, root / "out")
    before = files_under(root / "out")
    checked = run_cli("check", "--config", config, *WINDOW, "-v")
    assert checked.returncode == 0, checked.stderr
    assert hits(checked, "files read") == (6, 6)  # a check reads what builds cached
    assert files_under(root / "out") == before
    assert run_cli("sources", "--config", config, *WINDOW, "--no-cache").returncode == 0


def test_an_unusable_cache_folder_is_one_warning_and_the_build_succeeds(project):
    config, root = project
    write(root / "blocker", "a file where the cache's folder should be\n")
    config.write_text(config.read_text() + "cache: blocker/cache.sqlite\n")
    result = build(config, root / "out")
    assert len([line for line in result.stderr.splitlines() if "cache not used" in line]) == 1
    build(config, root / "cold", "--no-cache")
    assert outputs(root / "out") == outputs(root / "cold")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_cache_folder_is_one_warning_and_the_build_succeeds(project):
    config, root = project
    (root / "locked").mkdir()
    (root / "locked").chmod(0o555)
    config.write_text(config.read_text() + "cache: locked/cache.sqlite\n")
    try:
        result = build(config, root / "out")
    finally:
        (root / "locked").chmod(0o755)
    assert len([line for line in result.stderr.splitlines() if "cache not used" in line]) == 1
    assert not list((root / "locked").iterdir())


def test_two_builds_sharing_a_cache_both_succeed(project):
    config, root = project
    config.write_text(config.read_text() + "cache: shared/cache.sqlite\n")

    def start(out: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "briefgen", "build", "--config", str(config), *WINDOW]
        command += ["--format", "json", "--out", str(root / out)]
        return subprocess.Popen(
            command, cwd=ROOT, env=cli_env(EPOCH), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    for round_ in range(2):  # both cold, then both from the cache the first round made
        first, second = start(f"a{round_}"), start(f"b{round_}")
        for process in (first, second):
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
            assert "cache not used" not in stderr
        assert outputs(root / f"a{round_}") == outputs(root / f"b{round_}")
        assert len(outputs(root / f"a{round_}")) == 2
    assert outputs(root / "a0") == outputs(root / "a1")
    assert hits(build(config, root / "c", "-v"), "windows composed") == (1, 1)


def test_entries_unused_for_30_days_are_pruned_and_unreadable_ones_are_misses(tmp_path):
    import sqlite3

    from briefgen.cache import MAX_AGE_DAYS, DocumentCache, opened

    database = tmp_path / "cache.sqlite"
    with opened(database) as cache:
        assert isinstance(cache, DocumentCache)
        batch = cache.batch("things")
        for key in ("old", "recent", "garbled"):
            batch.remember(key, (key,))
        batch.save()
    with sqlite3.connect(database) as db:
        (today,) = db.execute("SELECT used FROM entries WHERE key = 'old'").fetchone()
        db.execute("UPDATE entries SET used = ? WHERE key = 'old'", (today - MAX_AGE_DAYS - 1,))
        db.execute("UPDATE entries SET used = ? WHERE key = 'recent'", (today - MAX_AGE_DAYS + 1,))
        db.execute("UPDATE entries SET value = ? WHERE key = 'garbled'", (b"not a pickle",))
    db.close()
    with opened(database, prune=False) as worker:  # a worker's: the run's own process prunes, once
        assert worker is not None
        batch = worker.batch("things")
        batch.remember("new", ("new",))
        batch.save()
    with sqlite3.connect(database) as db:
        assert {"old", "new"} <= {key for (key,) in db.execute("SELECT key FROM entries")}
        plan = " ".join(str(row) for row in db.execute("EXPLAIN QUERY PLAN DELETE FROM entries WHERE used < 0"))
        assert "entries_used" in plan  # the old entries found by the index, not by reading every row
    db.close()
    with opened(database) as cache:
        assert cache is not None
        batch = cache.batch("things")
        assert batch.lookup("recent", tuple) == ("recent",)
        assert batch.lookup("recent", dict) is None  # the wrong type is a miss
        assert batch.lookup("garbled", tuple) is None
        batch.remember("garbled", ("again",))
        batch.save()
    with sqlite3.connect(database) as db:
        rows = dict(db.execute("SELECT key, used FROM entries"))
    db.close()
    assert sorted(rows) == ["garbled", "new", "recent"]
    assert rows["recent"] == today  # used: its time renewed
    with opened(database) as cache:
        assert cache is not None
        assert cache.batch("things").lookup("garbled", tuple) == ("again",)


def test_an_entry_too_large_to_keep_is_left_out_and_the_cache_goes_on(tmp_path, monkeypatch, caplog):
    import briefgen.cache
    from briefgen.cache import opened

    monkeypatch.setattr(briefgen.cache, "MAX_ENTRY_BYTES", 1000)
    caplog.set_level("INFO", logger="briefgen.cache")
    with opened(tmp_path / "cache.sqlite") as cache:
        assert cache is not None
        batch = cache.batch("windows composed")
        batch.remember("large", "x" * 2000)
        batch.remember("small", "x" * 10)
        batch.save()
        again = cache.batch("windows composed")
        assert again.lookup("large", str) is None
        assert again.lookup("small", str) == "x" * 10
    assert "one of the windows composed not kept: over 0 MB" in caplog.text


def test_the_cycle_collector_runs_again_after_a_build_even_a_failed_one(project):
    """The collector is paused while a window is read and composed; the editors' page is a long-lived process
    that must get it back."""
    import gc

    from briefgen.cli import build_request
    from briefgen.errors import InputError
    from briefgen.pipeline import compose_editions

    config, root = project
    assert gc.isenabled()
    composed = compose_editions(build_request(config, out=str(root / "out")))
    assert len(composed.briefings) == 2
    assert gc.isenabled()
    with pytest.raises(InputError):
        compose_editions(build_request(config, corpus=str(root / "missing"), out=str(root / "out")))
    assert gc.isenabled()
