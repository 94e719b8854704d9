"""The formula book of one organisation and year: built once, when it is published, from a
finished run, and stored as JSON. Public pages, the JSON twin and the reports read only this,
so nothing that was not published can reach them.

Pure: data in, a JSON-able dict out. Money is in the book's currency at its price year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from gachi.engine.catalog import Catalog
from gachi.engine.result import Lineage

SCHEMA = "gachi.formula-book/1"
SK_ORDER = ("economic_indirect", "business_environment", "business_society", "social_contribution")


@dataclass(frozen=True)
class Line:
    """One programme's value of one indicator in the published year (a run's value)."""

    programme_id: int
    programme: str
    indicator: str
    value: float
    records: int
    p5: float | None = None
    p50: float | None = None
    p95: float | None = None

    def band(self) -> dict[str, float] | None:
        if self.p5 is None or self.p95 is None:
            return None
        return {
            "p5": self.p5,
            "p50": self.p50 if self.p50 is not None else self.value,
            "p95": self.p95,
        }


def formula_book(
    *,
    organisation: Mapping[str, Any],
    year: int,
    version: int,
    published_at: str,
    reason: str,
    summary: Mapping[str, Any],
    lines: Sequence[Line],
    catalog: Catalog,
    lineage: Mapping[str, Lineage],
    data_version: str,
    plan_fingerprint: str,
) -> dict[str, Any]:
    """The public book of `year`: its totals by category and programme with ranges, every
    indicator's readable formula, inputs, proxies (source, licence) and adjustments, and each
    programme × indicator line."""
    year_summary = (summary.get("years") or {}).get(str(year)) or {}
    used = sorted({line.indicator for line in lines})
    shown = [i for i in catalog.order if i in lineage and (i in used or _feeds(i, used, lineage))]
    by_indicator = year_summary.get("by_indicator") or {}
    values: dict[str, float] = {}
    records: dict[str, int] = {}
    for line in lines:
        values[line.indicator] = values.get(line.indicator, 0.0) + line.value
        records[line.indicator] = records.get(line.indicator, 0) + line.records
    indicators = [
        _indicator(
            catalog,
            lineage[i],
            values.get(i),
            records.get(i, 0),
            (by_indicator.get(i) or {}).get("band"),
        )
        for i in shown
    ]
    totals = _totals(lines, lineage, year_summary)
    return {
        "schema": SCHEMA,
        "organisation": dict(organisation),
        "year": year,
        "version": version,
        "published_at": published_at,
        "reason": reason,
        "currency": summary.get("currency", "KRW"),
        "price_year": summary.get("report_year"),
        "draws": summary.get("draws") or 0,
        "seed": summary.get("seed"),
        **totals,
        "indicators": indicators,
        "lines": [
            {
                "programme_id": line.programme_id,
                "programme": line.programme,
                "indicator": line.indicator,
                "value": line.value,
                "records": line.records,
                "band": line.band(),
            }
            for line in sorted(lines, key=lambda x: (x.programme, x.indicator))
        ],
        "lineage": {"data_version": data_version, "plan_fingerprint": plan_fingerprint},
        "restatement": None,
    }


def _feeds(ident: str, used: Sequence[str], lineage: Mapping[str, Lineage]) -> bool:
    """Whether `ident` is built on by an indicator of the book (a net figure's parts)."""
    return any(ident in lineage[u].depends_on for u in used if u in lineage)


def _totals(
    lines: Sequence[Line], lineage: Mapping[str, Lineage], year_summary: Mapping[str, Any]
) -> dict[str, Any]:
    by_category: dict[str, float] = {}
    by_programme: dict[int, tuple[str, float]] = {}
    for line in lines:
        lin = lineage.get(line.indicator)
        if lin is None or not lin.in_totals:
            continue
        by_category[lin.category] = by_category.get(lin.category, 0.0) + line.value
        name, value = by_programme.get(line.programme_id, (line.programme, 0.0))
        by_programme[line.programme_id] = (name, value + line.value)
    bands = {c["category"]: c.get("band") for c in year_summary.get("by_category") or []}
    programme_bands = {
        p["programme_id"]: p.get("band") for p in year_summary.get("by_programme") or []
    }
    return {
        "total": {"value": sum(by_category.values()), "band": year_summary.get("band")},
        "by_category": [
            {"category": c, "value": by_category[c], "band": bands.get(c)}
            for c in SK_ORDER
            if c in by_category
        ],
        "by_programme": [
            {"programme_id": pid, "programme": name, "value": v, "band": programme_bands.get(pid)}
            for pid, (name, v) in sorted(by_programme.items(), key=lambda kv: -abs(kv[1][1]))
        ],
    }


def _indicator(
    catalog: Catalog,
    lin: Lineage,
    value: float | None,
    records: int,
    band: Mapping[str, float] | None,
) -> dict[str, Any]:
    spec = catalog.entries[lin.indicator].spec
    labels = {i.name: i.description for i in spec.inputs}
    return {
        "id": lin.indicator,
        "version": lin.version,
        "spec_hash": lin.spec_hash,
        "source": "own" if lin.file.startswith("own/") else "catalogue",
        "name": {"ko": lin.name_ko, "en": lin.name_en},
        "description": {"ko": spec.description.ko, "en": spec.description.en},
        "category": lin.category,
        "in_totals": lin.in_totals,
        "formula": lin.formula,
        "inputs": [
            {
                "name": name,
                "unit": unit,
                "column": column,
                "label": {"ko": labels[name].ko, "en": labels[name].en} if name in labels else None,
            }
            for name, unit, column in lin.inputs
        ],
        "proxies": [
            {**asdict(p), "steps": list(p.steps), "spread": dict(p.spread)} for p in lin.proxies
        ],
        "baseline": lin.baseline,
        "adjustments": dict(lin.adjustments),
        "factor": lin.factor,
        "depends_on": list(lin.depends_on),
        "money_inputs": list(lin.money_inputs),
        "value": value,
        "records": records,
        "band": dict(band) if band else None,
    }
