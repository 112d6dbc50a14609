"""The config stage: YAML file (+ command-line overrides) -> a validated, resolved `BuildRequest`.

Every problem is collected and reported at once, each as `FILE: key.path: problem`, because a user
fixing a hand-edited config wants the whole list, not one error per run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from briefgen.errors import ConfigError
from briefgen.files import read_regular
from briefgen.ingest.clean import clean_label
from briefgen.models import Window
from briefgen.topic import Label, Strict, TopicFile, consistency_problems

FORMATS = ("pdf", "docx", "html", "json")
Format = Literal["pdf", "docx", "html", "json"]
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
        if absolute and (self.from_ is None or self.to is None):
            raise ValueError("expected both from and to")
        if absolute and self.from_ > self.to:
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
    edits: str | None = None  # an editor's overrides file

    @model_validator(mode="after")
    def audiences_name_known_sections(self) -> BriefConfigFile:
        known = [s.id for s in self.sections]
        for name, audience in self.audiences.items():
            if audience.chart is not None and audience.chart not in audience.sections:
                raise ValueError(f"audiences.{name}.chart: expected one of the audience's sections "
                                 f"({', '.join(audience.sections)}), got {audience.chart!r}")
            for index, section in enumerate(audience.sections):
                if section not in known:
                    raise ValueError(
                        f"audiences.{name}.sections[{index}]: expected one of {', '.join(known)}, "
                        f"got {section!r}"
                    )
        if not self.audiences:
            raise ValueError("audiences: expected at least one audience")
        return self


@dataclass(frozen=True)
class BriefConfig:
    """A validated config with every path resolved against the config file's folder."""

    path: Path
    title: str
    name: str
    corpus: Path
    topic: TopicFile
    output_dir: Path
    template_dirs: tuple[Path, ...]
    marking: str
    window: WindowSpec
    sections: tuple[SectionSpec, ...]
    audiences: dict[str, AudienceSpec]
    docx_reference: str = "reference.docx"
    pdf_variant: str | None = None
    history: Path | None = None
    edits: Path | None = None


EDITED_CHARS = 1000  # an editor's note or reworded item: a paragraph, not a document
EditedText = Annotated[str, AfterValidator(partial(clean_label, max_chars=EDITED_CHARS))]


class EditsFile(Strict):
    """An editor's overrides, by stable item id."""

    note: EditedText | None = None  # shown at the top of every edition
    pin: list[str] = []  # always in, first in its section
    drop: list[str] = []  # never in
    replace: dict[str, EditedText] = {}  # new text, counted in the edition's budget; the citations stay


@dataclass(frozen=True)
class Edits:
    path: Path
    note: str | None
    pin: tuple[str, ...]
    drop: tuple[str, ...]
    replace: dict[str, str]

    def ids(self) -> list[tuple[str, str]]:
        """(override kind, item id) of every override, to report the ones that match no item."""
        return [("pin", i) for i in self.pin] + [("drop", i) for i in self.drop] + [
            ("replace", i) for i in self.replace]


def load_edits(path: Path) -> Edits:
    raw = _validate(EditsFile, _read_yaml_file(path) or {}, path)
    return Edits(path, raw.note, tuple(raw.pin), tuple(raw.drop), dict(raw.replace))


@dataclass(frozen=True)
class BuildRequest:
    """What one run does: the config after the command line has had its say."""

    config: BriefConfig
    corpus: Path
    window: Window
    as_of: date
    audiences: tuple[str, ...]
    formats: tuple[str, ...] | None  # None: each audience's own formats
    output_dir: Path
    edits: Edits | None = None


# An installed package is a folder on disk (never a zip), so its resources are plain paths.
BUILTIN_TEMPLATES = Path(files("briefgen") / "templates").resolve()


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases (configs never need them; alias bombs do), where dates stay text
    for the schema to check, and only true/false are booleans (so `on:` and `yes` are not)."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - the loader is a SafeLoader


MAX_CONFIG_BYTES = 1024 * 1024


def _read_yaml_file(path: Path) -> Any:
    try:
        data = read_regular(path, MAX_CONFIG_BYTES)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError([f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KB; not a config file"])
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError([f"{path}: invalid YAML{where}: {problem}"]) from None


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


def _describe(error: dict[str, Any], model: type[BaseModel]) -> str:
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


def _validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of keys to values, got {type(data).__name__}"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = sorted(dict.fromkeys(f"{path}: {_describe(e, model)}" for e in exc.errors()))
        raise ConfigError(problems) from None


def load_config(path: Path) -> BriefConfig:
    path = Path(path)
    raw = _validate(BriefConfigFile, _read_yaml_file(path), path)
    base = path.resolve().parent
    topic_path = (base / raw.topic).resolve()
    topic = _validate(TopicFile, _read_yaml_file(topic_path), topic_path)
    problems = [f"{topic_path}: {p}" for p in consistency_problems(topic, [s.id for s in raw.sections])]
    problems += [f"{path}: audiences.{name}.tables[{i}]: expected one of {', '.join(topic.tables) or 'no tables'}"
                 f" (the topic's tables), got {table!r}"
                 for name, audience in raw.audiences.items() for i, table in enumerate(audience.tables)
                 if table not in topic.tables]
    template_dirs = ((base / raw.templates_dir).resolve(),) if raw.templates_dir else ()
    problems += [f"{path}: templates_dir: folder not found: {folder}"
                 for folder in template_dirs if not folder.is_dir()]
    if problems:
        raise ConfigError(problems)
    return BriefConfig(
        path=path,
        title=raw.title,
        name=raw.name,
        corpus=(base / raw.corpus).resolve(),
        topic=topic,
        output_dir=(base / raw.output_dir).resolve(),
        template_dirs=template_dirs + (BUILTIN_TEMPLATES,),
        marking=raw.marking,
        window=raw.window,
        sections=tuple(raw.sections),
        audiences=raw.audiences,
        docx_reference=raw.docx_reference,
        pdf_variant=raw.pdf_variant,
        history=(base / raw.history).resolve() if raw.history else None,
        edits=(base / raw.edits).resolve() if raw.edits else None,
    )


def resolve_window(spec: WindowSpec, as_of: date) -> Window:
    if spec.from_ is not None:
        return Window(spec.from_, spec.to, f"{spec.from_} to {spec.to}")
    if spec.last_days is not None:
        start = as_of - timedelta(days=spec.last_days - 1)
        return Window(start, as_of, f"last {spec.last_days} days to {as_of}")
    if spec.period == "previous_week":
        this_monday = as_of - timedelta(days=as_of.weekday())
        start = this_monday - timedelta(days=7)
        return Window(start, start + timedelta(days=6), f"previous ISO week, Monday to Sunday, as of {as_of}")
    first_of_this_month = as_of.replace(day=1)
    end = first_of_this_month - timedelta(days=1)
    start = end.replace(day=1)
    return Window(start, end, f"previous calendar month as of {as_of}")


def build_request(
    config_path: Path,
    *,
    corpus: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    as_of: str | None = None,
    audiences: list[str] | None = None,
    formats: str | None = None,
    out: str | None = None,
    edits: str | None = None,
    today: date | None = None,
) -> BuildRequest:
    """Load the config and apply the command line, which wins over the file."""
    config = load_config(config_path)
    problems: list[str] = []

    def flag_date(name: str, value: str | None) -> date | None:
        if value is None:
            return None
        try:
            return parse_iso_date(value)
        except ValueError as exc:
            problems.append(f"--{name}: {exc}")
            return None

    reference = flag_date("as-of", as_of) or today or date.today()
    start, end = flag_date("from", date_from), flag_date("to", date_to)
    if (date_from is None) != (date_to is None):
        problems.append("--from and --to: expected both or neither")
    window = resolve_window(config.window, reference)
    if start and end:
        if start > end:
            problems.append(f"--from/--to: expected from <= to, got {start} after {end}")
        window = Window(start, end, f"{start} to {end}")

    chosen = tuple(audiences) if audiences else tuple(config.audiences)
    for name in chosen:
        if name not in config.audiences:
            problems.append(
                f"--audience: expected one of {', '.join(config.audiences)}, got {name!r}"
            )
    chosen_formats = None
    if formats is not None:
        chosen_formats = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
        for fmt in chosen_formats:
            if fmt not in FORMATS:
                problems.append(f"--format: expected some of {', '.join(FORMATS)}, got {fmt!r}")
        if not chosen_formats:
            problems.append("--format: expected some of pdf, docx, html, json, got nothing")
    if problems:
        raise ConfigError([f"{config_path}: {p}" for p in problems])
    edits_path = Path(edits) if edits else config.edits
    return BuildRequest(
        config=config,
        corpus=Path(corpus) if corpus else config.corpus,
        window=window,
        as_of=reference,
        audiences=chosen,
        formats=chosen_formats,
        output_dir=Path(out) if out else config.output_dir,
        edits=load_edits(edits_path) if edits_path else None,
    )
