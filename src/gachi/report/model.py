"""What a report says, built once from a `Result` (see `build`) and shared by the HTML, XLSX and
PDF writers: numbers already summed per organisation and period and labelled in the reader's
language, nothing rendered yet."""

from __future__ import annotations

from dataclasses import dataclass

from gachi.engine.result import Lineage, ProxyLineage, Result
from gachi.engine.scopes import Scope
from gachi.engine.uncertainty import Assumption, Band, BreakEven, Side, outside
from gachi.kernel.i18n import Lang, message_codes, t
from gachi.kernel.labels import distribution_label, licence_label, unit_label
from gachi.kernel.money import format_money, format_number
from gachi.report.labels import outside_mark

CATEGORY_ORDER = (
    "economic_indirect",
    "business_environment",
    "business_society",
    "social_contribution",
)


@dataclass(frozen=True)
class Line:
    """One labelled value: a category, a total, an indicator, in one scope."""

    key: str
    label: str
    value: float
    band: Band | None

    @property
    def outside(self) -> Side | None:
        """Where the estimate lies if outside its own 90 % range (the shared rule)."""
        return None if self.band is None else outside(self.value, self.band.p5, self.band.p95)


@dataclass(frozen=True)
class IndicatorPart:
    """An indicator's value in one scope."""

    lineage: Lineage
    name: str
    category: str
    value: float
    band: Band | None
    records: int
    proxies: tuple[ProxyLineage, ...]

    @property
    def outside(self) -> Side | None:
        return None if self.band is None else outside(self.value, self.band.p5, self.band.p95)


@dataclass(frozen=True)
class Column:
    """A column of a section's tables: one period, or a sum across periods asked for."""

    scope: Scope
    label: str
    summed: bool


@dataclass(frozen=True)
class Row:
    """A category, the total or an indicator, with a value per column (None: nothing there)."""

    key: str
    label: str
    cells: tuple[Line | IndicatorPart | None, ...]
    lineage: Lineage | None = None  # an indicator's
    category: str = ""  # an indicator's category, in words

    @property
    def marked(self) -> bool:
        """Whether a cell's estimate lies outside its own 90 % range."""
        return any(c is not None and c.outside is not None for c in self.cells)


@dataclass(frozen=True)
class Focus:
    """The one slice of a section its charts and sensitivity are of: its latest period."""

    scope: Scope
    label: str
    total: Line
    categories: tuple[Line, ...]
    indicators: tuple[IndicatorPart, ...]
    assumptions: tuple[Assumption, ...]
    break_even: BreakEven | None
    interaction: float | None


@dataclass(frozen=True)
class Section:
    """One organisation's accounts, a column per period (or, where the data names none, all of
    it); `summed` marks the sum across organisations a reader asked for."""

    scope: Scope
    label: str
    summed: bool
    columns: tuple[Column, ...]
    categories: tuple[Row, ...]
    total: Row
    indicators: tuple[Row, ...]
    focus: Focus

    @property
    def marked(self) -> bool:
        return any(r.marked for r in (*self.categories, self.total, *self.indicators))


@dataclass(frozen=True)
class Definition:
    """An indicator as defined: what the details section and the workbook's sheets describe."""

    lineage: Lineage
    name: str
    category: str
    proxies: tuple[ProxyLineage, ...]


@dataclass(frozen=True)
class FactorShare:
    """What one cause (the data, the proxy values, the method) moved a restated total by."""

    key: str
    label: str
    value: float
    share: float | None  # of the difference; None when the total did not move


@dataclass(frozen=True)
class Restatement:
    """A published year published again: why, how its total moved and what moved it."""

    version: int
    from_version: int
    reason: str
    total_before: float
    total_after: float
    delta: float
    factors: tuple[FactorShare, ...]  # empty: the difference could not be attributed
    residual: float  # the part of the difference the factors do not explain
    path: str  # the public page that explains it line by line


@dataclass(frozen=True)
class Report:
    lang: Lang
    title: str
    subtitle: str
    generated: str
    currency: str
    report_year: int
    price_basis: str  # "2024년 가격 기준": said beside the money of every table
    sections: tuple[Section, ...]
    overview: tuple[Row, ...]  # one row per section: its total per column of `periods`
    periods: tuple[Column, ...]  # the overview's columns
    definitions: tuple[Definition, ...]
    draws: int | None
    seed: int | None
    result: Result
    outside_note: str  # why an estimate marked ※ lies outside its range ("" if none is)
    restatement: Restatement | None = None

    @property
    def restatement_residual_shown(self) -> bool:
        """Whether the restatement leaves a part of its difference unattributed worth saying."""
        r = self.restatement
        return r is not None and abs(r.residual) > abs(r.delta) * 1e-6 + 1

    @property
    def focus(self) -> Focus:
        """The first section's focus: the slice a one-organisation report is about."""
        return self.sections[0].focus

    def money(self, value: float | None) -> str:
        return "—" if value is None else format_money(value, self.currency, lang=self.lang)

    def signed_money(self, value: float) -> str:
        """Money with its sign, also when positive: a change, not an amount."""
        return ("+" if value > 0 else "") + self.money(value)

    def unit(self, unit: str) -> str:
        return unit_label(unit, self.lang)

    def quantity(self, value: float, unit: str) -> str:
        """A number and its unit as the reader reads them (no unit for a plain number)."""
        return f"{format_number(value)} {self.unit(unit)}".rstrip()

    def licence(self, code: str) -> str:
        return licence_label(code, self.lang)

    def distribution(self, name: str) -> str:
        return distribution_label(name, self.lang)

    def column(self, name: str) -> str:
        """A data column's heading: its name in the reader's language when it has one."""
        code = f"report.column.{name}"
        return t(code, self.lang) if code in message_codes() else name

    def range_text(self, band: Band | None) -> str:
        if band is None:
            return "—"
        return f"{self.money(band.p5)} ~ {self.money(band.p95)}"

    def mark(self, item: Line | IndicatorPart | None) -> str:
        """※ beside an estimate outside its own 90 % range."""
        return "" if item is None else outside_mark(item.outside)

    def label(self, code: str, **params: object) -> str:
        return t(code, self.lang, **params)
