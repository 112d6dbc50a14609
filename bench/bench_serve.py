#!/usr/bin/env python3
"""Time `briefgen serve`: the first read of a window, then regenerating the edition after each edit.

    .venv/bin/python bench/bench_serve.py                      # 300 generated articles, 10 rounds
    .venv/bin/python bench/bench_serve.py --articles 1000 --rounds 20
    .venv/bin/python bench/bench_serve.py --corpus DIR --out DIR --from 2025-08-25 --to 2025-08-31

Generates a corpus with bench_build.py's generator (unless --corpus is given), writes a copy of
config/weekly.yaml with absolute paths, starts the server on a free loopback port and drives it over HTTP as a
browser without htmx would: each round saves one edit (pin, drop or reword an item shown on the page), then
regenerates and loads the edition; "regenerate after edit" is the time from the edit's POST to the regenerated
page. The analyst edition is edited by default (the larger; --audience executive for the other). Prints one
summary line and exits 1 when the median exceeds --limit seconds (default 1.0). With --out the output folder,
its edits file and its document cache are kept (a later first read then comes from the cache).
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import yaml
from bench_build import START, write_corpus

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "weekly.yaml"
ACTIONS = ["pin", "drop", "reword"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand the 303 after a form post back to the caller, which then loads the edition itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ARG002 - urllib's signature
        return None


class ItemIds(HTMLParser):
    """The `id` of each <li> directly in a <ul class="items">: the edition's items, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self._lists: list[bool] = []  # for each open <ul>: is it an items list

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "ul":
            self._lists.append("items" in (values.get("class") or "").split())
        elif tag == "li" and self._lists and self._lists[-1] and values.get("id"):
            self.ids.append(values["id"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._lists:
            self._lists.pop()


def item_ids(page: str) -> list[str]:
    parser = ItemIds()
    parser.feed(page)
    return parser.ids


def hidden(page: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    if found is None:
        raise SystemExit(f"bench_serve: no hidden field {name!r} in the page")
    return found.group(1)


class Client:
    """Plain urllib, no cookies: the loopback server asks for no token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        body = urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._send(urllib.request.Request(self.base + path, data=body, headers=headers, method="POST"))

    def _send(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:  # 303 (not followed), 4xx, 5xx
            return exc.code, exc.read().decode("utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(folder: Path, corpus: Path, out: Path) -> Path:
    """config/weekly.yaml with its paths made absolute (corpus and output folder the bench's own)."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["corpus"] = str(corpus.resolve())
    data["output_dir"] = str(out.resolve())
    data["topic"] = str((CONFIG.parent / data["topic"]).resolve())
    path = folder / "bench-serve.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def wait_until_up(client: Client, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bench_serve: the server exited ({server.returncode}):\n{log.read_text()[-2000:]}")
        try:
            if client.get("/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"bench_serve: the server did not answer within {seconds:.0f}s:\n{log.read_text()[-2000:]}")


def first_read(client: Client, where: str, seconds: float = 1800) -> tuple[float, str]:
    """Seconds from the first GET /edition to the edition page (polling /progress as the loading page does,
    but every 100 ms), and that page."""
    started = time.monotonic()
    status, page = client.get(f"/edition?{where}")
    while 'class="items"' not in page:
        if status != 200 or time.monotonic() - started > seconds:
            raise SystemExit(f"bench_serve: the window was not read: {status} {strip(page)}")
        time.sleep(0.1)
        status, _ = client.get(f"/progress?{where}")
        if status == 286:
            raise SystemExit(f"bench_serve: reading failed: {strip(client.get(f'/progress?{where}')[1])}")
        if status == 204:
            status, page = client.get(f"/edition?{where}")
    return time.monotonic() - started, page


def strip(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())[:300]


def edit_round(
    client: Client, page: str, round_: int, window: dict[str, str], verbose: bool = False
) -> tuple[float, str]:
    """One edit saved, the edition regenerated and loaded: (seconds, the new page)."""
    ids = item_ids(page)
    if not ids:
        raise SystemExit("bench_serve: no items on the edition page")
    action = ACTIONS[round_ % len(ACTIONS)]
    item = ids[(round_ * 7) % len(ids)]
    text = f"Reworded by the bench, round {round_}." if action == "reword" else ""
    fields = {"csrf": hidden(page, "csrf"), **window}
    started = time.monotonic()
    status, body = client.post(
        "/edit", {**fields, "version": hidden(page, "version"), "item": item, "action": action, "text": text}
    )
    if status != 303:
        raise SystemExit(f"bench_serve: POST /edit answered {status}: {strip(body)}")
    saved = time.monotonic()
    status, body = client.post("/regenerate", fields)
    if status != 303:
        raise SystemExit(f"bench_serve: POST /regenerate answered {status}: {strip(body)}")
    regenerated = time.monotonic()
    status, page = client.get(f"/edition?{urlencode(window)}")
    seconds = time.monotonic() - started
    if verbose:
        print(
            f"round {round_ + 1}: {action} {item}: edit {saved - started:.2f}s regenerate {regenerated - saved:.2f}s "
            f"page {started + seconds - regenerated:.2f}s total {seconds:.2f}s",
            file=sys.stderr,
        )
    if status != 200 or "pending" in re.findall(r'class="notice ([a-z]+)"', page):
        raise SystemExit(f"bench_serve: the edition was not regenerated: {status} {strip(page)}")
    if action == "drop" and item in item_ids(page):
        raise SystemExit(f"bench_serve: dropped item {item} is still in the regenerated edition")
    if action == "reword" and text not in page:
        raise SystemExit(f"bench_serve: the rewording of {item} is not in the regenerated edition")
    return seconds, page


def bench(args: argparse.Namespace, scratch: Path) -> int:
    corpus = Path(args.corpus) if args.corpus else scratch / "corpus"
    out = Path(args.out) if args.out else scratch / "out"
    if not args.corpus:
        corpus.mkdir()
        write_corpus(corpus, args.articles)
    config = write_config(scratch, corpus, out)
    port = free_port()
    log = scratch / "server.log"
    command = [str(ROOT / ".venv" / "bin" / "briefgen"), "serve", "--config", str(config), "--port", str(port)]
    with open(log, "w") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=scratch)
    try:
        client = Client(f"http://127.0.0.1:{port}")
        wait_until_up(client, server, log)
        window = {"from": args.date_from, "to": args.date_to, "audience": args.audience}
        read_seconds, page = first_read(client, urlencode(window))
        timings = []
        for round_ in range(args.rounds):
            seconds, page = edit_round(client, page, round_, window, args.verbose)
            timings.append(seconds)
    except SystemExit:
        print(f"bench_serve: the server's log ends:\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
        raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    median = statistics.median(timings)
    size = f"corpus={corpus}" if args.corpus else f"articles={args.articles}"
    print(
        f"{size} first_read={read_seconds:.1f}s regenerate_after_edit median={median:.2f}s "
        f"max={max(timings):.2f}s rounds={len(timings)} audience={args.audience}",
        flush=True,
    )
    if median > args.limit:
        print(f"bench_serve: median {median:.2f}s exceeds the limit of {args.limit:.1f}s", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="articles to generate (default: 300)")
    parser.add_argument("--rounds", type=int, default=10, help="edit and regenerate rounds (default: 10)")
    parser.add_argument("--audience", default="analyst", help="the audience edited (default: analyst, the larger)")
    parser.add_argument("--corpus", help="use this folder of articles instead of generating one")
    parser.add_argument("--out", help="output folder (default: a temporary one, deleted afterwards)")
    parser.add_argument("--from", dest="date_from", default=str(START), help="the window's first day")
    parser.add_argument("--to", dest="date_to", default=str(START + timedelta(days=6)), help="its last day")
    parser.add_argument("-v", "--verbose", action="store_true", help="each round's steps, on stderr")
    parser.add_argument("--limit", type=float, default=1.0, help="the median allowed, in seconds (default: 1.0)")
    args = parser.parse_args()
    for day in (args.date_from, args.date_to):
        try:
            date.fromisoformat(day)
        except ValueError:
            parser.error(f"expected a date as YYYY-MM-DD, got {day!r}")
    if args.rounds < 1:
        parser.error("--rounds: expected 1 or more")
    scratch = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        return bench(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
