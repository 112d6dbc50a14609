#!/usr/bin/env python3
"""How fast the documents come out: the sample's executive PDF as a whole process, its render stage, and start-up.

    .venv/bin/python bench/bench_documents.py
    .venv/bin/python bench/bench_documents.py --runs 9

After one warm-up build (which fills the document cache in a scratch output folder), each figure is the median
of the runs, in wall seconds:
  build       `briefgen build --config config/weekly.yaml --as-of 2025-09-01 --audience executive --format pdf`
  render      that build's render stage, as its `-v` log says ("rendered 1 file(s) in X s")
  version     `briefgen --version`
  no-cache    the same build with --no-cache: every document read and extracted again (no bar)
The bars of issue 15 are checked and printed (exit 1 when one fails): build <= 2 s, render <= 1 s, version <= 0.2 s.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDERED = re.compile(r"rendered \d+ file\(s\) in ([\d.]+) s")
BARS = {"build": 2.0, "render": 1.0, "version": 0.2}
PDF_BUILD = "build --config config/weekly.yaml --as-of 2025-09-01 --audience executive --format pdf"


def briefgen() -> list[str]:
    """The console script beside this Python (as a user runs it), else the module."""
    script = Path(sys.executable).with_name("briefgen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "briefgen"]


def timed(argv: list[str]) -> tuple[float, str]:
    """Wall seconds of one run, and its stderr; a failed run stops the benchmark."""
    started = time.perf_counter()
    process = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(argv)}\n{process.stderr.strip()[-500:]}")
    return seconds, process.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default: 5)")
    args = parser.parse_args()
    command = briefgen()
    with tempfile.TemporaryDirectory() as out:
        build = [*command, *PDF_BUILD.split(), "--out", out, "-v"]
        timed(build)  # the warm-up: the document cache is filled, the files are in the OS's cache
        builds = [timed(build) for _ in range(args.runs)]
        renders = [float(match[1]) for _, log in builds if (match := RENDERED.search(log))]
        if len(renders) != len(builds):
            sys.exit('no "rendered N file(s) in X s" line in the -v log')
        figures = {
            "build": statistics.median(seconds for seconds, _ in builds),
            "render": statistics.median(renders),
            "version": statistics.median(timed([*command, "--version"])[0] for _ in range(args.runs)),
            "no-cache": statistics.median(timed([*build, "--no-cache"])[0] for _ in range(args.runs)),
        }
    failed = []
    for name, seconds in figures.items():
        bar = BARS.get(name)
        verdict = "" if bar is None else f"  (bar {bar:g} s: {'ok' if seconds <= bar else 'OVER'})"
        print(f"{name:<9} {seconds:6.2f} s  median of {args.runs}{verdict}", flush=True)
        if bar is not None and seconds > bar:
            failed.append(f"{name} {seconds:.2f} s > {bar:g} s")
    print("bars: " + ("all met" if not failed else "FAILED " + "; ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
