"""Reading a value map from YAML, CSV or XLSX into a `ValueMap`, keeping where each value was.

How cells are read (the same rules for every format):

- Percentages (deadweight, displacement, attribution, drop-off, discount rate): a value written
  with ``%``, or whose magnitude is above 1, is a percentage (``25%`` and ``25`` are 25%); a bare
  value from −1 to 1 is a fraction (``0.25`` is 25%, ``1`` is 100%). A column that mixes bare
  values above 1 with bare values in (0, 1] is ambiguous — is ``1`` there 1% or 100%? — and those
  cells are refused until written with ``%``. Anything outside 0–100% (``150%``) is refused.
- Numbers: a comma only as a thousands separator, in groups of three (``1,000,000``); ``1,5``,
  ``1,2,3`` and ``1_000`` are refused, never guessed. NaN, infinities and numbers beyond the
  float range are refused too. YAML scalars are read as the text written (see `sroi_yaml`).
- Money: also a leading ₩, a trailing 원 and the Korean units 만, 백만, 억 and 조
  (``1억 2,000만원``).
- Years: ``duration`` is 1 to 50 and ``outcome_start`` 0 to 10, the indicator catalogue's caps.
- Tables: one row per outcome; a blank stakeholder cell repeats the one above (spreadsheets merge
  those cells). A heading starting with ``#`` marks a column to ignore.

Every problem found is collected and raised together as one `InvalidInput`.
"""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from gachi.engine.sroi import FRACTIONS, GREEN_BOOK_RATE, Outcome, ValueMap
from gachi.engine.sroi_fields import (
    ALIASES,
    EITHER,
    FIELDS,
    SETTING_ALIASES,
    SETTING_FIELDS,
    SETTINGS,
    SKIP,
    Field,
    fraction_and_text,
    norm_heading,
    parse_currency,
)
from gachi.engine.sroi_raw import RawMap, RawRow, given, parse_cell, set_meta
from gachi.engine.sroi_yaml import from_yaml
from gachi.errors import InvalidInput, Issue, Location
from gachi.kernel.files import Table, read_table
from gachi.kernel.units import CURRENCIES

_SETTINGS_SHEETS = ("settings", "설정")
_FORMATS = (".yaml", ".yml", ".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


# --- entry point ------------------------------------------------------------------------------


def load_value_map(
    path: Path,
    *,
    investment: float | str | None = None,
    discount_rate: float | str | None = None,
    sheet: str | None = None,
) -> ValueMap:
    """Read a value map from YAML, CSV (UTF-8 or CP949) or XLSX.

    `investment` and `discount_rate` (numbers, or text read by the cell rules) replace what the
    file says. A table gets them from an XLSX sheet named "settings" or "설정" (key | value
    rows), otherwise only from the caller.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise InvalidInput("sroi.unknown-format", where=Location(str(path)), suffix=suffix or "-")
    issues: list[Issue] = []
    if suffix in (".yaml", ".yml"):
        meta, rows = from_yaml(path, issues)
    else:
        meta, rows = _from_table(path, sheet, issues)
    if investment is not None:
        meta.investment = [(investment, Location(field="investment"))]
    if discount_rate is not None:
        meta.discount_rate = (discount_rate, Location(field="discount_rate"))
    return _assemble(meta, rows, issues, Location(str(path)))


def _assemble(meta: RawMap, rows: list[RawRow], issues: list[Issue], file: Location) -> ValueMap:
    places: dict[str, Location] = {"outcomes": file, "name": file}
    currency = "KRW"
    if meta.currency is not None:
        currency = parse_cell(SETTING_FIELDS["currency"], *meta.currency, issues) or "KRW"
        places["currency"] = meta.currency[1]
    else:
        stated = {str(r.cells["currency"][0]) for r in rows if given(r.cells.get("currency"))}
        if len(stated) == 1:
            with contextlib.suppress(ValueError):
                currency = parse_currency(stated.pop())
    outcomes = _outcomes(rows, currency, issues)

    amounts: list[float] = []
    for i, (value, where) in enumerate(meta.investment):
        places[f"investment[{i}]"] = where
        amounts.append(parse_cell(SETTING_FIELDS["investment"], value, where, issues) or 0.0)
    if meta.investment:
        places["investment"] = meta.investment[0][1]
    else:
        issues.append(Issue("sroi.no-investment", {}, file))
    rate, first = GREEN_BOOK_RATE, True
    if meta.discount_rate is not None:
        places["discount_rate"] = meta.discount_rate[1]
        rate = parse_cell(SETTING_FIELDS["discount_rate"], *meta.discount_rate, issues)
        rate = GREEN_BOOK_RATE if rate is None else rate
    if meta.discount_first_year is not None:
        places["discount_first_year"] = meta.discount_first_year[1]
        flag = parse_cell(SETTING_FIELDS["discount_first_year"], *meta.discount_first_year, issues)
        first = True if flag is None else flag
    if rows and not outcomes:
        # Every row had problems (already reported); a stand-in lets the map-level checks run.
        outcomes = [
            Outcome(
                stakeholder="?",
                outcome="?",
                quantity=0,
                proxy=0,
                currency=currency if currency in CURRENCIES else "KRW",
            )
        ]
    try:
        value_map = ValueMap(
            name=meta.name,
            outcomes=tuple(outcomes),
            currency=currency,
            investment=tuple(amounts) if len(amounts) > 1 else (amounts[0] if amounts else 0.0),
            discount_rate=rate,
            discount_first_year=first,
            places=places,
        )
    except InvalidInput as err:
        raise InvalidInput.of([*issues, *err.issues]) from None
    if issues:
        raise InvalidInput.of(issues)
    return value_map


def _outcomes(rows: list[RawRow], currency: str, issues: list[Issue]) -> list[Outcome]:
    ambiguous = _ambiguous_percents(rows, issues)
    outcomes: list[Outcome] = []
    for k, row in enumerate(rows):
        values: dict[str, Any] = {"currency": currency}
        places: dict[str, Location] = {}
        usable = True
        for spec in FIELDS:
            cell = row.cells.get(spec.name)
            if not given(cell):
                if spec.required:
                    usable = False
                    values[spec.name] = spec.placeholder
                    if cell is None:
                        issues.append(
                            Issue(
                                "sroi.missing-key",
                                {"key": spec.name},
                                replace(row.at, field=spec.name),
                            )
                        )
                    else:
                        issues.append(Issue("sroi.empty", {"field": cell[1].field}, cell[1]))
                continue
            assert cell is not None
            value, where = cell
            places[spec.name] = where
            parsed = None if (k, spec.name) in ambiguous else parse_cell(spec, value, where, issues)
            if parsed is None:
                usable = False
                parsed = spec.placeholder if spec.placeholder is not None else ""
            values[spec.name] = parsed
        try:
            # Built even from stand-ins so its range checks report the row's other problems.
            outcome = Outcome(**values, places=places)
        except InvalidInput as err:
            issues.extend(err.issues)
            continue
        if usable:
            outcomes.append(outcome)
    return outcomes


def _ambiguous_percents(rows: list[RawRow], issues: list[Issue]) -> set[tuple[int, str]]:
    flagged: set[tuple[int, str]] = set()
    for name in FRACTIONS:
        example: str | None = None
        small: list[tuple[int, Any, Location, float]] = []
        for k, row in enumerate(rows):
            cell = row.cells.get(name)
            if not given(cell):
                continue
            assert cell is not None
            try:
                number, kind = fraction_and_text(cell[0])
            except ValueError:
                continue
            if kind == "bare-percent" and example is None:
                example = str(cell[0])
            elif kind == "bare-fraction":
                small.append((k, cell[0], cell[1], number))
        if example is None:
            continue
        for k, value, where, number in small:
            issues.append(
                Issue(
                    "sroi.percent-ambiguous",
                    {
                        "field": where.field or name,
                        "value": str(value),
                        "example": example,
                        "percent": f"{number * 100:g}",
                    },
                    where,
                )
            )
            flagged.add((k, name))
    return flagged


# --- CSV and XLSX -----------------------------------------------------------------------------


def _from_table(path: Path, sheet: str | None, issues: list[Issue]) -> tuple[RawMap, list[RawRow]]:
    meta = RawMap(name=path.stem)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return meta, _table_rows(read_table(path, sheet=sheet))
    with _xlsx_errors(path):
        table = read_table(path, sheet=sheet)
        names = _sheet_names(path)
        settings = next((n for n in names if norm_heading(n) in _SETTINGS_SHEETS), None)
        if sheet is None and table.sheet == settings:
            others = [n for n in names if n != settings]
            if others:
                table = read_table(path, sheet=others[0])
        if settings is not None and settings != table.sheet:
            _read_settings(read_table(path, sheet=settings), meta, issues)
    return meta, _table_rows(table)


# What a file that is not a sound XLSX makes the zip and XML layers under openpyxl raise.
_BAD_XLSX: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    KeyError,
    ValueError,
    IndexError,
    SyntaxError,  # xml.etree.ElementTree.ParseError and lxml's XMLSyntaxError
)


@contextlib.contextmanager
def _xlsx_errors(path: Path) -> Iterator[None]:
    """Turn a damaged or fake XLSX (a renamed CSV, a truncated download) into `file.bad-xlsx`."""
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        yield
    except (InvalidFileException, *_BAD_XLSX) as ex:
        detail = str(ex) or type(ex).__name__
        raise InvalidInput("file.bad-xlsx", where=Location(str(path)), detail=detail) from None


def _sheet_names(path: Path) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [str(n) for n in book.sheetnames]
    finally:
        book.close()


def _korean(headings: tuple[str, ...]) -> str:
    return next((h for h in headings if not h.isascii()), headings[0])


def _header_line(table: Table) -> int:
    # The header is the first non-empty row; the table keeps only the data rows' numbers.
    return table.rows[0][0] - 1 if table.rows else 1


def _read_settings(table: Table, meta: RawMap, issues: list[Issue]) -> None:
    seen: set[str] = set()
    for line, cells in ((_header_line(table), table.headers), *table.rows):
        key_text = "" if cells[0] is None else str(cells[0]).strip()
        value = cells[1] if len(cells) > 1 else None
        key = SETTING_ALIASES.get(norm_heading(key_text))
        where = replace(table.where(line, 1), field=key_text)
        if key is None:
            if norm_heading(key_text) not in ("key", "항목", "설정") and key_text:
                known = ", ".join(f"{k}/{_korean(hs)}" for k, hs in SETTINGS.items())
                issues.append(
                    Issue(
                        "sroi.unknown-key", {"key": key_text, "known": known}, replace(where, col=1)
                    )
                )
            continue
        if key == "investment":  # several input rows are summed
            meta.investment.append((value, where))
            continue
        if key in seen:
            issues.append(Issue("sroi.duplicate-key", {"key": key_text}, replace(where, col=1)))
            continue
        seen.add(key)
        set_meta(meta, key, value, where, issues)


def _table_rows(table: Table) -> list[RawRow]:
    columns = _columns(table)
    rows: list[RawRow] = []
    previous: tuple[Any, Location] | None = None
    for line, cells in table.rows:
        row = RawRow(table.where(line))
        for name, col in columns.items():
            row.cells[name] = (
                cells[col],
                replace(table.where(line, col), field=table.headers[col]),
            )
        stakeholder = row.cells["stakeholder"]
        if not given(stakeholder) and previous is not None:
            row.cells["stakeholder"] = (previous[0], stakeholder[1])
        previous = row.cells["stakeholder"]
        rows.append(row)
    return rows


def _columns(table: Table) -> dict[str, int]:
    found: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    sources: list[int] = []
    either: list[int] = []
    for i, heading in enumerate(table.headers):
        key = norm_heading(heading)
        if not key or heading.startswith("#") or key in SKIP:
            continue
        if key in EITHER:
            either.append(i)
            continue
        name = ALIASES.get(key)
        if name is None:
            unknown.append(heading)
        elif name == "proxy_source":
            sources.append(i)
        elif name in found:
            repeated.append(heading)
        else:
            found[name] = i
    if sources:  # the Guide lists the indicator's source first and the proxy's source last
        found["proxy_source"] = sources[-1]
    for i in either:
        name = "proxy_description" if "proxy" in found else "proxy"
        if name in found:
            repeated.append(table.headers[i])
        else:
            found[name] = i
    missing = [f for f in FIELDS if f.required and f.name not in found]
    if missing or unknown or repeated:
        raise InvalidInput(
            "sroi.columns",
            where=Location(_table_name(table), _header_line(table)),
            missing=", ".join(_shown(f) for f in missing) or "-",
            unknown=", ".join(unknown) or "-",
            duplicate=", ".join(repeated) or "-",
            found=", ".join(h for h in table.headers if h) or "-",
            expected="; ".join(_shown(f) for f in FIELDS),
        )
    return found


def _shown(spec: Field) -> str:
    shown = f"{spec.headings[0]}/{_korean(spec.headings)}"
    return f"{shown} (Financial proxy/화폐화 대리변수)" if spec.name == "proxy" else shown


def _table_name(table: Table) -> str:
    return f"{table.file}[{table.sheet}]" if table.sheet else table.file
