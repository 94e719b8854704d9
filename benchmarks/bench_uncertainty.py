"""gachi's Monte-Carlo ranges against a plain NumPy loop over draws: 10,000 draws over 1,000
organisations × 5 programmes × 3 periods (15,000 groups, 60,000 records) and 30 indicators.

    .venv/bin/python benchmarks/bench_uncertainty.py --repeat 3                   # ~3 minutes
    .venv/bin/python benchmarks/bench_uncertainty.py --repeat 3 --rows-baseline   # ~4½ minutes
    .venv/bin/python benchmarks/bench_uncertainty.py --quick                      # ~1 minute

The target (from the issue): 10,000 draws in under 10 s on 2 cores and under 4 GB.

Every measurement runs in a fresh child process of its own (`--child VARIANT`), which times its
steps with `time.perf_counter` and reports its own peak RSS (`VmHWM`, see `peak_rss_mib`), so
that one variant's memory never shows in another's. The children make the same data
(`make_records`, seeded) and hand their results back as a pickle; this process compares them
and prints the tables. The variants:

- `gachi` (a): `load_catalog` + `compile_plan` (timed: "catalogue"), `open_dataset` on the
  DataFrame, `measure(plan, ds)` without draws (the point values alone), then
  `measure(plan, ds, draws=10_000, seed=1)` over the 30 indicators of `catalog_uncertain/`:
  ranges of the total, each SK category, each indicator and each period, variance shares,
  tornado and break-even. One indicator, `fair_wage_premium`, has an SK baseline whose reference
  is drawn: `max(wage − reference, 0)` cannot be summed before the draws meet it, so gachi values
  it per record × draw in SQL (the "opaque" part); the time spent there is measured by wrapping
  `montecarlo._opaque_runner` in the child.
- `gachi-linear` (a′): the same without `fair_wage_premium` (29 indicators), to show what the
  opaque part costs.
- `gachi-rows` (b): (a′) with `ranges_per_group=True`: P5/P50/P95 for every organisation ×
  programme × period × indicator. If gachi refuses it as over its memory budget, the refusal is
  reported and the run repeated with `GACHI_MC_MEMORY_GIB=--rows-budget-gib`.
- `baseline` (c): what one would write by hand with NumPy. A hand-written `GROUP BY` query sums
  the per-record parts once (timed apart: "prepare"); then `for d in range(10_000)`: draw every
  parameter for this draw (scalar draws from its own generator; distributions read from the YAML
  with PyYAML), compute every indicator's value per group with NumPy (quantity sums × drawn
  coefficients; the SK baseline per record, then `np.bincount` to the groups), sum by period;
  then percentiles. The formulas are typed in below (`LINEAR`), not taken from gachi, so the
  comparison is also an independent check. The time of the opaque indicator is taken inside the
  loop, so (c) less it is the baseline of (a′).
- `baseline-rows` (c′, with `--rows-baseline`): per-group bands by the same loop, one indicator
  at a time (all at once would be 35 GB): a draws × groups array filled draw by draw, then
  `np.quantile` per group. It reads gachi's matrix of draws, so all 435,000 bands are compared
  exactly. Without the flag, `baseline-sample` does the same for every 50th group, as a check.
- `gachi-check` and `baseline-fed`: all 30 indicators at `--check-draws` (1,000) draws, the
  baseline fed with gachi's draws: every range, the opaque indicator's included, must agree
  exactly (to 1e-9), not only within Monte-Carlo error.

`--repeat` applies to (a′), (c) and the catalogue; (a), (b) and (c′) take about a minute each and
run `--repeat-slow` times (default 1). Any disagreement prints the differences and exits with
status 1.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
CATALOG = HERE / "catalog_uncertain"
OPAQUE = "fair_wage_premium"  # the one indicator with a drawn SK baseline reference
SEED = 1  # gachi's seed
BASELINE_SEED = 20240601  # the NumPy loop's own generator
QS = (0.05, 0.5, 0.95)
TOLERANCE = 1e-9  # relative, for values computed from the same draws
Z = 4.5  # Monte-Carlo agreement: within Z standard errors (two independent samples)
TARGET_S, TARGET_MIB = 10.0, 4096.0

ORGANISATIONS = 1_000
PROGRAMMES = ("care", "climate", "community", "digital", "jobs")
PERIODS = ("2022", "2023", "2024")
DATA_SEED = 20240602
NULL_SHARE = 0.05
NULLABLE = ("persons", "hours", "krw_sales", "visits", "tco2e", "devices", "monthly_wage")
VARIANTS = (
    "gachi",
    "gachi-linear",
    "gachi-rows",
    "gachi-check",
    "baseline",
    "baseline-rows",
    "baseline-sample",
    "baseline-fed",
)
SAMPLE_EVERY = 50  # `baseline-sample`: every 50th group, 300 of 15,000
WITH_OPAQUE = ("gachi", "gachi-check", "baseline", "baseline-fed")


# ---------------------------------------------------------------------------------------------
# data


def make_records(per_group: int, organisations: int = ORGANISATIONS) -> pd.DataFrame:
    """`per_group` records for every organisation × programme × period, from a fixed seed.

    Every record has all 16 inputs (the worst case: every indicator has a value in nearly every
    group), about 5% of seven of them missing, and about 0.1% of `hours` (a divisor) zero.
    """
    rng = np.random.default_rng(DATA_SEED)
    orgs = [f"org-{i:04d}" for i in range(1, organisations + 1)]
    keys = pd.MultiIndex.from_product([orgs, PROGRAMMES, PERIODS]).to_frame(index=False)
    keys = keys.loc[keys.index.repeat(per_group)].reset_index(drop=True)
    n = len(keys)
    df = pd.DataFrame({"organisation": keys[0], "programme": keys[1], "period": keys[2]})
    df["persons"] = rng.poisson(8.0, n).astype(float)
    df["hours"] = np.round(rng.gamma(4.0, 60.0, n) * 2.0) / 2.0
    df.loc[rng.random(n) < 0.001, "hours"] = 0.0
    df["cases"] = rng.poisson(3.0, n).astype(float)
    df["mwh"] = np.round(rng.lognormal(3.5, 1.0, n), 3)
    df["tco2e"] = np.round(rng.lognormal(1.5, 0.8, n), 3)
    df["krw_sales"] = np.round(rng.lognormal(17.5, 0.7, n))
    df["visits"] = rng.poisson(30.0, n).astype(float)
    df["months"] = rng.integers(1, 13, n).astype(float)
    df["waste_t"] = np.round(rng.gamma(2.0, 5.0, n), 2)
    df["km"] = np.round(rng.gamma(2.0, 2000.0, n))
    df["households"] = rng.poisson(20.0, n).astype(float)
    df["sessions"] = rng.poisson(6.0, n).astype(float)
    df["devices"] = rng.poisson(4.0, n).astype(float)
    df["calls"] = rng.poisson(500.0, n).astype(float)
    df["workers"] = rng.poisson(5.0, n).astype(float)
    df["monthly_wage"] = np.round(rng.normal(3.0e6, 4.0e5, n), -3).clip(min=0.0)
    for col in NULLABLE:
        df.loc[rng.random(n) < NULL_SHARE, col] = np.nan
    return df


# ---------------------------------------------------------------------------------------------
# the hand-written baseline: per-group sums by SQL, then a Python loop over draws

# Per-record parts, summed per group, written by hand from the YAML. A record with a missing
# input has no value for the indicator (gachi's rule), hence the FILTERs where a formula reads
# two columns; SUM skips NULLs on its own for one column.
BASELINE_SUMS = """
SELECT
    organisation, programme, period,
    SUM(hours)                                                      AS hours,
    SUM(cases)                                                      AS cases,
    SUM(visits)                                                     AS visits,
    SUM(waste_t)                                                    AS waste_t,
    SUM(km)                                                         AS km,
    SUM(households)                                                 AS households,
    SUM(sessions)                                                   AS sessions,
    SUM(devices)                                                    AS devices,
    SUM(calls)                                                      AS calls,
    SUM(krw_sales)                                                  AS krw_sales,
    SUM(mwh)                                                        AS mwh,
    SUM(tco2e)                                                      AS tco2e,
    SUM(persons * months)                                           AS person_months,
    SUM(workers * months)                                           AS worker_months,
    SUM(households * months)                                        AS household_months,
    SUM(CASE WHEN mwh IS NOT NULL THEN LEAST(mwh, 500) END)         AS mwh_capped,
    SUM(CASE WHEN visits IS NOT NULL THEN GREATEST(visits - 25, 0) END) AS visits_above_25,
    SUM(hours) FILTER (WHERE devices IS NOT NULL)                   AS di_hours,
    SUM(devices) FILTER (WHERE hours IS NOT NULL)                   AS di_devices,
    SUM(krw_sales / hours * hours) FILTER (WHERE hours <> 0)        AS pu_sales,
    SUM(hours) FILTER (WHERE hours <> 0 AND krw_sales IS NOT NULL)  AS pu_hours,
    SUM(mwh) FILTER (WHERE tco2e IS NOT NULL)                       AS nc_mwh,
    SUM(tco2e) FILTER (WHERE mwh IS NOT NULL)                       AS nc_tco2e
FROM records
GROUP BY organisation, programme, period
ORDER BY organisation, programme, period
"""
# The opaque part: per record, the wage and workers × months, with the record's group.
BASELINE_WAGES = """
SELECT g, monthly_wage, workers * months AS worker_months
FROM (SELECT *, DENSE_RANK() OVER (ORDER BY organisation, programme, period) - 1 AS g
      FROM records)
WHERE monthly_wage IS NOT NULL AND workers IS NOT NULL AND months IS NOT NULL
"""

P = Mapping[str, float]
# indicator → (its per-group sums, the coefficient of each for one draw `p` of the parameters).
# Fixed adjustments are typed in; drawn ones are parameters named `indicator.adjustment`.
LINEAR: dict[str, tuple[tuple[str, ...], Callable[[P], tuple[float, ...]]]] = {
    "avoided_landfill": (("waste_t",), lambda p: (p["landfill_factor"] * p["carbon_cost"],)),
    "care_hours": (("hours",), lambda p: (p["care_wage"] * 0.9,)),
    "care_jobs": (
        ("worker_months",),
        lambda p: (p["care_job_value"] * 0.8 * (1 - p["care_jobs.attribution"]),),
    ),
    "cases_resolved": (("cases",), lambda p: (p["case_value"] * 0.7,)),
    "clinic_visits": (("visits",), lambda p: (p["visit_value"],)),
    "commute_km": (("km",), lambda p: (p["km_value"],)),
    "device_donations": (("devices",), lambda p: (p["device_value"],)),
    "digital_inclusion": (
        ("di_hours", "di_devices"),
        lambda p: (0.1 * p["tutor_wage"], p["refurb_value"]),
    ),
    "elder_care": (
        ("person_months",),
        lambda p: (
            p["care_value"]
            * (1 + (1 - p["elder_care.drop_off"]) + (1 - p["elder_care.drop_off"]) ** 2),
        ),
    ),
    "emergency_rescues": (
        ("cases",),
        lambda p: (
            p["deaths_averted"] * p["cost_per_death"] * (1 - p["emergency_rescues.attribution"]),
        ),
    ),
    "energy_savings": (("mwh_capped",), lambda p: (p["grid_factor"] * p["carbon_cost"],)),
    "extra_visits": (("visits_above_25",), lambda p: (30000.0,)),
    "fraud_calls_blocked": (("calls",), lambda p: (p["loss_per_call"] * 0.9 * 0.8,)),
    "household_energy": (("households",), lambda p: (p["bill_saving"] * 0.85,)),
    "household_heating": (("household_months",), lambda p: (p["heat_value"],)),
    "jobs_benefit": (
        ("person_months",),
        lambda p: (p["job_benefit"] * (1 - p["jobs_benefit.attribution"]),),
    ),
    "local_sales": (("krw_sales",), lambda p: (p["local_multiplier"] * 0.75,)),
    "mentoring_months": (("person_months",), lambda p: (p["mentoring_value"],)),
    "net_climate": (
        ("nc_mwh", "nc_tco2e"),
        lambda p: (p["grid_factor"] * p["carbon_cost"] * 0.9, -p["carbon_cost"]),
    ),
    "process_emissions": (("tco2e",), lambda p: (-p["carbon_cost"],)),
    "productivity_uplift": (
        ("pu_sales", "pu_hours"),
        lambda p: (0.15, -0.15 * p["benchmark_productivity"]),
    ),
    "social_procurement": (("krw_sales",), lambda p: (p["procurement_share"],)),
    "solar_carbon": (("mwh",), lambda p: (p["grid_factor"] * p["carbon_cost"] * 0.9,)),
    "staff_training": (("sessions",), lambda p: (p["hours_per_session"] * p["trainer_wage"],)),
    "tax_contribution": (("krw_sales",), lambda p: (p["tax_rate"],)),
    "training_sessions": (("sessions",), lambda p: (p["session_value"],)),
    "transport_emissions": (("km",), lambda p: (p["km_factor"] * p["carbon_cost"],)),
    "volunteer_hours": (("hours",), lambda p: (0.25 * p["volunteer_wage"],)),
    "waste_recycled": (("waste_t",), lambda p: (p["disposal_cost"],)),
}


@dataclass(frozen=True)
class Spec:
    """One parameter as written in the YAML: point value and distribution."""

    name: str
    value: float
    dist: Mapping[str, Any]
    share: bool  # an adjustment: a fraction, clipped to 0–1 like gachi does

    def draw(self, rng: np.random.Generator) -> float:
        d = self.dist
        kind = d.get("distribution", "fixed")
        if kind == "triangular":
            x = rng.triangular(d["low"], d["mode"], d["high"])
        elif kind == "uniform":
            x = rng.uniform(d["low"], d["high"])
        elif kind == "normal":
            x = rng.normal(self.value, d["sd"])
        elif kind == "lognormal":
            x = self.value * math.exp(rng.normal(0.0, math.log(d["gsd"])))
        else:
            x = self.value
        return min(max(x, 0.0), 1.0) if self.share else float(x)


@dataclass(frozen=True)
class Definitions:
    """What the baseline reads from the YAML files (with PyYAML, not gachi)."""

    ids: tuple[str, ...]  # sorted
    category: Mapping[str, str]
    in_totals: Mapping[str, bool]
    params: tuple[Spec, ...]  # drawn ones only; a proxy shared by several files appears once
    points: Mapping[str, float]  # every parameter at its value


def read_definitions(ids: Sequence[str]) -> Definitions:
    category: dict[str, str] = {}
    in_totals: dict[str, bool] = {}
    params: dict[str, Spec] = {}
    points: dict[str, float] = {}
    for ident in sorted(ids):
        doc = yaml.safe_load((CATALOG / f"{ident}.yaml").read_text(encoding="utf-8"))
        category[ident] = doc["frameworks"]["sk"]
        in_totals[ident] = doc.get("in_totals", True)
        for proxy in doc.get("proxies", []):
            dist = proxy.get("uncertainty", {})
            points[proxy["name"]] = float(proxy["value"])
            if dist.get("distribution", "fixed") != "fixed":
                params[proxy["name"]] = Spec(proxy["name"], float(proxy["value"]), dist, False)
        for name, adj in doc.get("adjustments", {}).items():
            if isinstance(adj, dict):
                key = f"{ident}.{name}"
                points[key] = float(adj["value"])
                if adj.get("uncertainty", {}).get("distribution", "fixed") != "fixed":
                    params[key] = Spec(key, float(adj["value"]), adj["uncertainty"], True)
    return Definitions(tuple(sorted(ids)), category, in_totals, tuple(params.values()), points)


@dataclass(frozen=True)
class Sums:
    """The per-group sums the loop multiplies, and the records of the opaque part."""

    groups: list[tuple[str, str, str]]
    period_of: np.ndarray  # group → period index
    columns: Mapping[str, tuple[np.ndarray, ...]]  # indicator → its per-group sums
    valued: Mapping[str, np.ndarray]  # indicator → groups where some record has a value
    wage_group: np.ndarray  # record → group, for the opaque part
    wage: np.ndarray
    wage_weight: np.ndarray  # workers × months


def prepare(df: pd.DataFrame, ids: Sequence[str], threads: int) -> Sums:
    con = duckdb.connect(config={"threads": threads})
    try:
        con.register("records", df)
        got = con.execute(BASELINE_SUMS).fetchnumpy()
        wages = con.execute(BASELINE_WAGES).fetchnumpy()
    finally:
        con.close()
    groups = [
        (str(o), str(p), str(y))
        for o, p, y in zip(got["organisation"], got["programme"], got["period"], strict=True)
    ]
    keys = ("organisation", "programme", "period")
    # SUM over no value is NULL, a masked entry here: NaN, so that "no value" stays visible.
    table = {
        k: np.ma.filled(np.ma.asarray(v, dtype=float), np.nan)
        for k, v in got.items()
        if k not in keys
    }
    period_index = {p: i for i, p in enumerate(PERIODS)}
    linear = [i for i in ids if i != OPAQUE]
    columns = {i: tuple(np.nan_to_num(table[c]) for c in LINEAR[i][0]) for i in linear}
    valued = {i: ~np.isnan(table[LINEAR[i][0][0]]) for i in linear}
    group = np.asarray(wages["g"], dtype=np.intp)
    valued[OPAQUE] = np.bincount(group, minlength=len(groups)) > 0
    return Sums(
        groups,
        np.array([period_index[g[2]] for g in groups], dtype=np.intp),
        columns,
        valued,
        group,
        np.asarray(wages["monthly_wage"], dtype=float),
        np.asarray(wages["worker_months"], dtype=float),
    )


def draw_stream(
    defs: Definitions, n: int, fed: np.ndarray | None, labels: Sequence[str] | None
) -> Iterator[dict[str, float]]:
    """The parameters of each draw: from the loop's own generator, or columns of `fed`."""
    p = dict(defs.points)
    if fed is None:
        rng = np.random.default_rng(BASELINE_SEED)
        for _ in range(n):
            for spec in defs.params:
                p[spec.name] = spec.draw(rng)
            yield p
        return
    assert labels is not None
    for d in range(n):
        for i, label in enumerate(labels):
            p[label] = float(fed[i, d])
        yield p


def linear_values(columns: Sequence[np.ndarray], coefficients: Sequence[float]) -> np.ndarray:
    """One indicator per group for one draw: each quantity sum times its drawn coefficient."""
    v = columns[0] * coefficients[0]
    for col, c in zip(columns[1:], coefficients[1:], strict=True):
        v += col * c
    return v


def opaque_values(s: Sums, reference: float, n_groups: int) -> np.ndarray:
    """The SK baseline, per record: only the wage above the drawn reference counts."""
    above = np.maximum(s.wage - reference, 0.0) * s.wage_weight
    return np.bincount(s.wage_group, weights=above, minlength=n_groups)


def baseline_loop(
    defs: Definitions, s: Sums, n: int, fed: np.ndarray | None = None, labels: Any = None
) -> dict[str, Any]:
    """The plain loop: per draw, every indicator per group, summed by period."""
    ids = defs.ids
    k_periods = len(PERIODS)
    n_groups = len(s.groups)
    by_period = np.empty((len(ids), k_periods, n))
    onehot = np.zeros((k_periods, n_groups))  # period × group: sums by period as one product
    onehot[s.period_of, np.arange(n_groups)] = 1.0
    linear = [(k, s.columns[i], LINEAR[i][1]) for k, i in enumerate(ids) if i != OPAQUE]
    opaque_k = ids.index(OPAQUE) if OPAQUE in ids else None
    t_opaque = 0.0
    started = time.perf_counter()
    for d, p in enumerate(draw_stream(defs, n, fed, labels)):
        for k, columns, coefficients in linear:
            by_period[k, :, d] = onehot @ linear_values(columns, coefficients(p))
        if opaque_k is not None:
            t0 = time.perf_counter()
            v = opaque_values(s, p["sme_average_wage"], n_groups)
            by_period[opaque_k, :, d] = onehot @ v
            t_opaque += time.perf_counter() - t0
    elapsed = time.perf_counter() - started
    point = np.empty((len(ids), k_periods))  # the point values, once, the same way
    for k, columns, coefficients in linear:
        point[k] = onehot @ linear_values(columns, coefficients(defs.points))
    if opaque_k is not None:
        point[opaque_k] = onehot @ opaque_values(s, defs.points["sme_average_wage"], n_groups)
    return {"loop_s": elapsed, "opaque_s": t_opaque, "by_period": by_period, "point": point}


def sample(s: Sums, every: int) -> Sums:
    """Every `every`-th group only (for the per-group check when (c′) is not run)."""
    pick = slice(None, None, every)
    return Sums(
        s.groups[pick],
        s.period_of[pick],
        {i: tuple(c[pick] for c in cols) for i, cols in s.columns.items()},
        {i: v[pick] for i, v in s.valued.items()},
        s.wage_group,
        s.wage,
        s.wage_weight,
    )


def baseline_rows(defs: Definitions, s: Sums, fed: np.ndarray, labels: Sequence[str]) -> Any:
    """Per-group bands: one indicator at a time, a draws × groups array filled draw by draw."""
    n = fed.shape[1]
    n_groups = len(s.groups)
    onehot = np.zeros((n_groups, len(PERIODS)))
    onehot[np.arange(n_groups), s.period_of] = 1.0
    # The draws as dicts once, rather than once per indicator (a small cost either way).
    draws = [dict(p) for p in draw_stream(defs, n, fed, labels)]
    bands: dict[str, np.ndarray] = {}
    by_period = np.empty((len(defs.ids), len(PERIODS), n))
    point = np.empty((len(defs.ids), len(PERIODS)))
    t_loop = t_bands = 0.0
    for k, ident in enumerate(defs.ids):
        columns, coefficients = s.columns[ident], LINEAR[ident][1]
        t0 = time.perf_counter()
        values = np.empty((n, n_groups))
        for d in range(n):
            values[d] = linear_values(columns, coefficients(draws[d]))
        t1 = time.perf_counter()
        by_period[k] = (values @ onehot).T  # for the check of the totals; not timed
        t2 = time.perf_counter()
        mean = values.mean(axis=0)
        q = np.quantile(values, QS, axis=0, overwrite_input=True)  # no copy of 1.2 GB
        t_loop += t1 - t0
        t_bands += time.perf_counter() - t2
        at_point = linear_values(columns, coefficients(defs.points))
        bands[ident] = np.column_stack([at_point, mean, q[0], q[1], q[2]])
        point[k] = at_point @ onehot
        del values
    return bands, by_period, point, t_loop, t_bands


# ---------------------------------------------------------------------------------------------
# children


def peak_rss_mib() -> float:
    """This process's peak resident set size (`VmHWM`), in MiB (see bench_measure.py for why
    not `getrusage(RUSAGE_CHILDREN)` in the parent)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")


def band_tuple(b: Any) -> tuple[float, float, float, float, float]:
    return (b.point, b.mean, b.p5, b.p50, b.p95)


def child_ids(all_ids: Sequence[str], variant: str) -> list[str]:
    return sorted(i for i in all_ids if variant in WITH_OPAQUE or i != OPAQUE)


def instrument(montecarlo: Any, ranges: Any) -> tuple[list[tuple[int, float]], list[float]]:
    """Time gachi's opaque query and its per-group bands from outside: the modules' functions
    are looked up at call time, so wrapping them here times every call."""
    opaque_calls: list[tuple[int, float]] = []  # (draws, seconds) per call
    rows_time: list[float] = []
    runner = getattr(montecarlo, "_opaque_runner", None)
    rows = getattr(ranges, "_rows", None)
    if runner is not None:

        def timed_runner(*a: Any, **kw: Any) -> Callable[[np.ndarray], Any]:
            run = runner(*a, **kw)

            def wrapped(x: np.ndarray) -> Any:
                t0 = time.perf_counter()
                out = run(x)
                opaque_calls.append((x.shape[1], time.perf_counter() - t0))
                return out

            return wrapped

        montecarlo._opaque_runner = timed_runner
    if rows is not None:

        def timed_rows(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            out = rows(*a, **kw)
            rows_time.append(time.perf_counter() - t0)
            return out

        ranges._rows = timed_rows
    return opaque_calls, rows_time


def run_gachi(variant: str, args: argparse.Namespace, info: dict[str, Any]) -> None:
    from gachi.engine import montecarlo, ranges
    from gachi.engine.catalog import load_catalog
    from gachi.engine.data import open_dataset
    from gachi.engine.plan import compile_plan
    from gachi.engine.run import data_rules, measure
    from gachi.errors import InvalidInput

    opaque_calls, rows_time = instrument(montecarlo, ranges)
    t0 = time.perf_counter()
    catalog = load_catalog(CATALOG)
    plan = compile_plan(catalog, child_ids(catalog.order, variant))
    info["plan_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    df = make_records(args.records_per_group)
    info["data_s"] = time.perf_counter() - t0
    info["records"] = len(df)
    t0 = time.perf_counter()
    ds = open_dataset(df, data_rules(plan), threads=args.threads)
    info["open_s"] = time.perf_counter() - t0
    with ds:
        t0 = time.perf_counter()
        plain = measure(plan, ds)
        info["point_s"] = time.perf_counter() - t0
        per_group = variant == "gachi-rows"
        t0 = time.perf_counter()
        try:
            result = measure(plan, ds, draws=args.draws, seed=SEED, ranges_per_group=per_group)
        except InvalidInput as e:  # over gachi's memory budget: refused up front
            info["refused"] = str(e)
            info["measure_s"] = time.perf_counter() - t0
            return
        info["measure_s"] = time.perf_counter() - t0
    info["opaque_calls"] = opaque_calls
    info["rows_s"] = sum(rows_time)
    u = result.uncertainty
    assert u is not None
    info["ids"] = list(plain.indicators)
    info["values"] = {  # the deterministic result, summed over groups, per indicator
        i: sum(r.value or 0.0 for r in plain.rows if r.indicator == i) for i in plain.indicators
    }
    info["bands"] = {
        "total": band_tuple(u.total),
        **{f"category:{k}": band_tuple(v) for k, v in u.by_category.items()},
        **{f"indicator:{k}": band_tuple(v) for k, v in u.by_indicator.items()},
        # Each period over every organisation: the scope the hand-written baseline sums.
        **{
            f"period:{dict(k)['period']}": band_tuple(v.total)
            for k, v in u.scopes.items()
            if len(k) == 1 and k[0][0] == "period"
        },
    }
    info["assumptions"] = [(a.label, a.share) for a in u.assumptions][:3]
    if u.rows is not None:
        groups = sorted({tuple(str(k) for k in r.group) for r in plain.rows})
        nan = (math.nan,) * 5
        info["groups"] = groups
        info["rows"] = {
            i: np.array([band_tuple(u.rows[(g, i)]) if (g, i) in u.rows else nan for g in groups])
            for i in info["ids"]
        }


def run_baseline(variant: str, args: argparse.Namespace, info: dict[str, Any]) -> None:
    all_ids = sorted(p.stem for p in CATALOG.glob("*.yaml") if p.stem != "catalog")
    ids = child_ids(all_ids, variant)
    t0 = time.perf_counter()
    defs = read_definitions(ids)
    df = make_records(args.records_per_group)
    info["data_s"] = time.perf_counter() - t0
    info["records"] = len(df)
    t0 = time.perf_counter()
    sums = prepare(df, ids, args.threads)
    info["prepare_s"] = time.perf_counter() - t0
    info["wage_records"] = len(sums.wage)
    info["ids"] = list(ids)
    info["category"] = dict(defs.category)
    info["in_totals"] = dict(defs.in_totals)
    fed = labels = None
    if variant in ("baseline-rows", "baseline-sample", "baseline-fed"):
        fed, labels = gachi_draws(ids, args.draws)  # not timed: gachi's draws, for exact checks
    if variant in ("baseline-rows", "baseline-sample"):
        assert fed is not None and labels is not None
        if variant == "baseline-sample":
            sums = sample(sums, SAMPLE_EVERY)
        bands, by_period, point, t_loop, t_bands = baseline_rows(defs, sums, fed, labels)
        info["loop_s"] = t_loop + t_bands
        info["rows_loop_s"], info["rows_bands_s"] = t_loop, t_bands
        info["groups"] = sums.groups
        info["rows"] = bands
        info["valued"] = {i: sums.valued[i] for i in ids}
        info["by_period"], info["point"] = by_period, point
        return
    info.update(baseline_loop(defs, sums, args.draws, fed, labels))


def gachi_draws(ids: Sequence[str], n: int) -> tuple[np.ndarray, list[str]]:
    """gachi's (parameters × n) draws for seed 1, in the YAML's units, and their labels."""
    from gachi.engine.catalog import load_catalog
    from gachi.engine.parameters import collect

    params = collect(load_catalog(CATALOG), ids)
    x = params.draw(n, SEED)
    # Older engines drew in their own units (`scale` = YAML units → engine units); newer ones
    # draw as written.
    scales = np.array([[getattr(p, "scale", 1.0)] for p in params.items])
    return x / scales, [p.label for p in params.items]


def child_main(args: argparse.Namespace) -> None:
    info: dict[str, Any] = {"variant": args.child, "draws": args.draws}
    if args.child.startswith("gachi"):
        run_gachi(args.child, args, info)
    else:
        run_baseline(args.child, args, info)
    info["peak_rss_mib"] = peak_rss_mib()
    with open(args.out, "wb") as fh:
        pickle.dump(info, fh)


def run_child(
    variant: str,
    args: argparse.Namespace,
    draws: int,
    folder: str,
    budget_gib: float | None = None,
) -> dict[str, Any]:
    out = os.path.join(folder, f"{variant}-{draws}-{time.monotonic_ns()}.pickle")
    cmd = [sys.executable, __file__, "--child", variant, "--out", out, "--draws", str(draws)]
    cmd += ["--records-per-group", str(args.records_per_group), "--threads", str(args.threads)]
    env = {**os.environ, "GACHI_LANG": "en"}
    if budget_gib is not None:
        env["GACHI_MC_MEMORY_GIB"] = f"{budget_gib:g}"
    started = time.perf_counter()
    done = subprocess.run(cmd, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"child {variant} (draws {draws}) failed with status {done.returncode}")
    with open(out, "rb") as fh:
        info: dict[str, Any] = pickle.load(fh)  # our own child's file
    os.unlink(out)
    info["wall_s"] = time.perf_counter() - started
    info["budget_gib"] = budget_gib
    what = "REFUSED" if "refused" in info else f"{info.get('measure_s', info.get('loop_s')):7.2f} s"
    print(
        f"  {variant:<14} draws {draws:>6,}: {what}, peak RSS {info['peak_rss_mib']:7,.0f} MiB "
        f"(process {info['wall_s']:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
    return info


# ---------------------------------------------------------------------------------------------
# comparison


def aggregate_bands(
    info: Mapping[str, Any], ids: Sequence[str]
) -> dict[str, tuple[np.ndarray, float]]:
    """The baseline's draws of every total gachi gives a range for, with their point values."""
    index = {i: k for k, i in enumerate(info["ids"])}
    bp, pt = info["by_period"], info["point"]
    counted = [i for i in ids if info["in_totals"][i]]
    out: dict[str, tuple[np.ndarray, float]] = {}
    for i in ids:
        out[f"indicator:{i}"] = (bp[index[i]].sum(axis=0), float(pt[index[i]].sum()))
    total_p = sum(bp[index[i]] for i in counted)
    total_pt = sum(pt[index[i]] for i in counted)
    out["total"] = (total_p.sum(axis=0), float(total_pt.sum()))
    for j, period in enumerate(PERIODS):
        out[f"period:{period}"] = (total_p[j], float(total_pt[j]))
    for cat in sorted({info["category"][i] for i in counted}):
        members = [i for i in counted if info["category"][i] == cat]
        out[f"category:{cat}"] = (
            sum(bp[index[i]].sum(axis=0) for i in members),
            float(sum(pt[index[i]].sum() for i in members)),
        )
    return out


def rel(a: float, b: float, floor: float = 0.0) -> float:
    scale = max(abs(a), abs(b), floor)
    return 0.0 if scale == 0 else abs(a - b) / scale


def band_of(draws: np.ndarray, point: float) -> tuple[float, float, float, float, float]:
    q = np.quantile(draws, QS)
    return (point, float(draws.mean()), float(q[0]), float(q[1]), float(q[2]))


FIELDS = ("point", "mean", "p5", "p50", "p95")


def compare_exact(
    name: str, gachi: Mapping[str, Any], base: Mapping[str, tuple[np.ndarray, float]]
) -> tuple[float, list[str]]:
    """Same draws: every point, mean and percentile within `TOLERANCE`."""
    worst, bad = 0.0, []
    if set(gachi) != set(base):
        return math.inf, [f"{name}: different ranges: {sorted(set(gachi) ^ set(base))}"]
    for key, (draws, point) in base.items():
        want = band_of(draws, point)
        floor = 1e-6 * max(abs(v) for v in want)  # a percentile near zero: relative to the band
        for label, a, b in zip(FIELDS, gachi[key], want, strict=True):
            r = rel(a, b, floor)
            worst = max(worst, r)
            if not r < TOLERANCE:
                bad.append(f"{name}: {key} {label}: gachi {a!r}, baseline {b!r} (rel. {r:.2g})")
    return worst, bad


def compare_mc(
    name: str, gachi: Mapping[str, Any], base: Mapping[str, tuple[np.ndarray, float]]
) -> tuple[float, float, list[str]]:
    """Independent draws: points exact; each percentile of gachi's within `Z` standard errors
    of the baseline's, as a rank among the baseline's draws (distribution-free); means within
    `Z` standard errors of the difference of two means."""
    worst_point, worst_z, bad = 0.0, 0.0, []
    if set(gachi) != set(base):
        return math.inf, math.inf, [f"{name}: different ranges: {sorted(set(gachi) ^ set(base))}"]
    for key, (draws, point) in base.items():
        g = gachi[key]
        r = rel(g[0], point)
        worst_point = max(worst_point, r)
        if not r < TOLERANCE:
            bad.append(f"{name}: {key} point: gachi {g[0]!r}, baseline {point!r}")
        n = len(draws)
        sd = float(draws.std())
        if sd <= 1e-12 * max(abs(point), 1.0):  # a certain value: every draw is the point
            if max(rel(v, point) for v in g[1:]) >= TOLERANCE:
                bad.append(f"{name}: {key}: constant in the baseline, not in gachi: {g}")
            continue
        zs = [abs(g[1] - float(draws.mean())) / (sd * math.sqrt(2.0 / n))]
        ranked = np.sort(draws)
        for q, value in zip(QS, g[2:], strict=True):
            rank = float(np.searchsorted(ranked, value))
            zs.append(abs(rank - q * n) / math.sqrt(2.0 * n * q * (1 - q)))
        for label, z in zip(FIELDS[1:], zs, strict=True):
            worst_z = max(worst_z, z)
            if z > Z:
                bad.append(f"{name}: {key} {label}: {z:.1f} standard errors apart")
    return worst_point, worst_z, bad


def compare_rows(
    gachi: Mapping[str, Any], base: Mapping[str, Any]
) -> tuple[float, int, int, list[str]]:
    """Same draws, every group × indicator: equal within `TOLERANCE`; a row gachi gives no
    range (no record with a value) must have no value in the baseline either."""
    where = {tuple(g): i for i, g in enumerate(gachi["groups"])}
    groups = [tuple(g) for g in base["groups"]]  # all of gachi's, or a sample
    if not set(groups) <= set(where) or len(set(groups)) != len(groups):
        return math.inf, 0, 0, ["per-group: the groups differ"]
    at = np.array([where[g] for g in groups], dtype=np.intp)
    worst, bad, count, empty = 0.0, [], 0, 0
    for ident in gachi["ids"]:
        a, b = gachi["rows"][ident][at], base["rows"][ident]
        missing = np.isnan(a).any(axis=1)
        empty += int(missing.sum())
        for g in np.flatnonzero(missing != ~base["valued"][ident]):
            bad.append(f"per-group {ident} {groups[g]}: gachi {a[g]}, baseline {b[g]}")
        a, b = a[~missing], b[~missing]
        floor = 1e-6 * np.maximum(np.abs(a).max(axis=1), np.abs(b).max(axis=1))
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor[:, None])
        r = np.abs(a - b) / np.where(scale > 0, scale, 1.0)
        count += a.shape[0]
        worst = max(worst, float(r.max(initial=0.0)))
        for g in np.flatnonzero((r >= TOLERANCE).any(axis=1))[:5]:
            bad.append(f"per-group {ident}: gachi {a[g]}, baseline {b[g]}")
    return worst, count, empty, bad


# ---------------------------------------------------------------------------------------------
# report


def machine() -> str:
    mem_kib = 0
    cpu = platform.processor() or "?"
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kib / 2**20:.1f} GiB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}; load average at the end {load}"
    )


def engine_version() -> str:
    """The commit measured, and whether the engine's sources differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}" if head else "unknown"


def med(runs: Sequence[Mapping[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def spread(runs: Sequence[Mapping[str, Any]], key: str) -> str:
    xs = [r[key] for r in runs]
    if len(xs) == 1:
        return f"{xs[0]:.2f}"
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"


def peak(runs: Sequence[Mapping[str, Any]]) -> float:
    return max(r["peak_rss_mib"] for r in runs)


def ratio(x: float, to: float) -> str:
    return f"{x / to:.3f}×" if x / to < 0.1 else f"{x / to:.2f}×"


def opaque_s(run: Mapping[str, Any]) -> float:
    return sum(t for _, t in run.get("opaque_calls", []))


def verdict(runs: Sequence[Mapping[str, Any]]) -> str:
    t, m = med(runs, "measure_s"), peak(runs)
    return (
        f"time {'met' if t < TARGET_S else 'NOT met'} ({t:.1f} s), "
        f"memory {'met' if m < TARGET_MIB else 'NOT met'} ({m:,.0f} MiB)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of (a′), (c) and the catalogue")
    ap.add_argument("--repeat-slow", type=int, default=1, help="runs of (a), (b) and (c′)")
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--check-draws", type=int, default=1_000, help="draws of the exact check")
    ap.add_argument("--records-per-group", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    ap.add_argument(
        "--rows-budget-gib",
        type=float,
        default=16.0,
        help="GACHI_MC_MEMORY_GIB for (b) if gachi refuses it at its default budget",
    )
    ap.add_argument(
        "--rows-baseline",
        action="store_true",
        help="also run (c′), the per-group NumPy loop (about 80 s more)",
    )
    ap.add_argument(
        "--quick", action="store_true", help="(a′) and (c) only, with the exact check: ~1 min"
    )
    ap.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_main(args)
        return

    n = args.draws
    started = time.perf_counter()
    engine_at_start = engine_version()
    print("running (each line one child process):", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="gachi-bench-") as folder:
        check = run_child("gachi-check", args, args.check_draws, folder)
        fed = run_child("baseline-fed", args, args.check_draws, folder)
        linear, base = [], []
        for _ in range(args.repeat):  # interleaved, so that drift affects both alike
            linear.append(run_child("gachi-linear", args, n, folder))
            base.append(run_child("baseline", args, n, folder))
        full: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        b_rows: list[dict[str, Any]] = []
        b_sample = None
        refused = None
        if not args.quick:
            for _ in range(args.repeat_slow):
                full.append(run_child("gachi", args, n, folder))
            first = run_child("gachi-rows", args, n, folder)
            budget = None
            if "refused" in first:
                refused, budget = first, args.rows_budget_gib
            else:
                rows.append(first)
            while len(rows) < args.repeat_slow:
                rows.append(run_child("gachi-rows", args, n, folder, budget))
            if args.rows_baseline:
                for _ in range(args.repeat_slow):
                    b_rows.append(run_child("baseline-rows", args, n, folder))
            else:  # the per-group check on every 50th group, untimed
                b_sample = run_child("baseline-sample", args, n, folder)
    total_s = time.perf_counter() - started
    engine = engine_version()
    if engine != engine_at_start:  # someone committed or edited src/ during the run
        engine = f"{engine_at_start} at the start, {engine} at the end (changed during the run!)"

    # ---- agreement
    problems: list[str] = []
    checks: list[str] = []
    ids = linear[0]["ids"]
    worst, bad = compare_exact("exact check", check["bands"], aggregate_bands(fed, check["ids"]))
    problems += bad
    checks.append(
        f"all 30 indicators at {args.check_draws:,} draws, the baseline fed gachi's draws: every "
        f"range equal to {worst:.1e} (relative)"
    )
    base_bands = aggregate_bands(base[0], ids)
    worst_point, worst_z, bad = compare_mc("(a′) vs (c)", linear[0]["bands"], base_bands)
    problems += bad
    msg = f"(a′) vs (c), independent draws: points equal to {worst_point:.1e}, percentiles and "
    msg += f"means within {worst_z:.1f} standard errors ({len(base_bands)} ranges)"
    if full:
        full_bands = aggregate_bands(base[0], full[0]["ids"])
        worst_point, worst_z, bad = compare_mc("(a) vs (c)", full[0]["bands"], full_bands)
        problems += bad
        msg += f"; (a) vs (c) likewise: {worst_point:.1e} and {worst_z:.1f}"
    checks.append(msg)
    for run in (check, linear[0], *full[:1]):
        for i in run["ids"]:  # the ranges' point values are the plain result's values
            r = rel(run["bands"][f"indicator:{i}"][0], run["values"][i])
            if not r < TOLERANCE:
                problems.append(f"{run['variant']} {i}: range point {r:.2g} off the plain result")
    if rows and b_rows:
        worst_rows, count, empty, bad = compare_rows(rows[0], b_rows[0])
        problems += bad
        meta = {"category": base[0]["category"], "in_totals": base[0]["in_totals"]}
        worst_agg, bad = compare_exact(
            "(b) vs (c′) totals", rows[0]["bands"], aggregate_bands({**b_rows[0], **meta}, ids)
        )
        problems += bad
        checks.append(
            f"(b) vs (c′), the same draws: {count:,} bands equal to {worst_rows:.1e}, "
            f"{empty} group × indicator rows without a value have none in either; their totals "
            f"equal to {worst_agg:.1e}"
        )
    elif rows and b_sample is not None:
        worst_rows, count, empty, bad = compare_rows(rows[0], b_sample)
        problems += bad
        checks.append(
            f"(b) against the same loop as (c′) for every {SAMPLE_EVERY}th group, the same draws: "
            f"{count:,} bands equal to {worst_rows:.1e} ({empty} rows without a value in both)"
        )
    if problems:
        print(f"\n!!! VERIFICATION FAILED: {len(problems)} problems, first 30:", file=sys.stderr)
        for line in problems[:30]:
            print("  " + line, file=sys.stderr)
        raise SystemExit(1)

    # ---- report
    groups = len(PROGRAMMES) * len(PERIODS) * ORGANISATIONS
    records = linear[0]["records"]
    for r in base:  # the loop over the 29 indicators: all 30 less the opaque one, timed apart
        r["linear_s"] = r["loop_s"] - r["opaque_s"]
    c_all, c_lin = med(base, "loop_s"), med(base, "linear_s")
    print()
    print(
        f"**{n:,} draws; {ORGANISATIONS:,} organisations × {len(PROGRAMMES)} programmes × "
        f"{len(PERIODS)} periods = {groups:,} groups, {records:,} records; 30 indicators; DuckDB "
        f"threads {args.threads}; runs: {args.repeat} of (a′) and (c), {args.repeat_slow} of "
        f"the others; medians (min–max). Engine: {engine}.**"
    )
    print()
    print("| variant | time (s) | ÷ its NumPy loop | peak RSS, own process (MiB) |")
    print("|---|---:|---:|---:|")
    row = "| {} | {} | {} | {} |"
    print(
        row.format("catalogue: `load_catalog` + `compile_plan`", spread(linear, "plan_s"), "", "")
    )
    print(
        row.format(f"data: `open_dataset` ({records:,} records)", spread(linear, "open_s"), "", "")
    )
    print(row.format("`measure` without draws (point values)", spread(linear, "point_s"), "", ""))
    if full:
        print(
            row.format(
                f"**(a) `measure(draws={n:,})`**, 30 indicators: ranges of the total, categories, "
                "indicators, periods; variance shares, tornado, break-even",
                f"**{spread(full, 'measure_s')}**",
                f"**{ratio(med(full, 'measure_s'), c_all)}**",
                f"{peak(full):,.0f}",
            )
        )
        calls = full[0]["opaque_calls"]
        print(
            row.format(
                f"— of which the opaque query ({OPAQUE}; {len(calls)} calls: "
                + ", ".join(f"{d:,}" for d, _ in calls)
                + " draws)",
                f"{statistics.median(opaque_s(r) for r in full):.2f}",
                "",
                "",
            )
        )
    print(
        row.format(
            f"**(a′) the same without {OPAQUE}** (29 indicators)",
            f"**{spread(linear, 'measure_s')}**",
            f"**{ratio(med(linear, 'measure_s'), c_lin)}**",
            f"{peak(linear):,.0f}",
        )
    )
    print(
        row.format(
            f"**(c) NumPy loop over {n:,} draws**, 30 indicators, the same ranges (no variance "
            "shares, tornado or break-even)",
            f"**{spread(base, 'loop_s')}**",
            "1.00×",
            f"{peak(base):,.0f}",
        )
    )
    print(row.format(f"— of which {OPAQUE} ¹", spread(base, "opaque_s"), "", ""))
    print(row.format("— (c) less it: the baseline of (a′)", spread(base, "linear_s"), "1.00×", ""))
    print(row.format("— before the loop: per-group sums (SQL)", spread(base, "prepare_s"), "", ""))
    if refused is not None:
        print(
            row.format(
                "(b) `ranges_per_group=True` at gachi's default memory budget",
                f"refused after {refused['measure_s']:.2f} s ²",
                "",
                f"{refused['peak_rss_mib']:,.0f}",
            )
        )
    if rows:
        note = (
            f" (`GACHI_MC_MEMORY_GIB={rows[0]['budget_gib']:g}`)" if rows[0]["budget_gib"] else ""
        )
        c_rows = med(b_rows, "loop_s") if b_rows else c_lin
        print(
            row.format(
                f"**(b) `ranges_per_group=True`**{note}, 29 indicators: + {groups * len(ids):,} "
                "bands",
                f"**{spread(rows, 'measure_s')}**",
                f"**{ratio(med(rows, 'measure_s'), c_rows)}**" + ("" if b_rows else " ⁴"),
                f"{peak(rows):,.0f}",
            )
        )
        print(row.format("— of which `montecarlo._rows`", spread(rows, "rows_s"), "", ""))
    if b_rows:
        print(
            row.format(
                "**(c′) NumPy loop, per-group bands**, one indicator at a time ³",
                f"**{spread(b_rows, 'loop_s')}**",
                "1.00×",
                f"{peak(b_rows):,.0f}",
            )
        )
        print(row.format("— of which mean + `np.quantile`", spread(b_rows, "rows_bands_s"), "", ""))
    print()
    notes = [
        f"¹ per draw, `max(wage − reference, 0) × workers × months` over "
        f"{base[0]['wage_records']:,} records, then `np.bincount` to the groups; timed inside the "
        "loop."
    ]
    if refused is not None:
        notes.append(f"² “{refused['refused']}”")
    if b_rows:
        notes.append("³ fed gachi's draws, so that every band can be compared exactly.")
    elif rows:
        notes.append(
            "⁴ against (c) less the opaque indicator, which gives no per-group bands; "
            "`--rows-baseline` runs (c′), the per-group loop."
        )
    print("  ".join(notes))
    print()
    verdicts = []
    if full:
        verdicts.append(f"(a) {verdict(full)}")
    verdicts.append(f"(a′) {verdict(linear)}")
    if rows:
        verdicts.append(f"(b) {verdict(rows)}")
    print(f"**Target** (< {TARGET_S:g} s, < 4 GB at {n:,} draws): " + "; ".join(verdicts) + ".")
    print()
    print("Checks: " + "; ".join(checks) + ".")
    top = ", ".join(f"{label} {share:.0%}" for label, share in linear[0]["assumptions"])
    print(f"Largest variance shares, (a′): {top}. Whole benchmark: {total_s:.0f} s.")
    print()
    print("Machine: " + machine())


if __name__ == "__main__":
    main()
