"""gachi against hand-written DuckDB SQL and plain pandas: 20 indicators by organisation × year.

    .venv/bin/python benchmarks/bench_measure.py                # 10,000,000 rows (`make bench`)
    .venv/bin/python benchmarks/bench_measure.py --rows 1000000 # a quicker smoke run

One run does all of this, in this order:

1. makes (or reuses) `benchmarks/data/records_<rows>.parquet` with `gen_data.py`;
2. gachi: `open_dataset` on the Parquet (load + check, timed once), then `measure` (timed
   `--repeat` times); alongside, the SQL gachi generates is timed on its own (execute + fetch,
   without turning rows into a `Result`) to separate the query from the Python around it;
3. hand-written SQL: `HAND_SQL` below, written by hand for these 20 indicators, run `--repeat`
   times on the very same DuckDB connection and table `records` that gachi loaded;
4. pandas: the Parquet read into a DataFrame with DuckDB's `.df()` (pyarrow is not needed;
   timed once), then a plain vectorised computation (timed `--repeat` times);
5. checks that all three agree on every value (relative difference below 1e-9) and exits with
   status 1, printing the worst differences, if they do not;
6. peak memory: each variant is run again end to end from the Parquet file in a child process of
   its own (`--only VARIANT`), which reports its own peak RSS (`VmHWM`, see `peak_rss_mib`), so
   that one variant's memory does not show in another's;
7. prints a Markdown table. Compute times are medians; ratios are against the hand SQL.

The constants in `HAND_SQL` and in `pandas_values` are typed in from the YAML files in
`benchmarks/catalog/`; they are deliberately not derived from the catalogue, so that the check
in step 5 compares gachi with independent implementations.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_data  # noqa: E402
from gachi.engine.catalog import load_catalog  # noqa: E402
from gachi.engine.data import open_dataset  # noqa: E402
from gachi.engine.plan import Plan, compile_plan  # noqa: E402
from gachi.engine.run import data_rules, measure  # noqa: E402

CATALOG = HERE / "catalog"
GROUP_BY = ("organisation", "period")
TOLERANCE = 1e-9
VARIANTS = ("gachi", "sql", "pandas")
Values = dict[tuple[str, str], dict[str, float | None]]

# The same 20 indicators as benchmarks/catalog/, written the way one would by hand: constant
# proxies and adjustments outside the SUM, per-record work inside it. gachi gives a record with a
# missing input no value; DuckDB's LEAST and GREATEST skip NULLs, so where a missing input would
# otherwise still give a value (capped_hours, staff_training) the record is skipped explicitly.
# (GREATEST(NULL, 0) gives 0, which adds nothing to a sum, so the other max() need no guard.)
HAND_SQL = """
SELECT
    organisation,
    period,
    SUM(CASE WHEN hours IS NOT NULL AND persons IS NOT NULL
             THEN LEAST(hours, persons * 2080) END) * 9860              AS capped_hours,
    SUM(GREATEST(mwh * 0.4173 - tco2e, 0)) * 250000                 AS carbon_offsets,
    SUM(hours) * 12000 * (1 - 0.1)                                  AS care_hours,
    SUM(cases) * 350000 * (1 - 0.3)                                 AS cases_resolved,
    SUM(visits) * 45000                                             AS clinic_visits,
    SUM(visits + 3 * cases) * 8000                                  AS digital_inclusion,
    SUM(persons * months) * 300000 * (1 + 0.8 + 0.8 * 0.8)          AS elder_care,
    SUM(cases) * 0.002 * 970000000 * (1 - 0.5)                      AS emergency_rescues,
    SUM(LEAST(mwh, 500)) * 1000 * 120                               AS energy_savings,
    SUM(GREATEST(visits - 25, 0)) * 30000                           AS extra_visits,
    SUM(persons * months) * 765444 * (1 - 0.25)                     AS jobs_benefit,
    SUM(krw_sales) * 0.6 * 0.35 * (1 - 0.2) * (1 - 0.1) * (1 - 0.25) AS local_multiplier,
    SUM(CASE WHEN persons >= 10 THEN persons * months
             ELSE 0.5 * persons * months END) * 50000               AS mentoring,
    SUM(mwh) * 0.4173 * 250000 * (1 - 0.1)                          AS solar_carbon,
    -SUM(tco2e) * 250000                                            AS process_emissions,
    SUM(mwh * 0.4173 * 250000 * (1 - 0.1) - tco2e * 250000)         AS net_climate,
    SUM((krw_sales / NULLIF(hours, 0) - 20000) * hours) * 0.15      AS productivity_uplift,
    SUM(krw_sales) * 0.08 * (1 - 0.2)                               AS social_procurement,
    SUM(CASE WHEN hours IS NOT NULL AND visits IS NOT NULL
             THEN GREATEST(0, LEAST(0.2 * hours + 0.5 * visits, 400)) END)
        * 15000                                                     AS staff_training,
    SUM(GREATEST(hours - 2 * persons, 0)) * 9860                    AS volunteer_time
FROM records
GROUP BY organisation, period
ORDER BY organisation, period
"""

# The same work as gachi does: the values above and, per indicator, how many records have a value
# (and, for the one indicator that divides, how many have an undefined one), written by hand.
HAND_COUNTS = """
    COUNT(*) FILTER (WHERE hours IS NOT NULL AND persons IS NOT NULL)  AS n_capped_hours,
    COUNT(*) FILTER (WHERE mwh IS NOT NULL AND tco2e IS NOT NULL)      AS n_carbon_offsets,
    COUNT(hours)                                                       AS n_care_hours,
    COUNT(cases)                                                       AS n_cases_resolved,
    COUNT(visits)                                                      AS n_clinic_visits,
    COUNT(*) FILTER (WHERE visits IS NOT NULL AND cases IS NOT NULL)   AS n_digital_inclusion,
    COUNT(*) FILTER (WHERE persons IS NOT NULL AND months IS NOT NULL) AS n_elder_care,
    COUNT(cases)                                                       AS n_emergency_rescues,
    COUNT(mwh)                                                         AS n_energy_savings,
    COUNT(visits)                                                      AS n_extra_visits,
    COUNT(*) FILTER (WHERE persons IS NOT NULL AND months IS NOT NULL) AS n_jobs_benefit,
    COUNT(krw_sales)                                                   AS n_local_multiplier,
    COUNT(*) FILTER (WHERE persons IS NOT NULL AND months IS NOT NULL) AS n_mentoring,
    COUNT(mwh)                                                         AS n_solar_carbon,
    COUNT(tco2e)                                                       AS n_process_emissions,
    COUNT(*) FILTER (WHERE mwh IS NOT NULL AND tco2e IS NOT NULL)      AS n_net_climate,
    COUNT(*) FILTER (WHERE krw_sales IS NOT NULL AND hours <> 0)       AS n_productivity_uplift,
    COUNT(*) FILTER (WHERE krw_sales IS NOT NULL AND hours = 0)        AS u_productivity_uplift,
    COUNT(krw_sales)                                                   AS n_social_procurement,
    COUNT(*) FILTER (WHERE hours IS NOT NULL AND visits IS NOT NULL)   AS n_staff_training,
    COUNT(*) FILTER (WHERE hours IS NOT NULL AND persons IS NOT NULL)  AS n_volunteer_time
"""
HAND_SQL_COUNTED = HAND_SQL.replace(
    "AS volunteer_time\nFROM", "AS volunteer_time," + HAND_COUNTS + "FROM"
)
assert HAND_SQL_COUNTED != HAND_SQL

INPUT_COLUMNS = ("persons", "hours", "cases", "mwh", "tco2e", "krw_sales", "visits", "months")


# ---------------------------------------------------------------------------------------------
# the three implementations


def pandas_values(df: pd.DataFrame) -> pd.DataFrame:
    """Straightforward vectorised pandas: per-record values, grouped sums, then the factors.

    NaN plays NULL: arithmetic and `np.minimum`/`np.maximum` propagate it (a record with a
    missing input has no value), `np.fmax(x, 0)` gives 0 where only the sum matters, and
    `sum(min_count=1)` leaves a group with no value at all as NaN.
    """
    persons, hours, cases, mwh = df["persons"], df["hours"], df["cases"], df["mwh"]
    tco2e, sales, visits, months = df["tco2e"], df["krw_sales"], df["visits"], df["months"]
    person_months = persons * months
    per_record = pd.DataFrame(
        {
            "capped_hours": np.minimum(hours, persons * 2080) * 9860,
            "carbon_offsets": np.fmax(mwh * 0.4173 - tco2e, 0) * 250000,
            "care_hours": hours * 12000,
            "cases_resolved": cases * 350000,
            "clinic_visits": visits * 45000,
            "digital_inclusion": (visits + 3 * cases) * 8000,
            "elder_care": person_months * 300000,
            "emergency_rescues": cases * 0.002 * 970000000,
            "energy_savings": np.fmin(mwh, 500) * 1000 * 120,
            "extra_visits": np.fmax(visits - 25, 0) * 30000,
            "jobs_benefit": person_months * 765444,
            "local_multiplier": sales * 0.6 * 0.35,
            "mentoring": np.where(persons >= 10, person_months, 0.5 * person_months) * 50000,
            "solar_carbon": mwh * 0.4173 * 250000,
            "process_emissions": -tco2e * 250000,
            "net_climate": mwh * 0.4173 * 250000 * 0.9 - tco2e * 250000,
            "productivity_uplift": (sales / hours.where(hours != 0) - 20000) * hours * 0.15,
            "social_procurement": sales * 0.08,
            "staff_training": np.maximum(0, np.minimum(0.2 * hours + 0.5 * visits, 400)) * 15000,
            "volunteer_time": np.fmax(hours - 2 * persons, 0) * 9860,
        }
    )
    factors = {
        "care_hours": 0.9,
        "cases_resolved": 0.7,
        "elder_care": 1 + 0.8 + 0.8**2,
        "emergency_rescues": 0.5,
        "jobs_benefit": 0.75,
        "local_multiplier": 0.8 * 0.9 * 0.75,
        "solar_carbon": 0.9,
        "social_procurement": 0.8,
    }
    sums = per_record.groupby([df["organisation"], df["period"]], sort=True).sum(min_count=1)
    return sums * pd.Series({c: factors.get(c, 1.0) for c in sums.columns})


def gachi_values(result: Any) -> Values:
    out: Values = {}
    for row in result.rows:
        out.setdefault((row.group[0], row.group[1]), {})[row.indicator] = row.value
    return out


def sql_values(con: duckdb.DuckDBPyConnection, sql: str) -> Values:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return {(r[0], r[1]): dict(zip(names[2:], r[2:], strict=True)) for r in cur.fetchall()}


def frame_values(frame: pd.DataFrame) -> Values:
    return {
        (str(k[0]), str(k[1])): {c: (None if math.isnan(v) else float(v)) for c, v in row.items()}
        for k, row in frame.to_dict("index").items()
    }


def read_frame(path: Path, threads: int) -> pd.DataFrame:
    con = duckdb.connect(config={"threads": threads})
    try:
        return con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
    finally:
        con.close()


def plain_load(path: Path, threads: int) -> duckdb.DuckDBPyConnection:
    """What one would do by hand before the hand SQL: a table from the Parquet, no checks."""
    con = duckdb.connect(config={"threads": threads})
    cols = ", ".join(["organisation", "period", *INPUT_COLUMNS])
    con.execute(f"CREATE TABLE records AS SELECT {cols} FROM read_parquet(?)", [str(path)])
    return con


# ---------------------------------------------------------------------------------------------
# checks


def compare(name: str, got: Values, want: Values, ids: tuple[str, ...]) -> tuple[float, list[str]]:
    """Largest relative difference of `got` from `want`, and descriptions of the failures."""
    problems: list[str] = []
    worst = 0.0
    if set(got) != set(want):
        missing, extra = set(want) - set(got), set(got) - set(want)
        problems.append(f"{name}: groups differ: {len(missing)} missing, {len(extra)} extra")
        return math.inf, problems
    for key, row in want.items():
        for ind in ids:
            a, b = got[key].get(ind), row.get(ind)
            if a is None or b is None:
                if a is not b:
                    problems.append(f"{name}: {key} {ind}: {a!r} vs {b!r}")
                    worst = math.inf
                continue
            scale = max(abs(a), abs(b))
            rel = 0.0 if scale == 0 else abs(a - b) / scale
            if rel > worst:
                worst = rel
            if not rel < TOLERANCE:
                problems.append(f"{name}: {key} {ind}: {a!r} vs {b!r} (rel. diff {rel:.3g})")
    return worst, problems


# ---------------------------------------------------------------------------------------------
# timing


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def peak_rss_mib() -> float:
    """This process's peak resident set size (`VmHWM`), in MiB.

    Not `getrusage(RUSAGE_CHILDREN)` in the parent: on Linux a child's `ru_maxrss` starts from
    the parent's RSS at fork (the kernel carries the old address space's high-water mark across
    `exec`), so every child of a 1 GiB parent would report at least 1 GiB. `VmHWM` belongs to
    the address space the child built after `exec`, so it is the child's own peak.
    """
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")


def run_pandas(path: Path, threads: int, repeat: int) -> tuple[float, list[float], pd.DataFrame]:
    """Read once, compute `repeat` times; the DataFrame is dropped on return."""
    t_read, df = timed(lambda: read_frame(path, threads))
    t_compute: list[float] = []
    for _ in range(repeat):
        t, frame = timed(lambda: pandas_values(df))
        t_compute.append(t)
    return t_read, t_compute, frame


def run_child(variant: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one variant end to end in a fresh process, which reports its own peak RSS."""
    cmd = [
        sys.executable,
        __file__,
        "--only",
        variant,
        "--rows",
        str(args.rows),
        "--threads",
        str(args.threads),
    ]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child --only {variant} failed with status {done.returncode}")
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return info


def only(variant: str, args: argparse.Namespace, path: Path, plan: Plan) -> None:
    """Child-process mode: one variant, once, from the Parquet file; timings as JSON."""
    info: dict[str, Any] = {"variant": variant}
    if variant == "gachi":
        info["load_s"], ds = timed(
            lambda: open_dataset(path, data_rules(plan), threads=args.threads)
        )
        with ds:
            info["compute_s"], _ = timed(lambda: measure(plan, ds))
    elif variant == "sql":
        info["load_s"], con = timed(lambda: plain_load(path, args.threads))
        info["compute_s"], _ = timed(lambda: con.execute(HAND_SQL).fetchall())
        con.close()
    else:
        info["load_s"], df = timed(lambda: read_frame(path, args.threads))
        info["compute_s"], _ = timed(lambda: pandas_values(df))
    info["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(info))


# ---------------------------------------------------------------------------------------------
# report


def machine() -> dict[str, str]:
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
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "ram": f"{mem_kib / 2**20:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "load average at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f} ({min(xs):.3f}–{max(xs):.3f})"


def check_counts(counted: list[Any], result: Any) -> None:
    """The hand-written counts must be gachi's `records` and `undefined`, group by group."""
    ids = result.indicators
    names = [f"n_{i}" for i in ids]
    k = 2 + len(ids)  # organisation, period, 20 values
    want = {(r.group, r.indicator): (r.records, r.undefined) for r in result.rows}
    bad = 0
    for row in counted:
        group = (str(row[0]), str(row[1]))
        counts = dict(
            zip(
                [*names[:16], "n_productivity_uplift", "u_productivity_uplift", *names[17:]],
                row[k:],
                strict=True,
            )
        )
        for ident in ids:
            undefined = counts.get(f"u_{ident}", 0)
            if want[(group, ident)] != (counts[f"n_{ident}"], undefined):
                bad += 1
    if bad:
        raise SystemExit(f"!!! the hand-written counts differ from gachi's in {bad} places !!!")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads (pandas uses one)")
    ap.add_argument("--only", choices=VARIANTS, help="internal: run one variant for its memory")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-RSS child runs")
    ap.add_argument("--show-sql", action="store_true", help="print the SQL gachi generates")
    args = ap.parse_args()

    path = gen_data.ensure(args.rows, threads=args.threads, quiet=args.only is not None)
    catalog = load_catalog(CATALOG)
    plan = compile_plan(catalog, group_by=GROUP_BY)
    ids = tuple(p.id for p in plan.indicators)
    if args.only:
        only(args.only, args, path, plan)
        return
    if args.show_sql:
        print(plan.sql("records"))

    # gachi and the hand SQL, on one connection and one table
    t_load, ds = timed(lambda: open_dataset(path, data_rules(plan), threads=args.threads))
    gachi_sql = plan.sql(ds.table, dialect="duckdb")
    t_gachi: list[float] = []
    t_gachi_sql: list[float] = []
    t_hand: list[float] = []
    t_counted: list[float] = []
    with ds:
        for _ in range(args.repeat):  # interleaved, so drift affects all alike
            t, result = timed(lambda: measure(plan, ds))
            t_gachi.append(t)
            t, _ = timed(lambda: ds.con.execute(gachi_sql).fetchall())
            t_gachi_sql.append(t)
            t, hand = timed(lambda: sql_values(ds.con, HAND_SQL))
            t_hand.append(t)
            t, counted = timed(lambda: ds.con.execute(HAND_SQL_COUNTED).fetchall())
            t_counted.append(t)
        rows = ds.info.rows
    check_counts(counted, result)
    t_plain_load, con = timed(lambda: plain_load(path, args.threads))
    con.close()

    t_read, t_pandas, frame = run_pandas(path, args.threads, args.repeat)

    # agreement
    reference = gachi_values(result)
    worst_sql, bad_sql = compare("hand SQL vs gachi", hand, reference, ids)
    worst_pd, bad_pd = compare("pandas vs gachi", frame_values(frame), reference, ids)
    if bad_sql or bad_pd:
        print(
            f"\n!!! VERIFICATION FAILED: the implementations disagree "
            f"({len(bad_sql)} hand-SQL and {len(bad_pd)} pandas differences; "
            f"first 30 below) !!!",
            file=sys.stderr,
        )
        for line in (bad_sql + bad_pd)[:30]:
            print("  " + line, file=sys.stderr)
        raise SystemExit(1)
    groups = len(reference)

    mem = {} if args.no_memory else {v: run_child(v, args) for v in VARIANTS}

    # report
    hand_med = statistics.median(t_hand)

    def ratio(xs: list[float]) -> str:
        return f"{statistics.median(xs) / hand_med:.2f}×"

    def rss(v: str) -> str:
        return f"{mem[v]['peak_rss_mib']:,.0f}" if v in mem else "–"

    env = machine()
    print()
    print(
        f"**{rows:,} rows × {len(ids)} indicators → {groups:,} groups "
        f"(organisation × period)**; DuckDB threads: {args.threads}; repeats: {args.repeat}; "
        f"all three agree (max. relative difference: hand SQL {worst_sql:.1e}, "
        f"pandas {worst_pd:.1e})."
    )
    print()
    print(
        "| variant | load (s) | compute, median (min–max) (s) | compute ÷ hand SQL "
        "| peak RSS, own process (MiB) |"
    )
    print("|---|---:|---:|---:|---:|")
    print(
        f"| gachi `measure` | {t_load:.2f} ¹ | {spread(t_gachi)} | {ratio(t_gachi)} "
        f"| {rss('gachi')} |"
    )
    print(f"| — of which gachi's SQL alone ² | | {spread(t_gachi_sql)} | {ratio(t_gachi_sql)} | |")
    print(
        f"| hand-written DuckDB SQL | {t_plain_load:.2f} ³ | {spread(t_hand)} | 1.00× "
        f"| {rss('sql')} |"
    )
    print(
        f"| hand-written DuckDB SQL with the same record counts ⁵ | | {spread(t_counted)} "
        f"| {ratio(t_counted)} | |"
    )
    print(f"| pandas | {t_read:.2f} ⁴ | {spread(t_pandas)} | {ratio(t_pandas)} | {rss('pandas')} |")
    print()
    print(
        "¹ `open_dataset`: read the Parquet, check every cell, type the table.  "
        "² `plan.sql` executed and fetched on the same table, without building the `Result`.  "
        "³ plain `CREATE TABLE … AS SELECT … FROM read_parquet(…)`, no checks (the timed "
        "queries ran on gachi's table).  ⁴ Parquet → DataFrame with DuckDB `.df()`.  "
        "⁵ the hand SQL plus, per indicator, the records that have a value (and those with an "
        "undefined one) — what gachi returns besides the values; checked equal to gachi's."
    )
    if mem:
        print()
        print(
            "Peak RSS: each variant run once more, end to end from the Parquet file "
            "(load + compute, Python and imports included), in its own child process; "
            "times in those runs: "
            + "; ".join(
                f"{v} load {mem[v]['load_s']:.2f} s + compute {mem[v]['compute_s']:.2f} s"
                for v in VARIANTS
            )
            + "."
        )
    print()
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in env.items()))


if __name__ == "__main__":
    main()
