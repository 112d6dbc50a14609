"""Loading a config and an edits file: read safely, parsed as strict YAML, checked against the schema
(`schema.py`), every path resolved against the config file's folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from briefgen.errors import ConfigError
from briefgen.files import read_regular, resource_path
from briefgen.models import Progress, Window
from briefgen.schema import AudienceSpec, BriefConfigFile, EditsFile, SectionSpec, WindowSpec, validate
from briefgen.topic import TopicFile, consistency_problems


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
    cache: Path | Literal[False] | None = None  # None: the default, beside the history (`cache_path`)
    executor: str = "auto"
    scheduler: str | None = None


def cache_path(config: BriefConfig, output_dir: Path) -> Path | None:
    """The document cache's database: the config's `cache`, else cache.sqlite in the run history's folder (the
    output folder unless `history` says otherwise); None when the config turns the cache off."""
    if config.cache is False:
        return None
    return config.cache or (config.history.parent if config.history else output_dir) / "cache.sqlite"


@dataclass(frozen=True)
class Edits:
    path: Path
    note: str | None
    pin: tuple[str, ...]
    drop: tuple[str, ...]
    replace: dict[str, str]
    version: int = 0

    def ids(self) -> list[tuple[str, str]]:
        """(override kind, item id) of every override, to report the ones that match no item."""
        return (
            [("pin", i) for i in self.pin] + [("drop", i) for i in self.drop] + [("replace", i) for i in self.replace]
        )


def load_edits(path: Path) -> Edits:
    raw = validate(EditsFile, _read_yaml_file(path) or {}, path)
    return Edits(path, raw.note, tuple(raw.pin), tuple(raw.drop), dict(raw.replace), raw.version)


@dataclass(frozen=True)
class BuildRequest:
    """What one build does: the config after the command line has had its say (`cli.build_request`)."""

    config: BriefConfig
    corpus: Path
    window: Window
    as_of: date
    audiences: tuple[str, ...]
    formats: tuple[str, ...] | None  # None: each audience's own formats
    output_dir: Path
    edits: Edits | None = None
    strict: bool = False  # a warning fails the run before anything is written
    cache: Path | None = None  # the document cache's database; None: no cache
    executor: str = "auto"  # where the per-document stage runs (executor.EXECUTORS)
    scheduler: str | None = None  # the Dask scheduler's address, for the dask executor
    # where a long run says how far it has come (the terminal's progress line); not part of what is built
    progress: Progress | None = field(default=None, compare=False, repr=False)


BUILTIN_TEMPLATES = resource_path("briefgen", "templates").resolve()


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases (configs never need them; alias bombs do), where dates stay text
    for the schema to check, and only true/false are booleans (so `on:` and `yes` are not)."""

    yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


if yaml.__with_libyaml__:  # as PyYAML's wheels are; a build from source may lack it

    class _FastStrictLoader(yaml.CSafeLoader):
        """`_StrictLoader`'s resolvers on libyaml's parser, which reads a topic file ten times faster."""

        yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers


def load_yaml(text: str) -> Any:
    # The pure-Python `_StrictLoader` is the reference, run whenever the text is not plain: it refuses aliases
    # as it composes, and its error messages name the character at fault (libyaml's do not).
    if yaml.__with_libyaml__:
        try:
            events = yaml.parse(text, Loader=yaml.CSafeLoader)
            if not any(isinstance(event, yaml.AliasEvent) for event in events):
                return yaml.load(text, Loader=_FastStrictLoader)  # noqa: S506 - a SafeLoader's constructor
        except yaml.YAMLError:
            pass
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


def load_config(path: Path) -> BriefConfig:
    path = Path(path)
    raw = validate(BriefConfigFile, _read_yaml_file(path), path)
    base = path.resolve().parent
    topic_path = (base / raw.topic).resolve()
    topic = validate(TopicFile, _read_yaml_file(topic_path), topic_path)
    problems = [f"{topic_path}: {p}" for p in consistency_problems(topic, [s.id for s in raw.sections])]
    problems += [
        f"{path}: audiences.{name}.tables[{i}]: expected one of {', '.join(topic.tables) or 'no tables'}"
        f" (the topic's tables), got {table!r}"
        for name, audience in raw.audiences.items()
        for i, table in enumerate(audience.tables)
        if table not in topic.tables
    ]
    template_dirs = ((base / raw.templates_dir).resolve(),) if raw.templates_dir else ()
    problems += [
        f"{path}: templates_dir: folder not found: {folder}" for folder in template_dirs if not folder.is_dir()
    ]
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
        cache=False if raw.cache is False else (base / raw.cache).resolve() if raw.cache else None,
        executor=raw.executor,
        scheduler=raw.scheduler,
    )
