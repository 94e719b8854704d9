"""Explaining a number of a run: the cells it sums, by indicator, and — for one indicator — its
formula with today's data substituted, its inputs, proxies and sources (engine `explain`), with a
warning when the data or the definition changed after the run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func

from gachi.config import Settings
from gachi.db.models import Run, RunValue
from gachi.db.tenancy import TenantRepository
from gachi.domains.runs.compute import KEYS
from gachi.domains.runs.service import SHOWN_CELLS, error_of, values, values_query
from gachi.engine.catalog import Catalog
from gachi.engine.data import open_dataset
from gachi.engine.explain import Explanation, explain
from gachi.engine.plan import columns_of, compile_plan
from gachi.engine.run import data_rules
from gachi.engine.spec import Indicator
from gachi.errors import GachiError
from gachi.kernel.i18n import current_lang


@dataclass(frozen=True)
class Selection:
    """Which cells of a run a number sums: any of indicator, programme, period, category."""

    indicator: str | None = None
    programme_id: int | None = None
    period: int | None = None
    category: str | None = None


@dataclass(frozen=True)
class Part:
    """One indicator's share of a selected number."""

    indicator: str
    category: str
    value: float
    records: int
    cells: int


@dataclass(frozen=True)
class InputSum:
    """One input of an explained indicator, summed over the explained records."""

    name: str
    unit: str  # as declared; `total` is in this unit
    column: str
    description: str
    total: float | None
    money: bool  # carried from its period's prices to the report year


@dataclass(frozen=True)
class Explained:
    selection: Selection
    programme: str | None  # the selected programme's name in the run
    value: float | None  # the run's number: the sum of its selected cells
    band: tuple[float, float, float] | None  # p5, p50, p95 when one drawn cell is selected
    cells: int
    parts: tuple[Part, ...]  # by indicator, largest first
    rows: tuple[RunValue, ...]  # the cells themselves (the first `SHOWN_CELLS`)
    explanation: Explanation | None  # from the current data (indicator selected only)
    spec: Indicator | None  # the indicator's definition today (descriptions of its inputs)
    inputs: tuple[InputSum, ...]
    problem: dict[str, Any] | None  # why the current data cannot explain it
    data_changed: bool
    definition_changed: bool


def explain_number(
    repo: TenantRepository, settings: Settings, run: Run, selection: Selection
) -> Explained:
    """The run's number for `selection`, what it is made of, and — for one indicator — its
    formula with today's data substituted, its proxies and sources."""
    filters: dict[str, Any] = {
        "indicator": selection.indicator,
        "programme_id": selection.programme_id,
        "period": selection.period,
        "category": selection.category,
    }
    # The sums in the database; only the first cells themselves are read.
    base = values_query(repo, run, **filters)
    grouped = base.with_only_columns(
        RunValue.indicator_id,
        RunValue.category,
        func.sum(RunValue.value),
        func.sum(RunValue.records),
        func.count(RunValue.id),
    ).group_by(RunValue.indicator_id, RunValue.category)
    parts = sorted(
        (
            Part(i, category, float(value or 0.0), int(records or 0), int(n))
            for i, category, value, records, n in repo.db.execute(grouped)
        ),
        key=lambda p: (-abs(p.value), p.indicator),
    )
    cells = values(repo, run, limit=SHOWN_CELLS, **filters)
    count = sum(p.cells for p in parts)
    programme = next((c.programme for c in cells if c.programme_id == selection.programme_id), None)
    # A sum over indicators leaves out those outside the totals, as the dashboard does.
    versions = run.indicator_versions or {}
    total = (
        sum(
            p.value
            for p in parts
            if selection.indicator or versions.get(p.indicator, {}).get("in_totals", True)
        )
        if parts
        else None
    )
    band = _band_of(run.summary or {}, selection)
    if count == 1 and cells[0].p5 is not None:
        c = cells[0]
        band = (c.p5 or 0.0, c.p50 or 0.0, c.p95 or 0.0)
    explanation = None
    spec = None
    inputs: tuple[InputSum, ...] = ()
    problem = None
    data_changed = False
    definition_changed = False
    if selection.indicator is not None and parts:
        valued = base.with_only_columns(RunValue.programme_id).distinct()
        programmes = sorted(p for p in repo.db.scalars(valued) if p is not None)
        explanation, spec, inputs, problem, current_version = _explain_now(
            repo, settings, selection, programmes
        )
        data_changed = current_version is not None and current_version != run.data_version
        stored = (run.indicator_versions or {}).get(selection.indicator, {})
        if explanation is not None:
            definition_changed = stored.get("spec_hash") != explanation.lineage.spec_hash
    return Explained(
        selection,
        programme,
        total,
        band,
        count,
        tuple(parts),
        tuple(cells),
        explanation,
        spec,
        inputs,
        problem,
        data_changed,
        definition_changed,
    )


_Now = tuple[
    Explanation | None, Indicator | None, tuple[InputSum, ...], dict[str, Any] | None, str | None
]


def _band_of(summary: Mapping[str, Any], selection: Selection) -> tuple[float, float, float] | None:
    """The range the run drew for a sum the summary keeps (the total, or one category, year,
    programme or indicator); None for other selections."""
    given = {k: v for k, v in vars(selection).items() if v is not None}
    found: Any = None
    if not given:
        found = summary.get("total_band")
    elif len(given) == 1:
        ((key, value),) = given.items()
        lists = {
            "category": ("by_category", "category"),
            "period": ("by_period", "period"),
            "programme_id": ("by_programme", "programme_id"),
            "indicator": ("by_indicator", "indicator"),
        }
        name, field = lists[key]
        row = next((r for r in summary.get(name, []) if r.get(field) == value), None)
        found = row.get("band") if row else None
    return (found["p5"], found["p50"], found["p95"]) if found else None


def _explain_now(
    repo: TenantRepository, settings: Settings, selection: Selection, valued: Sequence[int]
) -> _Now:
    """The engine's explanation over the current records of the programmes the run valued."""
    from gachi.domains.data.service import data_version, records_frame
    from gachi.domains.programmes.service import org_catalog

    indicator = selection.indicator
    assert indicator is not None
    try:
        catalog = org_catalog(repo, settings)
        if indicator not in catalog.entries:
            gone = {"code": "run.indicator-gone", "params": {"indicator": indicator}}
            return None, None, (), gone, None
        version = data_version(repo)
        frame = records_frame(repo)
    except GachiError as err:
        return None, None, (), error_of(err), None
    spec = catalog.entries[indicator].spec
    columns = list(columns_of(catalog, catalog.entries[indicator]))
    absent = [c for c in columns if c not in frame.columns]
    if absent or frame.empty:
        problem = {"code": "run.data-gone", "params": {"columns": ", ".join(absent) or "-"}}
        found = explain(catalog, indicator)
        return found, spec, _inputs(catalog, indicator, found), problem, version
    records = frame[frame["programme_id"].isin(valued)][[*KEYS, *columns]].copy()
    records["programme_id"] = records["programme_id"].astype("int64")
    records["period"] = records["period"].astype("int64")
    where = {}
    if selection.programme_id is not None:
        where["programme_id"] = str(selection.programme_id)
    if selection.period is not None:
        where["period"] = str(selection.period)
    plan = compile_plan(catalog, [indicator], group_by=KEYS)
    try:
        with open_dataset(records.reset_index(drop=True), data_rules(plan), threads=1) as ds:
            found = explain(catalog, indicator, ds, where)
        return found, spec, _inputs(catalog, indicator, found), None, version
    except GachiError as err:
        found = explain(catalog, indicator)
        return found, spec, _inputs(catalog, indicator, found), error_of(err), version


def _inputs(catalog: Catalog, indicator: str, found: Explanation) -> tuple[InputSum, ...]:
    """The indicator's inputs with their sums in the unit people entered them in."""
    entry = catalog.entries[indicator]
    lang = current_lang()
    totals = found.totals or {}
    out = []
    for inp in entry.spec.inputs:
        total = totals.get(inp.name)
        scale = entry.input_units[inp.name].scale if inp.name in entry.input_units else 1.0
        out.append(
            InputSum(
                inp.name,
                inp.unit,
                inp.source_column,
                inp.description.get(lang) if inp.description else "",
                None if total is None else total / scale,
                inp.name in found.lineage.money_inputs,
            )
        )
    return tuple(out)
