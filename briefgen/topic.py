"""The topic file's declared schema: what a briefing knows about its mission.

Names in a topic file are free: entity groups, sections, statuses and outcomes are called whatever the
mission calls them. The code reads only two closed vocabularies declared here, an entity group's **role**
and a section's **kind**, so a briefing on another mission is a new topic file, never new code.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from briefgen.ingest.clean import clean_label


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def _number_as_text(value: object) -> object:
    """A term such as 2719 (a resolution) is written unquoted in YAML, which reads it as a number."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Term = Annotated[str, BeforeValidator(_number_as_text)]
Label = Annotated[str, AfterValidator(clean_label)]  # text a writer lays out: cleaned like article text
Terms = list[Term]


class Role(StrEnum):
    """What an entity group stands for in the summariser."""

    MISSION = "mission"  # the mission's own forces and names
    PARTNER = "partner"  # forces the mission works with or for: the host's police or army
    OPPONENT = "opponent"  # gangs, insurgents, armed groups
    PLACE = "place"  # towns, districts, regions of the mission's area
    MATERIEL = "materiel"  # vehicles, arms, aircraft, supplies
    PERSONNEL = "personnel"  # words for people deployed: officers, troops, soldiers
    MONEY = "money"  # funds, budgets, trust funds, salaries


# Not a group of the topic file: nations come from the ISO list plus the topic's `nations.add`.
NATION = "nation"


def _role_or_nation(value: str) -> str:
    if value != NATION and value not in set(Role):
        raise ValueError(f"expected one of {', '.join(Role)}, {NATION}, got {value!r}")
    return value


RequiredRole = Annotated[str, AfterValidator(_role_or_nation)]


class Kind(StrEnum):
    """What a section's items are about, which decides the fields they get."""

    OPERATION = "operation"  # security operations and incidents, by any party
    DELIVERY = "delivery"  # materiel delivered, donated, pledged, lacking or damaged
    CONTRIBUTION = "contribution"  # personnel and money that countries commit, deploy, withdraw or pay
    FORWARD_LOOKING = "forward_looking"  # decisions, plans, proposals, warnings


# The fields each kind's items carry; a table column may name these, `date`, `people` and `modality`.
KIND_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.OPERATION: ("places", "forces", "opponents", "outcome", "figures"),
    Kind.DELIVERY: ("donor", "recipient", "item", "quantity", "status"),
    Kind.CONTRIBUTION: ("contributors", "personnel", "funds", "status"),
    Kind.FORWARD_LOOKING: ("actor", "subject", "horizon"),
}
COMMON_FIELDS = ("date", "people", "modality")
FIELD = re.compile(r"\{(\w+)\}")  # a field named in a table column's template
# The roles a kind's fields are read from: a topic with a section of the kind needs a group of each.
KIND_NEEDS: dict[Kind, tuple[Role, ...]] = {
    Kind.OPERATION: (Role.PLACE,),
    Kind.DELIVERY: (Role.MATERIEL,),
    Kind.CONTRIBUTION: (Role.PERSONNEL,),
    Kind.FORWARD_LOOKING: (),
}


class EntityGroup(Strict):
    role: Role
    terms: Terms


class SectionRule(Strict):
    kind: Kind
    cues: Terms
    # words of a decision taken (a vote, a resolution, a pact signed): they file a sentence in a forward-looking
    # section even when nothing in it looks ahead
    decisions: Terms = []
    requires_any: list[RequiredRole] = []  # roles one of which a sentence must name for the section to take it
    statuses: list[str] | None = None  # the topic statuses its items may take (default: all)


class Status(Strict):
    terms: Terms
    prospective: bool = False  # says what is not done yet (a pledge, a plan): it also sets an item's modality


class Relevance(Strict):
    terms: Terms
    min_hits: Annotated[int, Field(ge=1)] = 2  # mentions of the terms (repeats count) an article needs
    # roles one of which an on-topic article must also name: in its title or first `lead` paragraphs (where news
    # says what it is about), or anywhere at least `min_role_hits` times
    requires_any: list[Role] = []
    lead: Annotated[int, Field(ge=1)] | None = None  # default: the whole article is its lead
    min_role_hits: Annotated[int, Field(ge=1)] = 1


class Watch(Strict):
    """A kind of report that must always be carried: a sentence naming a term of every group."""

    name: str
    all_of: list[Terms]
    section: str  # where such a report is filed, whatever other cues it carries
    keep: Annotated[int, Field(ge=0)] = 2  # how many such reports the section always carries


class Nations(Strict):
    add: dict[str, Terms] = {}  # nation (ISO name, or a new one) -> more names, demonyms, capitals
    host: Terms = []  # where the mission operates: named everywhere, never a contributor
    never_contributors: Terms = []  # named in the news (adversaries, transit states), never contributors
    # "near the Kenyan border", "the Ugandan side": a nation's adjective before these is a place, not an actor
    place_nouns: Terms = [
        "border*",
        "frontier*",
        "coast*",
        "side",
        "waters",
        "capital",
        "soil",
        "territor*",
        "airspace",
        "shore*",
        "highlands",
        "lowlands",
        "embassy",
        "embassies",
    ]
    # "Kenyan-born", "Egyptian-made": an adjective of origin, not a contributor
    origin_suffixes: Terms = [
        "born",
        "based",
        "bred",
        "raised",
        "made",
        "built",
        "flagged",
        "registered",
        "owned",
        "trained",
    ]


class TableColumn(Strict):
    title: Label
    value: str  # a template of item fields: "{donor} → {recipient}"; {date} is the item's date


class TableSpec(Strict):
    title: Label
    section: str
    columns: list[TableColumn]


class TopicFile(Strict):
    name: Label
    relevance: Relevance
    entities: dict[str, EntityGroup]
    sections: dict[str, SectionRule]
    forward_looking: Terms
    outcomes: dict[str, Terms] = {}
    statuses: dict[str, Status] = {}  # in order of precedence: an item takes the first its sentence names
    default_status: str | None = None  # the status of an item that names none
    prospective_status: str | None = None  # ...and of a forward-looking one that names no prospective status
    watch: list[Watch] = []
    tie_order: list[str] = []  # where a sentence fits two sections equally, the earlier one takes it
    tables: dict[str, TableSpec] = {}
    nations: Nations = Nations()

    def groups_with(self, role: Role) -> list[str]:
        return [name for name, group in self.entities.items() if group.role == role]


def consistency_problems(topic: TopicFile, section_ids: list[str]) -> list[str]:
    """What makes a topic unusable with a config whose sections are `section_ids`: one line each,
    as `key.path: problem`, every one found."""
    problems = [
        f"sections: no section {s!r}, which the config declares" for s in section_ids if s not in topic.sections
    ]
    known_statuses = set(topic.statuses)
    for section_id, rule in topic.sections.items():
        for role in rule.requires_any:
            if role != NATION and not topic.groups_with(Role(role)):
                problems.append(f"sections.{section_id}.requires_any: no entity group has the role '{role}'")
        for role in KIND_NEEDS[rule.kind]:
            if not topic.groups_with(role):
                problems.append(
                    f"sections.{section_id}: a {rule.kind} section needs an entity group "
                    f"with the role '{role}', and none has it"
                )
        problems += [
            f"sections.{section_id}.statuses: no status {status!r} in `statuses`"
            for status in rule.statuses or []
            if status not in known_statuses
        ]
    for role in topic.relevance.requires_any:
        if not topic.groups_with(role):
            problems.append(f"relevance.requires_any: no entity group has the role '{role}'")
    for index, watch in enumerate(topic.watch):
        if watch.section not in topic.sections:
            problems.append(
                f"watch[{index}].section: expected one of {', '.join(topic.sections)}, got {watch.section!r}"
            )
    problems += [f"tie_order: no section {s!r}" for s in topic.tie_order if s not in topic.sections]
    for table_id, table in topic.tables.items():
        shown_in = topic.sections.get(table.section)
        if shown_in is None:
            problems.append(
                f"tables.{table_id}.section: expected one of {', '.join(topic.sections)}, got {table.section!r}"
            )
            continue
        produced = KIND_FIELDS[shown_in.kind] + COMMON_FIELDS
        for index, column in enumerate(table.columns):
            for name in FIELD.findall(column.value):
                if name not in produced:
                    problems.append(
                        f"tables.{table_id}.columns[{index}].value: a {shown_in.kind} section's items have no field "
                        f"{name!r} (they have {', '.join(produced)})"
                    )
    return problems
