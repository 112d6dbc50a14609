"""Run history and NEW items: week 1 then week 2 with `briefgen run`, read back from the JSON, the HTML and the
SQLite history file itself. Every article here is invented for the tests."""

from __future__ import annotations

import json
import re

import pytest
from conftest import files_under, history_items, history_runs, run_cli, run_config_text, write

WEEK1, WEEK2 = "2025-08-18_2025-08-24", "2025-08-25_2025-08-31"
AS_OF = {WEEK1: "2025-08-25", WEEK2: "2025-09-01"}

# Week 1: 18-24 August 2025.
WEEK1_ARTICLES = {
    "w1-raid.txt": "date 2025-08-19\n"
    "Haitian police and MSS officers stormed a gang hideout in Delmas before dawn and arrested six suspects.\n\n"
    "The joint operation in Port-au-Prince also seized two rifles and a crate of cartridges.\n",
    "w1-boats.txt": "date 2025-08-21\n"
    "Two coast guard boats were delivered to the MSS mission at the port of Port-au-Prince for coastal "
    "duties.\n",
    "w1-medics.txt": "date 2025-08-22\n"
    "El Salvador deployed a medical contingent of twelve nurses to the MSS mission in Haiti this week.\n",
}
# Week 2: 25-31 August 2025. One article repeats a week-1 sentence word for word, one says a week-1 fact again
# in near-identical words; the rest is new.
REPEATED = "Two coast guard boats were delivered to the MSS mission at the port of Port-au-Prince"
REWORDED = "El Salvador has deployed a medical contingent of twelve nurses"
NEW_FACTS = (
    "cleared barricades on the road to Kenscoff",
    "Guatemala pledged forty soldiers",
    "vote in October on renewing",
)
WEEK2_ARTICLES = {
    "w2-boats-again.txt": "date 2025-08-26\n"
    "Two coast guard boats were delivered to the MSS mission at the port of Port-au-Prince for coastal "
    "duties.\n\n"
    "Kenyan officers of the MSS cleared barricades on the road to Kenscoff after a firefight with gangs.\n",
    "w2-medics.txt": "date 2025-08-27\n"
    "El Salvador has deployed a medical contingent of twelve nurses to the MSS mission in Haiti.\n",
    "w2-vote.txt": "date 2025-08-28\n"
    "Diplomats expect the UN Security Council to vote in October on renewing the Kenyan-led mission in Haiti.\n\n"
    "Guatemala pledged forty soldiers to the MSS mission and said they would reach Port-au-Prince by December.\n",
}


def items(data: dict) -> list[dict]:
    return [item for section in data["sections"] for item in section["items"]]


def html_badges(page: str) -> dict[str, bool]:
    """Each section item's id -> whether its <li> carries the NEW badge."""
    found = re.findall(r'<li id="([a-z]+-[0-9a-f]{10})">(.*?)</li>', page, re.S)
    assert found, "no section items in the HTML"
    return {item_id: 'class="new">NEW<' in body for item_id, body in found}


def run_week(config, out, week):
    result = run_cli("run", "--config", config, "--as-of", AS_OF[week], "--out", out)
    assert result.returncode == 0, result.stderr
    folder = out / "testbrief" / week
    return {
        audience: (
            json.loads((folder / f"{audience}.json").read_text(encoding="utf-8")),
            (folder / f"{audience}.html").read_text(encoding="utf-8"),
        )
        for audience in ("analyst", "executive")
    }


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory):
    root = tmp_path_factory.mktemp("two-weeks")
    for name, text in {**WEEK1_ARTICLES, **WEEK2_ARTICLES}.items():
        write(root / "corpus" / name, text)
    config = write(root / "brief.yaml", run_config_text(formats="[json, html]"))
    out = root / "out"
    week1 = run_week(config, out, WEEK1)
    week2 = run_week(config, out, WEEK2)
    week2_again = run_week(config, out, WEEK2)
    return config, out, week1, week2, week2_again


def by_phrase(data: dict, phrase: str) -> dict:
    matches = [item for item in items(data) if phrase in item["text"]]
    assert len(matches) == 1, (phrase, [i["text"] for i in items(data)])
    return matches[0]


def test_first_run_has_nothing_to_compare_with(two_weeks):
    _, _, week1, _, _ = two_weeks
    for data, page in week1.values():
        assert not any(item.get("new") for item in items(data))
        assert data["new_summary"] == "First recorded run of this briefing: nothing to compare with."
        assert not any(html_badges(page).values())


@pytest.mark.parametrize("audience", ["analyst", "executive"])
def test_week_two_flags_exactly_the_items_not_seen_before(two_weeks, audience):
    _, _, week1, week2, _ = two_weeks
    data, _ = week2[audience]
    seen = {item["id"] for item in items(week1[audience][0])}
    # the word-for-word repeat has the same stable id as last week's item; the reworded one does not
    assert by_phrase(data, REPEATED)["id"] in seen
    assert by_phrase(data, REWORDED)["id"] not in seen
    assert "new" not in by_phrase(data, REPEATED)
    assert "new" not in by_phrase(data, REWORDED)
    for phrase in NEW_FACTS:
        assert by_phrase(data, phrase).get("new") is True, phrase
    assert {i["id"] for i in items(data) if i.get("new")} == {by_phrase(data, p)["id"] for p in NEW_FACTS}


@pytest.mark.parametrize("audience", ["analyst", "executive"])
def test_new_summary_counts_the_new_items(two_weeks, audience):
    _, _, _, week2, _ = two_weeks
    data, page = week2[audience]
    match = re.fullmatch(
        r"(\d+) of (\d+) items are new since the briefing of 2025-08-18 to 2025-08-24\.", data["new_summary"]
    )
    assert match, data["new_summary"]
    assert int(match[1]) == sum(bool(i.get("new")) for i in items(data)) == len(NEW_FACTS)
    assert int(match[2]) == len(items(data))
    assert data["new_summary"] in page


@pytest.mark.parametrize("audience", ["analyst", "executive"])
def test_html_shows_new_badges_for_exactly_the_new_items(two_weeks, audience):
    _, _, _, week2, _ = two_weeks
    data, page = week2[audience]
    assert html_badges(page) == {item["id"]: bool(item.get("new")) for item in items(data)}
    assert page.count('<span class="new">NEW</span>') == len(NEW_FACTS)


def test_rerunning_week_two_keeps_the_same_flags_and_summary(two_weeks):
    _, _, _, week2, week2_again = two_weeks
    for audience in ("analyst", "executive"):
        before, after = week2[audience][0], week2_again[audience][0]
        assert [(i["id"], i.get("new", False)) for i in items(before)] == [
            (i["id"], i.get("new", False)) for i in items(after)
        ]
        assert before["new_summary"] == after["new_summary"]
        assert html_badges(week2[audience][1]) == html_badges(week2_again[audience][1])


def test_history_file_keeps_every_run_and_its_items_with_new_flags(two_weeks):
    _, out, week1, week2, week2_again = two_weeks
    db = out / "history.sqlite"
    runs = history_runs(db)
    assert [(r["id"], r["status"], r["window_from"], r["as_of"]) for r in runs] == [
        (1, "succeeded", "2025-08-18", "2025-08-25"),
        (2, "succeeded", "2025-08-25", "2025-09-01"),
        (3, "succeeded", "2025-08-25", "2025-09-01"),
    ]
    for run_id, editions in ((1, week1), (2, week2), (3, week2_again)):
        stored = {
            (row["audience"], row["item_id"]): (row["section"], row["text"], bool(row["is_new"]))
            for row in history_items(db, run_id)
        }
        expected = {
            (audience, item["id"]): (section["id"], item["text"], bool(item.get("new")))
            for audience, (data, _) in editions.items()
            for section in data["sections"]
            for item in section["items"]
        }
        assert stored == expected, run_id


def test_history_command_shows_both_weeks(two_weeks):
    config, out, _, _, _ = two_weeks
    result = run_cli("history", "--config", config, "--out", out)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert [row.split()[:2] for row in rows] == [["1", "succeeded"], ["2", "succeeded"], ["3", "succeeded"]]
    assert "2025-08-18 to 2025-08-24" in rows[0] and "2025-08-25 to 2025-08-31" in rows[1]


def test_rerunning_an_earlier_week_does_not_compare_it_with_a_later_one(two_weeks, tmp_path):
    config, out, week1, _, _ = two_weeks
    # a copy of the history, so that the module's other tests see three runs
    copy = tmp_path / "out"
    for path in files_under(out):
        write(copy / path.relative_to(out), path.read_bytes())
    again = run_week(config, copy, WEEK1)
    for audience, (data, _) in again.items():
        assert data["new_summary"] == week1[audience][0]["new_summary"]
        assert not any(item.get("new") for item in items(data))


def test_a_new_operation_worded_like_last_week_s_is_still_new(tmp_path):
    for name, text in WEEK1_ARTICLES.items():
        write(tmp_path / "corpus" / name, text)
    write(
        tmp_path / "corpus" / "w2-raid.txt",
        "date 2025-08-29\n"
        "Haitian police and MSS officers stormed a gang hideout in Cabaret before dawn and arrested nine "
        "suspects.\n",
    )
    config = write(tmp_path / "brief.yaml", run_config_text(formats="[json, html]"))
    out = tmp_path / "out"
    run_week(config, out, WEEK1)
    data, page = run_week(config, out, WEEK2)["analyst"]
    raid = by_phrase(data, "gang hideout in Cabaret")
    assert raid["date"] == "2025-08-29"
    assert raid.get("new") is True, data["new_summary"]
