"""The summariser as a user meets it: `briefgen build --format json` and `briefgen sources` in a subprocess,
on an invented corpus in every reader's format (one build for the whole module: a build costs a second)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import AS_OF, config_with_executive, run_cli, write

from briefgen.ingest import read_corpus

MAX_WORDS, KEY_POINTS = 110, 2


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


CORPUS = {
    "ops/delmas.txt": (
        "date 2025-08-26\nNight raid in Delmas\n\n"
        "Haitian police and MSS officers raided a gang stronghold in Delmas on Monday and arrested six suspects.\n\n"
        "The officers also recovered two pistols and a crate of cartridges from the building, a PNH spokesman said.\n"
    ),
    "ops/croix.md": (
        "---\ntitle: Checkpoint taken back near Croix-des-Bouquets\ndate: 2025-08-29\noutlet: Plateau Courier\n---\n"
        "Kenyan officers of the MSS retook a police checkpoint outside Croix-des-Bouquets on Thursday after a "
        "four-hour firefight.\n\n"
        "Meanwhile, Haitian police detained a gang treasurer at a roadblock in Carrefour on Wednesday.\n"
    ),
    "ops/nazon.txt": (
        "date 2025-08-30\nA tense week in the Haitian capital\n\n"
        "Residents of Port-au-Prince spent most of the week indoors as gangs fired on several districts.\n\n"
        "Schools stayed shut and the main markets opened only for a few hours each morning.\n\n"
        "Aid groups said the price of rice had doubled since the spring.\n\n"
        "Haitian police later clashed with gang members near the Nazon market, witnesses said.\n"
    ),
    "ops/gressier.html": (
        "<!DOCTYPE html><html><head><title>Ambush on the coast road</title>"
        '<meta property="article:published_time" content="2025-08-27T07:30:00Z"></head><body><article>'
        "<h1>Ambush on the coast road</h1>"
        "<p>Gunmen ambushed an MSS patrol on the coast road near Gressier on Tuesday, wounding one Kenyan officer.</p>"
        "<p>The patrol returned fire and the attackers fled towards the hills, the Haitian National Police said.</p>"
        "</article></body></html>\n"
    ),
    # one event, three reports: a .txt, a .jsonl line in other words, a syndicated copy
    "solino.txt": (
        "date 2025-08-28\nPolice seize arms depot in Solino\n\n"
        "Haitian police and Kenyan MSS officers seized an arms depot in Solino on Wednesday, taking 30 rifles out of "
        "gang hands.\n"
    ),
    "syndicated/solino-copy.txt": (
        "date 2025-08-29\nArms depot seized in Solino, Haiti\n\n"
        "Haitian police and Kenyan MSS officers seized an arms depot in Solino on Wednesday, taking 30 rifles out of "
        "gang hands.\n"
    ),
    "feeds/wire.jsonl": jsonl(
        {
            "title": "Solino arms cache falls",
            "published": "2025-08-28",
            "url": "https://wire.example/solino",
            "outlet": "Island Wire",
            "text": "A gang arms depot in Solino was seized on Wednesday by Haitian police backed by MSS officers, "
            "who took away 30 rifles, officials said.",
        },
        {
            "title": "Brazilian armour lands in Haiti",
            "published": "2025-08-29",
            "url": "https://wire.example/armour",
            "text": "The Kenyan-led mission received 10 armoured vehicles from Brazil at the port of Port-au-Prince on "
            "Wednesday.",
        },
    ),
    # the same delivery with another figure
    "armour.txt": (
        "date 2025-08-28\nBrazil sends armour to Haiti\n\n"
        "Brazil delivered 8 armoured vehicles to the MSS at the port of Port-au-Prince on Wednesday.\n"
    ),
    "nations.md": (
        "---\ntitle: Salvadoran officers land in Haiti\ndate: 2025-08-27\n---\n"
        "El Salvador deployed about 200 police officers to the Kenyan-led mission in Haiti on Tuesday.\n\n"
        "The Salvadoran contingent will patrol the road to Kenscoff in the coming weeks, officials said.\n"
    ),
    "us-push.txt": (
        "date 2025-08-30\nDiplomats weigh the future of the Haiti mission\n\n"
        "Diplomats at the United Nations met for a third day of talks on Haiti.\n\n"
        "The talks ran late into the evening, delegates said.\n\n"
        "The United States is pushing to replace the MSS with a larger Gang Suppression Force under a new command, "
        "two diplomats said.\n"
    ),
    # off topic: police, arrests, deployments, helicopters, but nothing of Haiti
    "sport/football.txt": (
        "date 2025-08-27\nHarambee Stars win in Nairobi\n\n"
        "Kenya's national football team beat Uganda 2-1 at Nyayo Stadium in Nairobi on Tuesday.\n\n"
        "Police said 40 fans were arrested after clashes outside the stadium, and officers seized flares.\n"
    ),
    "world/flood.md": (
        "---\ntitle: Floods hit central Mozambique\ndate: 2025-08-28\n---\n"
        "Floods in central Mozambique displaced 3,000 people on Wednesday, and soldiers deployed boats to reach "
        "villages.\n\n"
        "The government will send more helicopters to the region in the coming days, officials said.\n"
    ),
    # off topic: Haiti and its police, but neither the mission nor its opponents, bar armed groups in passing
    "aid/charity.md": (
        "---\ntitle: Charity suspends work in Haiti's capital\ndate: 2025-08-29\n---\n"
        "A medical charity said on Thursday it would suspend its clinics in Port-au-Prince after Haitian police "
        "officers threatened its staff at a checkpoint.\n\n"
        "The charity said its ambulances had been stopped repeatedly and its drivers insulted.\n\n"
        "It said it would need guarantees from the authorities and armed groups before it could resume its work.\n"
    ),
}
OFF_TOPIC = {"sport/football.txt", "world/flood.md", "aid/charity.md"}
US_PUSH = (
    "The United States is pushing to replace the MSS with a larger Gang Suppression Force under a new "
    "command, two diplomats said."
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("summarise")
    for name, content in CORPUS.items():
        write(root / "corpus" / name, content)
    config = write(root / "brief.yaml", config_with_executive(max_words=MAX_WORDS, key_points=KEY_POINTS))
    built = run_cli("build", "--config", config, "--as-of", AS_OF, "--format", "json", "--out", root / "out")
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    editions = {}
    for line in built.stdout.splitlines():
        data = json.loads(Path(line).read_text(encoding="utf-8"))
        editions[data["audience"]] = data
    assert set(editions) == {"analyst", "executive"}
    listed = run_cli("sources", "--config", config, "--as-of", AS_OF)
    assert listed.returncode == 0, listed.stderr
    documents, _ = read_corpus(root / "corpus", date.fromisoformat(AS_OF))
    return editions, listed.stdout, {d.key: d.text for d in documents}


def items(edition):
    return [item for section in edition["sections"] for item in section["items"]]


def key_of(source) -> str:
    return source["path"] if source["item"] is None else f"{source['path']}#{source['item']}"


def cited(edition, item) -> set[str]:
    by_id = {s["id"]: s for s in edition["sources"]}
    return {key_of(by_id[i]) for i in item["sources"]}


def count_words(entries) -> int:
    return sum(len(entry["text"].split()) for entry in entries)


def appears_in(text: str, document_text: str) -> bool:
    """Whether text is a sentence of the document, perhaps once preceded by a connective ("Meanwhile, ...")."""
    pattern = r"(?:^|(?<=\s))(?:[A-Z][a-z]+(?: [a-z]+){0,3}, )?(?i:" + re.escape(text[0]) + ")" + re.escape(text[1:])
    return re.search(pattern, " ".join(document_text.split())) is not None


# --- relevance ---------------------------------------------------------------------------------------------


def test_sources_shows_off_topic_articles_as_out(run):
    _, listed, _ = run
    rows = {line.split()[0]: line for line in listed.splitlines()[2:]}
    assert set(rows) == set(CORPUS)
    for path in OFF_TOPIC:
        assert "  out: off topic (" in rows[path], rows[path]
    for path in set(CORPUS) - OFF_TOPIC:
        assert "  in: " in rows[path], rows[path]


def test_off_topic_articles_contribute_no_item(run):
    editions, _, _ = run
    for edition in editions.values():
        paths = {s["path"] for s in edition["sources"]}
        assert not paths & OFF_TOPIC
        assert {entry["document"] for entry in edition["coverage"]["left_out"]} == OFF_TOPIC
        texts = " ".join(item["text"] for item in items(edition) + edition["key_points"])
        for word in ("Nairobi", "stadium", "Mozambique", "helicopters", "flares", "charity", "ambulances"):
            assert word not in texts


def test_an_article_naming_haiti_in_passing_is_off_topic(tmp_path):
    write(
        tmp_path / "corpus" / "flood.txt",
        (
            "date 2025-08-28\nFloods hit the Dominican Republic\n\n"
            "Heavy rain flooded towns in the Dominican Republic near the border with Haiti on Wednesday, displacing "
            "2,000 people.\n\n"
            "Soldiers deployed boats and rescued families trapped in low-lying streets of Dajabón, officials said.\n\n"
            "Haitian migrants living in the area were among those moved to shelters, and police patrolled the flooded "
            "streets.\n\n"
            "The government will send more helicopters to the region in the coming days.\n"
        ),
    )
    write(tmp_path / "corpus" / "raid.txt", CORPUS["ops/delmas.txt"])
    config = write(tmp_path / "brief.yaml", config_with_executive())
    listed = run_cli("sources", "--config", config, "--as-of", AS_OF)
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if line.startswith("flood.txt")]
    assert "  out: off topic (" in row, row  # observed: "in: in the window and on topic"


# --- one fact, one item ------------------------------------------------------------------------------------


def test_one_event_from_three_outlets_and_formats_is_one_item_citing_all(run):
    editions, _, _ = run
    edition = editions["analyst"]
    solino = [item for item in items(edition) if "Solino" in item["text"]]
    assert len(solino) == 1, [item["text"] for item in solino]
    assert cited(edition, solino[0]) == {"solino.txt", "feeds/wire.jsonl#0", "syndicated/solino-copy.txt"}
    assert solino[0]["date"] == "2025-08-27"
    assert "conflict" not in solino[0]


def test_different_figures_for_one_delivery_are_one_item_with_a_conflict_note(run):
    editions, _, documents = run
    for edition in editions.values():
        [item] = [s for s in edition["sections"] if s["id"] == "equipment"][0]["items"]
        assert cited(edition, item) == {"armour.txt", "feeds/wire.jsonl#1"}
        assert item["conflict"] is True
        assert re.search(r"\b8\b", item["note"]) and re.search(r"\b10\b", item["note"]), item["note"]
        figure = re.search(r"\b(\d+) armoured vehicles\b", item["text"])[1]
        assert any(re.search(rf"\b{figure} armoured vehicles\b", documents[key]) for key in cited(edition, item))


# --- the watch -------------------------------------------------------------------------------------------------


def test_the_us_push_is_in_the_outlook_of_both_audiences(run):
    editions, _, _ = run
    for audience, edition in editions.items():
        outlook = [s for s in edition["sections"] if s["id"] == "outlook"][0]["items"]
        assert US_PUSH in [item["text"] for item in outlook], audience
    # the executive budget is tight: the analyst edition carries far more
    assert count_words(items(editions["analyst"])) > MAX_WORDS


# --- audiences ---------------------------------------------------------------------------------------------------


def test_the_executive_edition_fits_its_budget_and_key_points(run):
    editions, _, _ = run
    executive = editions["executive"]
    assert count_words(items(executive)) <= MAX_WORDS  # key points restate kept items: not counted again
    assert 1 <= len(executive["key_points"]) <= KEY_POINTS
    source_ids = {s["id"] for s in executive["sources"]}
    for point in executive["key_points"]:
        assert point["sources"] and set(point["sources"]) <= source_ids


@pytest.mark.parametrize("audience", ["analyst", "executive"])
def test_items_are_cited_dated_in_order_and_quoted_from_their_sources(run, audience):
    editions, _, documents = run
    edition = editions[audience]
    by_id = {s["id"]: s for s in edition["sources"]}
    assert len(by_id) == len(edition["sources"])
    for section in edition["sections"]:
        dates = [item["date"] for item in section["items"]]
        dated = [d for d in dates if d is not None]
        assert dates == dated + [None] * (len(dates) - len(dated)), section["id"]
        assert dated == sorted(dated), section["id"]
        for item in section["items"]:
            assert item["sources"] and set(item["sources"]) <= set(by_id)
            assert any(appears_in(item["text"], documents[key_of(by_id[i])]) for i in item["sources"]), item["text"]
    assert {i for item in items(edition) for i in item["sources"]} == set(by_id)


def test_the_analyst_edition_keeps_the_undated_item_last_and_drops_the_connective(run):
    editions, _, _ = run
    operations = [s for s in editions["analyst"]["sections"] if s["id"] == "operations"][0]["items"]
    assert operations[-1]["date"] is None and "Nazon" in operations[-1]["text"]
    assert "Haitian police detained a gang treasurer at a roadblock in Carrefour on Wednesday." in [
        item["text"] for item in operations
    ]
