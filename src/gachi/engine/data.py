"""Record-level data into DuckDB, checked before anything is computed.

`open_dataset` reads CSV (UTF-8 or CP949), Parquet, XLSX or a pandas DataFrame into an in-memory
DuckDB table `records`, with every needed input column as DOUBLE and every grouping column as
text. Before that table exists, all cells are checked and every problem (missing column, text in a
number cell, a negative quantity, a number too large to add up exactly, an empty group key) is
reported at once with its row and column. Nothing is computed on data that failed a check.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from gachi.engine.expr.to_sql import column
from gachi.errors import DataError, InvalidInput, Issue, Location
from gachi.kernel.files import sniff_encoding

TABLE = "records"
ROW = "__row"
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
    default: str | None = None  # used for every record when the data has no such column


@dataclass(frozen=True)
class DataInfo:
    source: str
    sha256: str
    rows: int
    columns: tuple[str, ...]
    encoding: str | None = None
    defaulted: tuple[tuple[str, str], ...] = ()  # (column, value) the data did not have


@dataclass
class Dataset:
    """A checked DuckDB table of records; `con` owns it. Close it when done."""

    con: duckdb.DuckDBPyConnection
    info: DataInfo
    table: str = TABLE
    row_offset: int = 1  # adds to the 0-based row index to give the row number people see
    _tmp: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.con.close()
        for p in self._tmp:
            Path(p).unlink(missing_ok=True)

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        raw, info, offset, typed = _read(con, source, sheet, tmp)
        ds = Dataset(con, info, TABLE, offset, tmp)
        _check_and_type(ds, raw, rules, typed)
        return ds
    except BaseException:
        con.close()
        for p in tmp:
            Path(p).unlink(missing_ok=True)
        raise


def _read(
    con: duckdb.DuckDBPyConnection, source: Any, sheet: str | None, tmp: list[str]
) -> tuple[str, DataInfo, int, bool]:
    """Register the raw data as view `raw`; return its name, info, row offset and typedness."""
    if not isinstance(source, (str, Path)):
        frame = source
        con.register("raw_frame", frame)
        _create_raw(con, "raw_frame")
        digest = _frame_digest(frame)
        return (
            "raw",
            DataInfo("<DataFrame>", digest, len(frame), tuple(map(str, frame.columns))),
            0,
            True,
        )
    path = Path(source)
    if not path.exists():
        raise InvalidInput("file.missing", where=Location(str(path)))
    if path.is_dir():
        raise InvalidInput("file.is-directory", where=Location(str(path)))
    if path.stat().st_size == 0:
        raise InvalidInput("file.empty", where=Location(str(path)))
    suffix = path.suffix.lower()
    digest = _sha256(path)
    encoding = None
    if suffix == ".parquet":
        try:
            rel = con.read_parquet(str(path))
        except duckdb.Error as ex:
            raise InvalidInput(
                "data.bad-parquet", where=Location(str(path)), detail=str(ex)
            ) from None
        con.register("raw_rel", rel)
        _create_raw(con, "raw_rel")
        typed, offset = True, 0
    elif suffix in (".csv", ".txt", ".tsv"):
        try:
            encoding = sniff_encoding(path)
        except InvalidInput as ex:
            if ex.first.where is not None:
                raise
            raise InvalidInput(
                ex.first.code, where=Location(str(path)), **ex.first.params
            ) from None
        read_path = path
        if encoding not in ("utf-8", "utf-8-sig"):
            read_path = _transcode(path, encoding, tmp)
        try:
            rel = con.read_csv(
                str(read_path),
                header=True,
                all_varchar=True,
                delimiter="\t" if suffix == ".tsv" else ",",
            )
        except duckdb.Error as ex:
            raise InvalidInput(
                "data.bad-csv", where=Location(str(path)), detail=_short(ex)
            ) from None
        con.register("raw_rel", rel)
        _create_raw(con, "raw_rel")
        typed, offset = False, 2  # line 1 is the header
    elif suffix in (".xlsx", ".xlsm"):
        frame = _xlsx_frame(path, sheet)
        con.register("raw_frame", frame)
        _create_raw(con, "raw_frame")
        typed, offset = False, 2
    else:
        raise InvalidInput("file.unknown-format", where=Location(str(path)), suffix=suffix or "-")
    try:
        # read_csv/read_parquet are lazy: a bad byte or row past the sniffed sample fails here.
        count = con.execute(
            exp.select(exp.Count(this=exp.Star())).from_("raw").sql("duckdb")
        ).fetchone()
    except duckdb.Error as ex:
        code = "data.bad-parquet" if suffix == ".parquet" else "data.bad-csv"
        raise InvalidInput(code, where=Location(str(path)), detail=_short(ex)) from None
    rows = int(count[0]) if count else 0
    if rows == 0:
        raise InvalidInput("file.no-rows", where=Location(str(path)))
    cols = tuple(
        str(d[0])
        for d in con.execute(exp.select("*").from_("raw").limit(0).sql("duckdb")).description
        if d[0] != ROW
    )
    return "raw", DataInfo(str(path), digest, rows, cols, encoding), offset, typed


def _frame_digest(frame: Any) -> str:
    """A content hash of a DataFrame: its column names and every row."""
    import pandas as pd

    h = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _short(ex: Exception) -> str:
    return str(ex).strip().splitlines()[0][:300]


def _create_raw(con: duckdb.DuckDBPyConnection, source: str) -> None:
    query = exp.select(
        exp.alias_(exp.Window(this=exp.RowNumber()), ROW, quoted=True), exp.Star()
    ).from_(exp.to_identifier(source, quoted=True))
    con.execute(_create("VIEW", "raw", query))


def _create(kind: str, name: str, query: exp.Expression) -> str:
    statement = exp.Create(
        this=exp.to_table(name, quoted=True),
        kind=kind,
        expression=query,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    return statement.sql("duckdb")


def _transcode(path: Path, encoding: str, tmp: list[str]) -> Path:
    fd, name = tempfile.mkstemp(suffix=".csv")
    tmp.append(name)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as ex:
                line += chunk[: ex.start].count(b"\n")
                raise InvalidInput(
                    "file.encoding-at", where=Location(str(path), line), encoding=encoding
                ) from None
            line += text.count("\n")
            dst.write(text)
        dst.write(decoder.decode(b"", final=True))
    return Path(name)


def _xlsx_frame(path: Path, sheet: str | None) -> Any:
    import pandas as pd

    from gachi.kernel.files import read_table

    table = read_table(path, sheet=sheet)
    headers = [h or f"column{i + 1}" for i, h in enumerate(table.headers)]
    data = [[None if c is None else str(c) for c in cells] for _, cells in table.rows]
    return pd.DataFrame(data, columns=headers, dtype="object")


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
    for (rule, condition, col, code), count in zip(checks, found, strict=True):
        if count:
            _collect(ds, raw, rule, condition, col, code, issues)
        if len(issues) >= MAX_ISSUES:
            break
    if issues:
        raise DataError.of(issues[:MAX_ISSUES])

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
    con.execute(_create("TABLE", TABLE, select))


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
        if not rule.numeric:
            empty = exp.or_(
                exp.Is(this=col, expression=exp.Null()),
                exp.EQ(
                    this=exp.Trim(this=exp.Cast(this=col.copy(), to=_VARCHAR.copy())),
                    expression=exp.Literal.string(""),
                ),
            )
            yield rule, empty, None, "data.empty-key"
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


def _as_double(col: exp.Expression, typed: bool) -> exp.Expression:
    if typed:
        return exp.TryCast(this=col.copy(), to=_DOUBLE.copy())
    cleaned = exp.func(
        "replace", exp.Trim(this=col.copy()), exp.Literal.string(","), exp.Literal.string("")
    )
    return exp.TryCast(
        this=exp.Nullif(this=cleaned, expression=exp.Literal.string("")), to=_DOUBLE.copy()
    )


def _collect(
    ds: Dataset,
    raw: str,
    rule: ColumnRule,
    condition: exp.Expression | exp.Condition,
    col: exp.Expression | None,
    code: str,
    issues: list[Issue],
) -> None:
    cols: list[exp.Expression] = [column(ROW)]
    if col is not None:
        cols.append(exp.Cast(this=col.copy(), to=_VARCHAR.copy()))
    query = exp.select(*cols).from_(raw).where(condition).order_by(column(ROW)).limit(5)
    rows = ds.con.execute(query.sql("duckdb")).fetchall()
    # In a file, the column number is the spreadsheet's (1-based) as well as the row.
    col_no = ds.info.columns.index(rule.name) + 1 if ds.row_offset else None
    for row in rows:
        line = int(row[0]) - 1 + ds.row_offset
        issues.append(
            Issue(
                code,
                {
                    "column": rule.name,
                    "value": row[1] if len(row) > 1 else "",
                    "row": line,
                    "limit": f"{MAX_ABS:.0e}",
                },
                Location(ds.info.source, line if ds.row_offset else None, col_no, field=rule.name),
            )
        )


def rules_for(
    columns: Iterable[tuple[str, bool, str]],
    group_by: Sequence[str],
    *,
    period: tuple[str, frozenset[int], str] | None = None,
) -> list[ColumnRule]:
    """Column rules from (column, allow_negative, indicator) triples, the grouping columns and,
    when money inputs are carried to report-year prices, the period column and its years."""
    twice = sorted({g for g in group_by if list(group_by).count(g) > 1})
    if twice:
        raise InvalidInput("data.group-twice", column=", ".join(twice))
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
