"""Run the same compiled plan on PostgreSQL — the path to a distributed SQL engine.

The checked `records` table is copied from the dataset's DuckDB into a temporary PostgreSQL table
with COPY, then the plan's query, generated for the postgres dialect, runs there.
"""

from __future__ import annotations

from typing import Any

from gachi.engine.data import Dataset
from gachi.engine.plan import Plan
from gachi.engine.result import Result
from gachi.engine.run import assemble, data_rules
from gachi.errors import DataError, InvalidInput

TABLE = "gachi_records"


def measure_postgres(plan: Plan, dataset: Dataset, dsn: str, *, batch: int = 50_000) -> Result:
    """Compute `plan` over `dataset` on the PostgreSQL at `dsn` (a libpq connection string)."""
    import psycopg

    rules = data_rules(plan)
    names = [r.name for r in rules]
    try:
        conn = psycopg.connect(dsn, connect_timeout=10)
    except psycopg.Error as ex:  # unreachable, refused, or a malformed connection string
        raise InvalidInput("postgres.unreachable", detail=_first_line(ex)) from None
    try:
        return _measure(plan, dataset, conn, rules, names, batch)
    except psycopg.DataError as ex:  # SQLSTATE class 22: an overflow, a NUL byte in text
        raise DataError("data.postgres-computation", detail=_first_line(ex)) from None
    except psycopg.Error as ex:
        raise InvalidInput("postgres.failed", detail=_first_line(ex)) from None


def _first_line(ex: Exception) -> str:
    text = str(ex).strip()
    return text.splitlines()[0] if text else type(ex).__name__


def _measure(
    plan: Plan, dataset: Dataset, conn: Any, rules: list[Any], names: list[str], batch: int
) -> Result:
    from psycopg import sql

    with conn, conn.cursor() as cur:
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(
                sql.Identifier(r.name), sql.SQL("double precision" if r.numeric else "text")
            )
            for r in rules
        )
        cur.execute(
            sql.SQL("CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP").format(
                sql.Identifier(TABLE), columns
            )
        )
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(TABLE), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        source = dataset.con.execute(_select(names, dataset.table))
        with cur.copy(copy_sql) as copy:
            while chunk := source.fetchmany(batch):
                for row in chunk:
                    copy.write_row(row)
        # PostgreSQL stops on an overflow where DuckDB gives infinity: the caller reports it.
        cur.execute(plan.sql(TABLE, dialect="postgres").encode())
        rows: list[Any] = cur.fetchall()
    return assemble(plan, rows, dataset.info, backend="postgres")


def _select(names: list[str], table: str) -> str:
    from sqlglot import exp

    from gachi.engine.expr.to_sql import column

    return (
        exp.select(*(column(n) for n in names))
        .from_(exp.to_table(table, quoted=True))
        .sql("duckdb")
    )
