"""A new mission is a config and a topic file: the code reads roles and kinds, never the Haiti names;
`check` catches a topic that does not fit its config; nations are proper names; no command shows a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TOPIC, files_under, run_cli, write

from briefgen.summarise.nations import nation_index
from briefgen.topic import Nations

PACKAGE = ROOT / "briefgen"
WEEKLY = ROOT / "config" / "weekly.yaml"
SAMPLES = ROOT / "samples" / "corpus"
AS_OF = "2025-09-01"


def haiti_topic() -> dict:
    return yaml.safe_load(TOPIC.read_text(encoding="utf-8"))


def haiti_config() -> dict:
    return yaml.safe_load(WEEKLY.read_text(encoding="utf-8"))


def write_pair(folder: Path, topic: dict, config: dict | None = None) -> Path:
    """A config (default: the weekly one) and its topic in folder; returns the config's path."""
    config = dict(config or haiti_config())
    config.update(topic="topic.yaml", corpus=str(SAMPLES), output_dir="out")
    write(folder / "topic.yaml", yaml.safe_dump(topic, allow_unicode=True, sort_keys=False))
    return write(folder / "brief.yaml", yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def briefing_text(config: Path, out: Path) -> list[tuple[str, list[str]]]:
    """(section title, item texts) of the analyst edition of the sample week, built through the CLI."""
    result = run_cli(
        "build", "--config", config, "--as-of", AS_OF, "--audience", "analyst", "--format", "json", "--out", out
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(Path(result.stdout.split()[0]).read_text(encoding="utf-8"))
    return [(s["title"], [i["text"] for i in s["items"]]) for s in data["sections"]]


# --- the names are free ------------------------------------------------------------------------------


def renamed(topic: dict, config: dict, old: str, new: str) -> tuple[dict, dict]:
    """Section `old` called `new` in both files, and every entity group given another name."""
    text = yaml.safe_dump(topic, allow_unicode=True, sort_keys=False)
    topic = yaml.safe_load(text)
    topic["entities"] = {f"group_{i}": group for i, group in enumerate(topic["entities"].values())}
    topic["sections"] = {new if k == old else k: v for k, v in topic["sections"].items()}
    for watch in topic["watch"]:
        watch["section"] = new if watch["section"] == old else watch["section"]
    topic["tie_order"] = [new if s == old else s for s in topic["tie_order"]]
    config = json.loads(json.dumps(config))
    for section in config["sections"]:
        section["id"] = new if section["id"] == old else section["id"]
    for audience in config["audiences"].values():
        audience["sections"] = [new if s == old else s for s in audience["sections"]]
    return topic, config


def test_a_renamed_section_and_renamed_groups_build_the_same_briefing(tmp_path):
    original = briefing_text(write_pair(tmp_path / "a", haiti_topic()), tmp_path / "a" / "out")
    topic, config = renamed(haiti_topic(), haiti_config(), "outlook", "prospects")
    assert "outlook" not in topic["sections"] and "mss" not in topic["entities"]
    copy = briefing_text(write_pair(tmp_path / "b", topic, config), tmp_path / "b" / "out")
    assert copy == original
    assert sum(len(items) for _, items in original) > 10  # a real briefing, not two empty ones


def test_python_names_no_section_group_status_or_outcome_of_the_haiti_topic():
    topic = haiti_topic()
    names = set(topic["sections"]) | set(topic["entities"]) | set(topic["statuses"]) | set(topic["outcomes"])
    names |= {topic["default_status"], topic["prospective_status"]}
    alternatives = "|".join(sorted(names))
    quoted = re.compile(rf"""["']({alternatives})["']""")
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if quoted.search(line)
    ]
    assert hits == []


# --- check validates the topic against the config -----------------------------------------------------


def check(tmp_path: Path, topic: dict, config: dict | None = None):
    return run_cli("check", "--config", write_pair(tmp_path, topic, config), "--as-of", AS_OF)


def assert_config_error(result, *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    for message in expected:
        assert any(line.endswith(message) for line in lines), (message, lines)


def test_check_names_a_config_section_the_topic_lacks(tmp_path):
    topic = haiti_topic()
    del topic["sections"]["outlook"]
    topic["watch"] = []
    topic["tie_order"] = ["equipment", "nations", "operations"]
    assert_config_error(check(tmp_path, topic), "topic.yaml: sections: no section 'outlook', which the config declares")


def test_check_names_a_table_column_the_section_kind_does_not_produce(tmp_path):
    topic = haiti_topic()
    topic["tables"]["nations"]["columns"][0]["value"] = "{nations}"
    assert_config_error(
        check(tmp_path, topic),
        "topic.yaml: tables.nations.columns[0].value: a contribution section's items have no field "
        "'nations' (they have contributors, personnel, funds, status, date, people, modality)",
    )


def test_check_names_a_watch_on_an_unknown_section(tmp_path):
    topic = haiti_topic()
    topic["watch"][0]["section"] = "prospects"
    assert_config_error(
        check(tmp_path, topic),
        "topic.yaml: watch[0].section: expected one of operations, equipment, nations, outlook, got 'prospects'",
    )


def test_check_names_a_group_without_a_role(tmp_path):
    topic = haiti_topic()
    del topic["entities"]["gangs"]["role"]
    assert_config_error(check(tmp_path, topic), "topic.yaml: entities.gangs.role: required key is missing")


def test_check_names_an_unknown_role(tmp_path):
    topic = haiti_topic()
    topic["entities"]["gangs"]["role"] = "villains"
    assert_config_error(
        check(tmp_path, topic),
        "topic.yaml: entities.gangs.role: expected one of mission, partner, "
        "opponent, place, materiel, personnel or money, got 'villains'",
    )


def test_check_names_a_role_no_group_has_where_a_kind_or_a_section_needs_it(tmp_path):
    topic = haiti_topic()
    del topic["entities"]["vehicles_and_arms"]  # the only materiel group
    assert_config_error(
        check(tmp_path, topic),
        "topic.yaml: sections.equipment: a delivery section needs an entity group with the role 'materiel', "
        "and none has it",
        "topic.yaml: sections.equipment.requires_any: no entity group has the role 'materiel'",
    )


def test_check_reports_every_problem_at_once(tmp_path):
    topic = haiti_topic()
    topic["watch"][0]["section"] = "prospects"
    topic["tables"]["nations"]["columns"][0]["value"] = "{nations}"
    assert_config_error(
        check(tmp_path, topic),
        "topic.yaml: watch[0].section: expected one of operations, equipment, nations, outlook, got 'prospects'",
        "topic.yaml: tables.nations.columns[0].value: a contribution section's items have no field "
        "'nations' (they have contributors, personnel, funds, status, date, people, modality)",
    )


def test_check_lists_the_documents_the_topic_leaves_out_as_off_topic(tmp_path):
    result = run_cli("check", "--config", WEEKLY, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    off_topic = [line for line in result.stdout.splitlines() if ": off topic (" in line]
    assert len(off_topic) == 1, result.stdout
    assert "1 off topic" in result.stdout.splitlines()[-1]


def test_the_somalia_config_and_topic_are_valid():
    result = run_cli("check", "--config", ROOT / "config" / "somalia.yaml", "--as-of", "2025-05-01")
    assert result.returncode == 0, result.stderr
    assert "config, topic and templates valid" in result.stdout


# --- nations are proper names --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nations():
    return nation_index(
        Nations(
            host=["Haiti"], never_contributors=["Türkiye"], add={"Ethiopia": ["Abyssinian*"], "African Union": ["AU"]}
        )
    )


def test_nation_names_match_only_as_proper_names(nations):
    assert nations.named("They shared a turkey dinner and some china plates.") == []
    assert nations.named("Turkey and China sent envoys.") == ["Türkiye", "China"]


def test_an_adjective_of_place_or_origin_is_not_a_contributor(nations):
    assert nations.contributors("Fighting near the Kenyan border displaced hundreds.") == []
    assert nations.contributors("A Kenyan-born officer led the patrol.") == []
    assert nations.contributors("Kenyan police officers led the patrol.") == ["Kenya"]
    assert nations.contributors("The Kenya-led mission patrolled Delmas.") == ["Kenya"]


def test_host_and_excluded_nations_are_named_but_never_contributors(nations):
    text = "Turkey brokered talks as Haiti asked Ethiopia for troops."
    assert nations.named(text) == ["Türkiye", "Haiti", "Ethiopia"]
    assert nations.contributors(text) == ["Ethiopia"]


def test_the_shipped_list_knows_african_demonyms_and_capitals_and_the_topic_adds_more(nations):
    text = "Ethiopian, Egyptian, Djiboutian and Sierra Leonean officers met in Cairo and Addis Ababa."
    assert nations.contributors(text) == ["Ethiopia", "Egypt", "Djibouti", "Sierra Leone"]
    assert nations.contributors("Abyssinian troops and the AU arrived.") == ["Ethiopia", "African Union"]


# --- no traceback ------------------------------------------------------------------------------------


def test_a_file_that_breaks_its_reader_is_skipped_with_a_warning_and_the_run_goes_on(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "deep.jsonl", '{"title": "x", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    write(corpus / "telcos.txt", (SAMPLES / "2025-08-26-telcos-recaptured.txt").read_text(encoding="utf-8"))
    result = run_cli(
        "build",
        "--config",
        write_pair(tmp_path, haiti_topic()),
        "--corpus",
        corpus,
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--out",
        tmp_path / "out",
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "briefgen: warning: deep.jsonl:1: JSON nested too deeply; skipped" in result.stderr


# a bug planted in a stage that works on the whole window (one article's failure only skips that article)
FAULTY_MERGE = """\
import sys
import briefgen.pipeline
def broken(*args):
    raise ZeroDivisionError("division by zero")
briefgen.pipeline.group_events = broken
from briefgen.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_an_unexpected_failure_is_one_line_naming_the_stage_and_the_file(tmp_path):
    args = [
        "build",
        "--config",
        str(write_pair(tmp_path, haiti_topic())),
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--out",
        str(tmp_path / "out"),
    ]
    result = subprocess.run([sys.executable, "-c", FAULTY_MERGE, *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert re.fullmatch(r"briefgen: error: merge: [\w./-]+: unexpected ZeroDivisionError: division by zero", lines[0])
    assert files_under(tmp_path / "out") == []  # no briefing (the document cache may keep what was read)
    verbose = subprocess.run(
        [sys.executable, "-c", FAULTY_MERGE, *args, "-v"], cwd=ROOT, capture_output=True, text=True
    )
    assert verbose.returncode == 1
    assert "Traceback" in verbose.stderr and "ZeroDivisionError" in verbose.stderr


def test_the_readme_example_topic_is_a_valid_topic():
    from briefgen.topic import TopicFile, consistency_problems

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("An annotated example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    topic = TopicFile.model_validate(yaml.safe_load(example))
    assert consistency_problems(topic, ["operations", "equipment", "nations", "outlook"]) == []
