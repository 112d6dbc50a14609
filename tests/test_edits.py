"""An editor's overrides (pin, drop, replace, note) given to `briefgen build` and `briefgen run` with --edits or
the config's `edits` key. Every article here is invented for the tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import (
    docx_blocks,
    files_under,
    html_body_text,
    run_cli,
    run_config_text,
    squash,
    write,
)

WINDOW = "{from: 2025-08-25, to: 2025-08-31}"
SPAN = "2025-08-25_2025-08-31"
ARTICLES = {
    "ops-kenscoff.txt": "date 2025-08-25\n"
    "Kenyan officers of the MSS cleared barricades on the road to Kenscoff after a firefight with gangs.\n\n"
    "Residents of the hills above Port-au-Prince said traffic resumed by nightfall.\n",
    "ops-delmas.txt": "date 2025-08-26\n"
    "Haitian police and MSS officers stormed a gang hideout in Delmas before dawn and arrested six suspects.\n\n"
    "The joint operation in Port-au-Prince also seized two rifles and a crate of cartridges.\n",
    "ops-budgeted.txt": "date 2025-08-28\n"
    "A police patrol in Tabarre came under gunfire from gang members on Thursday evening, the Haitian National "
    "Police said.\n\n"
    "No officers were hurt, according to a spokesperson for the MSS in Haiti.\n",
    "boats.md": "---\ntitle: Boats for the coast guard\ndate: 2025-08-27\noutlet: Bay Courier\n---\n"
    "Two coast guard boats were delivered to the MSS mission at the port of Port-au-Prince for coastal "
    "duties.\n",
    "nations.txt": "date 2025-08-29\n"
    "Guatemala pledged forty soldiers to the MSS mission and said they would reach Port-au-Prince by December.\n\n"
    "El Salvador deployed a medical contingent of twelve nurses to the MSS mission in Haiti this week.\n",
    "vote.txt": "date 2025-08-30\n"
    "Diplomats expect the UN Security Council to vote in October on renewing the Kenyan-led mission in Haiti.\n",
    "washington.txt": "date 2025-08-31\n"
    "Washington is pushing to replace the Kenyan-led mission in Haiti with a larger Gang Suppression Force.\n",
}
# the strongest operations item (it leads the executive edition, which keeps one) and one the budget leaves out
LEADER, BUDGETED, BOATS = (
    "patrol in Tabarre came under gunfire",
    "stormed a gang hideout in Delmas",
    "Two coast guard boats were delivered",
)
NEW_BOATS = "Two patrol boats reached the Haitian coast guard on Wednesday, port officials said."
NOTE = "Figures checked against the port authority's log & the ministry."


def sections(data: dict) -> dict[str, list[dict]]:
    return {section["id"]: section["items"] for section in data["sections"]}


def section_items(data: dict) -> list[dict]:
    return [item for section in data["sections"] for item in section["items"]]


def all_items(data: dict) -> list[dict]:
    return section_items(data) + data["key_points"]


def by_phrase(data: dict, phrase: str) -> dict:
    matches = [item for section in data["sections"] for item in section["items"] if phrase in item["text"]]
    assert len(matches) == 1, (phrase, [i["text"] for i in all_items(data)])
    return matches[0]


def cited_paths(data: dict, item: dict) -> list[str]:
    paths = {source["id"]: source["path"] for source in data["sources"]}
    return [paths[source_id] for source_id in item["sources"]]


def make_project(root: Path, **executive: object) -> Path:
    for name, text in ARTICLES.items():
        write(root / "corpus" / name, text)
    return write(
        root / "brief.yaml",
        run_config_text(window=WINDOW, formats="[json, html]", executive=executive or {"max_items": 1}),
    )


def build(config: Path, out: Path, *args: str | Path):
    result = run_cli("build", "--config", config, "--as-of", "2025-09-01", "--out", out, *args)
    assert result.returncode == 0, result.stderr
    return result


def edition(out: Path, audience: str, fmt: str = "json"):
    path = out / f"testbrief_{audience}_{SPAN}.{fmt}"
    return json.loads(path.read_text(encoding="utf-8")) if fmt == "json" else path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The briefing without edits (executive: one item per section), and the ids of the items by phrase."""
    root = tmp_path_factory.mktemp("edits")
    config = make_project(root)
    build(config, root / "plain")
    analyst, executive = edition(root / "plain", "analyst"), edition(root / "plain", "executive")
    ids = {phrase: by_phrase(analyst, phrase)["id"] for phrase in (LEADER, BUDGETED, BOATS)}
    # what the overrides below change: LEADER leads the executive operations, BUDGETED is budgeted out
    assert [LEADER in item["text"] for item in sections(executive)["operations"]] == [True]
    assert not any(BUDGETED in item["text"] for item in all_items(executive))
    assert sections(analyst)["operations"][0]["id"] != ids[BUDGETED]
    return root, config, analyst, executive, ids


@pytest.fixture(scope="module")
def edited(baseline):
    """Built with an edits file pinning Tabarre, dropping Kenscoff, rewording the boats and adding a note."""
    root, config, _, _, ids = baseline
    edits = write(
        root / "editor.yaml",
        f'note: "{NOTE}"\npin: [{ids[BUDGETED]}]\ndrop: [{ids[LEADER]}]\nreplace:\n  {ids[BOATS]}: "{NEW_BOATS}"\n',
    )
    result = build(config, root / "edited", "--edits", edits)
    return root / "edited", result


def test_pin_keeps_an_item_the_budget_dropped_first_in_its_section(baseline, edited):
    _, _, _, _, ids = baseline
    out, _ = edited
    executive, analyst = edition(out, "executive"), edition(out, "analyst")
    assert [item["id"] for item in sections(executive)["operations"]] == [ids[BUDGETED]]
    assert sections(analyst)["operations"][0]["id"] == ids[BUDGETED]
    # Tabarre dropped; Kenscoff kept after the pin; the Delmas seizure is a detail of the pinned raid, not an item
    assert [item["lead"][:26] for item in sections(analyst)["operations"][1:]] == ["Kenyan officers of the MSS"]


def test_pin_survives_a_word_budget_that_drops_other_items(baseline, tmp_path):
    budgeted = baseline[4][BUDGETED]  # ids depend on the section and the words only: the same in every project
    config = make_project(tmp_path, max_items=3, max_words=45)
    build(config, tmp_path / "plain", "--audience", "executive")
    plain = edition(tmp_path / "plain", "executive")
    assert not any(BUDGETED in item["text"] for item in all_items(plain))
    edits = write(tmp_path / "pin.yaml", f"pin: [{budgeted}]\n")
    build(config, tmp_path / "pinned", "--audience", "executive", "--edits", edits)
    pinned = edition(tmp_path / "pinned", "executive")
    assert sections(pinned)["operations"][0]["id"] == budgeted
    words = sum(len(item["text"].split()) for item in section_items(pinned))
    assert words <= 45  # the budget counts the sections; key points restate their items


def test_pin_outranks_a_watched_item_under_a_tight_word_budget(baseline, tmp_path):
    budgeted = baseline[4][BUDGETED]
    config = make_project(tmp_path, max_items=3, max_words=30)
    edits = write(tmp_path / "pin.yaml", f"pin: [{budgeted}]\n")
    result = build(config, tmp_path / "pinned", "--audience", "executive", "--edits", edits)
    pinned = edition(tmp_path / "pinned", "executive")
    # observed: operations is empty, the watched Washington item (outlook) stays, and no warning is printed
    assert budgeted in [item["id"] for item in sections(pinned)["operations"]], result.stderr


def test_drop_removes_the_item_from_every_format_of_the_audience(baseline, tmp_path):
    import pypdf

    root, config, _, _, ids = baseline
    edits = write(tmp_path / "drop.yaml", f"drop: [{ids[LEADER]}]\n")
    out = tmp_path / "out"
    build(config, out, "--audience", "executive", "--format", "pdf,docx,html,json", "--edits", edits)
    data = edition(out, "executive")
    assert ids[LEADER] not in [item["id"] for item in all_items(data)]
    assert not any("Kenscoff" in item["text"] for item in all_items(data))
    assert "ops-kenscoff.txt" not in [source["path"] for source in data["sources"]]
    kept = by_phrase(data, "Washington is pushing")["text"]
    texts = {
        "json": (out / f"testbrief_executive_{SPAN}.json").read_text(encoding="utf-8"),
        "html": html_body_text(edition(out, "executive", "html")),
        "pdf": "".join(page.extract_text() for page in pypdf.PdfReader(out / f"testbrief_executive_{SPAN}.pdf").pages),
        "docx": "\n".join(docx_blocks(__import__("docx").Document(str(out / f"testbrief_executive_{SPAN}.docx")))),
    }
    for fmt, text in texts.items():
        assert squash(kept) in squash(text), f"{fmt}: the kept item is missing, so the check below proves nothing"
        assert "Kenscoff" not in squash(text), fmt
        assert squash("barricades") not in squash(text), fmt


def test_replace_changes_the_text_keeps_the_citations_and_marks_it_edited(baseline, edited):
    _, _, plain_analyst, _, ids = baseline
    out, _ = edited
    for audience in ("analyst", "executive"):
        data = edition(out, audience)
        item = next(item for item in sections(data)["equipment"] if item["id"] == ids[BOATS])
        assert item["text"] == NEW_BOATS
        assert item["edited"] is True
        assert cited_paths(data, item) == cited_paths(plain_analyst, by_phrase(plain_analyst, BOATS)) == ["boats.md"]
        assert item["date"] == "2025-08-27"
        assert not any(BOATS in i["text"] for i in all_items(data)), "the original words are gone everywhere"
        assert [i for i in all_items(data) if i.get("edited")] == [i for i in all_items(data) if i["text"] == NEW_BOATS]
        page = html_body_text(edition(out, audience, "html"))
        assert NEW_BOATS in " ".join(page.split())
        assert BOATS not in page


def test_note_is_in_the_json_and_visible_in_the_html(edited):
    out, _ = edited
    for audience in ("analyst", "executive"):
        assert edition(out, audience)["editor_note"] == NOTE
        page = edition(out, audience, "html")
        aside = re.search(r'<aside class="editor-note"[^>]*>(.*?)</aside>', page, re.S)
        assert aside, "no editor's note in the HTML"
        assert NOTE in " ".join(html_body_text(f"<body>{aside[1]}</body>").split())
        assert "log &amp; the ministry" in aside[1]  # escaped, as every text from a file is


def test_no_edits_means_no_note_and_nothing_edited(baseline):
    _, _, analyst, executive, _ = baseline
    for data in (analyst, executive):
        assert data["editor_note"] is None
        assert not any("edited" in item for item in all_items(data))


def test_stale_override_warns_naming_the_file_and_id_and_the_build_succeeds(baseline, tmp_path):
    _, config, _, _, ids = baseline
    edits = write(
        tmp_path / "stale.yaml",
        f"pin: [operations-0000000000]\ndrop: [{ids[LEADER]}]\nreplace: {{nations-ffffffffff: Something else.}}\n",
    )
    out = tmp_path / "out"
    result = build(config, out, "--edits", edits)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("briefgen: warning:")]
    assert len(warnings) == 2, result.stderr
    assert any(str(edits) in line and "'operations-0000000000'" in line and "stale" in line for line in warnings)
    assert any(str(edits) in line and "'nations-ffffffffff'" in line for line in warnings)
    assert not any(ids[LEADER] in line for line in warnings)
    assert len(files_under(out)) == 4  # both audiences, JSON and HTML
    assert not any(LEADER in item["text"] for item in all_items(edition(out, "analyst")))


def test_config_edits_key_applies_and_the_flag_wins(baseline, tmp_path):
    _, _, _, _, ids = baseline
    for name, text in ARTICLES.items():
        write(tmp_path / "corpus" / name, text)
    write(tmp_path / "edits" / "desk.yaml", f"note: From the config.\ndrop: [{ids[LEADER]}]\n")
    config = write(
        tmp_path / "brief.yaml",
        run_config_text(window=WINDOW, formats="[json, html]", extra="edits: edits/desk.yaml\n"),
    )
    build(config, tmp_path / "a")
    data = edition(tmp_path / "a", "analyst")
    assert data["editor_note"] == "From the config."
    assert ids[LEADER] not in [item["id"] for item in all_items(data)]

    flag = write(tmp_path / "flag.yaml", "note: From the flag.\n")
    build(config, tmp_path / "b", "--edits", flag)
    data = edition(tmp_path / "b", "analyst")
    assert data["editor_note"] == "From the flag."
    assert ids[LEADER] in [item["id"] for item in all_items(data)]


def test_run_accepts_edits_and_records_them_in_the_manifest(baseline, tmp_path):
    _, config, _, _, ids = baseline
    edits = write(
        tmp_path / "run-edits.yaml",
        f'note: "{NOTE}"\npin: [{ids[BUDGETED]}, operations-0000000000]\nreplace:\n  {ids[BOATS]}: "{NEW_BOATS}"\n',
    )
    out = tmp_path / "out"
    result = run_cli("run", "--config", config, "--as-of", "2025-09-01", "--out", out, "--edits", edits)
    assert result.returncode == 0, result.stderr
    assert re.search(rf"briefgen: warning: {re.escape(str(edits))}: pin: .*'operations-0000000000'", result.stderr)
    folder = out / "testbrief" / SPAN
    executive = json.loads((folder / "executive.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in sections(executive)["operations"]] == [ids[BUDGETED]]
    assert by_phrase(executive, "Two patrol boats")["text"] == NEW_BOATS
    assert executive["editor_note"] == NOTE
    assert NEW_BOATS in (folder / "executive.html").read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["edits"] == str(edits)
    assert any("operations-0000000000" in warning and str(edits) in warning for warning in manifest["warnings"])


BAD_EDITS = "pins: [operations-0000000000]\ndrop: operations-0000000000\nreplace: {operations-0000000000: 5}\n"


@pytest.mark.parametrize("command", ["build", "run"])
def test_malformed_edits_file_is_a_config_error_listing_every_problem(baseline, tmp_path, command):
    _, config, _, _, _ = baseline
    edits = write(tmp_path / "bad.yaml", BAD_EDITS)
    out = tmp_path / "out"
    result = run_cli(command, "--config", config, "--as-of", "2025-09-01", "--out", out, "--edits", edits)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert all(line.startswith(f"briefgen: error: {edits}: ") for line in lines)
    assert any("pins" in line and "unknown key" in line for line in lines)
    assert any(line.endswith("drop: expected a list, got 'operations-0000000000'") for line in lines)
    assert any("replace.operations-0000000000" in line and "expected text" in line for line in lines)
    assert not out.exists()


def test_missing_or_non_mapping_edits_file_is_a_config_error(baseline, tmp_path):
    _, config, _, _, _ = baseline
    out = tmp_path / "out"
    missing = run_cli(
        "run", "--config", config, "--as-of", "2025-09-01", "--out", out, "--edits", tmp_path / "nope.yaml"
    )
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [f"briefgen: error: {tmp_path / 'nope.yaml'}: file not found"]
    listed = write(tmp_path / "list.yaml", "- operations-0000000000\n")
    wrong = run_cli("build", "--config", config, "--as-of", "2025-09-01", "--out", out, "--edits", listed)
    assert wrong.returncode == 2 and len(wrong.stderr.splitlines()) == 1
    assert str(listed) in wrong.stderr
    assert not out.exists()
