"""Shared helpers: a minimal valid config in tmp_path, a small corpus written inline, the CLI as a subprocess.

Every article here is invented for the tests.
"""

from __future__ import annotations

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

CONFIG_TEMPLATE = """\
title: Test briefing
name: testbrief
corpus: corpus
topic: {topic}
output_dir: out
window: {window}
sections:
  - {{id: operations, title: Operations}}
  - {{id: equipment, title: Equipment deliveries}}
  - {{id: nations, title: Contributing nations}}
  - {{id: outlook, title: Outlook}}
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
    return CONFIG_TEMPLATE.format(topic=TOPIC, window=window, extra=extra)


def write_config(folder: Path, *, window: str = "{from: 2025-08-25, to: 2025-08-31}", extra: str = "",
                 name: str = "brief.yaml") -> Path:
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


def run_cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m briefgen ARGS` from the project folder, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *(str(a) for a in args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def files_under(folder: Path) -> list[Path]:
    """Every file (hidden ones too) under folder, sorted; [] when the folder does not exist."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


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
    return extract(documents, loaded.topic, section_ids, date.fromisoformat(AS_OF))


def compose_inline(folder: Path, files: dict[str, str], audience: str, *, config: str | None = None):
    """One audience's (sections, key_points, sources) from an inline corpus, plus its documents by key:
    extract -> merge -> compose, as the pipeline runs them."""
    from datetime import date

    from briefgen.summarise import compose, extract, merge

    loaded, documents = read_inline_corpus(folder, files, config=config)
    section_ids = sorted({s for spec in loaded.audiences.values() for s in spec.sections})
    facts = extract(documents, loaded.topic, section_ids, date.fromisoformat(AS_OF))
    sections, key_points, sources = compose(merge(facts), loaded.audiences[audience], loaded.sections)
    return sections, key_points, sources, {d.key: d for d in documents}
