"""The shipped sample corpus, built through the CLI as `make demo` does (conftest.sample_build, shared with
test_events and test_golden): its planted traps must be handled."""

from __future__ import annotations

import json
import re

import pytest


@pytest.fixture(scope="module")
def editions(sample_build):
    return {audience: json.loads(paths["json"].read_text(encoding="utf-8")) for audience, paths in sample_build.items()}


def items(briefing):
    return [item for section in briefing["sections"] for item in section["items"]]


def paths_cited(briefing, item):
    by_id = {s["id"]: s for s in briefing["sources"]}
    return {by_id[s]["path"] + ("" if by_id[s]["item"] is None else f"#{by_id[s]['item']}") for s in item["sources"]}


def test_syndicated_report_is_one_item_citing_both_outlets(editions):
    briefing = editions["analyst"]
    telcos = [
        it
        for it in items(briefing)
        if re.search(r"T[ée]lcos", it["text"]) and re.search(r"retook|took back|recaptur", it["text"])
    ]
    assert telcos, "the Télcos recapture is reported"
    cited = set().union(*(paths_cited(briefing, it) for it in telcos))
    assert {"2025-08-26-telcos-recaptured.txt", "feeds/updates.atom#0"} <= cited
    assert any(
        {"2025-08-26-telcos-recaptured.txt", "feeds/updates.atom#0"} <= paths_cited(briefing, it) for it in telcos
    )


def test_conflicting_delivery_figures_are_flagged_with_both_numbers(editions):
    for briefing in editions.values():
        flagged = [it for it in items(briefing) if it.get("conflict")]
        assert flagged, "the 8 vs 10 MaxxPro delivery is flagged"
        note = flagged[0]["note"]
        assert re.search(r"\b(?:8|eight)\b", note, re.I) and "10" in note
        assert {"2025-08-28-maxxpro-delivery.html", "feeds/wire.jsonl#0"} <= paths_cited(briefing, flagged[0])


def test_off_topic_and_out_of_window_articles_are_never_cited(editions):
    for briefing in editions.values():
        cited = {s["path"] + ("" if s["item"] is None else f"#{s['item']}") for s in briefing["sources"]}
        assert "feeds/wire.jsonl#1" not in cited  # Nairobi road works
        assert "2025-08-21-salvadoran-contingent.md" not in cited  # the week before
        assert "feeds/newsdesk.rss#1" not in cited
        assert all("2025-08-25" <= s["published"] <= "2025-08-31" for s in briefing["sources"])


def test_us_push_on_command_and_size_surfaces_in_outlook_of_every_edition(editions):
    for briefing in editions.values():
        outlook = next(s for s in briefing["sections"] if s["id"] == "outlook")["items"]
        assert any(
            re.search(r"United States|Washington|\bUS\b", it["text"])
            and re.search(r"command|larger|bigger|replace|Gang Suppression Force", it["text"])
            for it in outlook
        )


def test_editions_fit_their_budgets_and_cite_every_item(editions):
    budgets = {"analyst": 1000, "executive": 450}
    for name, briefing in editions.items():
        words = sum(len(it["text"].split()) for it in items(briefing))  # key points restate kept items
        assert words <= budgets[name]
        assert 1 <= len(briefing["key_points"]) <= 5
        ids = {s["id"] for s in briefing["sources"]}
        assert all(it["sources"] and set(it["sources"]) <= ids for it in items(briefing) + briefing["key_points"])
