"""Config loading and its error messages, pinned word for word (`FILE: key.path: problem`)."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from conftest import TOPIC, config_text, write, write_config

from briefgen.cli import build_request
from briefgen.config import load_config
from briefgen.errors import ConfigError


def problems_of(path, **flags) -> list[str]:
    load = partial(build_request, path, today=date(2025, 9, 1), **flags) if flags else partial(load_config, path)
    with pytest.raises(ConfigError) as caught:
        load()
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_valid_config_loads_with_paths_resolved_against_its_folder(tmp_path):
    config = load_config(write_config(tmp_path / "cfg"))
    assert config.name == "testbrief"
    assert config.corpus == (tmp_path / "cfg" / "corpus").resolve()
    assert config.output_dir == (tmp_path / "cfg" / "out").resolve()
    assert [s.id for s in config.sections] == ["operations", "equipment", "nations", "outlook"]
    assert list(config.audiences) == ["analyst", "executive"]
    assert config.audiences["executive"].max_items == 3
    assert config.topic.name == "Haiti Multinational Security Support mission"


def test_missing_file(tmp_path):
    path = tmp_path / "absent.yaml"
    assert problems_of(path) == [f"{path}: file not found"]


def test_missing_topic_file_is_named(tmp_path):
    path = write(tmp_path / "brief.yaml", config_text().replace(str(TOPIC), "topics/absent.yaml"))
    assert problems_of(path) == [f"{(tmp_path / 'topics' / 'absent.yaml').resolve()}: file not found"]


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    path = write(tmp_path / "brief.yaml", "title: [unclosed\nname: x\n")
    assert problems_of(path) == [f"{path}: invalid YAML (line 2, column 5): expected ',' or ']', but got ':'"]


def test_unknown_key_is_named_with_its_dotted_path(tmp_path):
    text = config_text().replace("    max_items: 25\n", "    max_item: 25\n")
    path = write(tmp_path / "brief.yaml", text)
    assert problems_of(path) == [f"{path}: audiences.analyst.max_item: unknown key (a typo?), got 'max_item'"]


@pytest.mark.parametrize("written", ["'2025-13-01'", "2025-13-01"])
def test_bad_date_in_the_window(tmp_path, written):
    path = write_config(tmp_path, window=f"{{from: {written}, to: 2025-08-31}}")
    assert problems_of(path) == [f"{path}: window.from: expected a date YYYY-MM-DD, got '2025-13-01'"]


def test_from_after_to_in_the_config(tmp_path):
    path = write_config(tmp_path, window="{from: 2025-09-01, to: 2025-08-31}")
    assert problems_of(path) == [f"{path}: window: expected from <= to, got from 2025-09-01 after to 2025-08-31"]


def test_window_needs_exactly_one_mode(tmp_path):
    path = write_config(tmp_path, window="{from: 2025-08-25, to: 2025-08-31, last_days: 3}")
    assert problems_of(path) == [f"{path}: window: expected exactly one of from/to, last_days or period"]


def test_several_problems_are_reported_at_once_sorted(tmp_path):
    text = config_text(window="{from: '2025-13-01', to: 2025-08-31}", extra="colour: blue\n").replace(
        "    max_items: 25\n", "    max_items: 0\n    formats: [pdf, odt]\n"
    )
    path = write(tmp_path / "brief.yaml", text)
    assert problems_of(path) == [
        f"{path}: audiences.analyst.formats[1]: expected one of pdf, docx, html or json, got 'odt'",
        f"{path}: audiences.analyst.max_items: expected a number greater than or equal to 1, got 0",
        f"{path}: colour: unknown key (a typo?), got 'colour'",
        f"{path}: window.from: expected a date YYYY-MM-DD, got '2025-13-01'",
    ]


def test_audience_naming_an_unknown_section(tmp_path):
    text = config_text().replace(
        "sections: [operations, equipment, nations, outlook]\n    max_items: 3",
        "sections: [operations, weather]\n    max_items: 3",
    )
    path = write(tmp_path / "brief.yaml", text)
    assert problems_of(path) == [
        f"{path}: audiences.executive.sections[1]: expected one of operations, equipment, nations, outlook, "
        "got 'weather'"
    ]


def test_missing_required_key(tmp_path):
    path = write(tmp_path / "brief.yaml", config_text().replace("title: Test briefing\n", ""))
    assert problems_of(path) == [f"{path}: title: required key is missing"]


def test_python_object_tag_is_a_config_error_and_runs_nothing(tmp_path):
    marker = tmp_path / "executed"
    path = write(
        tmp_path / "brief.yaml",
        f"title: !!python/object/apply:os.system ['touch {marker}']\n" + config_text().split("\n", 1)[1],
    )
    assert problems_of(path) == [
        f"{path}: invalid YAML (line 1, column 8): could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'"
    ]
    assert not marker.exists()


def test_yaml_alias_is_rejected(tmp_path):
    text = config_text().replace("title: Test briefing\n", "title: &t Test briefing\nmarking: *t\n")
    path = write(tmp_path / "brief.yaml", text)
    assert problems_of(path) == [f"{path}: invalid YAML (line 2, column 10): aliases (*name) are not allowed"]


def test_yes_and_no_are_not_booleans_and_on_is_just_an_unknown_key(tmp_path):
    path = write(tmp_path / "brief.yaml", config_text(extra="on: yes\n"))
    assert problems_of(path) == [f"{path}: on: unknown key (a typo?), got 'on'"]


# --- command-line flags checked by build_request ----------------------------------------------------------


def test_unknown_audience_flag(tmp_path):
    path = write_config(tmp_path)
    assert problems_of(path, audiences=["analyst", "minister"]) == [
        f"{path}: --audience: expected one of analyst, executive, got 'minister'"
    ]


def test_bad_format_flag(tmp_path):
    path = write_config(tmp_path)
    assert problems_of(path, formats="pdf,odt") == [
        f"{path}: --format: expected some of pdf, docx, html, json, got 'odt'"
    ]
    assert problems_of(path, formats=" , ") == [
        f"{path}: --format: expected some of pdf, docx, html, json, got nothing"
    ]


def test_flag_problems_are_reported_together(tmp_path):
    path = write_config(tmp_path)
    assert problems_of(path, date_from="2025-09-01", date_to="2025-08-01", audiences=["boss"], formats="odt") == [
        f"{path}: --from/--to: expected from <= to, got 2025-09-01 after 2025-08-01",
        f"{path}: --audience: expected one of analyst, executive, got 'boss'",
        f"{path}: --format: expected some of pdf, docx, html, json, got 'odt'",
    ]


def test_bad_date_flags(tmp_path):
    path = write_config(tmp_path)
    assert problems_of(path, date_from="2025-09-01") == [f"{path}: --from and --to: expected both or neither"]
    assert problems_of(path, as_of="2025-02-30") == [f"{path}: --as-of: expected a date YYYY-MM-DD, got '2025-02-30'"]
    assert problems_of(path, date_from="01/09/2025", date_to="2025-09-07") == [
        f"{path}: --from: expected a date YYYY-MM-DD, got '01/09/2025'"
    ]


# --- regressions --------------------------------------------------------------------------------------------------


def test_audience_name_that_is_not_a_plain_name_is_a_config_error(tmp_path):
    text = config_text().replace("  executive:\n", '  "x/../../escaped":\n')
    path = write(tmp_path / "brief.yaml", text)
    problems = problems_of(path)
    assert any("audiences" in p and "x/../../escaped" in p for p in problems)


def test_bad_section_id_message_describes_the_rule_for_section_ids(tmp_path):
    text = config_text().replace("{id: operations, title: Operations}", "{id: ops.main, title: Operations}")
    path = write(tmp_path / "brief.yaml", text)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: sections[0].id: expected ")
    assert problem.endswith("got 'ops.main'")
    # 'ops.main' is made of letters and '.', so a message allowing '.' contradicts the rejection
    assert "'.'" not in problem
