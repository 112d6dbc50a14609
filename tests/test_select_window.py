"""Window rules (resolve_window, build_request) and selection by publication date."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import write_config

from briefgen.cli import build_request
from briefgen.config import load_config
from briefgen.models import Document, Window
from briefgen.schema import WindowSpec
from briefgen.select import resolve_window, select


def window_of(spec: dict | str, as_of: date) -> tuple[date, date]:
    resolved = resolve_window(WindowSpec.model_validate(spec), as_of)
    return resolved.start, resolved.end


def test_absolute_window_ignores_the_reference_date():
    assert window_of({"from": "2025-08-25", "to": "2025-08-31"}, date(2030, 1, 1)) == (
        date(2025, 8, 25),
        date(2025, 8, 31),
    )


def test_last_days_counts_back_from_as_of_inclusive():
    assert window_of({"last_days": 7}, date(2025, 9, 3)) == (date(2025, 8, 28), date(2025, 9, 3))
    assert window_of({"last_days": 1}, date(2025, 9, 3)) == (date(2025, 9, 3), date(2025, 9, 3))


@pytest.mark.parametrize("as_of", [date(2025, 9, 1), date(2025, 9, 3), date(2025, 9, 7)])
def test_previous_week_is_the_iso_week_before_as_of(as_of):
    # Monday 2025-09-01 through Sunday 2025-09-07 all give the week of Monday 25 August
    assert window_of("previous_week", as_of) == (date(2025, 8, 25), date(2025, 8, 31))


def test_previous_week_moves_on_with_the_next_monday():
    assert window_of("previous_week", date(2025, 9, 8)) == (date(2025, 9, 1), date(2025, 9, 7))


def test_previous_month():
    assert window_of("previous_month", date(2025, 3, 15)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert window_of({"period": "previous_month"}, date(2024, 3, 1)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert window_of("previous_month", date(2025, 1, 10)) == (date(2024, 12, 1), date(2024, 12, 31))


# --- build_request: the command line over the config -----------------------------------------------------


def test_cli_from_to_override_the_config_window(tmp_path):
    config = write_config(tmp_path, window="{from: 2025-08-25, to: 2025-08-31}")
    request = build_request(config, date_from="2025-07-01", date_to="2025-07-15")
    assert (request.window.start, request.window.end) == (date(2025, 7, 1), date(2025, 7, 15))


def test_as_of_drives_a_relative_window(tmp_path):
    config = write_config(tmp_path, window="previous_week")
    request = build_request(config, as_of="2025-09-07", today=date(2030, 6, 6))
    assert (request.window.start, request.window.end) == (date(2025, 8, 25), date(2025, 8, 31))
    assert request.as_of == date(2025, 9, 7)


def test_without_as_of_the_given_today_is_the_reference(tmp_path):
    config = write_config(tmp_path, window="{last_days: 7}")
    request = build_request(config, today=date(2025, 9, 3))
    assert (request.window.start, request.window.end) == (date(2025, 8, 28), date(2025, 9, 3))


def test_as_of_does_not_move_an_absolute_window(tmp_path):
    config = write_config(tmp_path, window="{from: 2025-08-25, to: 2025-08-31}")
    request = build_request(config, as_of="2026-01-15")
    assert (request.window.start, request.window.end) == (date(2025, 8, 25), date(2025, 8, 31))


def test_request_defaults_come_from_the_config(tmp_path):
    config = write_config(tmp_path)
    request = build_request(config, today=date(2025, 9, 1))
    assert request.audiences == ("analyst", "executive")
    assert request.formats is None
    assert request.corpus == (tmp_path / "corpus").resolve()
    assert request.output_dir == (tmp_path / "out").resolve()
    overridden = build_request(
        config,
        corpus=str(tmp_path / "other"),
        out=str(tmp_path / "o2"),
        audiences=["executive"],
        formats="json, PDF",
        today=date(2025, 9, 1),
    )
    assert overridden.audiences == ("executive",)
    assert overridden.formats == ("json", "pdf")
    assert overridden.corpus == tmp_path / "other"
    assert overridden.output_dir == tmp_path / "o2"


# --- select ----------------------------------------------------------------------------------------------

ON_TOPIC = "Haitian police and MSS officers patrolled Delmas in Port-au-Prince."


def doc(name: str, published: date | None, text: str = ON_TOPIC) -> Document:
    return Document(
        path=name,
        item=None,
        title=None,
        url=None,
        published=published,
        date_found_by="test" if published else "unknown",
        text=text,
    )


@pytest.fixture(scope="module")
def topic(tmp_path_factory):
    return load_config(write_config(tmp_path_factory.mktemp("cfg"))).topic


def test_select_keeps_the_window_inclusive_at_both_ends(topic):
    window = Window(date(2025, 8, 25), date(2025, 8, 31))
    documents = [
        doc("before.txt", date(2025, 8, 24)),
        doc("first.txt", date(2025, 8, 25)),
        doc("middle.txt", date(2025, 8, 28)),
        doc("last.txt", date(2025, 8, 31)),
        doc("after.txt", date(2025, 9, 1)),
        doc("undated.txt", None),
    ]
    verdicts = {s.document.path: (s.included, s.reason) for s in select(documents, window, topic)}
    assert verdicts == {
        "before.txt": (False, "published before the window"),
        "first.txt": (True, "in the window and on topic"),
        "middle.txt": (True, "in the window and on topic"),
        "last.txt": (True, "in the window and on topic"),
        "after.txt": (False, "published after the window"),
        "undated.txt": (False, "no publication date"),
    }


def test_select_leaves_out_off_topic_documents_in_the_window(topic):
    window = Window(date(2025, 8, 25), date(2025, 8, 31))
    off = doc("traffic.txt", date(2025, 8, 27), "Road works closed two lanes of the Nairobi bypass for a week.")
    [verdict] = select([off], window, topic)
    assert not verdict.included
    assert verdict.reason.startswith("off topic (0 mention(s)")
