"""Comparing organisations that chose to be compared: the same year, by category and by
indicator, each with its range. An indicator measured under different versions (or a changed
definition with the same version number) is flagged: its values are not like for like."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gachi.domains.publishing.book import SK_ORDER


def comparison(year: int, books: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    organisations = [
        {
            "id": b["organisation"]["id"],
            "name": b["organisation"]["name"],
            "kind": b["organisation"]["kind"],
            "version": b["version"],
            "currency": b["currency"],
            "total": b["total"]["value"],
            "band": b["total"].get("band"),
        }
        for b in books
    ]
    categories = []
    for category in SK_ORDER:
        rows = [
            {
                "organisation_id": b["organisation"]["id"],
                "organisation": b["organisation"]["name"],
                "currency": b["currency"],
                "value": c["value"],
                "band": c.get("band"),
            }
            for b in books
            for c in b["by_category"]
            if c["category"] == category
        ]
        if rows:
            categories.append({"category": category, "rows": rows})
    indicators: dict[str, dict[str, Any]] = {}
    for b in books:
        for i in b["indicators"]:
            if i.get("value") is None:
                continue
            entry = indicators.setdefault(
                i["id"], {"id": i["id"], "name": i["name"], "category": i["category"], "rows": []}
            )
            entry["rows"].append(
                {
                    "organisation_id": b["organisation"]["id"],
                    "organisation": b["organisation"]["name"],
                    "currency": b["currency"],
                    "value": i["value"],
                    "band": i.get("band"),
                    "version": i["version"],
                    "spec_hash": i["spec_hash"],
                }
            )
    for entry in indicators.values():
        hashes = {r["spec_hash"] for r in entry["rows"]}
        entry["same_definition"] = len(hashes) == 1
        entry["versions"] = sorted({r["version"] for r in entry["rows"]})
    shown = sorted(
        indicators.values(),
        key=lambda e: (SK_ORDER.index(e["category"]) if e["category"] in SK_ORDER else 9, e["id"]),
    )
    return {
        "year": year,
        "currencies": sorted({o["currency"] for o in organisations}),
        "organisations": organisations,
        "categories": categories,
        "indicators": shown,
    }


def scale(rows: Sequence[Mapping[str, Any]]) -> float:
    """The largest magnitude among values and range ends (for bars drawn to one scale)."""
    top = 0.0
    for r in rows:
        top = max(top, abs(r["value"] or 0.0))
        band = r.get("band") or {}
        for k in ("p5", "p95"):
            if band.get(k) is not None:
                top = max(top, abs(band[k]))
    return top or 1.0
