"""Run a plan over a dataset: `result = measure(plan, dataset)` — one call, immutable result."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from gachi.engine.catalog import Catalog
from gachi.engine.data import ColumnRule, Dataset, rules_for
from gachi.engine.plan import Plan
from gachi.engine.result import Result, ResultRow, lineage_of
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
    return rules_for(triples, plan.group_by)


def measure(plan: Plan, dataset: Dataset, *, progress: Progress | None = None) -> Result:
    """Compute every indicator of `plan` over `dataset` on DuckDB."""
    if progress:
        progress("compute")
    cursor = dataset.con.execute(plan.sql(dataset.table, dialect="duckdb"))
    rows = cursor.fetchall()
    return assemble(plan, rows, dataset.info, backend="duckdb")


def assemble(plan: Plan, rows: Sequence[Sequence[Any]], info: Any, *, backend: str) -> Result:
    """Turn the grouped query's rows into a `Result` (shared by every SQL backend)."""
    catalog: Catalog = plan.catalog
    k = len(plan.group_by)
    ids = [p.id for p in plan.indicators]
    out: list[ResultRow] = []
    append = out.append
    bad: list[Issue] = []
    isfinite = math.isfinite
    for row in rows:
        group = tuple(None if v is None else str(v) for v in row[:k])
        cells = row[k:]
        for i, ident in enumerate(ids):
            value, records, undefined = cells[3 * i], cells[3 * i + 1], cells[3 * i + 2]
            if value is not None:
                value = float(value)
                if not isfinite(value):
                    bad.append(
                        Issue(
                            "data.result-not-finite",
                            {"indicator": ident, "group": " / ".join(map(str, group))},
                        )
                    )
            append(ResultRow(group, ident, value, int(records or 0), int(undefined or 0)))
    if bad:
        raise DataError.of(bad)
    lineage = {p.id: lineage_of(catalog, catalog.entries[p.id], p.factor) for p in plan.indicators}
    return Result(
        tuple(out),
        plan.group_by,
        catalog.settings.currency,
        catalog.settings.report_year,
        lineage,
        info,
        plan.fingerprint(),
        backend,
    )
