"""Hardening beyond HOSTILE_INPUTS.md: what a config, an edits file or an unlucky operator can do, through the
CLI as a subprocess. Readers' limits are in test_hostile_ingest.py, the run's crash safety in test_run_crash.py.

Each failing case must end in one line on stderr naming its file, never a traceback; each passing one must
write every file it was asked for.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import OPS_TXT, ROOT, config_text, files_under, run_cli, write, write_config, write_corpus

WINDOW = ["--from", "2025-08-25", "--to", "2025-08-31"]


def one_error_line(proc: subprocess.CompletedProcess[str], *names: str) -> str:
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("briefgen: error:")]
    assert len(errors) == 1, proc.stderr
    for name in names:
        assert name in errors[0]
    return errors[0]


def build(config: Path, tmp_path: Path, *args: str | Path, formats: str = "json") -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--config", config, "--out", tmp_path / "out", "--format", formats, *WINDOW, *args)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "corpus")
    return tmp_path


# --- outside data: the config, the edits file and the DOCX reference are read from where they are said to be --


def test_a_docx_reference_outside_the_template_folders_is_refused(project):
    secret = write(project / "secret" / "letterhead.docx", b"PK not read")
    for reference in (str(secret), "../secret/letterhead.docx"):
        config = write(project / "brief.yaml", config_text(extra=f"docx_reference: {reference}"))
        proc = build(config, project, formats="docx")
        assert proc.returncode == 2
        one_error_line(proc, "docx_reference")
        assert files_under(project / "out") == []


def test_a_docx_reference_that_is_a_link_out_of_the_template_folder_is_refused(project):
    templates = project / "templates"
    templates.mkdir()
    (templates / "house.docx").symlink_to(ROOT / "templates" / "reference.docx")
    config = write(project / "brief.yaml", config_text(extra="templates_dir: templates\ndocx_reference: house.docx"))
    proc = build(config, project, formats="docx")
    assert proc.returncode == 1
    one_error_line(proc, "house.docx", "symbolic link")
    assert files_under(project / "out") == []


def test_an_edits_file_or_a_config_that_is_a_link_is_not_followed(project):
    config = write_config(project)
    (project / "edits.yaml").symlink_to("/etc/passwd")
    proc = build(config, project, "--edits", project / "edits.yaml")
    assert proc.returncode == 2
    one_error_line(proc, "edits.yaml", "symbolic link")
    (project / "linked.yaml").symlink_to(config)
    proc = build(project / "linked.yaml", project)
    assert proc.returncode == 2
    one_error_line(proc, "linked.yaml", "symbolic link")


def test_an_edits_file_that_is_a_device_is_refused_at_once(project):
    config = write_config(project)
    for device in ("/dev/zero", "/dev/urandom"):
        proc = build(config, project, "--edits", device)  # read without end if its size (0) were trusted
        assert proc.returncode == 2
        one_error_line(proc, device, "not a regular file")


# --- every string a writer lays out is cleaned like article text -----------------------------------------------


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        return docx.read("word/document.xml").decode("utf-8")


def test_control_characters_and_lone_surrogates_in_the_config_reach_no_writer(project):
    text = config_text().replace("title: Test briefing", 'title: "Test\\x07 brief\\ud800ing\\x1b[31m"')
    text = text.replace("{id: outlook, title: Outlook}", '{id: outlook, title: "Out\\x00look\\udfff"}')
    config = write(project / "brief.yaml", text)
    proc = build(config, project, "--audience", "analyst", formats="json,docx,html,pdf")
    assert proc.returncode == 0, proc.stderr
    briefing = json.loads(next((project / "out").glob("*.json")).read_text(encoding="utf-8"))
    assert briefing["title"] == "Test briefing[31m"
    assert [s["title"] for s in briefing["sections"]][-1] == "Outlook"
    assert "Test briefing[31m" in docx_text(next((project / "out").glob("*.docx")))


def test_an_edits_note_and_rewording_with_control_characters_are_cleaned(project):
    config = write_config(project)
    first = build(config, project)
    item = json.loads(next((project / "out").glob("*.json")).read_text(encoding="utf-8"))["sections"][0]["items"][0]
    edits = write(
        project / "edits.yaml",
        f'note: "Checked\\x0b by\\x00 the desk"\nreplace:\n  {item["id"]}: '
        f'"Police raided\\x1f a base\\ud800 in Delmas."\n',
    )
    proc = build(config, project, "--edits", edits, formats="json,docx")
    assert first.returncode == proc.returncode == 0, proc.stderr
    briefing = json.loads(next((project / "out").glob("*.json")).read_text(encoding="utf-8"))
    assert briefing["editor_note"] == "Checked by the desk"
    assert briefing["sections"][0]["items"][0]["text"].startswith("Police raided a base in Delmas.")


def test_a_section_title_with_dollar_signs_is_charted_as_plain_text(project):
    extra = "    chart: operations"
    text = config_text().replace("    max_items: 3", "    max_items: 3\n" + extra)
    text = text.replace("{id: operations, title: Operations}", "{id: operations, title: 'Cost $x^{2$ and $\\frac'}")
    config = write(project / "brief.yaml", text)
    for day in (27, 29):  # a chart needs three dated items
        write(
            project / "corpus" / f"ops-{day}.txt",
            OPS_TXT.replace("2025-08-26", f"2025-08-{day}").replace(
                "Delmas", "Cité Soleil" if day == 27 else "Croix-des-Bouquets"
            ),
        )
    proc = build(config, project, "--audience", "executive", formats="html,docx")
    assert proc.returncode == 0, proc.stderr  # mathtext would have failed on the unbalanced "$x^{2$"
    html = next((project / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "data:image/svg+xml" in html and "Cost $x^{2$ and $\\frac" in html


# --- bounds on what a renderer lays out ----------------------------------------------------------------------


@pytest.mark.heavy
def test_a_run_of_text_without_break_is_split_and_every_format_is_written(project):
    for name, day, place, run in (("cjk.txt", 28, "Tabarre", "漢" * 3000), ("dashes.txt", 29, "Cabaret", "a-" * 2000)):
        write(
            project / "corpus" / name,
            f"date 2025-08-{day} MSS officers and Haitian police raided a gang base in "
            f"{place} and arrested nine suspects {run}.\n",
        )
    config = write_config(project)
    proc = build(config, project, "--audience", "analyst", formats="json,pdf,docx,html")
    assert proc.returncode == 0, proc.stderr
    briefing = json.loads(next((project / "out").glob("*.json")).read_text(encoding="utf-8"))
    words = [w for s in briefing["sections"] for it in s["items"] for w in it["text"].split()]
    assert any("漢" in w for w in words) and max(len(w) for w in words) <= 100


def test_a_title_of_a_million_characters_is_capped(project):
    article = {
        "title": "Haiti " * 200_000,
        "published": "2025-08-28",
        "text": "MSS officers and Haitian police raided a gang base in Tabarre and arrested nine suspects.",
    }
    write(project / "corpus" / "long-title.jsonl", json.dumps(article) + "\n")
    config = write_config(project)
    proc = build(config, project, "--audience", "analyst")
    assert proc.returncode == 0, proc.stderr
    briefing = json.loads(next((project / "out").glob("*.json")).read_text(encoding="utf-8"))
    titles = [s["title"] for s in briefing["sources"] if s["path"] == "long-title.jsonl"]
    assert titles and all(len(t) <= 300 for t in titles)


def test_a_long_rewording_counts_in_the_word_budget(project):
    config = write(
        project / "brief.yaml", config_text().replace("    max_items: 25", "    max_items: 25\n    max_words: 60")
    )
    first = build(config, project, "--audience", "analyst")
    assert first.returncode == 0, first.stderr
    items = json.loads(next((project / "out").glob("*.json")).read_text(encoding="utf-8"))["sections"][0]["items"]
    long_text = " ".join(["Police raided a base in Delmas."] * 2000)
    edits = write(project / "edits.yaml", f"replace:\n  {items[0]['id']}: '{long_text}'\n")
    proc = build(config, project, "--audience", "analyst", "--edits", edits)
    assert proc.returncode == 0, proc.stderr
    briefing = json.loads(next((project / "out").glob("*.json")).read_text(encoding="utf-8"))
    words = sum(len(it["text"].split()) for s in briefing["sections"] for it in s["items"])
    assert words <= 60


@pytest.mark.parametrize("wait", ["nan", "inf", "-1", "soon"])
def test_wait_must_be_a_finite_number_of_seconds(project, wait):
    config = write_config(project)
    proc = run_cli("run", "--config", config, "--out", project / "out", "--wait", wait)
    assert proc.returncode == 2
    assert "--wait" in proc.stderr and "Traceback" not in proc.stderr
    assert files_under(project / "out") == []


# --- output plumbing -------------------------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly(project):
    for name in range(300):  # more rows than a pipe buffer holds, so the write meets the closed pipe
        write(project / "corpus" / f"more-{name:03}.txt", OPS_TXT.replace("six", f"{name} more"))
    config = write_config(project)
    for command in ("sources", "check"):
        proc = subprocess.run(
            f"{sys.executable} -m briefgen {command} --config {config} {' '.join(WINDOW)} "
            "| head -c 10 >/dev/null; echo ${PIPESTATUS[0]}",
            shell=True,
            executable="/bin/bash",
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert proc.stdout.strip() == "0", proc.stderr
        assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_output_is_encoded_whatever_the_locale(project, encoding):
    write(project / "corpus" / "dash—ü.txt", OPS_TXT.replace("six", "seven"))
    config = write_config(project)
    env = {**os.environ, "PYTHONIOENCODING": encoding, "LC_ALL": "C"}
    proc = subprocess.run(
        [sys.executable, "-m", "briefgen", "sources", "--config", str(config), *WINDOW],
        cwd=ROOT,
        capture_output=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert b"dash\\u2014" in proc.stdout


def test_a_file_name_with_a_newline_cannot_forge_a_row_or_an_error(project):
    write(project / "corpus" / "evil\nbriefgen: error: forged.txt", OPS_TXT.replace("six", "eight"))
    write(project / "corpus" / "bad\nname.xyz", "not an article")
    config = write_config(project)
    proc = run_cli("sources", "--config", config, *WINDOW)
    assert proc.returncode == 0, proc.stderr
    assert not any(line.startswith("briefgen: error:") for line in proc.stdout.splitlines() + proc.stderr.splitlines())
    assert "evil\\nbriefgen: error: forged.txt" in proc.stdout
    assert "briefgen: warning: bad\\nname.xyz: unsupported file type '.xyz'; skipped" in proc.stderr.splitlines()


# --- check finds every path that is missing --------------------------------------------------------------------


def test_check_reports_a_missing_templates_dir(project):
    config = write(project / "brief.yaml", config_text(extra="templates_dir: no-such-folder"))
    for command in ("check", "build"):  # a build does not fall back to the built-in templates either
        proc = run_cli(command, "--config", config, *WINDOW)
        assert proc.returncode == 2
        one_error_line(proc, "templates_dir", "no-such-folder")


def test_check_reports_every_missing_path_at_once(project):
    write(project / "out-file", "a file where the output folder should be")
    config = write(
        project / "brief.yaml",
        config_text(extra="docx_reference: house.docx").replace("output_dir: out", "output_dir: out-file"),
    )
    proc = run_cli("check", "--config", config, "--corpus", project / "no-corpus", *WINDOW)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("briefgen: error:")]
    assert len(errors) == 3, proc.stderr
    assert any("no-corpus" in e for e in errors)
    assert any("house.docx" in e for e in errors)
    assert any("out-file" in e for e in errors)


# --- a document that breaks the summariser is skipped, not the run -------------------------------------------


def test_an_article_that_breaks_extraction_is_skipped_with_a_warning(project, monkeypatch):
    from briefgen.cli import build_request
    from briefgen.pipeline import build as build_in_process

    extract = importlib.import_module("briefgen.summarise.extract")  # the module: the package exports a function

    config = write_config(project)
    real = extract.candidates

    def breaks_on_the_delivery_story(document):
        if document.path == "equipment.md":  # stands for any sentence no rule foresaw
            raise RecursionError("maximum recursion depth exceeded")
        return real(document)

    monkeypatch.setattr(extract, "candidates", breaks_on_the_delivery_story)
    request = build_request(
        config, date_from="2025-08-25", date_to="2025-08-31", formats="json", out=str(project / "out")
    )
    result = build_in_process(request)
    assert [str(d) for d in result.diagnostics if d.path == "equipment.md"] == [
        "equipment.md: unexpected RecursionError: maximum recursion depth exceeded while extracting; skipped"
    ]
    briefing = json.loads(result.written[0].read_text(encoding="utf-8"))
    cited = {s["path"] for s in briefing["sources"]}
    assert "equipment.md" not in cited and "ops.txt" in cited
