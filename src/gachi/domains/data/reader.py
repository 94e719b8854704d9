"""Reading an uploaded spreadsheet: what it really is (by its bytes, not its name), then its
first sheet as rows of cells with their row numbers, in one streaming pass.

XLSX goes through `xlsx.open_workbook`, which also reports what openpyxl's read-only mode
hides: cells whose formula has no saved result (they would read as empty) and merged ranges (one
value would silently stand for many cells). Both are refused by the caller.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gachi.domains.data.xlsx import CellError, Formula, open_workbook
from gachi.errors import InvalidInput

__all__ = ["CSV", "XLSX", "CellError", "Formula", "Sheet", "open_sheet", "sniff"]

XLSX, CSV = "xlsx", "csv"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003), .doc, .hwp
_BINARY = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")


@dataclass
class Sheet:
    """The first sheet of a file: its name, the other sheets' names, and its rows."""

    kind: str
    title: str | None
    others: tuple[str, ...]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    merged: list[str] = field(default_factory=list)  # filled once `rows` is exhausted

    def close(self) -> None:
        """Stop reading (closes the file) even if not every row was read."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


def sniff(path: Path) -> str:
    """`"xlsx"` or `"csv"` from the file's first bytes; anything else is refused."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head:
        raise InvalidInput("upload.empty")
    if head.startswith(_ZIP):
        return XLSX
    if head.startswith(_OLE):
        raise InvalidInput("upload.old-xls")
    if head.startswith(_BINARY):
        raise InvalidInput("upload.not-a-spreadsheet")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return CSV  # UTF-16: Excel's "Unicode text"
    if b"\x00" in head:
        raise InvalidInput("upload.not-a-spreadsheet")
    return CSV


def open_sheet(path: Path, kind: str) -> Sheet:
    return _open_xlsx(path) if kind == XLSX else _open_csv(path)


# ---- CSV -----------------------------------------------------------------------------------


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else CP949 — checked over the whole file,
    so a file that is ASCII for megabytes and CP949 later is still read right."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(b"\xef\xbb\xbf"):
            return "utf-8-sig"
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        fh.seek(0)
        decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("cp949")()
        try:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InvalidInput("upload.encoding") from None
    return "cp949"


def _open_csv(path: Path) -> Sheet:
    encoding = _encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return Sheet(CSV, None, (), _csv_rows(path, encoding, delimiter))


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, tuple(row)
        except csv.Error as ex:
            raise InvalidInput("upload.bad-csv", row=reader.line_num, detail=str(ex)) from None


# ---- XLSX ----------------------------------------------------------------------------------


def _open_xlsx(path: Path) -> Sheet:
    fh = open(path, "rb")  # noqa: SIM115 - closed when the rows have been read
    try:
        book = open_workbook(fh)
    except BaseException:
        fh.close()
        raise
    sheet = Sheet(XLSX, book.title, book.others, iter(()))

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            yield from book.rows
            sheet.merged = book.merged
        finally:
            fh.close()

    sheet.rows = rows()
    return sheet
