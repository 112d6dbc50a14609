#!/usr/bin/env python3
"""SIGKILL `briefgen run` at random moments and check, after every kill, that the files and the history agree.

    .venv/bin/python bench/kill_runs.py                       # 40 kills
    .venv/bin/python bench/kill_runs.py --kills 200 --seed 7  # more, and a given sequence of moments

Each run is a real `python -m briefgen run` process on one of two corpora, taken in turn, for the same window,
so that consecutive runs write different editions into the same folder. A kill lands either anywhere in the
process's life or, half the time, in its last milliseconds (once its staging folder exists), where the edition
is recorded and swapped in. After each kill:
- at once: the edition folder holds one complete edition (every file its manifest lists, with that sha256, and
  nothing else), the run that wrote it is recorded succeeded (done, or still pending), and no run after it is
  recorded done;
- after a recovery, made half the time by this script (under the lock, as a run makes it) and otherwise left to
  the next run: no run is left running or pending, the newest succeeded run is the one in place with the
  manifest path it recorded, its corpus is the one its process was given, a run recorded failed keeps no items
  and left the previous edition byte for byte, and no staging or temporary file is left.
Prints a count of the states the kills left; exits 1 with the first disagreement found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen.history import History  # noqa: E402
from briefgen.runner import briefing_lock, recover  # noqa: E402

NAME, SPAN, AS_OF = "killed", "2025-08-25_2025-08-31", "2025-09-01"
CONFIG = f"""\
title: Killed runs
name: {NAME}
corpus: a
topic: {ROOT / "config" / "topics" / "haiti-mss.yaml"}
output_dir: out
window: previous_week
sections:
  - {{id: operations, title: Operations}}
  - {{id: equipment, title: Equipment deliveries}}
  - {{id: nations, title: Contributing nations}}
  - {{id: outlook, title: Outlook}}
audiences:
  analyst:
    title: Analyst edition
    sections: [operations, equipment, nations, outlook]
    max_items: 25
    formats: [json, html]
  executive:
    title: Executive edition
    sections: [operations, equipment, nations, outlook]
    max_items: 3
    formats: [json, html]
"""
PLACES = ["Delmas", "Cabaret", "Kenscoff", "Tabarre", "Carrefour", "Gressier"]


def write_corpus(folder: Path, count: int, offset: int) -> Path:
    """Invented articles of the week of 25 August 2025; another offset says other things."""
    folder.mkdir(parents=True)
    for n in range(offset, offset + count):
        place = PLACES[n % len(PLACES)]
        (folder / f"a{n:03d}.txt").write_text(
            f"date 2025-08-{25 + n % 7}\n"
            f"Haitian police and MSS officers patrolled {place} along route {n} and detained {n % 9 + 2} "
            f"suspects.\n\nConvoy {n} delivered {n + 3} radios to the Haitian National Police in {place}.\n",
            encoding="utf-8",
        )
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Disagreement(AssertionError):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Disagreement(what)


class Bench:
    def __init__(self, root: Path, seed: int):
        self.rng = random.Random(seed)
        self.config = root / "brief.yaml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.corpora = (write_corpus(root / "a", 12, 0), write_corpus(root / "b", 12, 50))
        self.out = root / "out"
        self.base = self.out / NAME
        self.folder = self.base / SPAN
        self.db = self.out / "history.sqlite"
        self.corpus_of: dict[int, Path] = {}  # run id -> the corpus its process was given
        self.last_id = 0
        self.snapshot: tuple[int, dict[str, bytes]] | None = None  # the edition in place at the last recovery

    def start(self, corpus: Path, launcher: tuple[str, ...] = ("-m", "briefgen")) -> subprocess.Popen:
        """`briefgen run` on this corpus; `launcher` may name a script that runs the CLI with the same arguments."""
        return subprocess.Popen(
            [
                sys.executable,
                *launcher,
                "run",
                "--config",
                str(self.config),
                "--corpus",
                str(corpus),
                "--as-of",
                AS_OF,
                "--out",
                str(self.out),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ended(self, corpus: Path) -> int | None:
        """The process is gone: the one row it may have added is its run."""
        new = [r["id"] for r in self.rows() if r["id"] > self.last_id]
        check(len(new) <= 1, f"one process added runs {new}")
        for run_id in new:
            self.corpus_of[run_id] = corpus
            self.last_id = run_id
        return new[0] if new else None

    def rows(self) -> list[dict]:
        # read-write, as the next run opens it: a transaction the kill cut short is rolled back first
        with closing(sqlite3.connect(self.db, timeout=10)) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT * FROM runs ORDER BY id")]

    def items(self, run_id: int) -> int:
        with closing(sqlite3.connect(self.db, timeout=10)) as db:
            return db.execute("SELECT count(*) FROM items WHERE run_id = ?", (run_id,)).fetchone()[0]

    def edition(self) -> tuple[int, dict[str, bytes]]:
        """The run whose edition the folder holds, and its files, after checking the edition is complete."""
        manifest = json.loads((self.folder / "manifest.json").read_bytes())
        listed = {entry["path"]: entry["sha256"] for entry in manifest["outputs"]}
        present = {p.name for p in self.folder.iterdir()}
        check(
            present == set(listed) | {"manifest.json"},
            f"edition folder holds {sorted(present)}, its manifest lists {sorted(listed)}",
        )
        for name, digest in listed.items():
            check(sha256(self.folder / name) == digest, f"{name} differs from run {manifest['run_id']}'s manifest")
        return manifest["run_id"], {p.name: p.read_bytes() for p in self.folder.iterdir()}

    def at_once(self, killed: int | None) -> str:
        """What must hold at any moment; returns the state the killed run (its id, if it got one) left."""
        in_place, _ = self.edition()
        rows = {r["id"]: r for r in self.rows()}
        check(in_place in rows, f"run {in_place} is in place but has no row")
        check(rows[in_place]["status"] == "succeeded", f"run {in_place} is in place but {rows[in_place]['status']}")
        check(rows[in_place]["manifest"] == str(self.folder / "manifest.json"), f"run {in_place}: wrong manifest")
        later_done = [i for i, r in rows.items() if i > in_place and r["status"] == "succeeded" and not r["staging"]]
        check(not later_done, f"runs {later_done} are done but run {in_place} is in place")
        if killed is None:
            return "no row yet"
        last = rows[killed]
        if last["status"] == "succeeded":
            if last["staging"] is None:
                return "done"
            return "pending, in place" if in_place == last["id"] else "pending, staged"
        return last["status"] + (", staging folder left" if any(self.base.glob(".staging-*")) else "")

    def recovered(self) -> None:
        """What must hold once what a kill left is settled."""
        in_place, files = self.edition()
        rows = self.rows()
        unsettled = [(r["id"], r["status"]) for r in rows if r["status"] == "running" or r["staging"]]
        check(not unsettled, f"unsettled runs after recovery: {unsettled}")
        succeeded = [r for r in rows if r["status"] == "succeeded"]
        newest = succeeded[-1]
        check(newest["id"] == in_place, f"run {newest['id']} is the newest succeeded, run {in_place} is in place")
        check(newest["manifest"] == str(self.folder / "manifest.json"), f"run {in_place}: wrong manifest")
        manifest = json.loads(files["manifest.json"])
        check(
            manifest["corpus"] == str(self.corpus_of[in_place].resolve()),
            f"run {in_place} was given {self.corpus_of[in_place]}, its manifest says {manifest['corpus']}",
        )
        for row in rows:
            if row["status"] == "failed":
                check(self.items(row["id"]) == 0, f"failed run {row['id']} keeps items")
            else:
                check(self.items(row["id"]) > 0, f"succeeded run {row['id']} has no items")
        if self.snapshot is not None and self.snapshot[0] == in_place:
            check(self.snapshot[1] == files, f"run {in_place}'s edition changed while no run succeeded")
        self.snapshot = in_place, files
        leftovers = [
            p.name for p in self.base.rglob("*") if p.name.startswith((".staging-", ".old-")) or p.name.endswith(".tmp")
        ]
        check(not leftovers, f"left behind: {leftovers}")

    def recover(self) -> None:
        with briefing_lock(self.base / ".lock", 30):
            recover(self.base, History(self.db), NAME)

    def complete_run(self, corpus: Path) -> float:
        started = time.monotonic()
        process = self.start(corpus)
        _, stderr = process.communicate(timeout=120)
        check(process.returncode == 0, f"a run that was not killed failed: {stderr}")
        self.ended(corpus)
        return time.monotonic() - started

    def kill(self, corpus: Path, lifetime: float) -> tuple[bool, int | None]:
        """Start a run and SIGKILL it at a random moment: whether the kill came before it ended, and its run id."""
        staging = self.base / f".staging-{self.last_id + 1}"  # ids of rows rolled back are not taken
        process = self.start(corpus)
        try:
            if self.rng.random() < 0.5:
                time.sleep(self.rng.uniform(0, lifetime))
            else:  # its last steps take milliseconds: wait for them
                while process.poll() is None and not staging.exists():
                    time.sleep(0.0005)
                time.sleep(self.rng.uniform(0, 0.008))
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return process.returncode == -signal.SIGKILL, self.ended(corpus)


def kill_runs(root: Path, kills: int = 40, seed: int = 0, log=print) -> dict[str, int]:
    """Kill `kills` runs; return how many kills left each state. Raises Disagreement naming what went wrong."""
    bench = Bench(root, seed)
    lifetime = bench.complete_run(bench.corpora[0])
    bench.recovered()
    states: dict[str, int] = {}
    done, attempts = 0, 0
    while done < kills:
        attempts += 1
        check(attempts <= 3 * kills, f"only {done} of {attempts} runs could be killed before they ended")
        corpus = bench.corpora[attempts % 2]
        killed, run_id = bench.kill(corpus, lifetime)
        try:
            state = bench.at_once(run_id)
            if killed:
                done += 1
                states[state] = states.get(state, 0) + 1
            if bench.rng.random() < 0.5:
                bench.recover()
                bench.recovered()
        except Disagreement as exc:
            raise Disagreement(
                f"after attempt {attempts} (seed {seed}, {'killed' if killed else 'ended'}): {exc}"
            ) from None
    bench.complete_run(bench.corpora[(attempts + 1) % 2])
    bench.recovered()
    log(
        f"{kills} kills in {attempts} runs, seed {seed}: "
        + ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    )
    return states


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    with tempfile.TemporaryDirectory(prefix="kill-runs-") as root:
        try:
            kill_runs(Path(root), args.kills, seed)
        except Disagreement as exc:
            print(f"kill_runs: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
