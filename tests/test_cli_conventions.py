"""Command-line conventions: quiet and verbose, strict, each command's own flags, a --version that loads
nothing it does not need, help with an example. Through the CLI as a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, files_under, run_cli, write, write_config, write_corpus

WINDOW = ["--from", "2025-08-25", "--to", "2025-08-31"]


@pytest.fixture
def project(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "corpus" / "broken.jsonl", "{not json\n")  # one warning: a line skipped
    write_config(tmp_path)
    return tmp_path


def build(project, *flags):
    return run_cli(
        "build", "--config", project / "brief.yaml", "--out", project / "out", "--format", "json", *WINDOW, *flags
    )


def test_quiet_prints_errors_only_and_verbose_logs_each_stage(project):
    normal, quiet, verbose = build(project), build(project, "-q"), build(project, "-v", "--no-cache")
    assert normal.returncode == quiet.returncode == verbose.returncode == 0
    assert "briefgen: warning: broken.jsonl:1:" in normal.stderr and "documents read" in normal.stderr
    assert quiet.stderr == "" and quiet.stdout == normal.stdout
    assert "briefgen: read 4 document(s)" in verbose.stderr and "briefgen: rendered 2 file(s)" in verbose.stderr
    assert run_cli("build", "--config", project / "brief.yaml", "-q", "-v").returncode == 2  # one or the other


def test_strict_fails_on_a_warning_before_anything_is_written(project):
    for command in ("build", "run"):
        proc = run_cli(command, "--config", project / "brief.yaml", "--out", project / "out", *WINDOW, "--strict")
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.splitlines()
        assert lines[0].startswith("briefgen: warning: broken.jsonl:1:")
        assert lines[-1] == "briefgen: error: 1 warning(s) and --strict: nothing written"
        assert "Traceback" not in proc.stderr and proc.stdout == ""
        assert [p for p in files_under(project / "out") if p.suffix in (".json", ".pdf", ".html", ".docx")] == []
    check = run_cli("check", "--config", project / "brief.yaml", *WINDOW, "--strict")
    assert check.returncode == 1 and check.stderr.splitlines()[-1] == "briefgen: error: 1 warning(s) and --strict"
    (project / "corpus" / "broken.jsonl").unlink()
    assert build(project, "--strict").returncode == 0


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        ("history", "--from"),
        ("history", "--corpus"),
        ("sources", "--out"),
        ("check", "--edits"),
        ("sources", "--strict"),
        ("build", "--wait"),
    ],
)
def test_a_command_refuses_flags_it_would_ignore(project, command, flag):
    proc = run_cli(command, "--config", project / "brief.yaml", flag, "x")
    assert proc.returncode == 2
    assert f"unrecognized arguments: {flag}" in proc.stderr


def test_version_loads_no_pipeline():
    probe = (
        "import sys; from briefgen.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('briefgen.pipeline', 'briefgen.config', 'pydantic', 'yaml', 'jinja2', 'numpy')"
        " if m in sys.modules]\nprint(heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.splitlines() == [f"briefgen {version()}", "[]"], proc.stderr


def version() -> str:
    from briefgen import __version__

    return __version__


@pytest.mark.parametrize("command", ["build", "run", "sources", "check", "history"])
def test_each_command_has_a_description_and_an_example(command):
    proc = run_cli(command, "--help")
    assert proc.returncode == 0
    assert f"example: briefgen {command} --config" in proc.stdout
