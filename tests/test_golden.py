"""The sample briefing's JSON and HTML, byte for byte, against the files kept in tests/golden/: any change to
what briefgen writes for the samples shows here as a diff to review.

The build is conftest.sample_build (the CLI, config/weekly.yaml as of 2025-09-01, SOURCE_DATE_EPOCH fixed).
After an intended change, `make golden` (`pytest tests/test_golden.py --update-golden`) rewrites the files;
`git diff tests/golden` then shows what changed.
"""

from __future__ import annotations

import difflib
import itertools

import pytest
from conftest import GOLDEN

WIDTH = 160  # characters shown of a line: the HTML holds the chart as one line of SVG
LINES = 40  # lines of unified diff shown


def clip(line: str, width: int = WIDTH) -> str:
    return line if len(line) <= width else f"{line[:width]}… ({len(line)} characters)"


def first_difference(golden: str, fresh: str) -> str:
    """Where the two texts first differ, by line and column, with a little of each around that place."""
    at = next((n for n, (a, b) in enumerate(zip(golden, fresh, strict=False)) if a != b), min(len(golden), len(fresh)))
    line = golden.count("\n", 0, at) + 1
    column = at - (golden.rfind("\n", 0, at) + 1) + 1
    start = max(0, at - 60)
    return (
        f"first difference at line {line}, column {column}:\n"
        f"  golden: {golden[start : at + 60]!r}\n"
        f"  fresh:  {fresh[start : at + 60]!r}"
    )


def explain(name: str, golden: str, fresh: str) -> str:
    diff = difflib.unified_diff(
        golden.splitlines(), fresh.splitlines(), f"tests/golden/{name}", "fresh build", lineterm=""
    )
    shown = [clip(line) for line in itertools.islice(diff, LINES)]
    return "\n".join(
        [
            f"{name} differs from its golden file; {first_difference(golden, fresh)}",
            "",
            *shown,
            "",
            "If the change is intended, run `make golden` and review `git diff tests/golden`.",
        ]
    )


@pytest.mark.parametrize("fmt", ["json", "html"])
@pytest.mark.parametrize("audience", ["analyst", "executive"])
def test_the_sample_build_is_byte_for_byte_its_golden_file(sample_build, audience, fmt, request):
    fresh = sample_build[audience][fmt].read_bytes()
    golden = GOLDEN / f"weekly_{audience}.{fmt}"
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(fresh)
        pytest.skip(f"wrote {golden}")
    assert golden.is_file(), f"no {golden}: run `make golden`"
    expected = golden.read_bytes()
    if fresh != expected:
        pytest.fail(
            explain(golden.name, expected.decode("utf-8", "replace"), fresh.decode("utf-8", "replace")), pytrace=False
        )
