"""Record-level data into DuckDB, checked before anything is computed.

`open_dataset` reads CSV (UTF-8 or CP949), Parquet, XLSX or a pandas DataFrame into an in-memory
DuckDB table `records`, with every needed input column as DOUBLE and every grouping column as
text. Before that table exists, all cells are checked and every problem (missing column, text in a
number cell, a negative quantity, a number too large to add up exactly, an empty group key) is
reported at once with its row and column. Nothing is computed on data that failed a check.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from gachi.engine.expr.to_sql import column
from gachi.engine.sources import RAW, ROW, DataInfo, Lines, create_temp, read_source
from gachi.errors import DataError, InvalidInput, Issue, Location

TABLE = "records"
MAX_ABS = 1e15  # beyond this a double can no longer add up won exactly
MAX_ISSUES = 20
_VARCHAR = exp.DataType.build("varchar")
_DOUBLE = exp.DataType.build("double")


@dataclass(frozen=True)
class ColumnRule:
    name: str
    numeric: bool = True
    allow_negative: bool = True
    used_by: tuple[str, ...] = ()
    years: frozenset[int] | None = None  # a period column: its leading year must be one of these
    filled: bool = True  # a text column whose every cell must have a value (grouping keys)
    default: str | None = None  # used for every record when the data has no such column


@dataclass
class Dataset:
    """A checked DuckDB table of records; `con` owns it. Close it when done."""

    con: duckdb.DuckDBPyConnection
    info: DataInfo
    table: str = TABLE
    lines: Lines = field(default_factory=lambda: Lines("records"))
    _tmp: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.con.close()
        for p in self._tmp:
            Path(p).unlink(missing_ok=True)

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_dataset(
    source: str | Path | Any,
    rules: Sequence[ColumnRule],
    *,
    sheet: str | None = None,
    threads: int | None = None,
) -> Dataset:
    """Load and check `source` (a path or a pandas DataFrame) for the columns in `rules`."""
    con = duckdb.connect(config={"threads": threads or max(1, os.cpu_count() or 1)})
    tmp: list[str] = []
    try:
        src = read_source(con, source, sheet, tmp)
        ds = Dataset(con, src.info, TABLE, src.lines, tmp)
        _check_and_type(ds, RAW, rules, src.typed)
        return ds
    except BaseException:
        con.close()
        for p in tmp:
            Path(p).unlink(missing_ok=True)
        raise


def _check_and_type(ds: Dataset, raw: str, rules: Sequence[ColumnRule], typed: bool) -> None:
    con, where_file = ds.con, ds.info.source
    # A needed column named like the row-number column would silently read row numbers.
    reserved = [
        Issue("data.reserved-column", {"column": r.name}, Location(where_file))
        for r in rules
        if r.name.lower() == ROW
    ]
    if reserved:
        raise DataError.of(reserved)
    present = set(ds.info.columns)
    defaulted = [r for r in rules if r.name not in present and r.default is not None]
    if defaulted:
        ds.info = replace(ds.info, defaulted=tuple((r.name, str(r.default)) for r in defaulted))
        rules = [r for r in rules if r not in defaulted]
    missing = [r for r in rules if r.name not in present]
    issues: list[Issue] = []
    for r in missing:
        near = [c for c in ds.info.columns if c.strip().lower() == r.name.lower()]
        issues.append(
            Issue(
                "data.missing-column",
                {
                    "column": r.name,
                    "used_by": ", ".join(r.used_by) or "-",
                    "hint": near[0] if near else "-",
                    "found": ", ".join(ds.info.columns),
                },
                Location(where_file),
            )
        )
    if issues:
        raise DataError.of(issues)

    checks = list(_checks(rules, typed))
    # One scan counts every kind of problem in every column; only a check that found something
    # goes back for the first rows to show (clean data, the common case, costs one pass).
    counts = exp.select(
        *(
            exp.Sum(
                this=exp.Case().when(condition, exp.Literal.number(1)).else_(exp.Literal.number(0))
            )
            for _, condition, _, _ in checks
        )
    ).from_(raw)
    found = con.execute(counts.sql("duckdb")).fetchone() or ()
    findings: list[Finding] = []
    for (rule, condition, col, code), count in zip(checks, found, strict=True):
        if count:
            findings += _collect(ds, raw, rule, condition, col, code)
        if len(findings) >= MAX_ISSUES:
            break
    if findings:
        raise DataError.of(_issues(ds, findings[:MAX_ISSUES]))

    select = exp.select(
        *(
            exp.alias_(
                _as_double(column(r.name), typed)
                if r.numeric
                else exp.Trim(this=exp.Cast(this=column(r.name), to=_VARCHAR.copy())),
                r.name,
                quoted=True,
            )
            for r in rules
        ),
        *(exp.alias_(exp.Literal.string(str(r.default)), r.name, quoted=True) for r in defaulted),
    ).from_(raw)
    con.execute(create_temp("TABLE", TABLE, select))


def period_year(col: exp.Expression, dialect: str, *, safe: bool = False) -> exp.Expression:
    """The year a period cell starts with (`2024`, `2024-Q1`, `2024년`) as an integer."""
    text = exp.Trim(this=exp.Cast(this=col.copy(), to=_VARCHAR.copy()))
    head = exp.Substring(this=text, start=exp.Literal.number(1), length=exp.Literal.number(4))
    cast = exp.TryCast if safe else exp.Cast
    return cast(this=head, to=exp.DataType.build("int"))


Check = tuple[ColumnRule, exp.Expression | exp.Condition, exp.Expression | None, str]


def _checks(rules: Sequence[ColumnRule], typed: bool) -> Iterator[Check]:
    """(rule, condition that marks a bad cell, column to show, message code), in report order."""
    for rule in rules:
        col = column(rule.name)
        if not rule.numeric and not rule.filled:
            continue  # only needs to exist (a filter column)
        if not rule.numeric:
            empty = exp.or_(
                exp.Is(this=col, expression=exp.Null()),
                exp.EQ(
                    this=exp.Trim(this=exp.Cast(this=col.copy(), to=_VARCHAR.copy())),
                    expression=exp.Literal.string(""),
                ),
            )
            yield rule, empty, None, "data.empty-period" if rule.years else "data.empty-key"
            if rule.years is not None:
                year = period_year(col, "duckdb", safe=True)
                listed = exp.In(
                    this=year, expressions=[exp.Literal.number(y) for y in sorted(rule.years)]
                )
                # sqlglot does not bracket what NOT applies to: the brackets are explicit
                known = exp.Coalesce(this=listed, expressions=[exp.false()])
                no_year = exp.and_(
                    exp.Not(this=exp.Paren(this=empty.copy())), exp.Not(this=exp.Paren(this=known))
                )
                yield rule, no_year, col, "data.period-year"
            continue
        value = _as_double(col, typed)
        # A typed source (DataFrame, Parquet) can still hold text in a number column.
        text = exp.Trim(this=exp.Cast(this=col.copy(), to=_VARCHAR.copy()))
        not_number = exp.and_(
            exp.Not(this=exp.Is(this=col.copy(), expression=exp.Null())),
            exp.NEQ(this=text.copy(), expression=exp.Literal.string("")),
            exp.Is(this=value.copy(), expression=exp.Null()),
        )
        yield rule, not_number, col, "data.not-a-number"
        too_big = exp.or_(
            exp.Not(this=exp.func("isfinite", value.copy())),
            exp.GT(this=exp.Abs(this=value.copy()), expression=exp.Literal.number(repr(MAX_ABS))),
        )
        yield rule, too_big, col, "data.too-large"
        if not rule.allow_negative:
            negative = exp.LT(this=value.copy(), expression=exp.Literal.number(0))
            yield rule, negative, col, "data.negative"


# A comma is a thousands separator only where it groups thousands: "1,234.5" yes, "1,5" no.
_GROUPED = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"


def _as_double(col: exp.Expression, typed: bool) -> exp.Expression:
    """The cell as a number, or NULL when it is not one (then `data.not-a-number` says so)."""
    if typed:
        return exp.TryCast(this=col.copy(), to=_DOUBLE.copy())
    text = exp.Trim(this=col.copy())
    grouped = exp.func("regexp_full_match", text.copy(), exp.Literal.string(_GROUPED))
    without_commas = exp.func(
        "replace", text.copy(), exp.Literal.string(","), exp.Literal.string("")
    )
    as_number = exp.TryCast(
        this=exp.Nullif(this=text.copy(), expression=exp.Literal.string("")), to=_DOUBLE.copy()
    )
    return (
        exp.Case()
        .when(exp.func("contains", text.copy(), exp.Literal.string("_")), exp.Null())
        .when(
            exp.func("contains", text.copy(), exp.Literal.string(",")),
            exp.Case().when(grouped, exp.TryCast(this=without_commas, to=_DOUBLE.copy())),
        )
        .else_(as_number)
    )


def _collect(
    ds: Dataset,
    raw: str,
    rule: ColumnRule,
    condition: exp.Expression | exp.Condition,
    col: exp.Expression | None,
    code: str,
) -> list[Finding]:
    """The first few records that fail `condition`, as (rule, code, record index, value)."""
    cols: list[exp.Expression] = [column(ROW)]
    if col is not None:
        cols.append(exp.Cast(this=col.copy(), to=_VARCHAR.copy()))
    query = exp.select(*cols).from_(raw).where(condition).order_by(column(ROW)).limit(5)
    rows = ds.con.execute(query.sql("duckdb")).fetchall()
    return [(rule, code, int(row[0]) - 1, row[1] if len(row) > 1 else "") for row in rows]


Finding = tuple["ColumnRule", str, int, Any]


def _issues(ds: Dataset, findings: list[Finding]) -> list[Issue]:
    """Findings as issues at the row (and, in a file, the column) a person would look at."""
    lines = ds.lines.of(index for _, _, index, _ in findings)
    out = []
    for rule, code, index, value in findings:
        row = lines.get(index, index + 1)
        in_file = ds.lines.in_file
        col_no = ds.info.columns.index(rule.name) + 1 if in_file else None
        params = {"column": rule.name, "value": value, "row": row, "limit": f"{MAX_ABS:.0e}"}
        if rule.years:
            params["years"] = f"{min(rule.years)}–{max(rule.years)}"
        where = Location(ds.info.source, row if in_file else None, col_no, field=rule.name)
        out.append(Issue(code, params, where))
    return out


def rules_for(
    columns: Iterable[tuple[str, bool, str]],
    group_by: Sequence[str],
    *,
    period: tuple[str, frozenset[int], str] | None = None,
) -> list[ColumnRule]:
    """Column rules from (column, allow_negative, indicator) triples, the grouping columns and,
    when money inputs are carried to report-year prices, the period column and its years."""
    columns = list(columns)
    twice = sorted({g for g in group_by if list(group_by).count(g) > 1})
    if twice:
        raise InvalidInput("data.group-twice", column=", ".join(twice))
    if period is not None:
        # DuckDB does not tell "PERIOD" from "period": an amount cannot also date the records.
        clash = [c for c, _, _ in columns if c.casefold() == period[0].casefold()]
        if clash:
            raise InvalidInput("data.period-is-input", column=clash[0])
    merged: dict[str, ColumnRule] = {g: ColumnRule(g, numeric=False) for g in group_by}
    if period is not None:
        name, years, default = period
        required = name in merged  # grouped by period: the data must have it
        merged[name] = ColumnRule(
            name, numeric=False, years=years, default=None if required else default
        )
    for name, allow_negative, used_by in columns:
        old = merged.get(name)
        if old is None:
            merged[name] = ColumnRule(name, True, allow_negative, (used_by,))
        elif old.numeric:
            merged[name] = ColumnRule(
                name, True, old.allow_negative and allow_negative, (*old.used_by, used_by)
            )
        else:
            raise InvalidInput("data.group-is-input", column=name, indicator=used_by)
    return list(merged.values())
