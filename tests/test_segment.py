"""Sentence splitting (briefgen.summarise.segment.split_sentences) on invented news copy."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from briefgen.summarise.segment import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_abbreviations_and_initials_do_not_end_a_sentence():
    text = (
        "The U.S. and the U.N. backed the plan for Tabarre. "
        "Gen. Ochieng met Dr. Pierre at Post No. 4 on the airport road. "
        "Lt. Col. Mwangi and J. Smith inspected the base with Mr. Louis. "
        "The team left before dark."
    )
    assert texts(text) == [
        "The U.S. and the U.N. backed the plan for Tabarre.",
        "Gen. Ochieng met Dr. Pierre at Post No. 4 on the airport road.",
        "Lt. Col. Mwangi and J. Smith inspected the base with Mr. Louis.",
        "The team left before dark.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"Forty rifles were seized," he said. Next the convoy moved on to Delmas.',
            ['"Forty rifles were seized," he said.', "Next the convoy moved on to Delmas."],
        ),
        (
            "“The road to Kenscoff is open.” Police then withdrew from the hills.",
            ["“The road to Kenscoff is open.”", "Police then withdrew from the hills."],
        ),
        (
            'The commander said "we are staying." Then he boarded the helicopter.',
            ['The commander said "we are staying."', "Then he boarded the helicopter."],
        ),
        (
            '"Who will pay for the fuel?" asked the minister. Nobody answered.',
            ['"Who will pay for the fuel?" asked the minister.', "Nobody answered."],
        ),
    ],
)
def test_a_sentence_ending_inside_closing_quotes_splits_after_the_quote(text, expected):
    assert texts(text) == expected


def test_numbers_with_separators_and_decimals_do_not_split():
    text = (
        "About 1,000 officers and 3.5 tonnes of food reached Port-au-Prince in 2.5 days. "
        "A second convoy of 12,500 litres of fuel followed."
    )
    assert texts(text) == [
        "About 1,000 officers and 3.5 tonnes of food reached Port-au-Prince in 2.5 days.",
        "A second convoy of 12,500 litres of fuel followed.",
    ]


def test_offsets_point_back_into_the_text_and_paragraphs_are_counted():
    text = (
        "The patrol left at dawn. It reached Bel-Air by noon.\n\n"
        "  Lt. Col. Baptiste briefed reporters. The U.N. envoy listened.\n\n\n\n"
        "Nothing else happened."
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "The patrol left at dawn.",
        "It reached Bel-Air by noon.",
        "Lt. Col. Baptiste briefed reporters.",
        "The U.N. envoy listened.",
        "Nothing else happened.",
    ]
    assert [s.paragraph for s in sentences] == [0, 0, 1, 1, 3]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text


# --- size: a corpus file may hold 200,000 characters of text; the split runs in a subprocess so that a
# splitter that is not linear fails the test (by timeout) instead of hanging the suite. A linear split takes a
# fraction of a second and a quadratic one minutes, so the timeouts leave room for a slow or busy machine.


def split_in_subprocess(expression: str, timeout: float) -> int:
    # segment.py alone (not the whole package, whose imports cost most of a second)
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('segment', 'briefgen/summarise/segment.py')\n"
        "segment = sys.modules['segment'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(segment)\n"
        f"text = {expression}\n"
        "assert len(text) == 200_000, len(text)\n"
        "print(len(segment.split_sentences(text)))\n"
    )
    try:
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"split_sentences did not return within {timeout} s on 200,000 characters: {expression}")
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


def test_long_bracketed_number_runs_return():
    # brackets, dots and digits without sentence ends, and many real sentence ends: both finish
    assert split_in_subprocess("('..[111 111 ' * 20000)[:200_000]", timeout=30) >= 1
    assert split_in_subprocess("('..[' + '111 ' * 50000 + ']')[:200_000]", timeout=30) >= 1
    assert split_in_subprocess("('Police left. ' * 20000)[:200_000]", timeout=30) > 10_000


def test_a_long_run_of_dots_returns():
    assert split_in_subprocess("'.' * 200_000", timeout=30) == 1


def test_a_long_run_of_abbreviations_returns():
    assert split_in_subprocess("'Gen. ' * 40_000", timeout=30) == 1
