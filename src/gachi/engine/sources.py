"""Reading record-level data into a DuckDB view `raw`, from CSV, XLSX, Parquet or a DataFrame.

Each source also says where its records are in the file a person looks at (`Lines`): a CSV's
physical line (blank lines and cells spanning lines included), a sheet's row number, or, for a
Parquet file or a DataFrame, the record's position counted from 1.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
from sqlglot import exp

from gachi.errors import DataError, InvalidInput, Issue, Location
from gachi.kernel.files import read_table, sniff_encoding

ROW = "__row"
RAW = "raw"


@dataclass(frozen=True)
class Lines:
    """Where record i (0-based, in reading order) is, for messages."""

    kind: Literal["csv", "sheet", "records"]
    path: str | None = None
    encoding: str | None = None
    delimiter: str = ","
    sheet_rows: tuple[int, ...] = ()

    @property
    def in_file(self) -> bool:
        return self.kind != "records"

    def of(self, indices: Iterable[int]) -> dict[int, int]:
        wanted = set(indices)
        if self.kind == "records":
            return {i: i + 1 for i in wanted}
        if self.kind == "sheet":
            return {i: self.sheet_rows[i] for i in wanted if i < len(self.sheet_rows)}
        return self._csv_lines(wanted)

    def _csv_lines(self, wanted: set[int]) -> dict[int, int]:
        # Only called to report problems: one pass over the file, stopping at the last wanted.
        assert self.path is not None
        found: dict[int, int] = {}
        last = max(wanted, default=-1)
        with open(self.path, encoding=self.encoding or "utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            end = 0
            record = -1  # the header is record -1
            for row in reader:
                start, end = end + 1, reader.line_num
                if not row:
                    continue  # DuckDB skips empty lines too (a line of commas is a record)
                if record in wanted:
                    found[record] = start
                record += 1
                if record > last:
                    break
        return found


@dataclass(frozen=True)
class DataInfo:
    """Which data a result was computed from (recorded in its lineage)."""

    source: str
    sha256: str
    rows: int
    columns: tuple[str, ...]
    encoding: str | None = None
    defaulted: tuple[tuple[str, str], ...] = ()  # (column, value) the data did not have


@dataclass(frozen=True)
class Source:
    """What was read: the view `raw` exists; `typed` when numbers came as numbers."""

    info: DataInfo
    typed: bool
    lines: Lines


def read_source(
    con: duckdb.DuckDBPyConnection, source: Any, sheet: str | None, tmp: list[str]
) -> Source:
    """Register `source` (a path or a pandas DataFrame) as the view `raw` on `con`."""
    if not isinstance(source, (str, Path)):
        _check_headers("<DataFrame>", [str(c) for c in source.columns])
        con.register("raw_frame", source)
        _create_raw(con, "raw_frame")
        columns = tuple(map(str, source.columns))
        info = DataInfo("<DataFrame>", _frame_digest(source), len(source), columns)
        return Source(info, True, Lines("records"))
    path = Path(source)
    where = Location(str(path))
    if not path.exists():
        raise InvalidInput("file.missing", where=where)
    if path.is_dir():
        raise InvalidInput("file.is-directory", where=where)
    if path.stat().st_size == 0:
        raise InvalidInput("file.empty", where=where)
    suffix = path.suffix.lower()
    encoding = None
    if suffix == ".parquet":
        try:
            rel = con.read_parquet(str(path))
        except duckdb.Error as ex:
            raise InvalidInput("data.bad-parquet", where=where, detail=_short(ex)) from None
        con.register("raw_rel", rel)
        _create_raw(con, "raw_rel")
        typed, lines = True, Lines("records")
    elif suffix in (".csv", ".txt", ".tsv"):
        encoding = _encoding(path)
        delimiter = "\t" if suffix == ".tsv" else ","
        read_path = path if encoding in ("utf-8", "utf-8-sig") else _transcode(path, encoding, tmp)
        _check_headers(str(path), _csv_header(path, encoding, delimiter))
        try:
            rel = con.read_csv(str(read_path), header=True, all_varchar=True, delimiter=delimiter)
        except duckdb.Error as ex:
            raise InvalidInput("data.bad-csv", where=where, detail=_short(ex)) from None
        con.register("raw_rel", rel)
        _create_raw(con, "raw_rel")
        typed, lines = False, Lines("csv", str(path), encoding, delimiter)
    elif suffix in (".xlsx", ".xlsm"):
        frame, sheet_rows = _xlsx_frame(path, sheet)
        con.register("raw_frame", frame)
        _create_raw(con, "raw_frame")
        typed, lines = False, Lines("sheet", str(path), sheet_rows=sheet_rows)
    else:
        raise InvalidInput("file.unknown-format", where=where, suffix=suffix or "-")
    try:
        # read_csv/read_parquet are lazy: a bad byte or row past the sniffed sample fails here.
        count = con.execute(exp.select(exp.Count(this=exp.Star())).from_(RAW).sql("duckdb"))
        rows = int((count.fetchone() or (0,))[0])
    except duckdb.Error as ex:
        code = "data.bad-parquet" if suffix == ".parquet" else "data.bad-csv"
        raise InvalidInput(code, where=where, detail=_short(ex)) from None
    if rows == 0:
        raise InvalidInput("file.no-data-rows", where=where)
    described = con.execute(exp.select("*").from_(RAW).limit(0).sql("duckdb")).description
    columns = tuple(str(d[0]) for d in described if d[0] != ROW)
    return Source(DataInfo(str(path), _sha256(path), rows, columns, encoding), typed, lines)


def peek_columns(source: Any, sheet: str | None = None) -> tuple[str, ...]:
    """The column names of `source` without reading its records (for choosing indicators);
    an unreadable source gives no names — opening it properly reports why."""
    if not isinstance(source, (str, Path)):
        return tuple(map(str, source.columns))
    path = Path(source)
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            return tuple(_csv_header(path, _encoding(path), "\t" if suffix == ".tsv" else ","))
        if suffix in (".xlsx", ".xlsm"):
            return tuple(h for h in read_table(path, sheet=sheet).headers if h)
        if suffix == ".parquet":
            con = duckdb.connect()
            try:
                rel = con.read_parquet(str(path))
                return tuple(rel.columns)
            finally:
                con.close()
    except (InvalidInput, OSError, duckdb.Error):
        pass
    return ()


def _encoding(path: Path) -> str:
    try:
        return sniff_encoding(path)
    except InvalidInput as ex:
        if ex.first.where is not None:
            raise
        raise InvalidInput(ex.first.code, where=Location(str(path)), **ex.first.params) from None


def _csv_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    with open(path, encoding=encoding, newline="") as fh:
        for row in csv.reader(fh, delimiter=delimiter):
            if any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
    return []


def _check_headers(file: str, headers: list[str]) -> None:
    """Two columns with one name: which one would count? Refuse instead of guessing."""
    # DuckDB, like a person, does not tell "Wage" from "wage"; unnamed columns get numbered names.
    seen: dict[str, int] = {}
    issues = []
    for i, name in enumerate(headers, start=1):
        key = name.casefold()
        if not key:
            continue
        if key in seen:
            params = {"column": name, "first": seen[key], "second": i}
            issues.append(Issue("data.duplicate-column", params, Location(file, 1, i)))
        else:
            seen[key] = i
    if issues:
        raise DataError.of(issues)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
    con.execute(create_temp("VIEW", RAW, query))


def create_temp(kind: str, name: str, query: exp.Expression) -> str:
    """`CREATE TEMPORARY kind name AS query`, built as a syntax tree."""
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


def _xlsx_frame(path: Path, sheet: str | None) -> tuple[Any, tuple[int, ...]]:
    import pandas as pd

    table = read_table(path, sheet=sheet)
    headers = [h or f"column{i + 1}" for i, h in enumerate(table.headers)]
    _check_headers(f"{path}[{table.sheet}]" if table.sheet else str(path), headers)
    data = [[None if c is None else str(c) for c in cells] for _, cells in table.rows]
    rows = tuple(n for n, _ in table.rows)
    return pd.DataFrame(data, columns=headers, dtype="object"), rows
