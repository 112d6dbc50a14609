"""Extraction (briefgen.summarise.extract): invented articles read by the real readers, the real topic file.

Unless said otherwise an article is published on Thursday 2025-08-28, so "on Tuesday" is 2025-08-26.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import extract_inline

THURSDAY = date(2025, 8, 28)


def article(title: str, *paragraphs: str, published: str = "2025-08-28") -> str:
    """A plain-text article: header date line, title, paragraphs."""
    return f"date {published}\n{title}\n\n" + "\n\n".join(paragraphs) + "\n"


def only(facts, needle: str):
    """The one fact whose text contains needle."""
    found = [f for f in facts if needle in f.text]
    assert len(found) == 1, f"{needle!r}: {[f.text for f in facts]}"
    return found[0]


@pytest.fixture
def facts_of(tmp_path):
    def run(files: dict[str, str]):
        return extract_inline(tmp_path, files)

    return run


# --- sections and their fields ---------------------------------------------------------------------------


def test_a_delivery_of_armoured_vehicles_is_equipment_with_donor_item_quantity_status(facts_of):
    facts = facts_of(
        {
            "armour.txt": article(
                "Canada sends armour",
                "The Canadian government delivered 12 armoured vehicles to the Haitian National Police on Tuesday.",
            )
        }
    )
    fact = only(facts, "Canadian government")
    assert fact.section == "equipment"
    assert (fact.fields.donor, fact.fields.recipient) == ("Canadian", "Haitian National Police")  # as said
    assert "armoured vehicle" in fact.fields.item.lower()
    assert "12" in fact.fields.quantity
    assert fact.fields.status == "delivered"
    assert fact.date == date(2025, 8, 26)  # "on Tuesday", published Thursday 28 August


def test_a_raid_with_arrests_is_operations_with_outcome_and_places(facts_of):
    facts = facts_of(
        {
            "raid.txt": article(
                "Raid in Delmas",
                "Haitian police and MSS officers raided a gang stronghold in Delmas on Wednesday and arrested "
                "six suspects.",
            )
        }
    )
    fact = only(facts, "raided a gang stronghold")
    assert fact.section == "operations"
    assert "arrests" in fact.fields.outcome
    assert fact.fields.places == ("Delmas",)
    assert "MSS" in fact.fields.forces
    assert any("six suspects" in figure for figure in fact.fields.figures)
    assert fact.date == date(2025, 8, 27)


def test_personnel_deployed_by_a_nation_is_nations_with_personnel_and_status(facts_of):
    facts = facts_of(
        {
            "sv.txt": article(
                "Salvadoran police in Haiti",
                "El Salvador deployed about 200 police officers to the Kenyan-led mission in Haiti on Tuesday.",
                "Jamaica pledged 150 more soldiers to the mission in Haiti on Monday.",
            )
        }
    )
    deployed = only(facts, "El Salvador")
    assert deployed.section == "nations"
    assert "El Salvador" in deployed.fields.contributors
    assert "Haiti" not in deployed.fields.contributors  # the host nation is never a contributor
    assert deployed.fields.personnel == ("about 200 police officers",)
    assert deployed.fields.status == "deployed"
    pledged = only(facts, "Jamaica")
    assert pledged.section == "nations"
    assert pledged.fields.status == "pledged"
    assert pledged.fields.personnel == ("150 more soldiers",)


@pytest.mark.parametrize(
    ("sentence", "horizon"),
    [
        (
            "The mission will open a new base in Kenscoff in the coming weeks, officials in Haiti said.",
            "in the coming weeks",
        ),
        ("The MSS plans to open a second field hospital in Port-au-Prince next month.", "next month"),
        ("Diplomats expect a UN vote on the future of the MSS mission in Haiti soon.", "soon"),
    ],
)
def test_a_will_or_plans_to_statement_is_outlook_with_its_horizon_and_the_publication_date(facts_of, sentence, horizon):
    fact = only(facts_of({"plan.txt": article("Plans for the mission", sentence)}), sentence[:20])
    assert fact.section == "outlook"
    assert fact.fields.horizon.lower() == horizon
    assert fact.fields.modality == "planned"
    assert fact.date == THURSDAY


def test_an_outlook_item_carries_the_publication_date_not_the_future_date_it_names(facts_of):
    fact = only(
        facts_of(
            {
                "vote.txt": article(
                    "Vote on the mandate",
                    "The Security Council will vote on October 2 on a resolution to extend the MSS mission in Haiti, "
                    "diplomats said.",
                )
            }
        ),
        "Security Council",
    )
    assert fact.section == "outlook"
    assert fact.date == THURSDAY


# --- event dates -------------------------------------------------------------------------------------------


def test_a_weekday_is_the_last_such_day_before_publication(facts_of):
    facts = facts_of(
        {
            "thu.txt": article(
                "Arrests in Tabarre", "Haitian police arrested four suspects at a roadblock in Tabarre on Tuesday."
            ),
            "mon.txt": article(
                "Arrests in Tabarre, again",
                "Haitian police arrested two gang members at a roadblock in Tabarre on Tuesday.",
                published="2025-09-01",
            ),
        }
    )
    assert only(facts, "four suspects").date == date(2025, 8, 26)
    assert only(facts, "two gang members").date == date(2025, 8, 26)  # Monday 1 September: back to 26 August


def test_a_month_and_year_never_become_the_first_of_that_month(facts_of):
    facts = facts_of(
        {
            "history.txt": article(
                "Martissant, two years on",
                "Haitian police said the gang offensive in Martissant began in October 2023.",
                "The police said a gang attack in Gressier on October 14, 2023 killed nine people.",
            ),
        }
    )
    month_only = only(facts, "began in October 2023")
    assert month_only.section == "operations"
    assert month_only.date != date(2023, 10, 1)
    assert only(facts, "October 14, 2023").date == date(2023, 10, 14)  # a day given: that day


def test_an_operation_dated_only_by_a_month_gets_no_day(facts_of):
    facts = facts_of(
        {
            "alone.txt": article(
                "Martissant, two years on",
                "Haitian police said the gang offensive in Martissant began in October 2023.",
            ),
            "later.txt": article(
                "A week of raids",
                "Haitian police raided a gang hideout in Tabarre on Tuesday and arrested four suspects.",
                "Officers said the area had been quiet for weeks.",
                "Residents said they had not seen the police for a month.",
                "The gang attacks in Martissant began in October 2023, the police said.",
            ),
        }
    )
    assert only(facts, "offensive in Martissant").date is None  # observed: 2025-08-28 (publication)
    assert only(facts, "attacks in Martissant").date is None  # observed: 2025-08-26 (the lead's Tuesday)


def test_the_day_of_the_event_wins_over_the_day_of_the_statement(facts_of):
    fact = only(
        facts_of(
            {
                "said.txt": article(
                    "Delmas raid",
                    "Police said on Wednesday that officers of the MSS raided a gang stronghold in Delmas on Monday and "
                    "arrested six suspects.",
                )
            }
        ),
        "Delmas",
    )
    assert fact.section == "operations"
    assert fact.date == date(2025, 8, 25)  # observed: 2025-08-27


def test_a_planned_deployment_is_not_dated_before_it_was_announced(facts_of):
    fact = only(
        facts_of(
            {
                "plan.txt": article(
                    "More Kenyan police",
                    "Kenya will deploy 300 more police officers to Haiti on Friday, the Kenyan interior ministry said.",
                )
            }
        ),
        "Kenya will deploy",
    )
    assert fact.section == "nations"
    assert fact.fields.status == "planned"  # the topic's status for "will": an intention, not an arrival
    assert fact.date >= THURSDAY  # observed: 2025-08-22


# --- people, quantities, connectives ----------------------------------------------------------------------


def test_people_are_named_with_their_role(facts_of):
    facts = facts_of(
        {
            "people.txt": article(
                "Commander visits Cité Soleil",
                "Force Commander Godfrey Otunge said the operation in Cité Soleil had secured the main road.",
                "Kenyan President William Ruto said the mission in Haiti will be sustained for the long haul.",
            )
        }
    )
    commander = only(facts, "Otunge").fields.people
    assert len(commander) == 1
    assert commander[0].name == "Godfrey Otunge"
    assert "Force Commander" in commander[0].role
    president = only(facts, "Ruto").fields.people
    assert [p.name for p in president] == ["William Ruto"]
    assert "President" in president[0].role


def test_quantities_keep_their_qualifiers(facts_of):
    facts = facts_of(
        {
            "numbers.txt": article(
                "The mission in numbers",
                "Nearly 1,000 Kenyan officers are now deployed with the MSS in Haiti, the mission said.",
                "Haitian police said over 500 gang members were arrested in Port-au-Prince this year.",
                "Kenya will send two more contingents of officers to join the MSS in Haiti.",
            )
        }
    )
    assert "Nearly 1,000 Kenyan officers" in only(facts, "Nearly 1,000").fields.personnel
    assert "over 500 gang members" in only(facts, "over 500").fields.figures
    assert "two more contingents" in only(facts, "two more").fields.personnel


def test_a_qualifier_is_a_whole_word(facts_of):
    """A qualifier is a word of its own: "handsome" ends in "some", which qualifies no number there."""
    sentence = "Haitian police said the gang paid a handsome 300 dollars to each of its members in Tabarre."
    fact = only(facts_of({"q.txt": article("Gang pay", sentence)}), "handsome")
    assert [q for q in fact.fields.figures if "300" in q] == ["300 dollars"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Haitian police arrested four gang members during a raid in Tabarre on Tuesday.", "four gang members"),
        ("Over 500 gang members fled Carrefour after the raid by Haitian police on Tuesday.", "Over 500 gang members"),
        ("MSS officers seized 40 rifles near the port of Port-au-Prince on Tuesday.", "40 rifles"),
    ],
)
def test_a_quantity_stops_at_its_noun(facts_of, sentence, expected):
    fact = only(facts_of({"q.txt": article("Raid report", sentence)}), sentence[:20])
    assert fact.section == "operations"
    assert fact.fields.figures == (expected,)


def test_a_leading_connective_is_dropped(facts_of):
    facts = facts_of(
        {
            "two.txt": article(
                "Two operations",
                "Kenyan officers of the MSS cleared barricades in Solino on Monday.",
                "Meanwhile, the Haitian police detained a gang treasurer at a roadblock in Carrefour on Tuesday.",
            )
        }
    )
    fact = only(facts, "gang treasurer")
    assert fact.text == "The Haitian police detained a gang treasurer at a roadblock in Carrefour on Tuesday."


def test_a_headline_is_not_an_item(facts_of):
    facts = facts_of(
        {
            "copy.txt": article(
                "Arms depot seized in Solino (Haiti)",
                "Haitian police and MSS officers seized an arms depot in Solino on Wednesday, taking 30 rifles.",
            )
        }
    )
    assert [f.text for f in facts] == [
        "Haitian police and MSS officers seized an arms depot in Solino on Wednesday, taking 30 rifles."
    ]


def test_an_expected_delivery_is_not_delivered(facts_of):
    fact = only(
        facts_of(
            {
                "due.txt": article(
                    "Armour on the way",
                    "Brazil is expected to deliver eight armoured vehicles to the Haitian police in Port-au-Prince.",
                )
            }
        ),
        "Brazil",
    )
    assert fact.section == "equipment"
    assert fact.fields.modality == "planned"
    assert fact.fields.status != "delivered"


# --- ranking -----------------------------------------------------------------------------------------------

UNNAMED_QUOTE = (
    '"The police raided our street in Tabarre and arrested my neighbours on Tuesday," said a local resident.'
)
NAMED_QUOTE = (
    '"The police raided our street in Tabarre and arrested my neighbours on Tuesday," '
    "said Inspector Jean Robert Saintil."
)
FACTUAL = "Haitian police raided a gang hideout in Tabarre on Tuesday and arrested four suspects."
FILLER = (
    "Residents of the capital of Haiti spent the week indoors.",
    "Schools stayed shut and markets opened for a few hours a day.",
    "Aid groups said food prices had doubled since the spring.",
)


def test_a_quote_from_an_unnamed_local_ranks_below_a_factual_sentence(facts_of):
    # the quote opens its article (the strongest position), the factual sentence comes fourth
    facts = facts_of(
        {
            "quote.txt": article("Tabarre raid", UNNAMED_QUOTE, *FILLER, FACTUAL),
            "named.txt": article("Tabarre raid, named", NAMED_QUOTE),
        }
    )
    unnamed = only([f for f in facts if f.document.path == "quote.txt"], "local resident")
    factual = only(facts, "four suspects")
    named = only(facts, "Saintil")
    assert unnamed.section == factual.section == "operations"
    assert unnamed.score < factual.score
    assert unnamed.score < named.score  # it is the anonymity that costs, not the quotation


def test_a_quote_introduced_by_an_unnamed_local_ranks_below_a_factual_sentence(facts_of):
    quote = 'A resident of Tabarre said: "The police raided our street and arrested my neighbours on Tuesday."'
    facts = facts_of({"quote.txt": article("Tabarre raid", quote, *FILLER, FACTUAL)})
    assert only(facts, "A resident").score < only(facts, "four suspects").score


def test_facts_from_a_jsonl_line_cite_that_line(facts_of):
    line = json.dumps(
        {
            "title": "Armour",
            "published": "2025-08-28",
            "url": "https://wire.example/a",
            "text": "Brazil delivered 8 armoured vehicles to the MSS at the port of Port-au-Prince.",
        }
    )
    fact = only(facts_of({"feeds/wire.jsonl": line + "\n"}), "Brazil")
    assert (fact.document.path, fact.document.item) == ("feeds/wire.jsonl", 0)
    assert fact.section == "equipment"
    assert fact.fields.donor == "Brazil"
    assert fact.date == THURSDAY  # no day in the sentence: the publication date


# --- sentences that refer back ------------------------------------------------------------------------------


def test_a_sentence_referring_back_inherits_the_events_section_date_and_place(facts_of):
    facts = facts_of(
        {
            "blast.txt": article(
                "Car bomb in Delmas",
                "Gang members detonated a car bomb outside the Delmas police station on Tuesday, killing two officers. "
                "A bystander was also hurt in the blast.",
                "Officials said the national budget would be debated in parliament in the autumn.",
            )
        }
    )
    blast, bystander = only(facts, "car bomb"), only(facts, "bystander")
    assert bystander.section == blast.section == "operations"
    assert bystander.date == blast.date == date(2025, 8, 26)
    assert bystander.fields.places == ("Delmas",)


def test_a_sentence_without_a_back_reference_inherits_nothing(facts_of):
    facts = facts_of(
        {
            "two.txt": article(
                "Two stories",
                "Gang members detonated a car bomb outside the Delmas police station on Tuesday, killing two officers. "
                "A new bakery opened its doors near the cathedral.",
            )
        }
    )
    assert not [f for f in facts if "bakery" in f.text]


@pytest.mark.parametrize(
    "dateline",
    ["GENEVA/PORT-AU-PRINCE - ", "UNITED NATIONS (Horn Wire) - ", "PORT-AU-PRINCE, Nov 12 (Caribbean Wire) - "],
)
def test_a_wire_dateline_is_not_part_of_the_statement(facts_of, dateline):
    facts = facts_of(
        {
            "wire.txt": article(
                "Gang raid in Haiti",
                f"{dateline}Gunmen from the Gran Grif gang killed at least 70 people in Pont-Sondé, Haiti, on Thursday, "
                "while MSS officers were deployed nearby.",
            )
        }
    )
    fact = only(facts, "Gran Grif")
    assert fact.text.startswith("Gunmen from the Gran Grif gang")
    assert fact.document.text[fact.span[0] : fact.span[1]].startswith(dateline.strip())  # the evidence keeps it


def test_the_word_sets_of_facts_hold_one_string_object_per_word(facts_of):
    """A large window's facts name a few thousand words hundreds of thousands of times: each word is one object,
    whichever article and sentence it was found in, so memory and a file's pickle hold it once."""
    facts = facts_of(
        {
            "raid.txt": article("Raid", "Kenyan officers raided a gang hideout in Delmas on Tuesday, arresting 12."),
            "patrol.txt": article("Patrol", "Kenyan officers patrolled Delmas on Tuesday after the raid, police said."),
        }
    )
    raid, patrol = only(facts, "raided"), only(facts, "patrolled")
    for field in ("words", "anchors", "key_terms"):
        mine, theirs = getattr(raid, field), getattr(patrol, field)
        shared = mine & theirs
        assert shared, field
        assert all(next(w for w in mine if w == word) is next(w for w in theirs if w == word) for word in shared)
