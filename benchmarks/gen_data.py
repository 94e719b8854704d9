"""Deterministic synthetic record-level data for the gachi benchmark, written as Parquet.

    .venv/bin/python benchmarks/gen_data.py --rows 10000000

writes `benchmarks/data/records_<rows>.parquet` (the folder is git-ignored) unless it already
exists. Every row is one synthetic programme report: an `organisation` (1,000 distinct, text),
a `period` (five years, text) and eight non-negative numeric inputs. About 5% of `persons`,
`hours`, `krw_sales`, `visits` and `tco2e` are NULL, and about 0.1% of `hours` (the divisor of
`productivity_uplift`) are exactly zero.

Values come from numpy's PCG64 generator with a fixed seed, in fixed-size chunks, so the same
`--rows` always gives the same rows (the first N rows do not depend on the total). pyarrow is not
needed: each chunk is a pandas DataFrame that DuckDB scans directly, and DuckDB writes the Parquet.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SEED = 20240601
CHUNK = 1_000_000  # fixed: part of what makes the data reproducible
ORGANISATIONS = 1_000
PERIODS = ("2020", "2021", "2022", "2023", "2024")
NULL_SHARE = 0.05
ZERO_HOURS_SHARE = 0.001
DATA_DIR = Path(__file__).resolve().parent / "data"
NUMERIC = ("persons", "hours", "cases", "mwh", "tco2e", "krw_sales", "visits", "months")


def data_path(rows: int) -> Path:
    return DATA_DIR / f"records_{rows}.parquet"


def _chunk(rng: np.random.Generator, n: int) -> pd.DataFrame:
    org_names = [f"org-{i:04d}" for i in range(1, ORGANISATIONS + 1)]
    org = pd.Categorical.from_codes(rng.integers(0, ORGANISATIONS, n), categories=org_names)
    period = pd.Categorical.from_codes(rng.integers(0, len(PERIODS), n), categories=PERIODS)
    persons = rng.poisson(8.0, n).astype("float64")
    # hours of service: roughly 30 hours a person, with noise, to the half hour
    hours = np.round(rng.gamma(4.0, 60.0, n) * 2.0) / 2.0
    hours[rng.random(n) < ZERO_HOURS_SHARE] = 0.0
    cases = rng.poisson(3.0, n).astype("float64")
    mwh = np.round(rng.lognormal(3.5, 1.0, n), 3)
    tco2e = np.round(rng.lognormal(1.5, 0.8, n), 3)
    krw_sales = np.round(rng.lognormal(17.5, 0.7, n))
    visits = rng.poisson(30.0, n).astype("float64")
    months = rng.integers(1, 13, n).astype("float64")
    frame = pd.DataFrame(
        {
            "organisation": org,
            "period": period,
            "persons": persons,
            "hours": hours,
            "cases": cases,
            "mwh": mwh,
            "tco2e": tco2e,
            "krw_sales": krw_sales,
            "visits": visits,
            "months": months,
        }
    )
    for col in ("persons", "hours", "krw_sales", "visits", "tco2e"):
        frame.loc[rng.random(n) < NULL_SHARE, col] = np.nan
    return frame


def generate(rows: int, path: Path, *, threads: int = 2) -> None:
    """Write `rows` synthetic records to `path` (atomically, via a temporary file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    con = duckdb.connect(config={"threads": threads})
    try:
        con.execute(
            "CREATE TABLE gen (organisation VARCHAR, period VARCHAR, "
            + ", ".join(f"{c} DOUBLE" for c in NUMERIC)
            + ")"
        )
        done = 0
        while done < rows:
            n = min(CHUNK, rows - done)
            frame = _chunk(rng, CHUNK)[:n]  # always draw a full chunk: rows-independent values
            con.register("chunk", frame)
            # NaN in a float column of a DataFrame arrives in DuckDB as NULL
            con.execute(
                "INSERT INTO gen SELECT CAST(organisation AS VARCHAR), CAST(period AS VARCHAR), "
                + ", ".join(NUMERIC)
                + " FROM chunk"
            )
            con.unregister("chunk")
            done += n
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        con.execute(f"COPY gen TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
        tmp.replace(path)
    finally:
        con.close()


def ensure(rows: int, *, threads: int = 2, quiet: bool = False) -> Path:
    """The Parquet file for `rows`, generated first if it is not there yet."""
    path = data_path(rows)
    if path.exists():
        if not quiet:
            print(f"reusing {path}")
        return path
    started = time.perf_counter()
    generate(rows, path, threads=threads)
    if not quiet:
        size = path.stat().st_size / 2**20
        print(
            f"generated {path} ({rows:,} rows, {size:,.0f} MiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="regenerate even if the file exists")
    args = ap.parse_args()
    if args.force:
        data_path(args.rows).unlink(missing_ok=True)
    ensure(args.rows, threads=args.threads)


if __name__ == "__main__":
    main()
