"""Files people hand us: decoding Korean CSVs, reading small tables, writing without half-files."""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gachi.errors import InvalidInput, Issue, Location
from gachi.kernel import archives

MAX_SMALL_TABLE_BYTES = 50 * 1024 * 1024

# Read once: asking for the umask means setting it, which is not safe once threads run.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or CP949 — the two encodings Korean spreadsheets save CSV in.

    CP949 is a superset of EUC-KR, so EUC-KR files decode too. Anything else is refused with a
    message that says how to re-save the file.
    """
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as ex:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if ex.start >= len(head) - 3 and ex.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("cp949")
        return "cp949"
    except UnicodeDecodeError as ex:
        if ex.start >= len(head) - 1:
            return "cp949"
    raise InvalidInput("file.encoding")


def sniff_encoding(path: Path, *, chunk: int = 1 << 20) -> str:
    """The encoding of a whole file: UTF-8 if every byte of it is UTF-8, else CP949.

    A file can be plain ASCII for its first megabytes and Korean further down, so the guess from
    the head is confirmed by decoding the rest in chunks (fast, and memory stays flat). If the
    head already had Korean in UTF-8, a bad byte later is a damaged UTF-8 file, reported with its
    line, not a reason to read everything as CP949.
    """
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
        encoding = detect_encoding(head)
        if encoding not in ("utf-8", "utf-8-sig"):
            return encoding
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        lines = 1
        for block in iter(lambda: fh.read(chunk), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as ex:
                if head.isascii():
                    return "cp949"
                line = lines + block[: max(ex.start, 0)].count(b"\n")
                raise InvalidInput(
                    "file.encoding-at", where=Location(str(path), line), encoding="UTF-8"
                ) from None
            lines += block.count(b"\n")
    return encoding


def read_text(path: Path) -> tuple[str, str]:
    """The whole text of a small file and the encoding it was read with."""
    raw = _read_bytes(path)
    encoding = detect_encoding(raw[: 1 << 16])
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError as ex:
        line = raw[: ex.start].count(b"\n") + 1
        raise InvalidInput(
            "file.encoding-at", where=Location(str(path), line), encoding=encoding
        ) from None


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InvalidInput("file.missing", where=Location(str(path)))
    if path.is_dir():
        raise InvalidInput("file.is-directory", where=Location(str(path)))
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput("file.empty", where=Location(str(path)))
    if size > MAX_SMALL_TABLE_BYTES:
        raise InvalidInput("file.too-large", where=Location(str(path)), mb=size // 2**20, limit=50)
    return path.read_bytes()


@dataclass(frozen=True)
class Table:
    """A small table read from CSV or XLSX: header names and rows with their 1-based row number."""

    file: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    sheet: str | None = None

    def where(self, row: int, column: int | None = None) -> Location:
        name = f"{self.file}[{self.sheet}]" if self.sheet else self.file
        return Location(name, row, None if column is None else column + 1)


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """Read a CSV (UTF-8 or CP949) or XLSX file whose first non-empty row is the header."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in (".csv", ".tsv", ".txt"):
        text, _ = read_text(path)
        dialect = "excel-tab" if suffix == ".tsv" else "excel"
        rows = [
            (i, tuple(cell.strip() for cell in r))
            for i, r in enumerate(csv.reader(io.StringIO(text), dialect), start=1)
            if any(cell.strip() for cell in r)
        ]
        return _with_header(str(path), rows, None)
    raise InvalidInput("file.unknown-format", where=Location(str(path)), suffix=suffix or "-")


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _read_bytes(path)  # existence, emptiness and size checks
    try:
        with zipfile.ZipFile(path) as archive:
            archives.check(archive, archives.WORKBOOK)  # before openpyxl inflates anything
    except InvalidInput as err:
        raise InvalidInput(err.first.code, where=Location(str(path)), **err.first.params) from None
    except (zipfile.BadZipFile, OSError):
        pass  # said below, as openpyxl finds it
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as ex:
        raise InvalidInput("file.bad-xlsx", where=Location(str(path)), detail=str(ex)) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InvalidInput(
                "file.no-sheet",
                where=Location(str(path)),
                sheet=sheet,
                sheets=", ".join(book.sheetnames),
            )
        try:
            ws = book[sheet] if sheet is not None else book.worksheets[0]
            rows = [
                (i, tuple(_cell(c) for c in r))
                for i, r in enumerate(ws.iter_rows(values_only=True), start=1)
                if any(c is not None and str(c).strip() for c in r)
            ]
        except (IndexError, KeyError, ValueError, EOFError, SyntaxError, zlib.error) as ex:
            # a damaged workbook can fail while its rows are read, not only when it is opened
            raise InvalidInput("file.bad-xlsx", where=Location(str(path)), detail=str(ex)) from None
        blanks = {(i, j) for i, cells in rows for j, c in enumerate(cells) if c is None}
        if blanks:
            _refuse_uncomputed_formulas(path, ws.title, blanks)
        return _with_header(str(path), rows, ws.title)
    finally:
        book.close()


def _refuse_uncomputed_formulas(path: Path, title: str, blanks: set[tuple[int, int]]) -> None:
    """A formula whose result was never saved (a file written by a program, not by Excel) reads
    as an empty cell; it would silently count as "not applicable". Find those and say so."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        found = [
            (i, j + 1, value)
            for i, row in enumerate(book[title].iter_rows(values_only=True), start=1)
            for j, value in enumerate(row)
            if (i, j) in blanks and _formula_text(value) is not None
        ]
    finally:
        book.close()
    if found:
        where = f"{path}[{title}]"
        raise InvalidInput.of(
            Issue(
                "file.formula-without-value", {"formula": _formula_text(f)}, Location(where, i, j)
            )
            for i, j, f in found[:20]
        )


def _formula_text(value: Any) -> str | None:
    """The formula in a cell read with formulas kept: text, or an array/data-table formula."""
    if isinstance(value, str):
        return value if value.startswith("=") else None
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula and DataTableFormula
    return str(text) if text is not None else None


def _cell(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _with_header(file: str, rows: list[tuple[int, tuple[Any, ...]]], sheet: str | None) -> Table:
    if not rows:
        raise InvalidInput("file.no-rows", where=Location(file))
    (_, header), body = rows[0], rows[1:]
    headers = tuple("" if h is None else str(h).strip() for h in header)
    width = len(headers)
    body = [(i, tuple(r[:width]) + (None,) * (width - len(r))) for i, r in body]
    return Table(file, headers, tuple(body), sheet)


@contextmanager
def atomic_output(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path` and move it into place only if all went well.

    A symbolic link is followed (its target is replaced, the link stays); anything that exists
    and is not a regular file (a folder, a device) is refused. The new file gets the permissions
    a newly created file would get, not the temporary file's private ones.
    """
    target = path.resolve() if path.is_symlink() else path
    where = Location(str(path))
    if target.exists() and not target.is_file():
        raise InvalidInput("file.cannot-write", where=where, detail="not a regular file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as ex:
        raise InvalidInput(
            "file.cannot-write", where=where, detail=ex.strerror or str(ex)
        ) from None
    os.close(fd)
    try:
        with open(tmp, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
        # Keep the permissions of a file we replace; a new file gets a new file's permissions.
        perms = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_UMASK
        os.chmod(tmp, perms)
        os.replace(tmp, target)
    except OSError as ex:
        Path(tmp).unlink(missing_ok=True)
        raise InvalidInput(
            "file.cannot-write", where=where, detail=ex.strerror or str(ex)
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
