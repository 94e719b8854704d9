"""An organisation's measurement: every programme valued with the indicators *it* chose, per
period, with Monte-Carlo ranges when asked. A frame in, an immutable `Measurement` out; no
database here (the runner loads and stores).

One plan over the union of the chosen indicators computes everything in one query; a
programme's cells of indicators it did not choose are dropped. Its records also lose the input
columns none of its indicators read, so that such a cell mostly has nothing to compute from.

Ranges come from the engine's Monte-Carlo model valued *per group* (`Model.value(per_group=…)`),
then summed over the chosen cells only: the totals by period, category, programme and indicator
are sums of the same draws, so assumptions shared by several indicators move them together, and
an indicator a programme did not choose never widens its range. (`measure(draws=…)` would sum
every group and indicator of the plan, chosen or not.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gachi.engine.catalog import Catalog
from gachi.engine.data import open_dataset
from gachi.engine.montecarlo import MEMORY_BUDGET, build, check_draws
from gachi.engine.plan import Plan, columns_of, compile_plan
from gachi.engine.result import Lineage, Result
from gachi.engine.run import data_rules, measure
from gachi.engine.spec import SKCategory
from gachi.engine.uncertainty import Band
from gachi.errors import DataError, GachiError, InvalidInput, Issue

KEYS = ("programme_id", "period")
SK_ORDER = tuple(c.value for c in SKCategory)
DUCKDB_THREADS = 2  # a run shares the machine with the web server answering people

# stage, fraction of the whole run done (0–1)
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Cell:
    """One indicator's value for one programme and period."""

    programme_id: int
    period: int
    indicator: str
    value: float
    records: int
    undefined: int
    band: Band | None = None


@dataclass(frozen=True)
class Measurement:
    cells: tuple[Cell, ...]
    summary: dict[str, Any]  # JSON: totals, by category / period / programme / indicator, ranges
    plan_fingerprint: str
    indicator_versions: dict[str, dict[str, Any]]  # id -> version, spec hash, names, category
    lineage: Mapping[str, Lineage]  # the engine's lineage of every indicator of the plan


def measure_organisation(
    catalog: Catalog,
    chosen: Mapping[int, Sequence[str]],
    frame: pd.DataFrame,
    programmes: Mapping[int, str],
    *,
    draws: int = 0,
    seed: int = 1,
    progress: Progress | None = None,
) -> Measurement:
    """Measure each programme of `frame` (columns programme_id, period and the inputs) with the
    indicators `chosen` for it; with `draws` > 0, also Monte-Carlo ranges."""
    report = progress or (lambda stage, done: None)
    if draws:
        check_draws(draws, seed)
    ids = _indicators(catalog, chosen, programmes)
    records = _records(catalog, chosen, frame, ids, programmes)
    plan = compile_plan(catalog, ids, group_by=KEYS)
    report("compute", 0.15)
    try:
        ds = open_dataset(records, data_rules(plan), threads=DUCKDB_THREADS)
    except DataError as err:
        raise _located(err, records, programmes) from None
    with ds:
        result = measure(plan, ds)
        wanted = {(pid, ind) for pid, inds in chosen.items() for ind in inds}
        cells = [
            Cell(int(g[0] or 0), int(g[1] or 0), r.indicator, r.value, r.records, r.undefined)
            for r in result.rows
            for g in (r.group,)
            if r.value is not None and (int(g[0] or 0), r.indicator) in wanted
        ]
        if not cells:
            raise InvalidInput("run.nothing-measured")
        bands: dict[tuple[Any, ...], Band] = {}
        if draws:
            report("simulate", 0.3)
            cells, bands = _simulate(plan, ds, cells, result.lineage, draws, seed, report)
    summary = _summary(result, cells, bands, chosen, programmes, draws, seed)
    versions = {
        i: {
            "version": lin.version,
            "spec_hash": lin.spec_hash,
            "name_ko": lin.name_ko,
            "name_en": lin.name_en,
            "category": lin.category,
            "in_totals": lin.in_totals,
        }
        for i, lin in result.lineage.items()
    }
    return Measurement(tuple(cells), summary, plan.fingerprint(), versions, result.lineage)


def _indicators(
    catalog: Catalog, chosen: Mapping[int, Sequence[str]], programmes: Mapping[int, str]
) -> list[str]:
    """The chosen indicators in catalogue order (dependencies first); every one must exist."""
    issues = [
        Issue("run.unknown-indicator", {"indicator": i, "programme": programmes.get(pid, pid)})
        for pid, inds in sorted(chosen.items())
        for i in inds
        if i not in catalog.entries
    ]
    if issues:
        raise InvalidInput.of(issues)
    union = {i for inds in chosen.values() for i in inds}
    if not union:
        raise InvalidInput("run.no-indicators")
    return [i for i in catalog.order if i in union]


def _records(
    catalog: Catalog,
    chosen: Mapping[int, Sequence[str]],
    frame: pd.DataFrame,
    ids: Sequence[str],
    programmes: Mapping[int, str],
) -> pd.DataFrame:
    """The records of programmes that chose indicators, keeping of each only the inputs its
    indicators read (the others become empty), with integer keys."""
    needed = {i: columns_of(catalog, catalog.entries[i]) for i in ids}
    missing: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        for col in needed[i]:
            if col not in frame.columns:
                missing[col].append(i)
    if missing:
        raise InvalidInput.of(
            Issue("run.missing-input", {"column": col, "indicators": ", ".join(inds)})
            for col, inds in missing.items()
        )
    columns = list(dict.fromkeys(c for i in ids for c in needed[i]))
    if frame.empty:
        raise InvalidInput("run.no-data")
    measured = [pid for pid, inds in chosen.items() if inds]
    records = frame[frame["programme_id"].isin(measured)][[*KEYS, *columns]].copy()
    if records.empty:
        raise InvalidInput("run.no-data")
    records["programme_id"] = records["programme_id"].astype("int64")
    records["period"] = records["period"].astype("int64")
    for pid, inds in chosen.items():
        reads = {c for i in inds if i in needed for c in needed[i]}
        unread = [c for c in columns if c not in reads]
        if unread:
            records.loc[records["programme_id"] == pid, unread] = np.nan
    return records.reset_index(drop=True)


# Engine data checks, said about the programme and period a person entered them for.
_LOCATED = {
    "data.negative": "run.negative-input",
    "data.too-large": "run.too-large-input",
    "data.period-year": "run.period-not-covered",
}


def _located(err: DataError, records: pd.DataFrame, programmes: Mapping[int, str]) -> GachiError:
    issues = []
    for issue in err.issues:
        params = {k: _plain(v) for k, v in issue.params.items()}
        row = issue.params.get("row")
        code = _LOCATED.get(issue.code)
        if code is not None and isinstance(row, int) and 1 <= row <= len(records):
            record = records.iloc[row - 1]
            pid = int(record["programme_id"])
            params.update(programme=programmes.get(pid, str(pid)), period=int(record["period"]))
            issues.append(Issue(code, params))
        else:
            issues.append(Issue(issue.code, params))
    return DataError.of(issues)


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _simulate(
    plan: Plan,
    ds: Any,
    cells: list[Cell],
    lineage: Mapping[str, Lineage],
    draws: int,
    seed: int,
    report: Progress,
) -> tuple[list[Cell], dict[tuple[Any, ...], Band]]:
    """Every cell's range, and the ranges of the sums the dashboard shows (see the module)."""
    model = build(plan, ds)
    groups = len(model.groups)
    need = 8 * draws * (2 * len(model.params) + 4 * model.opaque_terms * groups + 3 * groups)
    if need > MEMORY_BUDGET:
        raise InvalidInput(
            "run.too-large", draws=f"{draws:,}", groups=f"{groups:,}", gib=f"{need / 2**30:,.1f}"
        )
    x = model.params.draw(draws, seed)
    opaque = model.opaque(x) if model.opaque_terms else {}
    at = {g: i for i, g in enumerate(model.groups)}
    by_indicator: dict[str, list[Cell]] = defaultdict(list)
    for c in cells:
        by_indicator[c.indicator].append(c)
    sums: dict[tuple[Any, ...], np.ndarray] = {}
    points: dict[tuple[Any, ...], float] = defaultdict(float)
    banded: list[Cell] = []
    for n, (ident, mine) in enumerate(by_indicator.items()):
        block = model.value(x, per_group=slice(0, groups), only=ident, opaque=opaque)[ident]
        lin = lineage[ident]
        for c in mine:
            drawn = block[at[(str(c.programme_id), str(c.period))]]
            banded.append(_with_band(c, Band.of(c.value, drawn)))
            for key in _sums_of(c, lin):
                sums[key] = sums[key] + drawn if key in sums else drawn.copy()
                points[key] += c.value
        report("simulate", 0.3 + 0.6 * (n + 1) / len(by_indicator))
    bands = {k: Band.of(points[k], v) for k, v in sums.items()}
    return banded, bands


def _with_band(c: Cell, band: Band) -> Cell:
    return Cell(c.programme_id, c.period, c.indicator, c.value, c.records, c.undefined, band)


def _sums_of(c: Cell, lin: Lineage) -> Iterable[tuple[Any, ...]]:
    """The sums a cell is part of; an indicator outside the totals only in its own."""
    yield ("indicator", c.indicator)
    yield ("year-indicator", c.period, c.indicator)
    if lin.in_totals:
        yield ("total",)
        yield ("period", c.period)
        yield ("category", lin.category)
        yield ("programme", c.programme_id)
        # One year alone, as a formula book publishes it.
        yield ("year-category", c.period, lin.category)
        yield ("year-programme", c.period, c.programme_id)


def _band(band: Band | None) -> dict[str, float] | None:
    if band is None:
        return None
    return {"p5": band.p5, "p50": band.p50, "p95": band.p95, "mean": band.mean}


def _summary(
    result: Result,
    cells: Sequence[Cell],
    bands: Mapping[tuple[Any, ...], Band],
    chosen: Mapping[int, Sequence[str]],
    programmes: Mapping[int, str],
    draws: int,
    seed: int,
) -> dict[str, Any]:
    """What the dashboard shows, computed once: it only reads this."""
    lineage = result.lineage
    total = 0.0
    by_period: dict[int, float] = defaultdict(float)
    by_category: dict[str, float] = defaultdict(float)
    by_programme: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    by_indicator: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    records: dict[str, int] = defaultdict(int)
    for c in cells:
        by_indicator[c.indicator][c.period] += c.value
        records[c.indicator] += c.records
        if not lineage[c.indicator].in_totals:
            continue
        total += c.value
        by_period[c.period] += c.value
        by_category[lineage[c.indicator].category] += c.value
        by_programme[c.programme_id][c.period] += c.value
    periods = sorted({c.period for c in cells})
    measured = {(c.programme_id, c.indicator) for c in cells}
    warnings = [
        {
            "code": "run.no-values",
            "params": {"programme": programmes.get(pid, str(pid)), "indicator": i},
        }
        for pid, inds in sorted(chosen.items())
        for i in inds
        if (pid, i) not in measured
    ]
    warnings += [
        {"code": "run.undefined-records", "params": {"indicator": i, "count": n}}
        for i, n in result.warnings()
    ]
    return {
        "currency": result.currency,
        "report_year": result.report_year,
        "draws": draws,
        "seed": seed,
        "periods": periods,
        "total": total,
        "total_band": _band(bands.get(("total",))),
        "by_category": [
            {"category": c, "value": by_category[c], "band": _band(bands.get(("category", c)))}
            for c in SK_ORDER
            if c in by_category
        ],
        "by_period": [
            {"period": p, "value": by_period[p], "band": _band(bands.get(("period", p)))}
            for p in periods
            if p in by_period
        ],
        "by_programme": sorted(
            (
                {
                    "programme_id": pid,
                    "programme": programmes.get(pid, str(pid)),
                    "value": sum(values.values()),
                    "periods": {str(p): v for p, v in sorted(values.items())},
                    "band": _band(bands.get(("programme", pid))),
                }
                for pid, values in by_programme.items()
            ),
            key=lambda row: (-abs(row["value"]), row["programme"]),
        ),
        "by_indicator": sorted(
            (
                {
                    "indicator": i,
                    "name_ko": lineage[i].name_ko,
                    "name_en": lineage[i].name_en,
                    "category": lineage[i].category,
                    "in_totals": lineage[i].in_totals,
                    "value": sum(values.values()),
                    "periods": {str(p): v for p, v in sorted(values.items())},
                    "records": records[i],
                    "band": _band(bands.get(("indicator", i))),
                }
                for i, values in by_indicator.items()
            ),
            key=lambda row: (-abs(row["value"]), row["indicator"]),
        ),
        "years": _years(cells, lineage, bands, programmes),
        "warnings": warnings,
    }


def _years(
    cells: Sequence[Cell],
    lineage: Mapping[str, Lineage],
    bands: Mapping[tuple[Any, ...], Band],
    programmes: Mapping[int, str],
) -> dict[str, dict[str, Any]]:
    """Each period on its own: its total, categories, programmes and indicators with ranges
    from the same draws (what publishing one reporting year reads)."""
    out: dict[str, dict[str, Any]] = {}
    for period in sorted({c.period for c in cells}):
        mine = [c for c in cells if c.period == period]
        by_category: dict[str, float] = defaultdict(float)
        by_programme: dict[int, float] = defaultdict(float)
        by_indicator: dict[str, float] = defaultdict(float)
        for c in mine:
            by_indicator[c.indicator] += c.value
            if lineage[c.indicator].in_totals:
                by_category[lineage[c.indicator].category] += c.value
                by_programme[c.programme_id] += c.value
        out[str(period)] = {
            "total": sum(by_category.values()),
            "band": _band(bands.get(("period", period))),
            "by_category": [
                {
                    "category": k,
                    "value": by_category[k],
                    "band": _band(bands.get(("year-category", period, k))),
                }
                for k in SK_ORDER
                if k in by_category
            ],
            "by_programme": [
                {
                    "programme_id": pid,
                    "programme": programmes.get(pid, str(pid)),
                    "value": v,
                    "band": _band(bands.get(("year-programme", period, pid))),
                }
                for pid, v in sorted(by_programme.items(), key=lambda kv: -abs(kv[1]))
            ],
            "by_indicator": {
                i: {"value": v, "band": _band(bands.get(("year-indicator", period, i)))}
                for i, v in by_indicator.items()
            },
        }
    return out
