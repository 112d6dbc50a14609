"""Composition (briefgen.summarise merge + compose): invented articles read by the real readers, the real topic
file, each audience of a config written by config_text()."""

from __future__ import annotations

import json
import re

import pytest
from conftest import compose_inline, config_with_executive, read_inline_corpus


def article(published: str, title: str, *paragraphs: str) -> str:
    return f"date {published}\n{title}\n\n" + "\n\n".join(paragraphs) + "\n"


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def all_items(sections):
    return [item for section in sections for item in section.items]


def section(sections, section_id):
    return next(s for s in sections if s.id == section_id)


def words(items) -> int:
    return sum(len(item.text.split()) for item in items)


def cited_paths(item, sources) -> set[str]:
    by_id = {s.id: s for s in sources}
    return {by_id[i].path if by_id[i].item is None else f"{by_id[i].path}#{by_id[i].item}" for i in item.sources}


def normalised(text: str) -> str:
    return " ".join(text.split())


def appears_in(text: str, document_text: str) -> bool:
    """Whether text is a sentence of the document, perhaps once preceded by a connective ("Meanwhile, ...")."""
    pattern = r"(?:^|(?<=\s))(?:[A-Z][a-z]+(?: [a-z]+){0,3}, )?(?i:" + re.escape(text[0]) + ")" + re.escape(text[1:])
    return re.search(pattern, normalised(document_text)) is not None


def check_edition(sections, key_points, sources, documents, *, audience_key_points: int) -> None:
    """What every edition promises: cited items from real sentences, in date order, undated last."""
    source_ids = [s.id for s in sources]
    assert len(source_ids) == len(set(source_ids))
    text_of = {s.id: documents[s.path if s.item is None else f"{s.path}#{s.item}"].text for s in sources}
    for sec in sections:
        dates = [item.date for item in sec.items]
        dated = [d for d in dates if d is not None]
        assert dates == dated + [None] * (len(dates) - len(dated)), f"{sec.id}: undated items are not last"
        assert dated == sorted(dated), f"{sec.id}: items are not in date order"
        for item in sec.items:
            assert item.sources, f"{item.text!r} cites nothing"
            assert set(item.sources) <= set(source_ids)
            assert any(appears_in(item.text, text_of[i]) for i in item.sources), (
                f"{item.text!r} is not a sentence of its sources"
            )
    assert len(key_points) <= audience_key_points
    kept = all_items(sections)
    for point in key_points:  # a key point restates a kept item: the budget counts it there
        assert any(item.text.startswith(point.text.rstrip(".")) and item.sources == point.sources for item in kept), (
            point.text
        )
    cited = {i for item in all_items(sections) for i in item.sources}
    assert cited == set(source_ids), "a listed source is cited by no item"


# --- one fact, one item ------------------------------------------------------------------------------------

SOLINO_TXT = article(
    "2025-08-28",
    "Police seize arms depot in Solino",
    "Haitian police and Kenyan MSS officers seized an arms depot in Solino on Wednesday, taking 30 rifles out of "
    "gang hands.",
)
SOLINO_JSONL = jsonl(
    {
        "title": "Solino arms cache falls",
        "published": "2025-08-28",
        "url": "https://wire.example/solino",
        "text": "A gang arms depot in Solino was seized on Wednesday by Haitian police backed by MSS officers, who took "
        "away 30 rifles, officials said.",
    }
)
SOLINO_COPY = article(
    "2025-08-29",
    "Arms depot seized in Solino, Haiti",
    "Haitian police and Kenyan MSS officers seized an arms depot in Solino on Wednesday, taking 30 rifles out of "
    "gang hands.",
)


def test_one_event_reported_in_other_words_by_a_txt_and_a_jsonl_line_is_one_item_citing_both(tmp_path):
    sections, _, sources, _ = compose_inline(
        tmp_path, {"solino.txt": SOLINO_TXT, "feeds/wire.jsonl": SOLINO_JSONL}, "analyst"
    )
    solino = [item for item in all_items(sections) if "Solino" in item.text]
    assert len(solino) == 1, [item.text for item in solino]
    assert cited_paths(solino[0], sources) == {"solino.txt", "feeds/wire.jsonl#0"}
    assert solino[0].date.isoformat() == "2025-08-27"
    assert not solino[0].conflict  # both say 30 rifles


def test_a_syndicated_copy_joins_the_item_of_the_original(tmp_path):
    sections, _, sources, _ = compose_inline(
        tmp_path,
        {"solino.txt": SOLINO_TXT, "feeds/wire.jsonl": SOLINO_JSONL, "syndicated/copy.txt": SOLINO_COPY},
        "analyst",
    )
    solino = [item for item in all_items(sections) if "Solino" in item.text]
    assert len(solino) == 1, [item.text for item in solino]
    assert cited_paths(solino[0], sources) == {"solino.txt", "feeds/wire.jsonl#0", "syndicated/copy.txt"}


def test_different_figures_for_one_delivery_are_one_item_flagged_with_both_figures(tmp_path):
    files = {
        "armour.txt": article(
            "2025-08-28",
            "Brazil sends armour to Haiti",
            "Brazil delivered 8 armoured vehicles to the MSS at the port of Port-au-Prince on Wednesday.",
        ),
        "feeds/wire.jsonl": jsonl(
            {
                "title": "Brazilian armour lands",
                "published": "2025-08-29",
                "url": "https://wire.example/armour",
                "text": "The Kenyan-led mission received 10 armoured vehicles from Brazil at the port of "
                "Port-au-Prince on Wednesday.",
            }
        ),
    }
    sections, _, sources, documents = compose_inline(tmp_path, files, "analyst")
    [item] = section(sections, "equipment").items
    assert cited_paths(item, sources) == {"armour.txt", "feeds/wire.jsonl#0"}
    assert item.conflict is not None and item.conflict.thing == "vehicle"
    assert {figure.value for figure in item.conflict.figures} == {"8", "10"}, item.conflict
    # the item states the figure of one of the sources it cites
    stated = re.findall(r"\b\d+\b", item.text)
    assert stated and stated[0] in {"8", "10"}
    by_id = {s.id: s for s in sources}
    assert any(
        appears_in(
            item.text, documents[by_id[i].path if by_id[i].item is None else f"{by_id[i].path}#{by_id[i].item}"].text
        )
        for i in item.sources
    )


def test_two_different_raids_worded_alike_stay_two_items(tmp_path):
    files = {
        "delmas.txt": article(
            "2025-08-29",
            "Raid in Delmas",
            "Haitian police raided a gang stronghold in Delmas on Monday and arrested three suspects.",
        ),
        "tabarre.txt": article(
            "2025-08-29",
            "Raid in Tabarre",
            "Haitian police raided a gang stronghold in Tabarre on Thursday and arrested seven suspects.",
        ),
    }
    sections, _, _, _ = compose_inline(tmp_path, files, "analyst")
    texts = [item.text for item in section(sections, "operations").items]
    assert len(texts) == 2, texts  # observed: 1 item citing both, "Sources differ ... three [1]; seven [2]"
    assert not any(item.conflict for item in all_items(sections))


def test_the_same_figure_in_words_and_digits_is_no_conflict(tmp_path):
    files = {
        "ottawa.txt": article(
            "2025-08-28",
            "Armour for the police",
            "The Canadian government delivered 12 armoured vehicles to the Haitian National Police "
            "in Port-au-Prince on Tuesday.",
        ),
        "feeds/wire.jsonl": jsonl(
            {
                "title": "Canadian armour in Haiti",
                "published": "2025-08-28",
                "url": "https://wire.example/ca",
                "text": "Twelve armoured vehicles from Canada were handed over to Haitian police at the Port-au-Prince "
                "port on Tuesday, officials said.",
            }
        ),
    }
    sections, _, sources, _ = compose_inline(tmp_path, files, "analyst")
    [item] = section(sections, "equipment").items
    assert cited_paths(item, sources) == {"ottawa.txt", "feeds/wire.jsonl#0"}
    assert not item.conflict, item.conflict  # observed: "twelve" in one source, "12" in the other


def test_different_arrest_figures_for_one_raid_are_flagged(tmp_path):
    files = {
        "a.txt": article(
            "2025-08-29",
            "Tabarre raid",
            "Haitian police raided a gang hideout in Tabarre on Thursday and arrested four gang members "
            "during the operation.",
        ),
        "b.txt": article(
            "2025-08-29",
            "Tabarre arrests",
            "Five gang members were arrested during a Haitian police raid on a gang hideout in Tabarre "
            "on Thursday, officials said.",
        ),
    }
    sections, _, sources, _ = compose_inline(tmp_path, files, "analyst")
    [item] = section(sections, "operations").items
    assert cited_paths(item, sources) == {"a.txt", "b.txt"}
    assert item.conflict, "four vs five arrests not flagged"


# --- the watch: a US push to change the mission's command or size --------------------------------------------

OPERATIONS = {
    "ops/delmas.txt": article(
        "2025-08-26",
        "Night raid in Delmas",
        "Haitian police and MSS officers raided a gang stronghold in Delmas on Monday and arrested six suspects.",
        "The officers recovered two pistols and a crate of cartridges from the building, a PNH spokesman said.",
    ),
    "ops/croix.txt": article(
        "2025-08-29",
        "Checkpoint retaken",
        "Kenyan officers of the MSS retook a police checkpoint outside Croix-des-Bouquets on "
        "Thursday after a four-hour firefight.",
    ),
    "ops/gressier.txt": article(
        "2025-08-27",
        "Ambush on the coast road",
        "Gunmen ambushed an MSS patrol on the coast road near Gressier on Tuesday, wounding one Kenyan officer.",
        "The patrol returned fire and the attackers fled towards the hills, the Haitian National Police said.",
    ),
    "ops/carrefour.txt": article(
        "2025-08-28",
        "Treasurer held",
        "Haitian police detained a gang treasurer at a roadblock in Carrefour on Wednesday and seized his ledgers.",
    ),
    "ops/cabaret.txt": article(
        "2025-08-30",
        "Cabaret cleared",
        "Troops of the Gang Suppression Force cleared barricades from the main road through "
        "Cabaret on Friday, reopening it to traffic.",
    ),
    "ops/kenscoff.txt": article(
        "2025-08-31",
        "Kenscoff battle",
        "Heavy fighting between Haitian police and armed groups near Kenscoff on Saturday left "
        "three attackers dead, the PNH said.",
    ),
}
US_PUSH = article(
    "2025-08-30",
    "Diplomats weigh the future of the Haiti mission",
    "Diplomats at the United Nations met for a third day of talks on Haiti.",
    "The talks ran late into the evening, delegates said.",
    "The United States is pushing to replace the MSS with a larger Gang Suppression Force under a new command, two "
    "diplomats said.",
)


def test_a_us_push_to_change_the_mission_surfaces_in_outlook_in_both_audiences_under_a_tight_budget(tmp_path):
    config = config_with_executive(max_words=80, key_points=2)
    files = {**OPERATIONS, "us.txt": US_PUSH}
    for audience in ("analyst", "executive"):
        sections, key_points, sources, documents = compose_inline(tmp_path / audience, files, audience, config=config)
        outlook = section(sections, "outlook").items
        assert any(item.text.startswith("The United States is pushing to replace the MSS") for item in outlook), (
            audience,
            [i.text for i in outlook],
        )
        check_edition(sections, key_points, sources, documents, audience_key_points=5 if audience == "analyst" else 2)
        if audience == "executive":
            assert words(all_items(sections)) <= 80
        else:
            assert len(section(sections, "operations").items) >= 6  # the analyst keeps the operations


# --- budgets, order and citations ----------------------------------------------------------------------------

MIXED = {
    **OPERATIONS,
    "solino.txt": SOLINO_TXT,
    "feeds/wire.jsonl": SOLINO_JSONL,
    "armour.txt": article(
        "2025-08-28",
        "Brazil sends armour to Haiti",
        "Brazil delivered 8 armoured vehicles to the MSS at the port of Port-au-Prince on Wednesday.",
    ),
    "nations.txt": article(
        "2025-08-27",
        "Salvadoran officers land",
        "El Salvador deployed about 200 police officers to the Kenyan-led mission in Haiti on Tuesday.",
        "Meanwhile, the Salvadoran contingent will patrol the road to Kenscoff in the coming weeks, officials said.",
    ),
    "quiet.txt": article(
        "2025-08-30",
        "A tense week in the Haitian capital",
        "Residents of Port-au-Prince spent most of the week indoors.",
        "Schools stayed shut and the main markets opened only for a few hours each morning.",
        "Aid groups said the price of rice had doubled since the spring.",
        "Haitian police later clashed with gang members near the Nazon market, witnesses said.",
    ),
}


def test_the_analyst_edition_is_in_date_order_with_undated_items_last_and_every_item_cited(tmp_path):
    sections, key_points, sources, documents = compose_inline(tmp_path, MIXED, "analyst")
    check_edition(sections, key_points, sources, documents, audience_key_points=5)
    operations = section(sections, "operations").items
    assert operations[-1].date is None and "Nazon" in operations[-1].text  # the one undated item
    assert all(item.date is not None for item in operations[:-1])
    assert any(item.text.startswith("The Salvadoran contingent will patrol") for item in all_items(sections))


@pytest.mark.parametrize("max_words", [90, 120, 200])
def test_the_executive_edition_fits_its_word_budget_and_key_points(tmp_path, max_words):
    config = config_with_executive(max_words=max_words, key_points=3)
    sections, key_points, sources, documents = compose_inline(tmp_path, MIXED, "executive", config=config)
    check_edition(sections, key_points, sources, documents, audience_key_points=3)
    assert words(all_items(sections)) <= max_words
    assert all(len(s.items) <= 3 for s in sections)
    assert all(s.items for s in sections)  # each section keeps its strongest item


def test_key_points_restate_only_items_that_survive_the_budget(tmp_path):
    files = {
        "a.txt": article(
            "2025-08-26",
            "Delmas raid in Haiti",
            "Haitian police and MSS officers raided a gang stronghold in Delmas on Monday and arrested six suspects.",
        ),
        "b.txt": article(
            "2025-08-27",
            "Solino sweep in Haiti",
            "Kenyan officers of the MSS swept through Solino on Tuesday, clearing barricades after heavy gunfire.",
        ),
        "c.txt": article(
            "2025-08-28",
            "Carrefour arrest in Haiti",
            "A gang leader was detained at a police roadblock in Carrefour on Wednesday, according to the PNH.",
        ),
    }
    config = config_with_executive(max_words=80)
    sections, key_points, sources, documents = compose_inline(tmp_path, files, "executive", config=config)
    check_edition(sections, key_points, sources, documents, audience_key_points=5)
    assert words(all_items(sections)) <= 80


def test_the_word_budget_holds_when_four_sections_have_an_item(tmp_path):
    files = {
        "ops.txt": OPERATIONS["ops/delmas.txt"],
        "armour.txt": MIXED["armour.txt"],
        "nations.txt": MIXED["nations.txt"],
    }
    roomy, _, _, _ = compose_inline(
        tmp_path / "roomy", files, "executive", config=config_with_executive(max_words=2000, key_points=2)
    )
    assert all(s.items for s in roomy)  # there is something for each section
    config = config_with_executive(max_words=40, key_points=2)
    sections, key_points, _, _ = compose_inline(tmp_path / "tight", files, "executive", config=config)
    assert words(all_items(sections)) <= 40  # the budget is a hard limit


def test_a_syndicated_copy_published_days_later_is_one_item_citing_both(tmp_path):
    from briefgen.summarise.merge import copied_documents

    story = (
        "The Security Council on Friday authorised the new mission in Haiti to take over from the MSS on "
        "January 1, adopting resolution 2799 by 14 votes to none. Diplomats said the Kenyan-led force would "
        "keep up to 2,500 personnel until June 30. The Haitian National Police welcomed the vote."
    )
    copy = story.replace("authorised", "approved").replace("Diplomats said", "Diplomats added")
    files = {
        "wire.jsonl": json.dumps({"title": "Council vote", "published": "2025-08-30", "text": story}) + "\n",
        "repost.jsonl": json.dumps({"title": "Council approves", "published": "2025-09-01", "text": copy}) + "\n",
    }
    loaded, documents = read_inline_corpus(tmp_path, files)
    assert copied_documents(documents).pairs == {frozenset({"wire.jsonl#0", "repost.jsonl#0"})}
    sections, _, _, _ = compose_inline(tmp_path / "again", files, "analyst")
    cited = [item.sources for section in sections for item in section.items if "2,500" in item.text]
    assert len(cited) == 1 and len(cited[0]) == 2


# --- background: what happened before the window ranks below the window's news ------------------------------


def test_a_sentence_about_a_time_before_the_window_is_background_and_since_is_not(tmp_path):
    from datetime import date

    from briefgen.models import Window
    from briefgen.summarise import extract, merge

    files = {
        "a.txt": article(
            "2025-08-27",
            "Haiti security",
            "Kenyan MSS officers and Haitian police retook the Solino police station on Tuesday after a gunfight with "
            "the Viv Ansanm gang.",
            "The Viv Ansanm coalition was formed in September 2023 by gangs that had fought each other in Delmas.",
            "Gangs have held parts of Solino since the MSS arrived in June 2024, according to the Haitian police.",
            "The MSS shut its Delmas base on August 2 after a gang attack wounded two Kenyan officers.",
        )
    }
    loaded, documents = read_inline_corpus(tmp_path, files)
    facts, _ = extract(documents, loaded.topic, ["operations", "equipment", "nations", "outlook"], date(2025, 9, 1))
    drafts = merge(facts, Window(date(2025, 8, 25), date(2025, 8, 31)))
    by_opening = {" ".join(d.text.split()[:3]): d for d in drafts}
    assert not by_opening["Kenyan MSS officers"].background  # this week's news
    assert by_opening["The Viv Ansanm"].background  # "in September 2023"
    assert not by_opening["Gangs have held"].background  # "since": still going on
    assert by_opening["The MSS shut"].background  # 2 August, before the window
    news, old = by_opening["Kenyan MSS officers"], by_opening["The MSS shut"]
    assert news.rank > old.rank


def test_a_later_article_retelling_an_event_without_its_day_is_the_same_item(tmp_path):
    """The later article's date is its own, not the event's: no evidence of a second event."""
    files = {
        "a.txt": article(
            "2025-08-29",
            "Haiti gangs designated",
            "The United States on Friday designated the Viv Ansanm gang coalition and the Gran Grif "
            "gang in Haiti as terrorist organisations, a step aimed at the gangs fighting the MSS.",
        ),
        "b.txt": article(
            "2025-09-01",
            "MSS spokesman interview",
            "The MSS spokesman spoke to Haitian radio about the mission's plans.",
            "Washington has designated the Viv Ansanm gang coalition and the Gran Grif gang in Haiti "
            "as terrorist organisations, which the MSS welcomed.",
        ),
    }
    sections, _, sources, _ = compose_inline(tmp_path, files, "analyst")
    telling = [i for i in all_items(sections) if "designated" in i.text]
    assert len(telling) == 1, [i.text for i in telling]
    assert len(telling[0].sources) == 2
