"""The command line: parses flags (defaults None, so the config file wins unless a flag is given),
calls the pipeline, and turns errors into one line and an exit code."""

from __future__ import annotations

import argparse
import io
import math
import os
import signal
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from briefgen import __version__
from briefgen.config import build_request
from briefgen.errors import BriefgenError, ConfigError, stage, unexpected
from briefgen.history import History
from briefgen.ingest.clean import escape_name
from briefgen.models import Diagnostic, Verdict
from briefgen.pipeline import build, check_templates, missing_paths, survey
from briefgen.runner import run


def _seconds(value: str) -> float:
    """A wait in seconds: a finite number, not negative (nan or inf would wait forever)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more, got {value!r}")
    return seconds


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", required=True, type=Path, help="the briefing's YAML config")
    common.add_argument("--corpus", help="folder of articles (default: the config's `corpus`)")
    common.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day of the window")
    common.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day of the window")
    common.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                        help="reference date for relative windows and years (default: today)")
    common.add_argument("-v", "--verbose", action="store_true", help="show tracebacks of errors")

    parser = argparse.ArgumentParser(prog="briefgen", description="Turn a folder of articles into a briefing.")
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", parents=[common], help="write the briefing files")
    build_cmd.add_argument("--audience", action="append",
                           help="an audience of the config (repeat or comma-separate; default: all)")
    build_cmd.add_argument("--format", dest="formats", metavar="pdf,docx,html,json",
                           help="formats to write (default: each audience's own)")
    build_cmd.add_argument("--out", help="output folder (default: the config's `output_dir`)")
    build_cmd.add_argument("--edits", help="an editor's overrides file (default: the config's `edits`)")
    run_cmd = commands.add_parser("run", parents=[common],
                                  help="the scheduled run: every audience and format, manifest and history")
    run_cmd.add_argument("--out", help="output folder (default: the config's `output_dir`)")
    run_cmd.add_argument("--edits", help="an editor's overrides file (default: the config's `edits`)")
    run_cmd.add_argument("--wait", type=_seconds, default=0.0, metavar="SECONDS",
                         help="wait this long for another run of the same briefing to finish (default: refuse)")
    history_cmd = commands.add_parser("history", parents=[common], help="list the recorded runs of the briefing")
    history_cmd.add_argument("--out", help="output folder holding the history (default: the config's `output_dir`)")
    commands.add_parser("sources", parents=[common],
                        help="list every document with its date and whether the window takes it")
    commands.add_parser("check", parents=[common], help="validate config, templates and corpus; write nothing")
    return parser


def _say(kind: str, message: object) -> None:
    """One line on stderr whatever the message holds: a file name with a newline cannot forge a second."""
    print(f"briefgen: {kind}: {escape_name(str(message))}", file=sys.stderr)


def _warn(diagnostics: tuple[Diagnostic, ...]) -> None:
    for diagnostic in diagnostics:
        _say("warning", diagnostic)


def _request(args: argparse.Namespace):
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
    )


def _sources_table(request) -> int:
    surveyed = survey(request)
    _warn(surveyed.diagnostics)
    header = ("PATH", "ITEM", "PUBLISHED", "DATE FOUND BY", "WINDOW", "TITLE")
    rows = [
        tuple(escape_name(cell) for cell in (
            s.document.path,
            "-" if s.document.item is None else str(s.document.item),
            str(s.document.published or "unknown"),
            s.document.date_found_by,
            ("in" if s.included else "out") + f": {s.reason}",
            s.document.title or "-",
        ))
        for s in surveyed.selections
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    print(f"# window {request.window.start} to {request.window.end} ({request.window.described_as})")
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0


def _check(request) -> int:
    """Config, topic and templates valid (errors raised before this runs); then what the topic leaves out."""
    check_templates(request)
    problems = missing_paths(request)
    if problems:
        raise ConfigError(problems)
    surveyed = survey(request)
    _warn(surveyed.diagnostics)
    off_topic = [s for s in surveyed.selections if s.verdict is Verdict.OFF_TOPIC]
    for selection in off_topic:
        print(escape_name(f"{selection.document.key}: {selection.reason}"))
    print(f"{request.config.path}: config, topic and templates valid; {len(surveyed.selections)} documents read, "
          f"{len(surveyed.included)} in the window {request.window.start} to {request.window.end}, "
          f"{len(off_topic)} off topic, {len(surveyed.diagnostics)} warning(s)")
    return 0


def _history(request) -> int:
    config = request.config
    database = config.history or request.output_dir / "history.sqlite"
    with stage("history", database):
        runs = History(database).runs(config.name)
    print(f"{'RUN':<4} {'STATUS':<10} {'WINDOW':<24}  {'AS OF':<10}  {'STARTED':<25}  {'FINISHED':<25}  MESSAGE")
    for r in runs:
        print(f"{r.id:<4} {r.status:<10} {r.window_from} to {r.window_to}  {r.as_of}  {r.started_at:<25}  "
              f"{r.finished_at or '-':<25}  {escape_name(r.message or '')}")
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


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # whatever the locale's encoding, a name never fails to print
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    try:
        request = _request(args)
        if args.command == "sources":
            return _sources_table(request)
        if args.command == "check":
            return _check(request)
        if args.command == "history":
            return _history(request)
        if args.command == "run":
            # a scheduler stops jobs with SIGTERM: unwind so the history records the run as failed
            signal.signal(signal.SIGTERM, _interrupt)
            result = run(request, wait_seconds=args.wait, now=_clock())
        else:
            result = build(request, now=_clock())
        _warn(result.diagnostics)
        print(f"briefgen: {result.summary}", file=sys.stderr)
        for path in result.written:
            print(escape_name(str(path)))
        return 0
    except BriefgenError as exc:
        if args.verbose:
            traceback.print_exc()
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
