"""Work done in two halves, the second in a forked child: the same answer as both done here, a failing child's
half done again here, and no child left behind when the parent's half fails. Merging, the one user, gives the
same drafts in the same order either way."""

from __future__ import annotations

import importlib
import os
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from briefgen import forking
from briefgen.ingest import read_corpus
from briefgen.models import Window

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")


def reaped(pid: int) -> bool:
    """Whether the child `pid` has been waited for (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_no_fork_without_the_memory_for_a_second_copy(monkeypatch):
    """A child may come to copy every page of its parent: a machine that could not hold that merges in one
    process, slower but whole, rather than have the system kill a build it could have finished."""
    monkeypatch.setattr(forking.threading, "active_count", lambda: 1)
    monkeypatch.setattr(forking, "cpus", lambda: 2)
    resident = forking.resident_memory()
    for room, forks in ((None, True), (resident * 3, True), (resident - 1, False)):
        monkeypatch.setattr(forking, "available_memory", lambda room=room: room)
        assert forking.can_fork() is forks, room


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="Linux reports memory in /proc")
def test_the_memory_available_and_resident_are_read():
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    assert 0 < forking.resident_memory() < (forking.available_memory() or 0) <= total_kb * 1024


def test_the_second_half_comes_back_from_the_child():
    parent = os.getpid()
    mine, theirs = forking.in_two(lambda n: (n * n, os.getpid()), 3, 4, fork=True)
    assert mine == (9, parent)
    assert theirs[0] == 16 and theirs[1] != parent
    assert reaped(theirs[1])
    assert forking.in_two(lambda n: n * n, 3, 4, fork=False) == (9, 16)


def test_a_child_that_fails_leaves_its_half_to_the_parent(tmp_path):
    parent = os.getpid()

    def work(n: int) -> int:
        if os.getpid() != parent:
            (tmp_path / "child").write_text(str(os.getpid()))
            raise RuntimeError("the child's half fails")
        return n + 1

    assert forking.in_two(work, 1, 2, fork=True) == (2, 3)
    assert reaped(int((tmp_path / "child").read_text()))


def test_when_the_parents_half_fails_the_child_is_reaped(tmp_path):
    parent = os.getpid()

    def work(n: int) -> list[int]:
        if os.getpid() == parent:
            raise ValueError("the parent's half fails")
        (tmp_path / "child").write_text(str(os.getpid()))
        return list(range(1_000_000))  # more than a pipe holds: the child is still writing

    with pytest.raises(ValueError, match="parent's half"):
        forking.in_two(work, 1, 2, fork=True)
    assert reaped(int((tmp_path / "child").read_text()))


@pytest.fixture
def forkable(monkeypatch):
    """A process `can_fork` lets fork: the test runner's own threads aside."""
    monkeypatch.setattr(forking.threading, "active_count", lambda: 1)
    monkeypatch.setattr(forking, "cpus", lambda: 2)


def test_work_set_aside_is_done_by_a_child_while_the_parent_goes_on(tmp_path, forkable):
    go, done = tmp_path / "go", tmp_path / "done"

    def work() -> None:
        waited = 0.0
        while not go.exists() and waited < 10:  # the parent says go only once `run` has returned
            time.sleep(0.01)
            waited += 0.01
        done.write_text(f"{os.getpid()} {go.exists()}")

    aside = forking.Aside(fork=True)
    aside.run(work)
    go.touch()
    aside.join()
    child, went = done.read_text().split()
    assert int(child) != os.getpid() and went == "True"
    assert reaped(int(child))


def test_work_a_child_did_not_finish_is_done_at_the_join(tmp_path, forkable):
    parent = os.getpid()
    done: list[int] = []

    def work() -> None:
        if os.getpid() != parent:
            (tmp_path / "child").write_text(str(os.getpid()))
            raise RuntimeError("the child fails")
        done.append(parent)

    aside = forking.Aside(fork=True)
    aside.run(work)
    assert not done
    aside.join()
    assert done == [parent]
    assert reaped(int((tmp_path / "child").read_text()))
    forking.Aside(fork=False).run(work)
    assert done == [parent, parent]  # at once, without a fork


def test_merging_in_two_processes_gives_the_drafts_of_one(monkeypatch):
    from briefgen.config import load_config
    from briefgen.summarise import extract

    merging = importlib.import_module("briefgen.summarise.merge")  # the package's `merge` is the function

    topic = load_config(ROOT / "config" / "weekly.yaml").topic
    documents, _ = read_corpus(ROOT / "samples" / "corpus", date(2025, 9, 1))
    facts, _ = extract(documents, topic, ["operations", "equipment", "nations", "outlook"], date(2025, 9, 1))
    window = Window(date(2025, 8, 25), date(2025, 8, 31))

    def drafted(*, fork: bool) -> tuple[list[list[tuple[str, int]]], tuple]:
        monkeypatch.setattr(merging, "FORK_FACTS", 0)
        monkeypatch.setattr(merging, "can_fork", lambda: fork)
        drafts, memory = merging.remerge(facts, window, None)
        # what the next run starts from: each half's ids, keys and decisions, put back in the order of strength
        remembered = (memory.filing.ids, list(memory.filing.keys), memory.filing.orders, memory.parents)
        return [[(f.document.key, f.position) for f in d.reports] for d in drafts], remembered

    (alone, memory), (in_two, forked_memory) = drafted(fork=False), drafted(fork=True)
    assert in_two == alone
    assert forked_memory == memory
    assert len({facts_of[0][0] for facts_of in alone}) > 1 and any(len(d) > 1 for d in alone)
    assert len({f.section for f in facts}) == 4  # both halves had work
