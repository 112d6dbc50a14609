"""The JSON file other tools read (its shape is a contract: see the README)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import orjson

from briefgen.models import Briefing, Evidence, Item, RenderOptions
from briefgen.render.text import Citations, conflict_note, novelty_sentence


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _evidence(evidence: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    return [{"source": e.source, "quote": e.quote, "start": e.start, "end": e.end} for e in evidence]


def item_dict(item: Item, cite: Citations) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": item.id,
        "text": item.text,
        "lead": item.lead,
        "date": _iso(item.date),
        "sources": list(item.sources),
        "evidence": _evidence(item.evidence),
        "details": [
            {"text": d.text, "sources": list(d.sources), "evidence": _evidence(d.evidence)} for d in item.details
        ],
        "figures": [{"quantity": f.quantity, "value": f.value, "sources": list(f.sources)} for f in item.figures],
        "fields": dataclasses.asdict(item.fields),
    }
    if item.conflict:
        entry.update(conflict=True, note=conflict_note(item.conflict, cite))
    if item.new:
        entry["new"] = True
    if item.edited:
        entry["edited"] = True
    return entry


def briefing_dict(briefing: Briefing) -> dict[str, Any]:
    cite = Citations(briefing, every=True)  # every source: programs check every citation
    return {
        "title": briefing.title,
        "audience": briefing.audience,
        "window": {"from": _iso(briefing.window.start), "to": _iso(briefing.window.end)},
        "generated_at": briefing.generated_at.isoformat(timespec="seconds"),
        "marking": briefing.marking,
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "items": [item_dict(item, cite) for item in section.items],
            }
            for section in briefing.sections
        ],
        "tables": [
            {
                "id": table.id,
                "title": table.title,
                "section": table.section,
                "columns": list(table.columns),
                "rows": [
                    {
                        "item": row.item,
                        "cells": list(row.cells),
                        "sources": list(row.sources),
                        "conflict": row.conflict is not None,
                    }
                    for row in table.rows
                ],
            }
            for table in briefing.tables
        ],
        "editor_note": briefing.editor_note,
        "new_summary": novelty_sentence(briefing.novelty) if briefing.novelty else None,
        "key_points": [item_dict(item, cite) for item in briefing.key_points],
        "sources": [
            {
                "id": source.id,
                "title": source.title,
                "published": _iso(source.published),
                "published_found_by": source.date_found_by,
                "path": source.path,
                "item": source.item,
                "url": source.url,
                "outlet": source.outlet,
            }
            for source in briefing.sources
        ],
        "coverage": {
            "read": briefing.coverage.read,
            "used": briefing.coverage.used,
            "left_out": [{"document": key, "reason": why} for key, why in briefing.coverage.left_out],
        },
    }


def render_json(briefing: Briefing, options: RenderOptions) -> bytes:
    # orjson writes the bytes `json.dumps(..., ensure_ascii=False, indent=2)` would, some twenty times faster:
    # a 10,000-article edition's JSON runs to megabytes
    return orjson.dumps(briefing_dict(briefing), option=orjson.OPT_INDENT_2) + b"\n"
