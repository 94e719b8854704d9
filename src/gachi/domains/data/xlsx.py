"""A streaming reader for the first sheet of an XLSX workbook: cell values, formulas without a
saved result, error values and merged ranges, in one pass.

Why not openpyxl's read-only mode: it spends ~25 µs of Python per cell building dictionaries
and styled cells; an upload of 100,000 rows is 400,000 cells, so reading alone took most of the
20-second budget. This reader feeds the sheet XML to expat in 1 MB chunks and keeps only what an
upload needs (about 4× faster). openpyxl still writes the exports and is the baseline in
`benchmarks/bench_upload.py`.

What it refuses to guess: a formula whose result was never saved (a file written by a program)
comes back as `Formula`, an error value (`#DIV/0!`) as `CellError`, a date-formatted number as a
`datetime` — the caller decides. An XLSX part never has a DTD, so any document type declaration
is refused (no entity tricks), and what the archive inflates is bounded (`kernel.archives`:
an absurd declared size or compression ratio is refused before anything is inflated).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any
from xml.parsers import expat

from gachi.errors import InvalidInput
from gachi.kernel.archives import WORKBOOK, BoundedZipFile

MAX_ROWS = 1_048_576  # Excel's own limits
MAX_COLUMNS = 16_384
CHUNK = 1 << 20
_LETTERS = re.compile(r"[A-Z]{1,3}")
_DATE_BUILTIN = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_QUOTED = re.compile(r"\[[^\]]*\]|\"[^\"]*\"|\\.")
_EPOCH = datetime(1899, 12, 30)


@dataclass(frozen=True)
class Formula:
    """A cell whose formula was saved without its result."""

    text: str


@dataclass(frozen=True)
class CellError:
    """A cell holding a spreadsheet error value (`#DIV/0!`, `#REF!`)."""

    text: str


@dataclass
class Workbook:
    """An open workbook: its first sheet's name, the other sheets' names, and its rows."""

    title: str
    others: tuple[str, ...]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    merged: list[str] = field(default_factory=list)  # filled once `rows` is exhausted


class _Refused(Exception):
    """The XML declares a document type: no XLSX part does."""


def open_workbook(fh: IO[bytes]) -> Workbook:
    """Open `fh` (the caller closes it once the rows are read) as an XLSX workbook."""
    try:
        book = BoundedZipFile(fh, WORKBOOK)
        sheets = _sheets(book)
        if not sheets:
            raise InvalidInput("upload.empty")
        shared = _shared_strings(book)
        dates = _date_styles(book)
        title, path = sheets[0]
        book.getinfo(path)
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, expat.ExpatError):
        raise InvalidInput("upload.bad-xlsx") from None
    except (_Refused, RecursionError):
        raise InvalidInput("upload.bad-xlsx") from None
    out = Workbook(title, tuple(t for t, _ in sheets[1:]), iter(()))
    out.rows = _rows(book, path, _SheetReader(shared, dates, out))
    return out


def _parser() -> Any:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: Any) -> None:
        raise _Refused()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _local(name: str) -> str:
    return name[name.index(":") + 1 :] if ":" in name else name


def _events(book: zipfile.ZipFile, path: str) -> list[tuple[str, dict[str, str]]]:
    """Start tags of a small part (workbook, relationships, styles) as (local name, attributes);
    an end tag is `("/" + name, {})`."""
    out: list[tuple[str, dict[str, str]]] = []
    parser = _parser()
    parser.StartElementHandler = lambda name, attrs: out.append((_local(name), attrs))
    parser.EndElementHandler = lambda name: out.append(("/" + _local(name), {}))
    with book.open(path) as fh:
        parser.ParseFile(fh)
    return out


def _sheets(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, path in the zip) of each worksheet, in the workbook's order."""
    targets = {}
    for name, attrs in _events(book, "xl/_rels/workbook.xml.rels"):
        if name == "Relationship" and attrs.get("Type", "").endswith("/worksheet"):
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[attrs.get("Id")] = posixpath.normpath(path)
    out = []
    for name, attrs in _events(book, "xl/workbook.xml"):
        if name != "sheet":
            continue
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if rid in targets:
            out.append((attrs.get("name", ""), targets[rid]))
    return out


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    """The shared string table: each item's `t` runs joined, phonetic guides (`rPh`) left out."""
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    out: list[str] = []
    parts: list[str] = []
    state = {"phonetic": 0, "text": False}
    parser = _parser()

    def start(name: str, _attrs: dict[str, str]) -> None:
        name = _local(name)
        if name == "si":
            parts.clear()
        elif name == "rPh":
            state["phonetic"] += 1
        elif name == "t" and not state["phonetic"]:
            state["text"] = True

    def end(name: str) -> None:
        name = _local(name)
        if name == "si":
            out.append("".join(parts))
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "t":
            state["text"] = False

    def text(data: str) -> None:
        if state["text"]:
            parts.append(data)

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    with book.open("xl/sharedStrings.xml") as fh:
        parser.ParseFile(fh)
    return out


def _date_styles(book: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell styles whose number format shows a date or time."""
    if "xl/styles.xml" not in book.namelist():
        return frozenset()
    custom: dict[int, bool] = {}
    out: set[int] = set()
    in_xfs, index = False, 0
    for name, attrs in _events(book, "xl/styles.xml"):
        if name == "numFmt":
            code = _QUOTED.sub("", attrs.get("formatCode", ""))
            custom[int(attrs.get("numFmtId", "-1"))] = bool(_DATE_CODE.search(code))
        elif name == "cellXfs":
            in_xfs = True
        elif name == "/cellXfs":
            in_xfs = False
        elif name == "xf" and in_xfs:
            ident = int(attrs.get("numFmtId", "0"))
            if ident in _DATE_BUILTIN or custom.get(ident, False):
                out.add(index)
            index += 1
    return frozenset(out)


def _rows(
    book: BoundedZipFile, path: str, reader: _SheetReader
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    parser = _parser()
    parser.StartElementHandler = reader.first
    parser.CharacterDataHandler = reader.text
    reader.parser = parser
    try:
        with book.open(path) as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                parser.Parse(chunk, False)
                yield from reader.done
                reader.done.clear()
            parser.Parse(b"", True)
            yield from reader.done
            reader.done.clear()
    except InvalidInput:
        raise
    except (expat.ExpatError, _Refused, zipfile.BadZipFile, ValueError, IndexError, OSError):
        raise InvalidInput("upload.bad-xlsx") from None
    except EOFError:
        raise InvalidInput("upload.bad-xlsx") from None


class _SheetReader:
    """Expat callbacks for a worksheet; completed rows collect in `done`.

    Tags are dispatched through dictionaries keyed by the tag as written (with the prefix the
    root element uses, often none), so the two million callbacks of a large sheet do no string
    work of their own.
    """

    def __init__(self, shared: list[str], dates: frozenset[int], out: Workbook) -> None:
        self.shared, self.dates, self.out = shared, dates, out
        self.parser: Any = None
        self.done: list[tuple[int, tuple[Any, ...]]] = []
        self.number = 0
        self.values: list[Any] = []
        self.column = 0
        self.kind, self.style = "n", 0
        self.value: str | None = None
        self.formula: str | None = None
        self.inline: list[str] | None = None
        self.buffer: list[str] | None = None
        self.phonetic = 0
        self.columns: dict[str, int] = {}  # "AB" → 28, for the few columns a sheet has
        self.starts: dict[str, Any] = {}
        self.ends: dict[str, Any] = {}

    def first(self, name: str, attrs: dict[str, str]) -> None:
        """The root element: learn its prefix, then hand every other tag to the dispatchers."""
        prefix = name[: name.index(":") + 1] if ":" in name else ""
        self.starts = {
            prefix + "c": self.start_cell,
            prefix + "v": self.start_text,
            prefix + "f": self.start_text,
            prefix + "row": self.start_row,
            prefix + "is": self.start_inline,
            prefix + "t": self.start_inline_text,
            prefix + "rPh": self.start_phonetic,
            prefix + "mergeCell": self.merge,
        }
        self.ends = {
            prefix + "v": self.end_value,
            prefix + "c": self.end_cell,
            prefix + "row": self.end_row,
            prefix + "f": self.end_formula,
            prefix + "t": self.end_inline_text,
            prefix + "rPh": self.end_phonetic,
        }
        starts, ends = self.starts, self.ends

        def start(tag: str, attributes: dict[str, str]) -> None:
            handler = starts.get(tag)
            if handler is not None:
                handler(attributes)

        def end(tag: str) -> None:
            handler = ends.get(tag)
            if handler is not None:
                handler()

        self.parser.StartElementHandler = start
        self.parser.EndElementHandler = end

    def start_cell(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r")
        if ref:
            letters = ref.rstrip("0123456789")
            column = self.columns.get(letters)
            if column is None:
                column = self.columns[letters] = _column_index(letters)
            self.column = column
        else:
            self.column += 1
        if self.column > MAX_COLUMNS:
            raise InvalidInput("upload.bad-xlsx")
        self.kind = attrs.get("t", "n")
        style = attrs.get("s")
        self.style = int(style) if style else 0
        self.value = self.formula = None
        self.inline = None

    def start_text(self, _attrs: dict[str, str]) -> None:
        self.buffer = []

    def start_row(self, attrs: dict[str, str]) -> None:
        given = attrs.get("r")
        self.number = int(given) if given else self.number + 1
        if self.number > MAX_ROWS:
            raise InvalidInput("upload.too-many-rows", limit=MAX_ROWS)
        self.values = []
        self.column = 0

    def start_inline(self, _attrs: dict[str, str]) -> None:
        self.inline = []

    def start_inline_text(self, _attrs: dict[str, str]) -> None:
        if self.inline is not None and not self.phonetic:
            self.buffer = []

    def start_phonetic(self, _attrs: dict[str, str]) -> None:
        self.phonetic += 1

    def merge(self, attrs: dict[str, str]) -> None:
        self.out.merged.append(attrs.get("ref", ""))

    def text(self, data: str) -> None:
        if self.buffer is not None:
            self.buffer.append(data)

    def end_value(self) -> None:
        self.value = "".join(self.buffer or ())
        self.buffer = None

    def end_formula(self) -> None:
        self.formula = "".join(self.buffer or ())
        self.buffer = None

    def end_inline_text(self) -> None:
        if self.buffer is not None and self.inline is not None:
            self.inline.append("".join(self.buffer))
            self.buffer = None

    def end_phonetic(self) -> None:
        self.phonetic -= 1

    def end_cell(self) -> None:
        values = self.values
        while len(values) < self.column - 1:
            values.append(None)
        values.append(self._cell())

    def end_row(self) -> None:
        values = self.values
        for v in values:
            if v is not None and v != "":
                self.done.append((self.number, tuple(values)))
                return

    def _cell(self) -> Any:
        kind, raw = self.kind, self.value
        if kind == "n" and raw:
            number = float(raw)
            if self.style and self.style in self.dates:
                try:
                    return _EPOCH + timedelta(days=number)
                except OverflowError:
                    return number
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
        if kind == "inlineStr":
            return "".join(self.inline) if self.inline is not None else None
        if raw == "" and kind == "str":
            return ""  # a formula whose saved result is the empty text, like =IF(A1="","",…)
        if raw is None or raw == "":
            return Formula("=" + self.formula) if self.formula is not None else None
        if kind == "s":
            return self.shared[int(raw)]
        if kind == "b":
            return raw == "1"
        if kind == "e":
            return CellError(raw)
        return raw  # "str" (a formula's text result), "d" (an ISO date as text)


def _column_index(letters: str) -> int:
    if not _LETTERS.fullmatch(letters):
        raise InvalidInput("upload.bad-xlsx")
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index
