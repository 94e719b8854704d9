"""Explain a number: its formula with the values substituted, down to the sources.

For a group of records (e.g. one organisation and year) the explanation sums each input over the
records, shows the formula with those sums and the proxies in place, and says whether that
substitution reproduces the computed total (true when the formula is linear in its inputs;
otherwise the value is the sum of per-record values and the note says so).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from gachi.engine.catalog import Catalog
from gachi.engine.data import Dataset
from gachi.engine.expr.evaluate import evaluate
from gachi.engine.expr.nodes import names, to_text
from gachi.engine.expr.to_sql import column
from gachi.engine.plan import compile_plan, name_value, record_value
from gachi.engine.result import Lineage, lineage_of


@dataclass(frozen=True)
class Explanation:
    lineage: Lineage
    where: Mapping[str, str]
    records: int | None = None
    value: float | None = None  # after adjustments, in the report currency
    raw_value: float | None = None  # Σ per-record formula values, before adjustments
    totals: Mapping[str, float] | None = None  # name -> summed input or dependency value
    substituted: str | None = None
    reproduces: bool | None = None


def explain(
    catalog: Catalog,
    indicator: str,
    dataset: Dataset | None = None,
    where: Mapping[str, str] | None = None,
) -> Explanation:
    entry = catalog.get(indicator)
    plan = compile_plan(catalog, [indicator], group_by=())
    factor = plan.indicators[0].factor
    lineage = lineage_of(catalog, entry, factor)
    where = dict(where or {})
    if dataset is None:
        return Explanation(lineage, where)

    referenced = list(dict.fromkeys(n.id for n in names(entry.formula)))
    value = record_value(catalog, entry, "duckdb")
    parts: list[exp.Expression] = [
        exp.Count(this=exp.Paren(this=value.copy())),
        exp.Sum(this=exp.Paren(this=value.copy())),
    ]
    summed: list[str] = []
    for name in referenced:
        if name in entry.proxies:
            continue
        summed.append(name)
        parts.append(exp.Sum(this=name_value(catalog, entry, name, "duckdb")))
    rule = entry.spec.baseline
    if rule is not None:  # the input itself too, to show what the baseline took off
        parts.append(exp.Sum(this=name_value(catalog, entry, rule.input, "duckdb", baseline=False)))
    # Only the records that have a value for this indicator explain it.
    query = (
        exp.select(*parts)
        .from_(exp.to_table(dataset.table, quoted=True))
        .where(exp.Not(this=exp.Is(this=exp.Paren(this=value.copy()), expression=exp.Null())))
    )
    for col, wanted in where.items():
        query = query.where(exp.EQ(this=column(col), expression=exp.Literal.string(wanted)))
    row = dataset.con.execute(query.sql("duckdb")).fetchone()
    assert row is not None
    records = int(row[0])
    raw = None if row[1] is None else float(row[1])
    totals = {
        n: (0.0 if v is None else float(v))
        for n, v in zip(summed, row[2 : 2 + len(summed)], strict=True)
    }
    before_baseline = row[2 + len(summed)] if rule is not None else None
    values: dict[str, float | None] = dict(totals)
    values.update({n: p.value for n, p in entry.proxies.items()})
    replayed = evaluate(entry.formula, values)
    reproduces = (
        raw is not None
        and isinstance(replayed, float)
        and math.isclose(replayed, raw, rel_tol=1e-9, abs_tol=1e-6)
    )
    shown = {n: _show(catalog, entry.id, n, v) for n, v in values.items() if v is not None}
    if rule is not None and records == 1 and before_baseline is not None:
        # one record: show the subtraction itself, in the unit people declared
        scale = entry.input_units[rule.input].scale
        ref = entry.proxies[rule.reference].value
        unit = next(i.unit for i in entry.spec.inputs if i.name == rule.input)
        shown[rule.input] = (
            f"max({format_number(float(before_baseline) / scale)} − "
            f"{format_number(ref / scale)}, 0) [{unit}]"
        )
    return Explanation(
        lineage,
        where,
        records,
        None if raw is None else raw * factor,
        raw,
        totals,
        to_text(entry.formula, shown),
        reproduces,
    )


def format_number(v: float) -> str:
    """Thousands separators for large numbers, six significant digits for small ones."""
    return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:,.6g}"


def _show(catalog: Catalog, indicator: str, name: str, value: float) -> str:
    """A value in the unit people declared (per MWh, per month), not the engine's base unit."""
    entry = catalog.entries[indicator]
    if name in entry.input_units:
        unit = entry.input_units[name]
        spec = next(i for i in entry.spec.inputs if i.name == name)
        return f"{format_number(value / unit.scale)} [{spec.unit}]"
    if name in entry.proxies:
        p = entry.proxies[name]
        unit_text = p.spec.unit
        if p.spec.currency is not None:
            unit_text = unit_text.replace(p.spec.currency, entry.spec.unit)
        return f"{format_number(p.value / p.unit.scale)} [{unit_text}]"
    return f"{format_number(value)} [{entry.spec.unit}]"
