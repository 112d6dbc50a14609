"""The schema of the files a user writes by hand, a config and an edits file: what each key may hold.

Pydantic checks them; `validate` turns its errors into one line each, `FILE: key.path: expected ..., got ...`,
because a user fixing a hand-edited file wants the whole list, worded for them, not one error per run.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from briefgen.errors import ConfigError
from briefgen.ingest.clean import clean_label
from briefgen.topic import Label, Strict

Format = Literal["pdf", "docx", "html", "json"]
FORMATS: tuple[Format, ...] = ("pdf", "docx", "html", "json")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: Any) -> date:
    """A calendar date written YYYY-MM-DD; YAML may already have made it a date."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")


IsoDate = Annotated[date, BeforeValidator(parse_iso_date)]


class WindowSpec(Strict):
    """Exactly one way of choosing the dates: absolute, a rolling number of days, or a calendar period."""

    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None
    last_days: Annotated[int, Field(ge=1, le=3660)] | None = None
    period: Literal["previous_week", "previous_month"] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"period": value}
        return value

    @model_validator(mode="after")
    def one_mode(self) -> WindowSpec:
        absolute = self.from_ is not None or self.to is not None
        modes = [absolute, self.last_days is not None, self.period is not None]
        if sum(modes) != 1:
            raise ValueError("expected exactly one of from/to, last_days or period")
        if absolute:
            if self.from_ is None or self.to is None:
                raise ValueError("expected both from and to")
            if self.from_ > self.to:
                raise ValueError(f"expected from <= to, got from {self.from_} after to {self.to}")
        return self


# Names that end up in file names and HTML ids: no path separators, no dots.
IDENTIFIER = r"^[a-z][a-z0-9_-]*$"
FILE_STEM = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PATTERN_RULES = {
    IDENTIFIER: "a lower-case name of letters, digits, '-' or '_', starting with a letter",
    FILE_STEM: "a name of letters, digits, '-', '_' or '.'",
}


class SectionSpec(Strict):
    id: Annotated[str, Field(pattern=IDENTIFIER)]
    title: Label


class AudienceSpec(Strict):
    title: Label
    sections: list[str]
    max_items: Annotated[int, Field(ge=1)] = 12
    max_words: Annotated[int, Field(ge=20)] | None = None  # the sections' item text; key points restate kept items
    key_points: Annotated[int, Field(ge=0, le=10)] = 5
    details: bool = True  # each event's further details under its lead; false: the lead alone
    template: str = "briefing.html"
    formats: list[Format] = list(FORMATS)
    tables: list[str] = []  # ids of the topic's tables to include
    chart: str | None = None  # a section whose items are charted per day
    coverage: bool = False  # the note on documents read, used and left out


class BriefConfigFile(Strict):
    title: Label
    name: Annotated[str, Field(pattern=FILE_STEM)]
    corpus: str
    topic: str
    output_dir: str = "../out"
    templates_dir: str | None = None
    marking: Label = ""
    window: WindowSpec
    sections: list[SectionSpec]
    audiences: dict[Annotated[str, Field(pattern=IDENTIFIER)], AudienceSpec]
    # a Word file, in a template folder, whose styles, margins, header and footer the DOCX takes
    docx_reference: Annotated[str, Field(pattern=FILE_STEM)] = "reference.docx"
    pdf_variant: Literal["pdf/a-3b", "pdf/ua-1"] | None = None
    history: str | None = None  # the run-history database (default: history.sqlite in output_dir)
    # the document cache's database (default: cache.sqlite beside the history); false: no cache
    cache: str | Literal[False] | None = None
    edits: str | None = None  # an editor's overrides file
    # where each file is read and its documents extracted: here, on this machine's cores, or a Dask cluster's
    executor: Literal["auto", "local", "processes", "dask"] = "auto"
    scheduler: str | None = None  # the Dask scheduler's address (tcp://host:8786), for `executor: dask`

    @model_validator(mode="after")
    def audiences_name_known_sections(self) -> BriefConfigFile:
        known = [s.id for s in self.sections]
        for name, audience in self.audiences.items():
            if audience.chart is not None and audience.chart not in audience.sections:
                raise ValueError(
                    f"audiences.{name}.chart: expected one of the audience's sections "
                    f"({', '.join(audience.sections)}), got {audience.chart!r}"
                )
            for index, section in enumerate(audience.sections):
                if section not in known:
                    raise ValueError(
                        f"audiences.{name}.sections[{index}]: expected one of {', '.join(known)}, got {section!r}"
                    )
        if not self.audiences:
            raise ValueError("audiences: expected at least one audience")
        return self


EDITED_CHARS = 1000  # an editor's note or reworded item: a paragraph, not a document
EditedText = Annotated[str, AfterValidator(partial(clean_label, max_chars=EDITED_CHARS))]


class EditsFile(Strict):
    """An editor's overrides, by stable item id."""

    note: EditedText | None = None  # shown at the top of every edition
    pin: list[str] = []  # always in, first in its section
    drop: list[str] = []  # never in
    replace: dict[str, EditedText] = {}  # new text, counted in the edition's budget; the citations stay
    # raised by one at every save from the editors' page, which refuses a save based on an older version
    version: Annotated[int, Field(ge=0)] = 0


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "from_":
            out += ".from" if out else "from"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(error: ErrorDetails, model: type[BaseModel]) -> str:
    """One pydantic error as `key.path: expected ..., got ...`."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p and "]" in p))
    path = _dotted(loc)
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return f"{path}: unknown key (a typo?), got {loc[-1]!r}"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "value_error":
        message = str(error["ctx"]["error"])
        if re.match(r"^[\w.\[\]]+: ", message):  # the validator already named a deeper path
            return message
        return f"{path}: {message}" if path else message
    expected = {
        "string_type": "text",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "int_from_float": "a whole number",
        "list_type": "a list",
        "dict_type": "a mapping of keys to values",
        "model_type": "a mapping of keys to values",
        "model_attributes_type": "a mapping of keys to values",
        "bool_type": "true or false",
    }.get(kind)
    if kind in ("literal_error", "enum"):
        expected = "one of " + error["ctx"]["expected"].replace("'", "")
    elif kind in ("greater_than_equal", "less_than_equal"):
        expected = error["msg"].replace("Input should be ", "a number ")
    elif kind == "string_pattern_mismatch":
        expected = PATTERN_RULES.get(error["ctx"]["pattern"])
    return f"{path}: expected {expected or error['msg']}, got {value!r}"


def validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of keys to values, got {type(data).__name__}"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = sorted(dict.fromkeys(f"{path}: {_describe(e, model)}" for e in exc.errors()))
        raise ConfigError(problems) from None
