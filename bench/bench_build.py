#!/usr/bin/env python3
"""Time `briefgen build --format json` on generated corpora of N articles in every supported format.

    .venv/bin/python bench/bench_build.py                 # N = 1,000 and 10,000
    .venv/bin/python bench/bench_build.py --sizes 200     # a quick run

Prints one line per size: articles, files, seconds, peak memory (max RSS of the briefgen process).
The corpus is generated from sentence patterns with a fixed seed, so runs are comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
START = date(2025, 8, 25)
PLACES = ["Pétion-Ville", "Delmas", "Cité Soleil", "Kenscoff", "Croix-des-Bouquets", "Solino", "Bel-Air", "Tabarre"]
NATIONS = ["Kenyan", "Jamaican", "Salvadoran", "Guatemalan", "Bahamian", "Belizean"]
DONORS = ["The United States", "Canada", "France", "Japan"]
EQUIPMENT = ["MaxxPro armoured vehicles", "armoured personnel carriers", "drones", "patrol boats", "radios"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
PATTERNS = [
    "Joint teams of the MSS and the Haitian National Police raided a gang hideout in {place} on {weekday}, "
    "arresting {n} suspects and seizing {m} firearms.",
    "{donor} delivered {n} {equipment} to the Multinational Security Support mission on {weekday}.",
    "A contingent of {big} {nation} police officers arrived in Port-au-Prince on {weekday} to join the mission.",
    "Officials said the mission will extend its patrols to {place} in the coming weeks.",
    "The United States is pushing to change the command of the Haiti mission and to double its size.",
    "Residents of {place} said roads reopened after barricades were cleared by the PNH.",
    "Gang members fired on a police patrol near {place}, wounding {n} officers, the HNP said.",
]
OFF_TOPIC = "The city council of Nairobi approved a new budget for road repairs on {weekday}, officials said."


def article(rng: random.Random, index: int) -> tuple[str, str, date]:
    day = START + timedelta(days=rng.randrange(7))
    if index % 25 == 0:
        sentences = [OFF_TOPIC.format(weekday=WEEKDAYS[day.weekday() % 5])] * 3
    else:
        sentences = [
            rng.choice(PATTERNS).format(
                place=rng.choice(PLACES),
                weekday=rng.choice(WEEKDAYS),
                n=rng.randrange(2, 30),
                m=rng.randrange(2, 40),
                big=rng.randrange(50, 400),
                nation=rng.choice(NATIONS),
                donor=rng.choice(DONORS),
                equipment=rng.choice(EQUIPMENT),
            )
            for _ in range(rng.randrange(6, 14))
        ]
    return f"Report {index} from Haiti", "\n\n".join(sentences), day


def write_corpus(folder: Path, count: int) -> int:
    """N articles spread over txt, md, html, JSONL (50 a file) and RSS (20 a file); returns the file count."""
    rng = random.Random(count)
    jsonl: list[str] = []
    rss: list[str] = []
    files = 0

    def flush_jsonl() -> None:
        nonlocal files
        if jsonl:
            (folder / f"wire-{files}.jsonl").write_text("\n".join(jsonl) + "\n", encoding="utf-8")
            jsonl.clear()
            files += 1

    def flush_rss() -> None:
        nonlocal files
        if rss:
            (folder / f"feed-{files}.rss").write_text(
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Desk</title>'
                + "".join(rss)
                + "</channel></rss>",
                encoding="utf-8",
            )
            rss.clear()
            files += 1

    for index in range(count):
        title, body, day = article(rng, index)
        kind = index % 5
        if kind == 0:
            (folder / f"a{index}.txt").write_text(f"date {day}\n{body}\n", encoding="utf-8")
            files += 1
        elif kind == 1:
            (folder / f"a{index}.md").write_text(f"---\ntitle: {title}\ndate: {day}\n---\n\n{body}\n", encoding="utf-8")
            files += 1
        elif kind == 2:
            paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
            (folder / f"a{index}.html").write_text(
                f'<html><head><title>{title}</title><meta property="article:published_time" content="{day}T08:00:00Z">'
                f"</head><body><nav>Home | World</nav><article><h1>{title}</h1>{paragraphs}</article>"
                f"<footer>© Desk</footer></body></html>",
                encoding="utf-8",
            )
            files += 1
        elif kind == 3:
            jsonl.append(
                json.dumps({"title": title, "published": str(day), "url": f"https://w.example/{index}", "text": body})
            )
            if len(jsonl) == 50:
                flush_jsonl()
        else:
            rss.append(
                f"<item><title>{title}</title><link>https://f.example/{index}</link>"
                f"<pubDate>{day:%a, %d %b %Y} 08:00:00 +0000</pubDate>"
                f"<description>{escape(body)}</description></item>"
            )
            if len(rss) == 20:
                flush_rss()
    flush_jsonl()
    flush_rss()
    return files


def run(count: int, command: list[str]) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        corpus, out = Path(scratch, "corpus"), Path(scratch, "out")
        corpus.mkdir()
        files = write_corpus(corpus, count)
        argv = command + [
            "build",
            "--config",
            str(ROOT / "config" / "weekly.yaml"),
            "--corpus",
            str(corpus),
            "--from",
            str(START),
            "--to",
            str(START + timedelta(days=6)),
            "--format",
            "json",
            "--out",
            str(out),
        ]
        started = time.monotonic()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if status != 0:
            return f"articles={count} FAILED: {errors.strip()[-300:]}"
        return f"articles={count} files={files} seconds={seconds:.1f} peak_rss_mb={usage.ru_maxrss / 1024:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    command = [sys.executable, "-m", "briefgen"]
    for count in args.sizes:
        print(run(count, command), flush=True)


if __name__ == "__main__":
    main()
