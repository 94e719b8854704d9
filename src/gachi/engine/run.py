"""Run a plan over a dataset: `result = measure(plan, dataset)` — one call, immutable result."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from gachi.engine.catalog import Catalog
from gachi.engine.data import ColumnRule, Dataset, rules_for
from gachi.engine.plan import Plan, columns_of
from gachi.engine.ranges import simulate
from gachi.engine.result import Result, lineage_of
from gachi.errors import DataError, Issue

Progress = Callable[[str], None]


def data_rules(plan: Plan) -> list[ColumnRule]:
    """The columns a plan needs from the data, with their checks."""
    catalog = plan.catalog
    triples: list[tuple[str, bool, str]] = []
    for p in plan.indicators:
        for ident in catalog.closure([p.id]):
            entry = catalog.entries[ident]
            for inp in entry.spec.inputs:
                if inp.source_column in p.columns:
                    triples.append((inp.source_column, inp.allow_negative, p.id))
    period = None
    if plan.period is not None:
        # Without a period column, money inputs are taken as report-year prices (and the run
        # says so): the column is filled with the report year.
        name, years = plan.period
        period = (name, years, str(catalog.settings.report_year))
    return rules_for(triples, plan.group_by, period=period)


def applicable(catalog: Catalog, columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """(indicators the data can feed, indicators it has none of the input columns for).

    A file often holds the records of some programmes only; indicators none of whose inputs
    appear are left out (and named), while one with some of its columns present is kept, so a
    misspelt column is still reported as missing.
    """
    present = set(columns)
    kept: list[str] = []
    skipped: list[str] = []
    for ident in catalog.order:
        cols = columns_of(catalog, catalog.entries[ident])
        (kept if not cols or present & set(cols) else skipped).append(ident)
    return kept, skipped


def measure(
    plan: Plan,
    dataset: Dataset,
    *,
    draws: int | None = None,
    seed: int = 1,
    ranges_per_group: bool = False,
    indicator_ranges: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Compute every indicator of `plan` over `dataset` on DuckDB; with `draws`, also their
    ranges by Monte-Carlo (seeded: the same seed gives the same ranges): of every scope's total
    and categories, of its indicators too with `indicator_ranges`, of every group with
    `ranges_per_group`."""
    if progress:
        progress("compute")
    cursor = dataset.con.execute(plan.sql(dataset.table, dialect="duckdb"))
    rows = cursor.fetchall()
    result = assemble(plan, rows, dataset.info, backend="duckdb")
    if draws is None:
        return result
    if progress:
        progress("simulate")
    ranges = simulate(
        plan, dataset, draws=draws, seed=seed, rows=ranges_per_group, detail=indicator_ranges
    )
    if ranges.rows is not None:
        # A row without a value has no range either (not a range of zeros).
        valued = {(r.group, r.indicator) for r in result.rows if r.value is not None}
        ranges = replace(ranges, rows={k: b for k, b in ranges.rows.items() if k in valued})
    return replace(result, uncertainty=ranges)


def assemble(plan: Plan, rows: Sequence[Sequence[Any]], info: Any, *, backend: str) -> Result:
    """Turn the grouped query's rows into a `Result` (shared by every SQL backend)."""
    catalog: Catalog = plan.catalog
    k = len(plan.group_by)
    values = tuple(tuple(row) for row in rows)
    bad: list[Issue] = []
    for row in values:
        # Fast path: a row whose values add up to a finite number has no overflow in it.
        if math.isfinite(sum(filter(None, row[k::3]))):
            continue
        for i, p in enumerate(plan.indicators):
            v = row[k + 3 * i]
            if v is not None and not math.isfinite(v):
                group = " / ".join(map(str, row[:k]))
                bad.append(Issue("data.result-not-finite", {"indicator": p.id, "group": group}))
    if bad:
        raise DataError.of(bad)
    lineage = {p.id: lineage_of(catalog, catalog.entries[p.id], p.factor) for p in plan.indicators}
    return Result(
        plan.group_by,
        tuple(p.id for p in plan.indicators),
        values,
        catalog.settings.currency,
        catalog.settings.report_year,
        lineage,
        info,
        plan.fingerprint(),
        backend,
        period_column=catalog.settings.period_column,
        price_index=catalog.settings.price_index,
        organisation_column=catalog.settings.organisation_column,
    )
