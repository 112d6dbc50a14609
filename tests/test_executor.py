"""The executors, through the command line: the sample briefing comes out the same, byte for byte, read here, on
worker processes or on a Dask cluster, cold and from the cache; a bad or slow file in a worker is a warning
naming it. Also what the executors share: a file whose size and times are unchanged is not read again, and a
long run shows its progress on a terminal, and only there."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, cli_env, run_cli, write, write_config, write_corpus

from briefgen.executor import CHUNK_FILES, POOL_CHUNKS, cpus
from briefgen.ingest import RACY_NS

SAMPLE = ("--config", ROOT / "config" / "weekly.yaml", "--as-of", "2025-09-01")
WINDOW = ("--from", "2025-08-25", "--to", "2025-08-31", "--as-of", "2025-09-01")
EPOCH = {"SOURCE_DATE_EPOCH": "1756708200"}


@pytest.fixture(scope="module")
def scheduler():
    """A Dask cluster of two worker processes on this machine, as `dask scheduler` and `dask worker` make one."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def rewrite(article: Path) -> None:
    """The article with a sentence more: its bytes, size and times change."""
    article.write_text(article.read_text(encoding="utf-8") + "\nKenyan MSS officers patrolled Delmas on Friday.\n")


def outputs(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.glob("*.json"))}


def hits(result: subprocess.CompletedProcess[str], what: str) -> tuple[int, int]:
    """(hits, lookups) of the -v log line "cache: H of N <what> from the cache"."""
    found = re.search(rf"cache: (\d+) of (\d+) {re.escape(what)} from the cache", result.stderr)
    assert found, result.stderr
    return int(found[1]), int(found[2])


@pytest.mark.heavy
def test_every_executor_writes_the_same_briefing_cold_and_from_the_cache(tmp_path, scheduler):
    """Cold, unchanged (the window from the cache whole) and with one article changed (the others' facts from
    the cache): each the same bytes as a build without the cache, on every executor."""
    corpus = ROOT / "samples" / "corpus"
    reference = run_cli("build", *SAMPLE, "--format", "json", "--out", tmp_path / "reference", "--no-cache", env=EPOCH)
    assert reference.returncode == 0, reference.stderr
    expected = outputs(tmp_path / "reference")
    assert len(expected) == 2
    changed_corpus = tmp_path / "changed"
    shutil.copytree(corpus, changed_corpus)
    change = "2025-08-29-kenscoff-road-reopened.md"  # in the window
    rewrite(changed_corpus / change)
    fresh = run_cli("build", *SAMPLE, "--corpus", changed_corpus, "--format", "json", "--out", tmp_path / "fresh",
                    "--no-cache", env=EPOCH)  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr
    expected_changed = outputs(tmp_path / "fresh")
    assert expected_changed != expected
    executors = ("local", "processes", "dask")
    for executor in executors:
        shutil.copytree(corpus, tmp_path / executor / "corpus")
    _settled(tmp_path)
    for executor in executors:
        own = tmp_path / executor / "corpus"
        out = tmp_path / executor / "out"
        flags = ("--corpus", own, "--executor", executor, "--scheduler", scheduler, "--format", "json", "--out", out)
        for round_ in ("cold", "unchanged"):
            built = run_cli("build", *SAMPLE, *flags, "-v", env=EPOCH)
            assert built.returncode == 0, built.stderr
            assert outputs(out) == expected, f"{executor}, {round_}"
        assert hits(built, "windows composed") == (1, 1)
        rewrite(own / change)
        built = run_cli("build", *SAMPLE, *flags, "-v", env=EPOCH)
        assert built.returncode == 0, built.stderr
        assert outputs(out) == expected_changed, f"{executor}, one changed"
        assert f"({executor})" in built.stderr
        # the unchanged files' results taken whole from the cache, here; the changed one read and extracted
        assert hits(built, "whole files (read and extracted)") == (9, 10)
        assert hits(built, "documents extracted") == (0, 1)
    listed = run_cli("sources", *SAMPLE, "--no-cache")
    assert listed.returncode == 0, listed.stderr
    for executor in ("processes", "dask"):
        again = run_cli("sources", *SAMPLE, "--no-cache", "--executor", executor, "--scheduler", scheduler)
        assert (again.returncode, again.stdout, again.stderr) == (0, listed.stdout, listed.stderr), executor


@pytest.mark.heavy
@pytest.mark.skipif(cpus() < 2, reason="auto needs two cores to start workers")
def test_auto_starts_workers_only_for_work_that_repays_them(tmp_path):
    small = run_cli("build", *SAMPLE, "--format", "json", "--out", tmp_path / "small", "--no-cache", "-v")
    assert small.returncode == 0, small.stderr
    assert "worker process" not in small.stderr  # one chunk: read here
    articles = POOL_CHUNKS * CHUNK_FILES
    for n in range(articles):
        write(
            tmp_path / "corpus" / f"a{n:04}.txt",
            f"date 2025-08-{25 + n % 5}\nKenyan MSS officers raided a gang hideout in Delmas and arrested {n} suspects.\n",
        )
    config = write_config(tmp_path)
    flags = ("build", "--config", config, *WINDOW, "--format", "json", "--no-cache", "-v")
    auto = run_cli(*flags, "--out", tmp_path / "auto", env=EPOCH)
    assert auto.returncode == 0, auto.stderr
    assert f"{articles} file(s) to read and extract on 2 worker process(es)" in auto.stderr
    local = run_cli(*flags, "--out", tmp_path / "local", "--executor", "local", env=EPOCH)
    assert local.returncode == 0, local.stderr
    assert "worker process" not in local.stderr
    assert outputs(tmp_path / "auto") == outputs(tmp_path / "local")


def test_a_bad_file_in_a_worker_is_a_warning_naming_it(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / "broken.rss", "<rss><channel><item><title>only")
    write(tmp_path / "corpus" / "image.txt", bytes(range(256)) * 40)
    config = write_config(tmp_path)
    built = run_cli("build", "--config", config, *WINDOW, "--format", "json", "--executor", "processes")
    assert built.returncode == 0, built.stderr
    warned = [line for line in built.stderr.splitlines() if line.startswith("briefgen: warning:")]
    assert any("broken.rss" in line and "skipped" in line for line in warned), built.stderr
    assert any("image.txt: binary file, not text; skipped" in line for line in warned), built.stderr
    assert "briefgen: 4 documents read, 4 used" in built.stderr


def test_a_file_too_slow_to_read_is_skipped_in_a_worker(tmp_path, monkeypatch):
    """The reading time budget holds in a worker process too (its alarm arrives in the worker's main thread)."""
    import briefgen.ingest
    from briefgen.cli import build_request
    from briefgen.pipeline import survey

    write_corpus(tmp_path / "corpus")
    paragraph = "date 2025-08-26 Haitian police and MSS officers raided a gang stronghold in Delmas. " * 20
    write(tmp_path / "corpus" / "huge.txt", (paragraph + "\n\n") * 3000)  # a tenth of a second to read, at least
    monkeypatch.setattr(briefgen.ingest, "SECONDS_PER_FILE", 0.001)  # sent to the workers with their work
    request = build_request(write_config(tmp_path), as_of="2025-09-01", no_cache=True, executor="processes")
    surveyed = survey(request)
    assert any(d.path == "huge.txt" and "took longer than 0.001 s" in d.message for d in surveyed.diagnostics)


def _settled(folder: Path) -> None:
    """Wait until every file under folder was last changed longer ago than a file's times are trusted after."""
    newest = max(path.stat().st_ctime_ns for path in folder.rglob("*") if path.is_file())
    time.sleep(max(0.0, (newest + RACY_NS - time.time_ns()) / 1e9 + 0.1))


def test_a_file_whose_size_and_times_are_unchanged_is_not_read_again(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    config = write_config(tmp_path)
    _settled(corpus)

    def build(*flags: str) -> subprocess.CompletedProcess[str]:
        result = run_cli("build", "--config", config, *WINDOW, "--format", "json", "-v", *flags, env=EPOCH)
        assert result.returncode == 0, result.stderr
        return result

    assert hits(build(), "files read") == (0, 4)
    # another window over the same files (its editions and results not in the cache): every file's reading
    # from the cache, and none of them read, their stamps unchanged
    again = build("--to", "2025-08-30")
    assert hits(again, "files not read again (size and times unchanged)") == (4, 4)
    assert hits(again, "files read") == (4, 4)
    for written in again.stdout.splitlines():
        Path(written).unlink()
    before = outputs(tmp_path / "out")

    # the same size and modification time, another content: its change time tells it apart
    ops = corpus / "ops.txt"
    status = ops.stat()
    ops.write_text(ops.read_text().replace("six suspects", "ten suspects"))
    os.utime(ops, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert (ops.stat().st_size, ops.stat().st_mtime_ns) == (status.st_size, status.st_mtime_ns)
    # touched, its content the same: read again, and known by its content
    (corpus / "equipment.md").touch()
    rebuilt = build()
    # the touched file known by its bytes (the same), and taken whole with the two whose stamps are unchanged
    assert hits(rebuilt, "whole files (read and extracted)") == (3, 4)
    assert hits(rebuilt, "files read") == (0, 1)
    after = outputs(tmp_path / "out")
    assert after != before
    assert any(b"ten suspects" in data for data in after.values())
    assert not any(b"six suspects" in data for data in after.values())


def _stderr_on_a_terminal(*args: str | Path) -> str:
    """The command's stderr as a terminal shows it (a pseudo-terminal), stdout piped away."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "briefgen", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=cli_env(EPOCH),
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal hung up: the command is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0, shown
    return shown.decode()


def test_progress_shows_on_a_terminal_and_not_when_piped(tmp_path):
    write_corpus(tmp_path / "corpus")
    config = write_config(tmp_path)
    shown = _stderr_on_a_terminal("build", "--config", config, *WINDOW, "--format", "json", "--no-cache")
    assert "\r" in shown
    assert "4 of 4 files read" in shown and "documents extracted" in shown and "2 of 2 editions rendered" in shown
    assert "documents read, 4 used" in shown  # the summary, after the progress line is wiped
    quiet = _stderr_on_a_terminal("build", "--config", config, *WINDOW, "--format", "json", "-q")
    assert quiet == ""
    piped = run_cli("build", "--config", config, *WINDOW, "--format", "json", "--no-cache")
    assert piped.returncode == 0, piped.stderr
    assert "\r" not in piped.stderr and "files read" not in piped.stderr


def test_the_dask_executor_without_a_scheduler_is_a_usage_error(tmp_path):
    write_corpus(tmp_path / "corpus")
    refused = run_cli("build", "--config", write_config(tmp_path), *WINDOW, "--executor", "dask")
    assert refused.returncode == 2
    assert "--executor dask: expected --scheduler ADDRESS" in refused.stderr
