"""Tables from the fields of a section's items, as the topic file lays them out, and the chart's data."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from briefgen.models import Chart, Item, Person, Section, Table, TableRow, Window
from briefgen.render.text import display_date
from briefgen.topic import FIELD, TableSpec

DANGLING = re.compile(r"^[\s;,→]+|[\s;,→]+$")
EMPTY = "—"


def _said(value: str, evidence: str) -> bool:
    """Whether the evidence states the value, word for word (case and spacing aside)."""
    return " ".join(value.lower().split()) in evidence


def _value(item: Item, name: str, evidence: str) -> str:
    """A field's value as the evidence states it: list members and values it does not state are left out."""
    if name == "date":
        return display_date(item.date) if item.date else ""
    value = getattr(item.fields, name, None)  # a name the topic's table columns give; check made it a kind's
    values = value if isinstance(value, tuple) else () if value is None else (value,)
    said = [text for text in (v.name if isinstance(v, Person) else str(v) for v in values) if _said(text, evidence)]
    return ", ".join(dict.fromkeys(said))


def evidence_text(item: Item) -> str:
    """Every sentence the item rests on, each once: syndicated copies give one sentence thousands of times."""
    quotes = dict.fromkeys([e.quote for e in item.evidence] + [e.quote for d in item.details for e in d.evidence])
    return " ".join(" ".join(quotes).lower().split())


def cell(template: str, item: Item, evidence: str) -> str:
    """A column's template filled from the item's fields, as its evidence (`evidence_text`) states them;
    separators around missing values are dropped."""
    filled = FIELD.sub(lambda m: _value(item, m[1], evidence), template)
    return DANGLING.sub("", filled) or EMPTY


def build_tables(table_ids: list[str], specs: dict[str, TableSpec], sections: tuple[Section, ...]) -> tuple[Table, ...]:
    by_id = {section.id: section for section in sections}
    tables = []
    for table_id in table_ids:
        spec = specs[table_id]
        section = by_id.get(spec.section)
        if section is None:
            continue
        rows = []
        for item in section.items:
            evidence = evidence_text(item)
            cells = tuple(cell(column.value, item, evidence) for column in spec.columns)
            if all(c == EMPTY for c, column in zip(cells, spec.columns, strict=True) if "{date}" not in column.value):
                continue  # nothing but a date: the item's sentence says it better
            rows.append(TableRow(cells, item.sources, item.conflict, item.id))
        if rows:
            tables.append(Table(table_id, spec.title, spec.section, tuple(c.title for c in spec.columns), tuple(rows)))
    return tuple(tables)


def items_per_day_chart(section: Section | None, window: Window) -> Chart | None:
    """Items reported per day (per week in windows over a month), when at least three are dated."""
    if section is None:
        return None
    dated = [item.date for item in section.items if item.date and item.date in window]
    if len(dated) < 3:  # fewer says nothing a sentence would not
        return None
    weekly = (window.end - window.start).days > 31
    bucket = (lambda d: d - timedelta(days=d.weekday())) if weekly else (lambda d: d)
    counts = Counter(bucket(d) for d in dated)
    first, step = bucket(window.start), timedelta(days=7 if weekly else 1)
    days = []
    while first <= window.end:
        days.append(first)
        first += step
    labels = tuple(f"{d.day} {d:%b}" for d in days)
    values = tuple(counts.get(d, 0) for d in days)
    unit = "week" if weekly else "day"
    busiest = max(zip(values, labels, strict=True))
    alt = (
        f"Bar chart of {section.title.lower()} items per {unit}, {labels[0]} to {labels[-1]}: "
        f"{sum(values)} in all, most ({busiest[0]}) in the {unit} of {busiest[1]}."
    )
    return Chart(f"{section.title}: items per {unit}", section.id, alt, labels, values)
