"""Events (briefgen.summarise.events and compose): one item per event, its details, its evidence and its
figures, on the sample week, on invented articles and on development corpora built through the CLI."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_CONFIG, compose_inline, run_cli

SHARED = ROOT.parent / "shared"
SOMALIA = SHARED / "eval" / "dev" / "somalia-2024-2025"


def documents_of(corpus: Path) -> dict[str, str]:
    """Document key -> its text as briefgen read it."""
    from briefgen.ingest import read_corpus

    documents, _ = read_corpus(corpus, date(2026, 1, 1))
    return {d.key: d.text for d in documents}


def source_keys(sources) -> dict[str, str]:
    def key(path, item):
        return path if item is None else f"{path}#{item}"

    return {s["id"]: key(s["path"], s["item"]) for s in sources}


def check_evidence(edition: dict, texts: dict[str, str]) -> int:
    """Every citation of every item and detail rests on a quote that is the slice of its document at its
    offsets; returns how many quotes were checked."""
    keys = source_keys(edition["sources"])
    checked = 0
    for section in edition["sections"]:
        for item in section["items"]:
            for said in (item, *item["details"]):
                assert [e["source"] for e in said["evidence"]] == said["sources"], said["text"]
                for evidence in said["evidence"]:
                    text = texts[keys[evidence["source"]]]
                    assert text[evidence["start"] : evidence["end"]] == evidence["quote"]
                    checked += 1
            for detail in item["details"]:
                assert detail["evidence"][0]["quote"].endswith(detail["text"][1:]), detail["text"]
    return checked


def build_json(config: Path, out: Path, *args: str) -> dict[str, dict]:
    result = run_cli("build", "--config", config, "--format", "json", "--out", out, *args)
    assert result.returncode == 0, result.stderr
    return {json.loads(Path(p).read_text())["audience"]: json.loads(Path(p).read_text()) for p in result.stdout.split()}


@pytest.fixture(scope="module")
def sample_week(sample_build) -> dict[str, dict]:
    """The sample week's JSON editions, from the build test_samples and test_golden read too."""
    return {audience: json.loads(paths["json"].read_text(encoding="utf-8")) for audience, paths in sample_build.items()}


def statements(edition: dict, section_id: str) -> list[str]:
    section = next(s for s in edition["sections"] if s["id"] == section_id)
    return [item["text"] for item in section["items"]]


@pytest.mark.parametrize("audience", ["analyst", "executive"])
def test_every_quote_is_the_slice_of_its_source_at_its_offsets(sample_week, audience):
    assert check_evidence(sample_week[audience], documents_of(ROOT / "samples" / "corpus")) >= 10


@pytest.mark.parametrize(
    ("section", "event"),
    [
        ("operations", r"T[ée]lcos"),
        ("equipment", r"MaxxPro"),
        ("nations", r"75 Guatemalan"),
        ("outlook", r"draft resolution"),
    ],
)
def test_the_sample_week_states_each_event_once(sample_week, section, event):
    """The Télcos recapture, the MaxxPro delivery, the Guatemalan rotation and the US-Panama draft: each
    is one item, its other reports cited by it or shown as its details."""
    for edition in sample_week.values():
        assert len([text for text in statements(edition, section) if re.search(event, text)]) == 1


def test_the_analyst_edition_shows_details_and_the_executive_the_lead_alone(sample_week):
    analyst, executive = sample_week["analyst"], sample_week["executive"]
    telcos = next(i for s in analyst["sections"] for i in s["items"] if "Télcos" in i["lead"])
    assert telcos["details"], "the other reports' details follow the lead"
    assert telcos["text"] == " ".join([telcos["lead"], *(d["text"] for d in telcos["details"])])
    assert len(telcos["sources"]) > len(telcos["details"][0]["sources"])  # the lead cites every report
    for item in (i for s in executive["sections"] for i in s["items"]):
        assert not item["details"] and item["text"] == item["lead"]


def test_the_planted_maxxpro_conflict_lists_each_figure_with_its_sources(sample_week):
    item = next(i for s in sample_week["analyst"]["sections"] for i in s["items"] if "MaxxPro" in i["lead"])
    assert item["conflict"]
    given = {
        (f["value"].lower(), tuple(f["sources"]))
        for f in item["figures"]
        if "MaxxPro" in f["quantity"] or "vehicle" in f["quantity"]
    }
    assert {value for value, _ in given} >= {"eight", "10"}
    assert len({sources for _, sources in given}) >= 2, "each figure with its own sources"


def test_a_count_of_another_nation_in_the_same_article_is_no_conflict(tmp_path):
    files = {
        "a.txt": "date 2025-08-26\nContingents in Haiti\n\n"
        "Nearly 1,000 Kenyan police officers serve in the MSS mission in Haiti.\n\n"
        "Belize, which has two officers with the MSS in Haiti, said it would keep them there.\n",
        "b.txt": "date 2025-08-27\nKenya in Haiti\n\n"
        "Kenya has nearly 1,000 police officers with the MSS mission in Haiti, the mission said.\n",
    }
    sections, _, _, _ = compose_inline(tmp_path, files, "analyst")
    assert not any(item.conflict for section in sections for item in section.items)


@pytest.mark.skipif(not SOMALIA.exists(), reason="the development corpora sit beside the project")
def test_the_ras_kamboni_figures_conflict_on_the_somalia_set(tmp_path):
    """300 soldiers in one outlet, 600 in another, in sentences naming different places: one event, flagged."""
    edition = build_json(
        ROOT / "config" / "somalia.yaml",
        tmp_path,
        "--corpus",
        SOMALIA / "corpus",
        "--from",
        "2024-12-01",
        "--to",
        "2024-12-31",
        "--audience",
        "analyst",
    )["analyst"]
    ras_kamboni = [i for s in edition["sections"] for i in s["items"] if "Ras Kamboni" in i["text"]]
    assert len(ras_kamboni) == 1
    item = ras_kamboni[0]
    assert item["conflict"] and "600" in item["note"] and "300" in item["note"]
    values = {f["value"]: f["sources"] for f in item["figures"] if f["value"] in ("600", "300")}
    assert values["600"] != values["300"]
    assert check_evidence(edition, documents_of(SOMALIA / "corpus")) > 0


@pytest.mark.skipif(not SOMALIA.exists(), reason="the development corpora sit beside the project")
@pytest.mark.parametrize(
    ("name", "window"),
    [("haiti-2024-oct-jan", ("2024-11-16", "2024-12-15")), ("haiti-2025-mar-jul", ("2025-06-01", "2025-06-30"))],
)
def test_every_quote_of_a_development_build_is_its_source_slice(tmp_path, name, window):
    corpus = SHARED / "eval" / "dev" / name / "corpus"
    editions = build_json(SAMPLE_CONFIG, tmp_path, "--corpus", corpus, "--from", window[0], "--to", window[1])
    texts = documents_of(corpus)
    assert all(check_evidence(edition, texts) > 0 for edition in editions.values())


def check_tables(edition: dict) -> int:
    """Every cell of every row, the date aside, states only what its event's evidence states; returns the
    number of rows checked."""
    items = {i["id"]: i for s in edition["sections"] for i in s["items"]}
    rows = 0
    for table in edition["tables"]:
        dated = [n for n, column in enumerate(table["columns"]) if column == "Date"]
        for row in table["rows"]:
            item = items[row["item"]]
            evidence = " ".join(
                " ".join(e["quote"] for said in (item, *item["details"]) for e in said["evidence"]).lower().split()
            )
            for n, cell in enumerate(row["cells"]):
                if n in dated or cell == "—":
                    continue
                for part in re.split(r"; |, | → ", cell):
                    assert " ".join(part.lower().split()) in evidence, (table["id"], cell, part)
            rows += 1
    return rows


def test_every_table_cell_of_the_sample_week_is_stated_by_its_evidence(sample_week):
    assert check_tables(sample_week["analyst"]) >= 5


@pytest.mark.skipif(not SOMALIA.exists(), reason="the development corpora sit beside the project")
@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("haiti-2024-oct-jan", SAMPLE_CONFIG),
        ("haiti-2025-mar-jul", SAMPLE_CONFIG),
        ("somalia-2024-2025", ROOT / "config" / "somalia.yaml"),
    ],
)
def test_every_table_cell_of_a_development_build_is_stated_by_its_evidence(tmp_path, name, config):
    corpus = SHARED / "eval" / "dev" / name / "corpus"
    edition = build_json(
        config, tmp_path, "--corpus", corpus, "--from", "2024-08-01", "--to", "2025-07-31", "--audience", "analyst"
    )["analyst"]
    assert check_tables(edition) >= 5


@pytest.mark.parametrize(
    ("sentence", "donor", "recipient"),
    [
        (
            "France delivered four armoured vehicles to the Haitian National Police in Port-au-Prince on Saturday.",
            "France",
            "Haitian National Police",
        ),
        (
            "Eight MaxxPro vehicles donated by the United States arrived in Haiti for use by the MSS on Tuesday.",
            "United States",
            "MSS",
        ),
        (
            "Several MSS vehicles have been damaged by gunfire since the first Kenyan officers arrived in Haiti.",
            None,
            None,
        ),
    ],
)
def test_donor_and_recipient_come_from_who_gave_what_to_whom(tmp_path, sentence, donor, recipient):
    files = {"a.txt": f"date 2025-08-26\nEquipment for Haiti\n\n{sentence}\n"}
    sections, _, _, _ = compose_inline(tmp_path, files, "analyst")
    equipment = next(s for s in sections if s.id == "equipment").items
    assert [(i.fields.donor, i.fields.recipient) for i in equipment] == [(donor, recipient)]


def test_a_sentence_naming_the_decision_before_it_joins_that_event_while_plans_side_by_side_stay_apart(tmp_path):
    files = {
        "vote.txt": "date 2025-08-29\nCouncil renews mission\n\n"
        "The UN Security Council on Thursday renewed the mandate of the MSS mission in Haiti until "
        "October 2026. The resolution also asks the Secretary-General for options on UN support.\n",
        "plans.txt": "date 2025-08-27\nUS weighs mission changes\n\n"
        "The United States is considering shifting the leadership of the MSS mission in Haiti to "
        "another country. Washington is also pushing to double the size of the foreign force in Haiti.\n",
    }
    sections, _, _, _ = compose_inline(tmp_path, files, "analyst")
    outlook = next(s for s in sections if s.id == "outlook").items
    vote = [i for i in outlook if "renewed the mandate" in i.text]
    assert len(vote) == 1 and "options on UN support" in vote[0].text  # one event: the vote and its resolution
    plans = [i.lead for i in outlook if "leadership" in i.lead or "double the size" in i.lead]
    assert len(plans) == 2, [i.text for i in outlook]


def test_a_draft_that_absorbs_another_cites_its_documents_and_keeps_none_of_its_cached_grounds_in_a_pickle(tmp_path):
    """A draft takes its documents and quotes once (they walk every report); absorbing another draft's reports
    must take them again, and a pickled draft (the cache's entry) holds its reports, not what was taken."""
    import pickle

    from conftest import extract_inline

    from briefgen.summarise.merge import Draft

    said = "Kenyan police officers of the MSS patrolled Delmas 32 on 2 September 2025."
    facts = extract_inline(
        tmp_path,
        {
            "a.md": "---\ntitle: One\ndate: 2025-09-02\n---\n" + said + "\n",
            "b.md": "---\ntitle: Two\ndate: 2025-09-02\n---\n" + said + "\n",
        },
    )
    first, second = (Draft(f, [f]) for f in sorted(facts, key=lambda f: f.document.key)[:2])
    assert [d.key for d in first.documents] == ["a.md"] and len(first.quotes) == 1

    first.absorb(second)

    assert [d.key for d in first.documents] == ["a.md", "b.md"]
    assert [quote.document for quote in first.quotes] == ["a.md", "b.md"]
    assert set(pickle.loads(pickle.dumps(first)).__dict__) == {"lead", "reports", "background"}
