"""Reading a value map from YAML, CSV or XLSX into a `ValueMap`, keeping where each value was.

How cells are read (the same rules for every format):

- Percentages (deadweight, displacement, attribution, drop-off, discount rate): a value written
  with ``%``, or whose magnitude is above 1, is a percentage (``25%`` and ``25`` are 25%); a bare
  value from −1 to 1 is a fraction (``0.25`` is 25%, ``1`` is 100%). A column that mixes bare
  values above 1 with bare values in (0, 1] is ambiguous — is ``1`` there 1% or 100%? — and those
  cells are refused until written with ``%``. Anything outside 0–100% (``150%``) is refused.
- Money: thousands separators, a leading ₩ and a trailing 원 are allowed, and so are the Korean
  units 만, 백만, 억 and 조 (``1억 2,000만원``).
- Tables: one row per outcome; a blank stakeholder cell repeats the one above (spreadsheets merge
  those cells). A heading starting with ``#`` marks a column to ignore.

Every problem found is collected and raised together as one `InvalidInput`.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from gachi.engine.sroi import FRACTIONS, GREEN_BOOK_RATE, Outcome, ValueMap
from gachi.errors import InvalidInput, Issue, Location
from gachi.kernel.files import Table, read_table, read_text
from gachi.kernel.money import KOREAN_UNITS
from gachi.kernel.units import CURRENCIES

# --- cell parsers: each returns the value or raises ValueError --------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SCALES = {u.removesuffix("원"): float(v) for u, v in KOREAN_UNITS.items() if u != "원"}
_MONEY_PART = re.compile(
    r"(\d+(?:\.\d+)?)(" + "|".join(sorted(_SCALES, key=len, reverse=True)) + r")?"
)
_TRUE = {"true", "yes", "y", "1", "예", "네", "참"}
_FALSE = {"false", "no", "n", "0", "아니오", "아니요", "거짓"}


def parse_number(value: object) -> float:
    """A number from a cell: numbers as they are, text with optional thousands separators."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = re.sub(r"[\s,]", "", value)
        if _NUMBER.fullmatch(text):
            return float(text)
    raise ValueError(value)


def parse_money(value: object) -> float:
    """An amount: ``1200000``, ``1,200,000원``, ``₩1,200,000``, ``120만원``, ``1억 2,000만원``."""
    if not isinstance(value, str):
        return parse_number(value)
    text = re.sub(r"[\s,]", "", value)
    sign = -1.0 if text.startswith(("-", "−")) else 1.0
    text = text.lstrip("+-−").removeprefix("₩").removesuffix("원").removesuffix("KRW")
    if _NUMBER.fullmatch(text):
        return sign * float(text)
    pos, total, previous = 0, 0.0, math.inf
    while pos < len(text):
        part = _MONEY_PART.match(text, pos)
        if part is None or part.end() == pos:
            raise ValueError(value)
        scale = _SCALES[part[2]] if part[2] else 1.0
        if scale >= previous:  # units must shrink left to right: 1억 2000만, not 2000만 1억
            raise ValueError(value)
        total, previous, pos = total + float(part[1]) * scale, scale, part.end()
    if pos == 0:
        raise ValueError(value)
    return sign * total


def _fraction(value: object) -> tuple[float, str]:
    """The fraction and how it was written: 'percent', 'bare-percent', 'bare-fraction', 'zero'."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return parse_number(value.strip()[:-1]) / 100.0, "percent"
    number = parse_number(value)
    if abs(number) > 1.0:
        return number / 100.0, "bare-percent"
    return number, "zero" if number == 0 else "bare-fraction"


def parse_percent(value: object) -> float:
    """A fraction from ``25%``, ``25`` or ``0.25`` (all 0.25); see the module docstring."""
    return _fraction(value)[0]


def parse_years(value: object) -> float:
    """A number of years: ``3``, ``3년``, ``3 years``."""
    if isinstance(value, str):
        value = re.sub(r"(년|years?|yrs?)$", "", value.strip(), flags=re.IGNORECASE)
    return parse_number(value)


_DURING = {"during", "duringactivity", "활동중", "사업중"}
_AFTER = {"after", "afteractivity", "활동후", "사업후"}


def parse_start(value: object) -> float:
    """Years of delay before an outcome starts; the Guide's 'during'/'after' activity are 0/1."""
    if isinstance(value, str):
        key = _norm(value)
        if key in _DURING:
            return 0.0
        if key in _AFTER:
            return 1.0
    return parse_years(value)


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def parse_currency(value: object) -> str:
    text = str(value).strip()
    if text.casefold() in ("원", "won", "₩", "krw"):
        return "KRW"
    if not text:
        raise ValueError(value)
    return text.upper()


def parse_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(value)
    return str(value).strip()


# --- what each field is called and how it is read ---------------------------------------------


@dataclass(frozen=True)
class _Field:
    name: str
    parse: Callable[[object], Any]
    error: str
    placeholder: Any
    required: bool = False

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in HEADINGS[self.name].split("|"))


FIELDS: tuple[_Field, ...] = (
    _Field("stakeholder", parse_text, "sroi.not-text", "?", required=True),
    _Field("outcome", parse_text, "sroi.not-text", "?", required=True),
    _Field("indicator", parse_text, "sroi.not-text", None),
    _Field("quantity", parse_number, "sroi.not-number", 0.0, required=True),
    _Field("proxy", parse_money, "sroi.not-money", 0.0, required=True),
    _Field("proxy_description", parse_text, "sroi.not-text", None),
    _Field("proxy_source", parse_text, "sroi.not-text", None),
    _Field("currency", parse_currency, "sroi.not-text", "KRW"),
    _Field("deadweight", parse_percent, "sroi.not-percent", 0.0),
    _Field("displacement", parse_percent, "sroi.not-percent", 0.0),
    _Field("attribution", parse_percent, "sroi.not-percent", 0.0),
    _Field("drop_off", parse_percent, "sroi.not-percent", 0.0),
    _Field("duration", parse_years, "sroi.not-years", 1),
    _Field("outcome_start", parse_start, "sroi.not-start", 0),
)

# Accepted headings (and YAML keys) per field; the first English and the first Korean one are
# shown in messages. Case, spaces, "%" and anything in brackets are ignored when matching.
HEADINGS: dict[str, str] = {
    "stakeholder": "Stakeholders | 이해관계자 | stakeholder",
    "outcome": "Outcome | 성과 | outcomes | the outcome | the outcomes | description"
    " | outcome description | 결과 | 성과 내용 | 성과 설명",
    "indicator": "Indicator | 지표 | indicators | 성과 지표",
    "quantity": "Quantity | 수량",
    "proxy": "Value | 단가 | proxy value | value per unit | unit value | financial proxy value"
    " | 화폐 가치 | 대리변수 값",
    "proxy_description": "Proxy description | 대리변수 설명 | financial proxy description",
    "proxy_source": "Source | 출처 | proxy source | 근거",
    "currency": "Currency | 통화",
    "deadweight": "Deadweight % | 자중손실 | 사중손실 | 사중효과",
    "displacement": "Displacement % | 대체효과 | 전치효과",
    "attribution": "Attribution % | 기여도 | 귀속 | 귀속률",
    "drop_off": "Drop off % | 감소율 | drop-off | 하락률 | 감쇠율",
    "duration": "Duration | 지속기간 | 기간",
    "outcome_start": "Outcome start | 시작연도 | outcomes start | start | 시작 연도 | 시작년도"
    " | 성과 시작",
}
# "Financial proxy" names the proxy's amount, unless a Value column holds the amount: then it
# describes the proxy (the Guide's value map has both columns).
_EITHER_PROXY = (
    "financial proxy | proxy | 화폐화 대리변수 | 대리변수 | 대리지표 | 재무적 프록시 | 프록시"
)
# Columns of the Guide's value map that this reader does not need.
_IGNORED = "impact | inputs | outputs | notes | note | comments | 비고 | 메모 | 산출물 | 투입물"

_SETTINGS: dict[str, tuple[str, ...]] = {
    "name": ("name", "이름", "사업명"),
    "currency": ("currency", "통화"),
    "investment": ("investment", "inputs", "total inputs", "투자액", "투입액", "총 투입액"),
    "discount_rate": ("discount rate", "할인율"),
    "discount_first_year": ("discount first year", "첫해 할인", "1년차 할인"),
}
_SETTING_FIELDS = {
    "currency": _Field("currency", parse_currency, "sroi.not-text", None),
    "investment": _Field("investment", parse_money, "sroi.not-money", None),
    "discount_rate": _Field("discount_rate", parse_percent, "sroi.not-percent", None),
    "discount_first_year": _Field("discount_first_year", parse_bool, "sroi.not-bool", None),
    "name": _Field("name", parse_text, "sroi.not-text", None),
}


_SETTINGS_SHEETS = ("settings", "설정")
_FORMATS = (".yaml", ".yml", ".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


def _norm(heading: str) -> str:
    """Case, spaces, punctuation and anything in brackets do not matter in a heading."""
    text = re.sub(r"[(\[（].*?[)\]）]", "", heading.casefold())
    return re.sub(r"[\s_\-%.:/£₩$€¥]", "", text)


_ALIASES = {_norm(h): f.name for f in FIELDS for h in (f.name, *f.headings)}
_EITHER = {_norm(h) for h in _EITHER_PROXY.split("|")}
_SKIP = {_norm(h) for h in _IGNORED.split("|")}
_SETTING_ALIASES = {_norm(h): k for k, hs in _SETTINGS.items() for h in (k, *hs)}


@dataclass
class _Row:
    """One outcome's raw values with where each was found; `at` is the whole row or mapping."""

    at: Location
    cells: dict[str, tuple[Any, Location]] = field(default_factory=dict)


@dataclass
class _Map:
    """Map-level values gathered from a file and the caller, with their places."""

    name: str
    currency: tuple[Any, Location] | None = None
    investment: list[tuple[Any, Location]] = field(default_factory=list)
    discount_rate: tuple[Any, Location] | None = None
    discount_first_year: tuple[Any, Location] | None = None


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
        meta, rows = _from_yaml(path, issues)
    else:
        meta, rows = _from_table(path, sheet, issues)
    if investment is not None:
        meta.investment = [(investment, Location(field="investment"))]
    if discount_rate is not None:
        meta.discount_rate = (discount_rate, Location(field="discount_rate"))
    return _assemble(meta, rows, issues, Location(str(path)))


def _assemble(meta: _Map, rows: list[_Row], issues: list[Issue], file: Location) -> ValueMap:
    places: dict[str, Location] = {"outcomes": file, "name": file}
    currency = "KRW"
    if meta.currency is not None:
        currency = _parse(_SETTING_FIELDS["currency"], *meta.currency, issues) or "KRW"
        places["currency"] = meta.currency[1]
    else:
        stated = {str(r.cells["currency"][0]) for r in rows if _given(r.cells.get("currency"))}
        if len(stated) == 1:
            with contextlib.suppress(ValueError):
                currency = parse_currency(stated.pop())
    outcomes = _outcomes(rows, currency, issues)

    amounts: list[float] = []
    for i, (value, where) in enumerate(meta.investment):
        places[f"investment[{i}]"] = where
        amounts.append(_parse(_SETTING_FIELDS["investment"], value, where, issues) or 0.0)
    if not meta.investment:
        issues.append(Issue("sroi.no-investment", {}, file))
    rate, first = GREEN_BOOK_RATE, True
    if meta.discount_rate is not None:
        places["discount_rate"] = meta.discount_rate[1]
        rate = _parse(_SETTING_FIELDS["discount_rate"], *meta.discount_rate, issues)
        rate = GREEN_BOOK_RATE if rate is None else rate
    if meta.discount_first_year is not None:
        places["discount_first_year"] = meta.discount_first_year[1]
        flag = _parse(_SETTING_FIELDS["discount_first_year"], *meta.discount_first_year, issues)
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


def _given(cell: tuple[Any, Location] | None) -> bool:
    return cell is not None and cell[0] is not None and str(cell[0]).strip() != ""


def _parse(spec: _Field, value: Any, where: Location, issues: list[Issue]) -> Any:
    """The parsed value, or None after recording why it could not be read."""
    try:
        return spec.parse(value)
    except ValueError:
        issues.append(
            Issue(spec.error, {"field": where.field or spec.name, "value": str(value)}, where)
        )
        return None


def _outcomes(rows: list[_Row], currency: str, issues: list[Issue]) -> list[Outcome]:
    ambiguous = _ambiguous_percents(rows, issues)
    outcomes: list[Outcome] = []
    for k, row in enumerate(rows):
        values: dict[str, Any] = {"currency": currency}
        places: dict[str, Location] = {}
        usable = True
        for spec in FIELDS:
            cell = row.cells.get(spec.name)
            if not _given(cell):
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
            parsed = None if (k, spec.name) in ambiguous else _parse(spec, value, where, issues)
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


def _ambiguous_percents(rows: list[_Row], issues: list[Issue]) -> set[tuple[int, str]]:
    flagged: set[tuple[int, str]] = set()
    for name in FRACTIONS:
        example: str | None = None
        small: list[tuple[int, Any, Location, float]] = []
        for k, row in enumerate(rows):
            cell = row.cells.get(name)
            if not _given(cell):
                continue
            assert cell is not None
            try:
                number, kind = _fraction(cell[0])
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


def _from_table(path: Path, sheet: str | None, issues: list[Issue]) -> tuple[_Map, list[_Row]]:
    table = read_table(path, sheet=sheet)
    meta = _Map(name=path.stem)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        names = _sheet_names(path)
        settings = next((n for n in names if _norm(n) in _SETTINGS_SHEETS), None)
        if sheet is None and table.sheet == settings:
            others = [n for n in names if n != settings]
            if others:
                table = read_table(path, sheet=others[0])
        if settings is not None and settings != table.sheet:
            _read_settings(read_table(path, sheet=settings), meta, issues)
    return meta, _table_rows(table)


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


def _read_settings(table: Table, meta: _Map, issues: list[Issue]) -> None:
    seen: set[str] = set()
    for line, cells in ((_header_line(table), table.headers), *table.rows):
        key_text = "" if cells[0] is None else str(cells[0]).strip()
        value = cells[1] if len(cells) > 1 else None
        key = _SETTING_ALIASES.get(_norm(key_text))
        where = replace(table.where(line, 1), field=key_text)
        if key is None:
            if _norm(key_text) not in ("key", "항목", "설정") and key_text:
                known = ", ".join(f"{k}/{_korean(hs)}" for k, hs in _SETTINGS.items())
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
        _set_meta(meta, key, value, where, issues)


def _set_meta(meta: _Map, key: str, value: Any, where: Location, issues: list[Issue]) -> None:
    if key == "name":
        name = _parse(_SETTING_FIELDS["name"], value, where, issues)
        if name:
            meta.name = name
    else:  # currency, discount_rate, discount_first_year: read once everything is gathered
        setattr(meta, key, (value, where))


def _table_rows(table: Table) -> list[_Row]:
    columns = _columns(table)
    rows: list[_Row] = []
    previous: tuple[Any, Location] | None = None
    for line, cells in table.rows:
        row = _Row(table.where(line))
        for name, col in columns.items():
            row.cells[name] = (
                cells[col],
                replace(table.where(line, col), field=table.headers[col]),
            )
        stakeholder = row.cells["stakeholder"]
        if not _given(stakeholder) and previous is not None:
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
        key = _norm(heading)
        if not key or heading.startswith("#") or key in _SKIP:
            continue
        if key in _EITHER:
            either.append(i)
            continue
        name = _ALIASES.get(key)
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


def _shown(spec: _Field) -> str:
    shown = f"{spec.headings[0]}/{_korean(spec.headings)}"
    return f"{shown} (Financial proxy/화폐화 대리변수)" if spec.name == "proxy" else shown


def _table_name(table: Table) -> str:
    return f"{table.file}[{table.sheet}]" if table.sheet else table.file


# --- YAML -------------------------------------------------------------------------------------


class _Yaml:
    """One YAML document as nodes, so each value keeps its line and column."""

    def __init__(self, path: Path) -> None:
        text, _ = read_text(path)
        self.file = str(path)
        self.lines = text.splitlines()
        self.loader = yaml.SafeLoader(text)

    def at(self, node: yaml.Node, name: str | None = None) -> Location:
        start, end = node.start_mark, node.end_mark
        width = end.column - start.column if end.line == start.line else 1
        text = self.lines[start.line] if start.line < len(self.lines) else None
        return Location(self.file, start.line + 1, start.column + 1, max(1, width), text, name)

    def mark(self, mark: Any) -> Location:
        if mark is None:
            return Location(self.file)
        text = self.lines[mark.line] if mark.line < len(self.lines) else None
        return Location(self.file, mark.line + 1, mark.column + 1, 1, text)

    def value(self, node: yaml.Node, issues: list[Issue]) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as ex:
            issues.append(
                Issue(
                    "sroi.yaml-syntax",
                    {"detail": ex.problem or str(ex)},
                    self.mark(ex.problem_mark) if ex.problem_mark else self.at(node),
                )
            )
            return None

    def pairs(
        self, node: yaml.MappingNode, issues: list[Issue]
    ) -> list[tuple[str, yaml.Node, yaml.Node]]:
        out: list[tuple[str, yaml.Node, yaml.Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(self.value(key_node, issues))
            if key in seen:
                issues.append(Issue("sroi.duplicate-key", {"key": key}, self.at(key_node)))
                continue
            seen.add(key)
            out.append((key, key_node, value_node))
        return out


def _from_yaml(path: Path, issues: list[Issue]) -> tuple[_Map, list[_Row]]:
    doc = _Yaml(path)
    try:
        try:
            root = doc.loader.get_single_node()
        except yaml.MarkedYAMLError as ex:
            where = doc.mark(ex.problem_mark or ex.context_mark)
            raise InvalidInput(
                "sroi.yaml-syntax", where=where, detail=ex.problem or ex.context or str(ex)
            ) from None
        except yaml.YAMLError as ex:
            raise InvalidInput(
                "sroi.yaml-syntax", where=Location(doc.file), detail=str(ex)
            ) from None
        if not isinstance(root, yaml.MappingNode):
            raise InvalidInput("sroi.yaml-root", where=doc.at(root) if root else Location(doc.file))
        return _yaml_map(doc, root, issues)
    finally:
        doc.loader.dispose()


def _yaml_map(doc: _Yaml, root: yaml.MappingNode, issues: list[Issue]) -> tuple[_Map, list[_Row]]:
    meta = _Map(name=Path(doc.file).stem)
    rows: list[_Row] = []
    known = ", ".join((*_SETTINGS, "outcomes"))
    for key, key_node, node in doc.pairs(root, issues):
        name = (
            "outcomes"
            if _norm(key) in ("outcomes", "성과목록")
            else _SETTING_ALIASES.get(_norm(key))
        )
        if name is None:
            issues.append(Issue("sroi.unknown-key", {"key": key, "known": known}, doc.at(key_node)))
        elif name == "outcomes":
            rows = _yaml_outcomes(doc, node, issues)
        elif name == "investment":
            meta.investment = _yaml_investment(doc, node, key, issues)
        else:
            _set_meta(meta, name, doc.value(node, issues), doc.at(node, key), issues)
    return meta, rows


def _yaml_investment(
    doc: _Yaml, node: yaml.Node, key: str, issues: list[Issue]
) -> list[tuple[Any, Location]]:
    if isinstance(node, yaml.ScalarNode):
        return [(doc.value(node, issues), doc.at(node, key))]
    items: list[tuple[Any, Location]] = []
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                items.append((doc.value(item, issues), doc.at(item, key)))
                continue
            amount = None
            if isinstance(item, yaml.MappingNode):
                amount = next(
                    (
                        v
                        for k, _, v in doc.pairs(item, issues)
                        if _norm(k) in ("amount", "금액", "value")
                    ),
                    None,
                )
            if isinstance(amount, yaml.ScalarNode):
                items.append((doc.value(amount, issues), doc.at(amount, key)))
            else:
                issues.append(Issue("sroi.yaml-investment", {}, doc.at(item, key)))
        if items or not node.value:
            return items
    issues.append(Issue("sroi.yaml-investment", {}, doc.at(node, key)))
    return items


def _yaml_outcomes(doc: _Yaml, node: yaml.Node, issues: list[Issue]) -> list[_Row]:
    if not isinstance(node, yaml.SequenceNode):
        issues.append(Issue("sroi.yaml-outcomes", {}, doc.at(node, "outcomes")))
        return []
    rows: list[_Row] = []
    known = ", ".join(f.name for f in FIELDS)
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            issues.append(Issue("sroi.yaml-outcome", {}, doc.at(item)))
            continue
        row = _Row(doc.at(item))
        pairs = doc.pairs(item, issues)
        amount_given = any(
            _norm(k) not in _EITHER and _ALIASES.get(_norm(k)) == "proxy" for k, _, _ in pairs
        )
        for key, key_node, value_node in pairs:
            norm = _norm(key)
            if norm in _EITHER:
                name: str | None = "proxy_description" if amount_given else "proxy"
            else:
                name = _ALIASES.get(norm)
            if name is None:
                issues.append(
                    Issue("sroi.unknown-key", {"key": key, "known": known}, doc.at(key_node))
                )
            elif name in row.cells:
                issues.append(Issue("sroi.duplicate-key", {"key": key}, doc.at(key_node)))
            else:
                row.cells[name] = (doc.value(value_node, issues), doc.at(value_node, key))
        rows.append(row)
    return rows
