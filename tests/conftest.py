"""Shared helpers: a minimal valid config in tmp_path, a small corpus written inline, the CLI as a subprocess.

Every article here is invented for the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPIC = ROOT / "config" / "topics" / "haiti-mss.yaml"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

SECTION_TITLES = {
    "operations": "Operations",
    "equipment": "Equipment deliveries",
    "nations": "Contributing nations",
    "outlook": "Outlook",
}

# The four sections every test config declares, in config order.
SECTIONS_YAML = """\
sections:
  - {id: operations, title: Operations}
  - {id: equipment, title: Equipment deliveries}
  - {id: nations, title: Contributing nations}
  - {id: outlook, title: Outlook}"""

CONFIG_TEMPLATE = """\
title: Test briefing
name: testbrief
corpus: corpus
topic: {topic}
output_dir: out
window: {window}
{sections}
audiences:
  analyst:
    title: Analyst edition
    sections: [operations, equipment, nations, outlook]
    max_items: 25
  executive:
    title: Executive edition
    sections: [operations, equipment, nations, outlook]
    max_items: 3
{extra}"""


def write(path: Path, content: str | bytes) -> Path:
    """Write text (UTF-8, exactly as given) or bytes, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def config_text(*, window: str = "{from: 2025-08-25, to: 2025-08-31}", extra: str = "") -> str:
    return CONFIG_TEMPLATE.format(topic=TOPIC, window=window, sections=SECTIONS_YAML, extra=extra)


def write_config(
    folder: Path, *, window: str = "{from: 2025-08-25, to: 2025-08-31}", extra: str = "", name: str = "brief.yaml"
) -> Path:
    """A minimal valid config whose `topic:` is the real Haiti MSS topic file (absolute path)."""
    return write(folder / name, config_text(window=window, extra=extra))


# A small corpus, one article per reader, each published inside 2025-08-25..2025-08-31 and each giving
# at least one statement for one of the four sections.
OPS_TXT = (
    "date 2025-08-26 Haitian police and MSS officers raided a gang stronghold in Delmas overnight and "
    "arrested six suspects.\n\n"
    "The joint operation in Port-au-Prince also seized four rifles and a box of ammunition.\n"
)
EQUIPMENT_MD = """\
---
title: Armoured vehicles handed to the mission
date: 2025-08-27
url: https://news.example/armour
outlet: Harbour Ledger
---
# Vehicles at the port

The Multinational Security Support mission received twelve armoured vehicles delivered by a partner
at the port of Port-au-Prince.

Haitian police commanders said the vehicles were supplied with spare tyres and radios.
"""
NATIONS_HTML = """\
<!DOCTYPE html>
<html><head><title>Jamaica sends more officers</title>
<meta property="article:published_time" content="2025-08-28T09:00:00Z">
</head><body>
<article>
<h1>Jamaica sends more officers</h1>
<p>Jamaica deployed a new contingent of thirty troops to join the MSS mission in Haiti this week.</p>
<p>Officials in Port-au-Prince said the contingent will patrol alongside the Haitian National Police.</p>
<p>The Jamaican government said it remained committed to the Kenyan-led mission for the coming year.</p>
</article>
</body></html>
"""
OUTLOOK_JSONL = (
    '{"title": "Vote on the mission expected", "published": "2025-08-29", "url": "https://wire.example/vote", '
    '"text": "Diplomats expect a UN vote on a new resolution for the MSS mission in Haiti next month. '
    'The resolution would extend the mandate of the Kenyan-led force by a year."}\n'
)


def write_corpus(folder: Path) -> Path:
    write(folder / "ops.txt", OPS_TXT)
    write(folder / "equipment.md", EQUIPMENT_MD)
    write(folder / "nations.html", NATIONS_HTML)
    write(folder / "feeds" / "wire.jsonl", OUTLOOK_JSONL)
    return folder


# The suite runs a worker per core, each starting briefgen processes: numpy's BLAS threads in those add nothing
# but their start-up, a tenth of the CPU time of a small build. The sample briefing comes out byte for byte the
# same with one thread or several; a training run's sums do not, so scripts/train_filer.py keeps its threads.
CLI_ENV = {"OPENBLAS_NUM_THREADS": "1"}


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a briefgen process: this one's, CLI_ENV where it says nothing, then `extra`."""
    return {**CLI_ENV, **os.environ, **(extra or {})}


def run_cli(
    *args: str | Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m briefgen ARGS` from the project folder, as a user runs it; `env` adds to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *(str(a) for a in args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(env),
    )


def files_under(folder: Path) -> list[Path]:
    """Every file (hidden ones too) under folder, sorted, but the document cache's database, which a build keeps
    beside its outputs and is not one of them (test_cache looks at it); [] when the folder does not exist."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("cache.sqlite"))


# --- Summariser helpers (test_segment, test_extract, test_compose, test_summarise_cli) ---------------------

AS_OF = "2025-09-01"


def config_with_executive(**limits: object) -> str:
    """config_text() whose executive audience also carries `limits` (max_words, key_points, max_items...)."""
    text = config_text()
    executive = "  executive:\n    title: Executive edition\n    sections: [operations, equipment, nations, outlook]\n"
    assert executive in text
    lines = {"max_items": 3, **limits}
    body = "".join(f"    {key}: {value}\n" for key, value in lines.items())
    return text.replace(executive + "    max_items: 3\n", executive + body)


def read_inline_corpus(folder: Path, files: dict[str, str], *, config: str | None = None):
    """Write `files` into folder/corpus and a config (default config_text()) into folder; return the loaded
    config and the documents the real readers make of the corpus."""
    from datetime import date

    from briefgen.config import load_config
    from briefgen.ingest import read_corpus

    for name, content in files.items():
        write(folder / "corpus" / name, content)
    loaded = load_config(write(folder / "brief.yaml", config or config_text()))
    documents, _ = read_corpus(folder / "corpus", date.fromisoformat(AS_OF))
    return loaded, documents


def extract_inline(folder: Path, files: dict[str, str], *, config: str | None = None):
    """The facts briefgen.summarise.extract finds in an inline corpus, with the real topic file."""
    from datetime import date

    from briefgen.summarise import extract

    loaded, documents = read_inline_corpus(folder, files, config=config)
    section_ids = sorted({s for audience in loaded.audiences.values() for s in audience.sections})
    return extract(documents, loaded.topic, section_ids, date.fromisoformat(AS_OF))[0]


def compose_inline(folder: Path, files: dict[str, str], audience: str, *, config: str | None = None):
    """One audience's (sections, key_points, sources) from an inline corpus, plus its documents by key:
    extract -> merge -> compose, as the pipeline runs them."""
    from datetime import date

    from briefgen.models import Window
    from briefgen.summarise import compose, extract, group_events, merge

    loaded, documents = read_inline_corpus(folder, files, config=config)
    section_ids = sorted({s for spec in loaded.audiences.values() for s in spec.sections})
    facts, _ = extract(documents, loaded.topic, section_ids, date.fromisoformat(AS_OF))
    quota = {watch.name: watch.keep for watch in loaded.topic.watch}
    every_day = Window(date.min, date.fromisoformat(AS_OF))
    sections, key_points, sources = compose(
        group_events(merge(facts, every_day)), loaded.audiences[audience], loaded.sections, quota
    )
    return sections, key_points, sources, {d.key: d for d in documents}


# --- Rendered documents read back (test_documents, test_docx, test_pdf, test_templates, test_render_safety) --

import pytest  # noqa: E402

SAMPLE_CONFIG = ROOT / "config" / "weekly.yaml"
BUILTIN_TEMPLATES = ROOT / "briefgen" / "templates"  # the top-level templates/ is a link to it
TABLE_HEADERS = {  # the topic file's `tables:` columns, plus the Sources column every table ends with
    "operations": ["Date", "Place", "Forces", "Outcome", "Sources"],
    "equipment": ["Date", "Donor → recipient", "Item", "Quantity", "Status", "Sources"],
    "nations": ["Nation", "Status", "Personnel", "Date", "Sources"],
}
TABLE_TITLES = {
    "operations": "Operations timeline",
    "equipment": "Equipment deliveries",
    "nations": "Contributing nations",
}


def build_in_process(
    config: Path, out: Path, *, as_of: str = AS_OF, audiences: list[str] | None = None, formats: str | None = None
):
    """The real pipeline (config -> read -> select -> summarise -> render -> write), in this process, so the
    test can hold the `Briefing` models next to the files written from them."""
    from datetime import UTC, datetime

    from briefgen.cli import build_request
    from briefgen.pipeline import build

    request = build_request(Path(config), as_of=as_of, audiences=audiences, formats=formats, out=str(out))
    return build(request, now=datetime(2025, 9, 1, 6, 30, tzinfo=UTC))


class Edition:
    """One audience's briefing model and the files written from it, each read back once, when first asked."""

    def __init__(self, briefing, paths: dict[str, Path]):
        self.briefing = briefing
        self.paths = paths
        self._cache: dict[str, object] = {}

    def _once(self, key: str, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def html(self) -> str:
        return self._once("html", lambda: self.paths["html"].read_text(encoding="utf-8"))

    @property
    def data(self) -> dict:
        import json

        return self._once("data", lambda: json.loads(self.paths["json"].read_text(encoding="utf-8")))

    @property
    def pdf(self):
        import pypdf

        return self._once("pdf", lambda: pypdf.PdfReader(self.paths["pdf"]))

    @property
    def pdf_pages(self) -> list[str]:
        return self._once("pdf_pages", lambda: [page.extract_text() for page in self.pdf.pages])

    @property
    def docx(self):
        import docx

        return self._once("docx", lambda: docx.Document(str(self.paths["docx"])))


def editions_of(result) -> dict[str, Edition]:
    """The BuildResult's briefings by audience, each with its written files by format."""
    return {
        b.audience: Edition(b, {p.suffix[1:]: p for p in result.written if f"_{b.audience}_" in p.name})
        for b in result.briefings
    }


@pytest.fixture(scope="session")
def sample_editions(tmp_path_factory) -> dict[str, Edition]:
    """The shipped samples with config/weekly.yaml as of 2025-09-01: both audiences, all four formats, built once
    for every module that reads rendered documents."""
    result = build_in_process(SAMPLE_CONFIG, tmp_path_factory.mktemp("sample-editions"))
    editions = editions_of(result)
    assert set(editions) == {"analyst", "executive"}
    for edition in editions.values():
        assert set(edition.paths) == {"pdf", "docx", "html", "json"}
    return editions


GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE_EPOCH = "1756708200"  # 2025-09-01 06:30 UTC, the Monday-morning run of the sample week


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """The samples built through the CLI as `make demo` does (JSON and HTML of every audience), with the
    generation time fixed by SOURCE_DATE_EPOCH so that the files can be compared with tests/golden/; the
    paths by audience, then by format."""
    out = tmp_path_factory.mktemp("sample-build")
    result = run_cli(
        "build",
        "--config",
        SAMPLE_CONFIG,
        "--as-of",
        AS_OF,
        "--format",
        "json,html",
        "--out",
        out,
        env={"SOURCE_DATE_EPOCH": SAMPLE_EPOCH},
    )
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    built = {
        audience: {p.suffix[1:]: p for p in written if f"_{audience}_" in p.name}
        for audience in ("analyst", "executive")
    }
    assert sorted(written) == sorted(p for paths in built.values() for p in paths.values()), result.stdout
    assert all(paths.keys() == {"json", "html"} for paths in built.values()), result.stdout
    return built


def flat(text: str) -> str:
    """Whitespace collapsed; a word broken after its own hyphen at a line end ("Port-\\nau-Prince") re-joined."""
    import re

    text = re.sub(r"(?<=\w)-[ \t]*\n\s*(?=\w)", "-", text.replace("\u00ad", ""))
    return " ".join(text.split())


def squash(text: str) -> str:
    """For comparing documents whose line breaks differ: no whitespace, soft hyphens or hyphens at all."""
    import re

    return re.sub(r"[\s\u00ad\-\u2010\u2011]+", "", text)


def find_in_order(text: str, pieces: list[str]) -> str | None:
    """None when every piece occurs in `text` after the previous one (compared squashed); else what failed."""
    haystack, position = squash(text), 0
    for index, piece in enumerate(pieces):
        needle = squash(piece)
        if not needle:
            continue
        found = haystack.find(needle, position)
        if found < 0:
            where = "out of order" if needle in haystack else "missing"
            before = pieces[index - 1] if index else None
            return f"piece {index} {piece!r} {where} (expected after {before!r})"
        position = found + len(needle)
    return None


def html_body_text(page: str) -> str:
    """The visible text of an HTML page's body: tags dropped (each as a space), entities decoded."""
    import html
    import re

    body = re.search(r"<body[^>]*>(.*)</body>", page, re.S)
    assert body, "no <body> in the HTML"
    return html.unescape(re.sub(r"<[^>]+>", " ", body[1]))


def pdf_body_text(pages: list[str], marking: str) -> str:
    """The PDF's text without the page furniture (handling marking, page numbers), pages joined, squashed."""
    import re

    kept = []
    for page in pages:
        text = squash(page)
        if marking:
            text = text.replace(squash(marking), "")
        kept.append(re.sub(r"Page\d+of\d+", "", text))
    return "".join(kept)


def docx_blocks(document) -> list[str]:
    """The DOCX body in reading order: each paragraph's text, and each table row's cells joined by spaces."""
    blocks = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            blocks += [" ".join(cell.text for cell in row.cells) for row in block.rows]
        else:
            blocks.append(block.text)
    return blocks


def reading_order(briefing) -> list[str]:
    """What a reader meets, in order, in every format of one briefing: title block, key points with their
    citation markers, each section's dated items (lead, conflict note, then each detail), tables, the
    sources the document cites and the coverage. A marker shows a statement's strongest few sources and
    counts the others ("[1, 2, 3] and 5 more sources"): the rule is render/text.py's `Citations`."""
    from briefgen.render.text import Citations, conflict_note, display_date

    cite = Citations(briefing)
    marker = cite.marker

    pieces = [briefing.title, briefing.audience_title, "generated"]
    if briefing.key_points:
        pieces.append("Key points")
        pieces += [f"{item.text} {marker(item.sources)}" for item in briefing.key_points]
    for section in briefing.sections:
        pieces.append(section.title)
        if not section.items:
            pieces.append("Nothing reported in this window.")
        for item in section.items:
            pieces += [display_date(item.date), f"{item.lead} {marker(item.sources)}"]
            if item.conflict:
                pieces.append(f"Conflicting figures: {conflict_note(item.conflict, cite)}")
            pieces += [f"{detail.text} {marker(detail.sources)}" for detail in item.details]
        for table in (t for t in briefing.tables if t.section == section.id):
            pieces += [table.title, *table.columns, "Sources"]
            for row in table.rows:
                pieces += [*row.cells, marker(row.sources)]
                if row.conflict:
                    pieces.append("⚠ conflict")
    pieces.append("Sources")
    for source in cite.sources:
        pieces.append(source.title or source.path)
        pieces.append((source.outlet or source.path) + ("" if source.item is None else f" #{source.item}"))
        if source.published:
            pieces.append(f"published {display_date(source.published)} ({source.date_found_by})")
        if source.url and source.url.lower().startswith(("http://", "https://")):
            pieces.append(source.url)
    if briefing.show_coverage:
        pieces += ["Coverage", f"{briefing.coverage.read} documents read"]
        pieces += [f"{key}: {reason}" for key, reason in briefing.coverage.left_out]
    return pieces


# --- Scheduled runs, run history and editor overrides (test_run, test_history, test_edits, test_concurrency) --


def run_config_text(
    *,
    formats: str | None = "[json]",
    window: str = "previous_week",
    extra: str = "",
    executive: dict[str, object] | None = None,
) -> str:
    """config_text() for `briefgen run` tests: a relative window (so --as-of picks the week), every audience
    limited to `formats` (JSON only by default: PDFs are slow), and the executive audience's budget
    (max_items 3 unless `executive` says otherwise, plus max_words, key_points...)."""
    text = config_text(window=window, extra=extra)
    analyst, exec_line = "    max_items: 25\n", "    max_items: 3\n"
    assert text.count(analyst) == 1 and text.count(exec_line) == 1
    fmt = f"    formats: {formats}\n" if formats else ""
    limits = {"max_items": 3, **(executive or {})}
    text = text.replace(analyst, analyst + fmt)
    return text.replace(exec_line, "".join(f"    {key}: {value}\n" for key, value in limits.items()) + fmt)


def sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def history_runs(db: Path) -> list[dict]:
    """Every row of the run-history database's `runs` table, read read-only with sqlite3; [] if no database."""
    import sqlite3
    from contextlib import closing

    if not db.exists():
        return []
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute("SELECT * FROM runs ORDER BY id")]
        except sqlite3.OperationalError:  # the database is being created by a run right now
            return []


def history_items(db: Path, run_id: int) -> list[dict]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        conn.row_factory = sqlite3.Row
        return [
            dict(row)
            for row in conn.execute("SELECT * FROM items WHERE run_id = ? ORDER BY audience, item_id", (run_id,))
        ]


def start_cli(*args: str | Path, python_args: tuple[str, ...] = ("-m", "briefgen")) -> subprocess.Popen[str]:
    """`python -m briefgen ARGS` started in the background (stdout and stderr captured)."""
    return subprocess.Popen(
        [sys.executable, *python_args, *(str(a) for a in args)],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_run(db: Path, *, status: str = "running", count: int = 1, process=None, timeout: float = 30) -> list[dict]:
    """Poll the history until `count` runs have `status` (a run in progress holds the briefing's lock)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = history_runs(db)
        if sum(r["status"] == status for r in runs) >= count:
            return runs
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"the run ended before the history showed it {status}: "
                f"exit {process.returncode}, stderr {process.stderr.read()!r}"
            )
        time.sleep(0.01)
    raise AssertionError(f"no {status} run in {db} after {timeout} s: {history_runs(db)}")


def write_many_articles(
    folder: Path,
    count: int,
    *,
    start: int = 0,
    days: tuple[str, ...] = (
        "2025-08-25",
        "2025-08-26",
        "2025-08-27",
        "2025-08-28",
        "2025-08-29",
        "2025-08-30",
        "2025-08-31",
    ),
) -> Path:
    """`count` short generated articles (invented, numbered so no two say the same thing): a corpus big enough
    that a run takes a moment, for tests that must catch a run while it is in progress."""
    places = ["Delmas", "Cabaret", "Kenscoff", "Tabarre", "Carrefour", "Gressier", "Martissant", "Bel-Air"]
    for n in range(start, start + count):
        place, other = places[n % len(places)], places[(n * 3 + 1) % len(places)]
        write(
            folder / f"gen{n:04d}.txt",
            f"date {days[n % len(days)]}\n"
            f"Haitian police and MSS officers patrolled {place} along route {n} and detained {n % 9 + 2} "
            f"suspects in sweep number {n}.\n\n"
            f"Convoy {n} delivered {n + 3} radios and {n % 5 + 2} armoured vehicles to the Haitian National "
            f"Police in {other}.\n\n"
            f"Officials expect the mission to expand patrols in {other} sector {n} next month.\n",
        )
    return folder


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under folder (hidden ones too) by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files_under(folder)}


# --- Parallel runs (pytest-xdist) and the golden files --------------------------------------------------------
#
# Tests that share a module- or session-scoped build are one unit of work, run by one worker, so that the build
# is made once per run; units holding a heavy test are handed out first, then the other shared builds, so that
# no worker is left with a long unit while the other has finished. The workers know the fixtures, the scheduler
# in the controlling process only the test ids: each worker writes the units it found into a folder the
# controller made, and the controller's scheduler reads them. (xdist's own `--dist loadgroup` cannot group
# since pytest 9.2: it renames the tests through an attribute pytest no longer reads.)


UNITS = pytest.StashKey[Path]()  # the controller's folder of the workers' units


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from a fresh build of the samples instead of comparing with it",
    )


def _shared_builds(item) -> list[str]:
    """The module- and session-scoped fixtures of tests/ that the test uses: builds it shares with others."""
    import inspect

    tests = Path(__file__).resolve().parent
    shared = set()
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        for fixture in definitions:
            if fixture.scope != "function" and Path(inspect.getfile(fixture.func)).resolve().is_relative_to(tests):
                shared.add(fixture.argname if fixture.scope == "session" else f"{item.path.name}:{fixture.argname}")
    return sorted(shared)


def _units(items) -> dict[str, str]:
    """Each test's unit of work, by test id: one name for all the tests linked by shared builds (through one
    another), else the test's own id."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    shared = {item.nodeid: _shared_builds(item) for item in items}
    for keys in shared.values():
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    return {nodeid: root(keys[0]) if keys else nodeid for nodeid, keys in shared.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    if UNITS not in node.config.stash:
        import tempfile

        node.config.stash[UNITS] = Path(tempfile.mkdtemp(prefix="briefgen-test-units-"))
    node.workerinput["briefgen_units"] = str(node.config.stash[UNITS])


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # before xdist's own, which would make its --dist scheduler
def pytest_xdist_make_scheduler(config, log):
    if config.option.dist != "load":  # another --dist was asked for
        return None
    import json

    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        """Hands out whole units, in the order of the workers' collection (see above)."""

        units: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.units is None:  # first called once every worker has collected, and so written its file
                self.units = {}
                for path in sorted(config.stash[UNITS].glob("*.json")):
                    self.units.update(json.loads(path.read_text(encoding="utf-8")))
            return self.units.get(nodeid, nodeid)

    config.option.loadscopereorder = False  # the workers' collection order is the order wanted
    return UnitScheduling(config, log)


def pytest_unconfigure(config):
    if UNITS in config.stash:
        import shutil

        shutil.rmtree(config.stash[UNITS], ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    folder = getattr(config, "workerinput", {}).get("briefgen_units")
    if folder is None:  # not a worker of a parallel run
        return
    import json

    unit = _units(items)
    first: dict[str, int] = {}
    heavy = set()
    for index, item in enumerate(items):
        first.setdefault(unit[item.nodeid], index)
        if item.get_closest_marker("heavy"):
            heavy.add(unit[item.nodeid])
    items.sort(
        key=lambda item: (unit[item.nodeid] not in heavy, unit[item.nodeid] == item.nodeid, first[unit[item.nodeid]])
    )
    grouped = {nodeid: name for nodeid, name in unit.items() if name != nodeid}
    written = Path(folder) / f"{config.workerinput['workerid']}.json"
    written.write_text(json.dumps(grouped), encoding="utf-8")
