"""Uploading data points from a spreadsheet, first half: read the file and check every row
(`importing` compares the result with what is stored and writes it, all or nothing).

Two layouts are understood, with English or Korean headers:
- long: programme, period, input, value (one value per row);
- wide: programme, period, then one column per input (what the export writes, and the layout of
  `library/sample/records.csv`); an `organisation` column must name this organisation.
Every problem is collected with its sheet, row and column, so a person fixes them all at once.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from gachi.config import Settings
from gachi.db.models import DataPoint, Organisation
from gachi.db.tenancy import TenantRepository
from gachi.domains.data.numbers import parse_number, parse_period
from gachi.domains.data.reader import CellError, Formula, open_sheet, sniff
from gachi.domains.programmes.service import programme_inputs, programmes
from gachi.errors import InvalidInput, Issue

MAX_ISSUES = 500  # row-level problems kept for the preview; the count of the rest is shown
ALIASES = {
    "organisation": ("organisation", "organization", "org", "기관", "기관명", "조직"),
    "programme": ("programme", "program", "programme_name", "사업", "사업명", "프로그램"),
    "period": ("period", "year", "연도", "년도", "기간", "기준연도", "기준년도"),
    "input": ("input", "name", "item", "항목", "항목명", "입력", "입력항목", "변수"),
    "value": ("value", "값", "수치", "입력값"),
}
_ALIAS = {alias: key for key, names in ALIASES.items() for alias in names}
_FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Known:
    """What a file may name: this organisation, its programmes and each one's inputs."""

    organisation: str
    programmes: dict[str, int]  # name → id
    inputs: dict[int, dict[str, str]]  # programme id → {accepted spelling → input name}
    negative_ok: dict[tuple[int, str], bool]

    def programme_list(self) -> str:
        return ", ".join(sorted(self.programmes)) or "—"


@dataclass(frozen=True)
class Entry:
    programme_id: int
    period: int
    name: str
    value: float
    row: int


@dataclass
class Parsed:
    """A file read and checked: its entries and every problem, each with where it is."""

    layout: str = ""
    sheet: str | None = None
    other_sheets: tuple[str, ...] = ()
    rows: int = 0
    entries: list[Entry] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    more_issues: int = 0
    # Cells seen before and found good, by their raw value: a 100,000-row file repeats the same
    # few programme names, periods and input names, and need not check them again.
    memo: dict[str, dict[Any, Any]] = field(
        default_factory=lambda: {k: {} for k in ("programme", "period", "org", "name", "number")},
        repr=False,
    )

    def problem(
        self, code: str, row: int | None = None, column: str | None = None, **p: Any
    ) -> None:
        if len(self.issues) >= MAX_ISSUES:
            self.more_issues += 1
            return
        self.issues.append(
            Issue(code, {"sheet": self.sheet or "", "row": row or "", "column": column or "", **p})
        )


# ---- reading and checking ------------------------------------------------------------------


def known(repo: TenantRepository, settings: Settings) -> Known:
    org = repo.db.get(Organisation, repo.organisation_id)
    progs = programmes(repo)
    stored: dict[int, set[str]] = {}
    query = repo.select(DataPoint).with_only_columns(DataPoint.programme_id, DataPoint.name)
    for pid, name in repo.db.execute(query.distinct()):
        stored.setdefault(pid, set()).add(name)
    inputs: dict[int, dict[str, str]] = {}
    negative_ok: dict[tuple[int, str], bool] = {}
    for p in progs:
        spellings: dict[str, str] = {}
        for f in programme_inputs(repo, settings, p.id):
            for spelling in (f.label_ko, f.label_en, f.name.lower(), f.name):
                if spelling:
                    spellings[_fold(spelling)] = f.name
            negative_ok[(p.id, f.name)] = f.allow_negative
        for name in stored.get(p.id, ()):  # data kept from indicators no longer chosen
            spellings.setdefault(_fold(name), name)
            negative_ok.setdefault((p.id, name), True)
        inputs[p.id] = spellings
    return Known(org.name if org else "", {p.name: p.id for p in progs}, inputs, negative_ok)


def parse(path: Path, known: Known) -> Parsed:
    """Read and check the file at `path`. File-level problems (not a spreadsheet, wrong columns,
    merged cells) raise `InvalidInput`; row-level problems are collected in `Parsed.issues`."""
    sheet = open_sheet(path, sniff(path))
    try:
        parsed = Parsed(sheet=sheet.title, other_sheets=sheet.others)
        rows = sheet.rows
        header_row = next(rows, None)
        if header_row is None:
            raise InvalidInput("upload.empty")
        columns = _columns(parsed, header_row, known)
        if parsed.layout == "long":
            _read_long(parsed, rows, columns, known)
        else:
            _read_wide(parsed, rows, columns, known)
    finally:
        sheet.close()
    if sheet.merged:
        shown = ", ".join(sheet.merged[:10]) + (" …" if len(sheet.merged) > 10 else "")
        raise InvalidInput("upload.merged-cells", sheet=sheet.title or "", ranges=shown)
    if parsed.rows == 0 and not parsed.issues:
        raise InvalidInput("upload.no-data-rows")
    _refuse_repeats(parsed, known)
    return parsed


def _columns(parsed: Parsed, header: tuple[int, tuple[Any, ...]], known: Known) -> dict[str, Any]:
    """Which column holds what; decides the layout. Wrong headers are a file-level error."""
    number, cells = header
    keys: dict[str, int] = {}
    others: list[tuple[int, str]] = []
    issues: list[Issue] = []
    for index, raw in enumerate(cells):
        text = _text(raw)
        if not text:
            continue
        key = _ALIAS.get(_fold(text))
        if key is not None and key not in keys:
            keys[key] = index
        elif key is not None:
            issues.append(_at(parsed, "upload.duplicate-column", number, index, column_name=text))
        else:
            others.append((index, text))
    if "programme" not in keys or "period" not in keys:
        raise InvalidInput(
            "upload.wrong-columns", found=", ".join(_text(c) for c in cells if _text(c)) or "—"
        )
    long = "input" in keys or "value" in keys
    parsed.layout = "long" if long else "wide"
    if long:
        if "input" not in keys or "value" not in keys:
            raise InvalidInput("upload.wrong-columns", found=", ".join(_text(c) for c in cells))
        issues += [
            _at(parsed, "upload.extra-column", number, i, column_name=text) for i, text in others
        ]
    else:
        spelled = {s for spellings in known.inputs.values() for s in spellings}
        seen: dict[str, int] = {}
        for index, text in others:
            if _fold(text) not in spelled:
                names = sorted(
                    {n for spellings in known.inputs.values() for n in spellings.values()}
                )
                issues.append(
                    _at(
                        parsed,
                        "upload.unknown-column",
                        number,
                        index,
                        column_name=text,
                        known=", ".join(names) or "—",
                    )
                )
            elif _fold(text) in seen:
                issues.append(
                    _at(parsed, "upload.duplicate-column", number, index, column_name=text)
                )
            seen[_fold(text)] = index
        if not others:
            raise InvalidInput("upload.no-input-columns")
    if issues:
        raise InvalidInput.of(issues)
    used = set(keys.values()) | {i for i, _ in others}
    blank = any(i not in used for i in range(len(cells)))
    return {"keys": keys, "inputs": others, "width": len(cells), "used": used, "blank": blank}


def _unheaded(where: _Row, cells: tuple[Any, ...], cols: dict[str, Any]) -> None:
    """A value in a column without a header would be silently dropped: say where it is."""
    if len(cells) <= cols["width"] and not cols["blank"]:
        return
    used = cols["used"]
    for index, raw in enumerate(cells):
        if index not in used and _text(raw):
            where.problem("upload.no-header", "", index)
            return


def _read_long(
    parsed: Parsed, rows: Iterator[tuple[int, tuple[Any, ...]]], cols: dict[str, Any], known: Known
) -> None:
    keys: dict[str, int] = cols["keys"]
    for number, cells in rows:
        parsed.rows += 1
        where = _Row(parsed, number, cells, keys)
        _unheaded(where, cells, cols)
        programme_id = where.programme(known)
        period = where.period()
        org_ok = where.organisation(known)
        raw_name = where.cell("input")
        raw_value = where.cell("value")
        name_text = _text(raw_name)
        if not name_text:
            where.problem("upload.missing-input", "input")
            continue
        if programme_id is None or period is None or not org_ok:
            continue
        names = parsed.memo["name"]
        name = names.get((programme_id, raw_name))
        if name is None:
            name = known.inputs[programme_id].get(_fold(name_text))
            if name is None:
                where.unknown_input(name_text, programme_id, known, "input")
                continue
            names[(programme_id, raw_name)] = name
        if raw_value is None or _text(raw_value) == "":
            where.problem("upload.missing-value", "value")
            continue
        value = where.value(raw_value, "value", programme_id, name, known)
        if value is not None:
            parsed.entries.append(Entry(programme_id, period, name, value, number))


def _read_wide(
    parsed: Parsed, rows: Iterator[tuple[int, tuple[Any, ...]]], cols: dict[str, Any], known: Known
) -> None:
    keys: dict[str, int] = cols["keys"]
    inputs: list[tuple[int, str]] = cols["inputs"]
    for number, cells in rows:
        parsed.rows += 1
        where = _Row(parsed, number, cells, keys)
        _unheaded(where, cells, cols)
        programme_id = where.programme(known)
        period = where.period()
        if not where.organisation(known) or programme_id is None or period is None:
            continue
        spellings = known.inputs[programme_id]
        for index, header in inputs:
            raw = cells[index] if index < len(cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            name = spellings.get(_fold(header))
            if name is None:
                where.unknown_input(header, programme_id, known, header, index)
                continue
            value = where.value(raw, header, programme_id, name, known, index)
            if value is not None:
                parsed.entries.append(Entry(programme_id, period, name, value, number))


class _Row:
    """One data row being checked; its problems are located by sheet, row and column."""

    def __init__(
        self, parsed: Parsed, number: int, cells: tuple[Any, ...], keys: dict[str, int]
    ) -> None:
        self.parsed, self.row, self.cells, self.keys = parsed, number, cells, keys

    def cell(self, key: str) -> Any:
        index = self.keys.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def problem(self, code: str, key: str, index: int | None = None, **p: Any) -> None:
        index = self.keys.get(key, 0) if index is None else index
        self.parsed.problem(code, self.row, _letter(self.parsed, index, key), **p)

    def programme(self, known: Known) -> int | None:
        raw = self.cell("programme")
        memo = self.parsed.memo["programme"]
        if raw in memo:
            return int(memo[raw])
        if self._special(raw, "programme"):
            return None
        text = _text(raw)
        if not text:
            self.problem("upload.missing-programme", "programme")
            return None
        found = known.programmes.get(text)
        if found is None:
            self.problem(
                "upload.unknown-programme", "programme", name=text, known=known.programme_list()
            )
        else:
            memo[raw] = found
        return found

    def period(self) -> int | None:
        raw = self.cell("period")
        memo = self.parsed.memo["period"]
        if raw in memo and not isinstance(raw, bool):
            return int(memo[raw])
        if self._special(raw, "period"):
            return None
        if raw is None or _text(raw) == "":
            self.problem("upload.missing-period", "period")
            return None
        try:
            period = parse_period(raw if isinstance(raw, (int, float)) else _text(raw))
        except InvalidInput as err:
            self.problem(err.first.code, "period", **err.first.params)
            return None
        memo[raw] = period
        return period

    def organisation(self, known: Known) -> bool:
        raw = self.cell("organisation")
        memo = self.parsed.memo["org"]
        if raw in memo:
            return True
        if self._special(raw, "organisation"):
            return False
        text = _text(raw)
        if text and _fold(text) != _fold(known.organisation):
            self.problem(
                "upload.other-organisation", "organisation", name=text, ours=known.organisation
            )
            return False
        memo[raw] = True
        return True

    def unknown_input(
        self, text: str, programme_id: int, known: Known, key: str, index: int | None = None
    ) -> None:
        names = sorted(set(known.inputs[programme_id].values()))
        programme = next(n for n, i in known.programmes.items() if i == programme_id)
        self.problem(
            "upload.unknown-input",
            key,
            index,
            name=text,
            programme=programme,
            known=", ".join(names) or "—",
        )

    def value(
        self,
        raw: Any,
        key: str,
        programme_id: int,
        name: str,
        known: Known,
        index: int | None = None,
    ) -> float | None:
        kind = type(raw)
        if kind is float or kind is int:
            value = float(raw)
            if value >= 0 and value != math.inf:
                return value  # the common case, checked in full below otherwise
        if self._special(raw, key, index):
            return None
        if isinstance(raw, (bool, datetime, date, time, timedelta)):
            self.problem("points.not-a-number", key, index, text=str(raw))
            return None
        if isinstance(raw, (int, float)):
            value = float(raw)
            if not math.isfinite(value):
                self.problem("points.not-a-number", key, index, text=str(raw))
                return None
        else:
            numbers = self.parsed.memo["number"]
            cached = numbers.get(raw)
            if cached is None:
                try:
                    cached = numbers[raw] = parse_number(_text(raw))
                except InvalidInput as err:
                    self.problem(err.first.code, key, index, **err.first.params)
                    return None
            value = float(cached)
        if value < 0 and not known.negative_ok.get((programme_id, name), True):
            self.problem("points.negative", key, index, input=name, value=_text(raw))
            return None
        return value

    def _special(self, raw: Any, key: str, index: int | None = None) -> bool:
        """A formula without a saved result or an error value: refused, located."""
        if isinstance(raw, Formula):
            self.problem("upload.formula-without-value", key, index, formula=raw.text[:60])
            return True
        if isinstance(raw, CellError):
            self.problem("upload.error-value", key, index, value=raw.text)
            return True
        return False


def _refuse_repeats(parsed: Parsed, known: Known) -> None:
    first: dict[tuple[int, int, str], int] = {}
    names = {i: n for n, i in known.programmes.items()}
    for e in parsed.entries:
        key = (e.programme_id, e.period, e.name)
        seen = first.setdefault(key, e.row)
        if seen != e.row:
            parsed.problem(
                "upload.repeated",
                e.row,
                None,
                programme=names[e.programme_id],
                period=e.period,
                input=e.name,
                first=seen,
            )


def _at(parsed: Parsed, code: str, row: int, index: int, **p: Any) -> Issue:
    return Issue(
        code, {"sheet": parsed.sheet or "", "row": row, "column": _letter(parsed, index), **p}
    )


def _letter(parsed: Parsed, index: int, key: str = "") -> str:
    """The column as the person sees it: `C` in a workbook, the 1-based number in a CSV."""
    if parsed.sheet is None:
        return str(index + 1)
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _text(raw: Any) -> str:
    """A cell's text, stripped; the apostrophe our exports put before formula-like text is
    taken off again, so an export uploads back unchanged."""
    if raw is None:
        return ""
    if isinstance(raw, (Formula, CellError)):
        return raw.text
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    if text.startswith("'") and text[1:2] and text[1] in "=+-@":
        return text[1:]
    return text


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


__all__ = ["Entry", "Known", "Parsed", "known", "parse"]
