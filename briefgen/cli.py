"""The command line: each command's flags (defaults None, so the config file wins unless a flag is given),
merged with the config into a request, the pipeline called, and errors turned into one line and an exit code.

Only what `--version` and `--help` need is imported at the top: the pipeline loads when a command runs.
"""

from __future__ import annotations

import argparse
import io
import logging
import math
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from briefgen import __version__
from briefgen.errors import BriefgenError, ConfigError, StrictError, unexpected
from briefgen.ingest.clean import escape_name

if TYPE_CHECKING:
    from briefgen.config import BuildRequest
    from briefgen.models import Diagnostic

# name: (one line for the command list, its example)
COMMANDS = {
    "build": (
        "write the briefing files (on demand)",
        "briefgen build --config config/weekly.yaml --as-of 2025-09-01 --audience executive --format pdf",
    ),
    "run": (
        "the scheduled run: every audience and format, under a lock, with a manifest and history",
        "briefgen run --config config/weekly.yaml --wait 600 --strict",
    ),
    "sources": (
        "list every document with its date and whether the window takes it",
        "briefgen sources --config config/weekly.yaml --from 2025-08-25 --to 2025-08-31",
    ),
    "check": (
        "validate the config, topic, templates and paths, and read the corpus; write nothing",
        "briefgen check --config config/weekly.yaml",
    ),
    "history": ("list the recorded runs of the briefing", "briefgen history --config config/weekly.yaml"),
    "serve": (
        "the editors' page: preview, pin, drop, reword, regenerate, approve and download an edition",
        "briefgen serve --config config/weekly.yaml --port 8000",
    ),
    "cache": (
        "clear: delete the cache of read and extracted documents",
        "briefgen cache clear --config config/weekly.yaml",
    ),
}
# the flags each command takes beyond --config, -v and -q
CORPUS, WINDOW, OUTPUT, EDITS, STRICT, NO_CACHE = "corpus", "window", "output", "edits", "strict", "no_cache"
EXECUTOR = "executor"
TAKES = {
    "build": {CORPUS, WINDOW, OUTPUT, EDITS, STRICT, NO_CACHE, EXECUTOR},
    "run": {CORPUS, WINDOW, OUTPUT, EDITS, STRICT, NO_CACHE, EXECUTOR},
    "sources": {CORPUS, WINDOW, NO_CACHE, EXECUTOR},
    "check": {CORPUS, WINDOW, STRICT, NO_CACHE, EXECUTOR},
    "history": {OUTPUT},
    "serve": {CORPUS, WINDOW, OUTPUT, NO_CACHE, EXECUTOR},
    "cache": {OUTPUT},
}


def _seconds(value: str) -> float:
    """A wait in seconds: a finite number, not negative (nan or inf would wait forever)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more, got {value!r}")
    return seconds


def _add_flags(command: argparse.ArgumentParser, name: str) -> None:
    takes = TAKES[name]
    if name == "cache":
        command.add_argument("action", choices=["clear"], help="clear: delete the cache")
    command.add_argument("--config", required=True, type=Path, help="the briefing's YAML config")
    if CORPUS in takes:
        command.add_argument("--corpus", help="folder of articles (default: the config's `corpus`)")
    if WINDOW in takes:
        command.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day of the window")
        command.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day of the window")
        command.add_argument(
            "--as-of",
            dest="as_of",
            metavar="YYYY-MM-DD",
            help="reference date for relative windows and years (default: today)",
        )
    if name == "build":
        command.add_argument(
            "--audience", action="append", help="an audience of the config (repeat or comma-separate; default: all)"
        )
        command.add_argument(
            "--format",
            dest="formats",
            metavar="pdf,docx,html,json",
            help="formats to write (default: each audience's own)",
        )
    if OUTPUT in takes:
        command.add_argument("--out", help="output folder (default: the config's `output_dir`)")
    if EDITS in takes:
        command.add_argument("--edits", help="an editor's overrides file (default: the config's `edits`)")
    if name == "run":
        command.add_argument(
            "--wait",
            type=_seconds,
            default=0.0,
            metavar="SECONDS",
            help="wait this long for another run of the same briefing to finish (default: refuse)",
        )
    if name == "serve":
        command.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
        command.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    if NO_CACHE in takes:
        command.add_argument(
            "--no-cache", action="store_true", help="read and extract every document afresh, using no cache"
        )
    if EXECUTOR in takes:
        command.add_argument(
            "--executor",
            choices=["auto", "local", "processes", "dask"],
            help="where each file is read and its documents extracted: this process, this machine's cores, "
            "or a Dask cluster; auto: the cores when the work repays starting them (default: the config's "
            "`executor`, else auto)",
        )
        command.add_argument(
            "--scheduler", metavar="ADDRESS", help="the Dask scheduler, tcp://host:8786 (default: the config's)"
        )
    if STRICT in takes:
        command.add_argument(
            "--strict",
            action="store_true",
            help="fail (exit 1) on any warning, before anything is written: for schedulers and CI",
        )
    loudness = command.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="log each stage, and show tracebacks")
    loudness.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefgen", description="Turn a folder of articles into a cited briefing.")
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (summary, example) in COMMANDS.items():
        command = commands.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + ".", epilog=f"example: {example}"
        )
        _add_flags(command, name)
    return parser


def build_request(
    config_path: Path,
    *,
    corpus: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    as_of: str | None = None,
    audiences: list[str] | None = None,
    formats: str | None = None,
    out: str | None = None,
    edits: str | None = None,
    strict: bool = False,
    no_cache: bool = False,
    executor: str | None = None,
    scheduler: str | None = None,
    today: date | None = None,
) -> BuildRequest:
    """Load the config and apply the command line, which wins over the file."""
    from briefgen.config import BuildRequest, cache_path, load_config, load_edits
    from briefgen.models import Window
    from briefgen.schema import FORMATS, parse_iso_date
    from briefgen.select import resolve_window

    config = load_config(config_path)
    problems: list[str] = []

    def flag_date(name: str, value: str | None) -> date | None:
        if value is None:
            return None
        try:
            return parse_iso_date(value)
        except ValueError as exc:
            problems.append(f"--{name}: {exc}")
            return None

    # "today" is the user's calendar day, the local one
    reference = flag_date("as-of", as_of) or today or date.today()  # noqa: DTZ011
    start, end = flag_date("from", date_from), flag_date("to", date_to)
    if (date_from is None) != (date_to is None):
        problems.append("--from and --to: expected both or neither")
    window = resolve_window(config.window, reference)
    if start and end:
        if start > end:
            problems.append(f"--from/--to: expected from <= to, got {start} after {end}")
        window = Window(start, end)

    chosen = tuple(audiences) if audiences else tuple(config.audiences)
    problems += [
        f"--audience: expected one of {', '.join(config.audiences)}, got {name!r}"
        for name in chosen
        if name not in config.audiences
    ]
    chosen_formats = None
    if formats is not None:
        chosen_formats = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
        problems += [
            f"--format: expected some of {', '.join(FORMATS)}, got {fmt!r}"
            for fmt in chosen_formats
            if fmt not in FORMATS
        ]
        if not chosen_formats:
            problems.append(f"--format: expected some of {', '.join(FORMATS)}, got nothing")
    executor, scheduler = executor or config.executor, scheduler or config.scheduler
    if executor == "dask" and not scheduler:  # said now, not only when a file needs a worker
        problems.append("--executor dask: expected --scheduler ADDRESS (or `scheduler:` in the config)")
    if problems:
        raise ConfigError([f"{config_path}: {p}" for p in problems])
    edits_path = Path(edits) if edits else config.edits
    output_dir = Path(out) if out else config.output_dir
    return BuildRequest(
        config=config,
        corpus=Path(corpus) if corpus else config.corpus,
        window=window,
        as_of=reference,
        audiences=chosen,
        formats=chosen_formats,
        output_dir=output_dir,
        edits=load_edits(edits_path) if edits_path else None,
        strict=strict,
        cache=None if no_cache else cache_path(config, output_dir),
        executor=executor,
        scheduler=scheduler,
    )


class ProgressLine:
    """How far a long run has come, on one line of the terminal rewritten in place: files read, documents
    extracted, editions rendered. A log line (-v) wipes it first, and the next step draws it again."""

    LABELS = {"read": "files read", "extract": "documents extracted", "render": "editions rendered"}

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.stages: dict[str, tuple[int, int]] = {}
        self.shown = 0  # characters on the line now

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.stages[stage] = (done, total)
        parts = []
        for name, label in self.LABELS.items():
            if name in self.stages:
                count, of = self.stages[name]
                parts.append(f"{count} of {of} {label}" if of else f"{count} {label}")
        line = escape_name("briefgen: " + ", ".join(parts))
        self.stream.write("\r" + line.ljust(self.shown))
        self.stream.flush()
        self.shown = len(line)

    def clear(self, record: object = None) -> bool:
        """Wipe the line (as a logging filter too: it lets every record through)."""
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0
        return True


@contextmanager
def _progress(args: argparse.Namespace) -> Iterator[ProgressLine | None]:
    """The progress line when stderr is a terminal and not -q (a log or a pipe gets no carriage returns); it is
    wiped when the command is done, before its warnings and summary."""
    if args.quiet or not sys.stderr.isatty():
        yield None
        return
    line = ProgressLine(sys.stderr)
    handlers = logging.getLogger().handlers
    for handler in handlers:
        handler.addFilter(line.clear)
    try:
        yield line
    finally:
        for handler in handlers:
            handler.removeFilter(line.clear)
        line.clear()


def _request(args: argparse.Namespace) -> BuildRequest:
    audiences = None
    if getattr(args, "audience", None):
        audiences = [name.strip() for value in args.audience for name in value.split(",") if name.strip()]
    return build_request(
        args.config,
        corpus=args.corpus,
        date_from=args.date_from,
        date_to=args.date_to,
        as_of=args.as_of,
        audiences=audiences,
        formats=getattr(args, "formats", None),
        out=getattr(args, "out", None),
        edits=getattr(args, "edits", None),
        strict=getattr(args, "strict", False),
        no_cache=args.no_cache,
        executor=args.executor,
        scheduler=args.scheduler,
    )


def _say(kind: str, message: object) -> None:
    """One line on stderr whatever the message holds: a file name with a newline cannot forge a second."""
    print(f"briefgen: {kind}: {escape_name(str(message))}", file=sys.stderr)


def _warn(diagnostics: tuple[Diagnostic, ...], quiet: bool) -> None:
    if not quiet:
        for diagnostic in diagnostics:
            _say("warning", diagnostic)


def _sources_table(args: argparse.Namespace) -> int:
    from briefgen.cache import opened
    from briefgen.pipeline import survey
    from briefgen.render.text import window_rule

    request = _request(args)
    with (
        opened(request.cache, write=False) as cache,  # `sources` writes nothing, but may read what builds cached
        _progress(args) as progress,
    ):
        surveyed = survey(request, progress, cache, write=False)
    _warn(surveyed.diagnostics, args.quiet)
    header = ("PATH", "ITEM", "PUBLISHED", "DATE FOUND BY", "WINDOW", "TITLE")
    rows = [
        tuple(
            escape_name(cell)
            for cell in (
                s.document.path,
                "-" if s.document.item is None else str(s.document.item),
                str(s.document.published or "unknown"),
                s.document.date_found_by,
                ("in" if s.included else "out") + f": {s.reason}",
                s.document.title or "-",
            )
        )
        for s in surveyed.selections
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    print(f"# window {request.window.start} to {request.window.end} ({window_rule(request.window)})")
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0


def _check(args: argparse.Namespace) -> int:
    """Config, topic and templates valid (errors raised before this runs); every path found; then what the
    topic leaves out. With --strict, a warning met reading the corpus fails the check."""
    from briefgen.cache import opened
    from briefgen.models import Verdict
    from briefgen.pipeline import check_templates, missing_paths, survey

    request = _request(args)
    check_templates(request)
    problems = missing_paths(request)
    if problems:
        raise ConfigError(problems)
    with (
        opened(request.cache, write=False) as cache,  # `check` writes nothing, but may read what builds cached
        _progress(args) as progress,
    ):
        surveyed = survey(request, progress, cache, write=False)
    _warn(surveyed.diagnostics, args.quiet)
    off_topic = [s for s in surveyed.selections if s.verdict is Verdict.OFF_TOPIC]
    for selection in off_topic:
        print(escape_name(f"{selection.document.key}: {selection.reason}"))
    print(
        f"{request.config.path}: config, topic and templates valid; {len(surveyed.selections)} documents read, "
        f"{len(surveyed.included)} in the window {request.window.start} to {request.window.end}, "
        f"{len(off_topic)} off topic, {len(surveyed.diagnostics)} warning(s)"
    )
    if request.strict and surveyed.diagnostics:
        _say("error", f"{len(surveyed.diagnostics)} warning(s) and --strict")
        return 1
    return 0


def _history(args: argparse.Namespace) -> int:
    from briefgen.config import load_config
    from briefgen.errors import stage
    from briefgen.history import History

    config = load_config(args.config)
    database = config.history or (Path(args.out) if args.out else config.output_dir) / "history.sqlite"
    with stage("history", database):
        runs = History(database).runs(config.name)
    print(f"{'RUN':<4} {'STATUS':<10} {'WINDOW':<24}  {'AS OF':<10}  {'STARTED':<25}  {'FINISHED':<25}  MESSAGE")
    for r in runs:
        print(
            f"{r.id:<4} {r.status:<10} {r.window_from} to {r.window_to}  {r.as_of}  {r.started_at:<25}  "
            f"{r.finished_at or '-':<25}  {escape_name(r.message or '')}"
        )
    return 0


def _clear_cache(args: argparse.Namespace) -> int:
    """`cache clear`: the cache's files deleted, each path printed; no cache is not an error."""
    from briefgen.cache import remove
    from briefgen.config import cache_path, load_config

    config = load_config(args.config)
    path = cache_path(config, Path(args.out) if args.out else config.output_dir)
    if path is None:
        print(f"{config.path}: the config turns the cache off (cache: false)", file=sys.stderr)
        return 0
    try:
        removed = remove(path)
    except OSError as exc:
        raise BriefgenError(f"{path}: cannot delete the cache: {exc.strerror or exc}") from None
    for file in removed:
        print(escape_name(str(file)))
    return 0


def _write(args: argparse.Namespace) -> int:
    """`build` and `run`: the files written, one path a line on stdout; warnings and a summary on stderr."""
    from briefgen.pipeline import build
    from briefgen.runner import run

    with _progress(args) as progress:
        request = replace(_request(args), progress=progress)
        if args.command == "run":
            result = run(request, wait_seconds=args.wait, now=_clock())
        else:
            result = build(request, now=_clock())
    _warn(result.diagnostics, args.quiet)
    if not args.quiet:
        print(f"briefgen: {result.summary}", file=sys.stderr)
    for path in result.written:
        print(escape_name(str(path)))
    args.held.append(result)
    return 0


def _clock() -> datetime | None:
    """The generation time: SOURCE_DATE_EPOCH when set (reproducible builds), else the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise ConfigError([f"SOURCE_DATE_EPOCH: expected whole seconds since 1970, got {epoch!r}"]) from None


def _interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _serve(args: argparse.Namespace) -> int:
    from briefgen.serve.app import serve

    return serve(_request(args), host=args.host, port=args.port)


HANDLERS = {
    "build": _write,
    "run": _write,
    "sources": _sources_table,
    "check": _check,
    "history": _history,
    "serve": _serve,
    "cache": _clear_cache,
}


def entry() -> NoReturn:
    """The `briefgen` program: `main`, then, after a build, an exit that leaves the process's objects to the
    system. A build holds a window's documents, facts and events to its end, millions of objects that Python
    would free one by one (1 s of a 10-second rerun of 10,000 articles) before the process could end. Other
    commands (the editors' page, whose threads a normal exit waits for) end as usual."""
    held: list[object] = []  # what `main` made that its caller keeps to the end
    code = main(held=held)
    if not held:
        sys.exit(code)
    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader has gone: it has all it wanted
        pass
    os._exit(code)


def main(argv: list[str] | None = None, held: list[object] | None = None) -> int:
    """The command line; `held` receives what a command made, for a caller that exits without freeing it."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # whatever the locale's encoding, a name never fails to print
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    args.held = held if held is not None else []
    logging.basicConfig(format="briefgen: %(message)s", level=logging.INFO if args.verbose else logging.WARNING)
    try:
        if args.command == "run":
            import signal

            # a scheduler stops jobs with SIGTERM: unwind so the history records the run as failed
            signal.signal(signal.SIGTERM, _interrupt)
        return HANDLERS[args.command](args)
    except BriefgenError as exc:
        if args.verbose:
            traceback.print_exc()
        if isinstance(exc, StrictError):  # the warnings that failed the run
            _warn(exc.diagnostics, args.quiet)
        for line in str(exc).splitlines():
            _say("error", line)
        return exc.exit_code
    except KeyboardInterrupt:
        _say("error", "interrupted")
        return 130
    except BrokenPipeError:
        # the reader of the output has gone (`briefgen sources | head -1`): it has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush finds no pipe
        return 0
    except Exception as exc:  # a bug: still one line for the scheduler's log, the traceback behind -v
        if args.verbose:
            traceback.print_exc()
        _say("error", f"{args.command}: {args.config}: {unexpected(exc)} (run with -v for the traceback)")
        return 1
