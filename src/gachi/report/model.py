"""What a report says, built once from a `Result` and shared by the HTML, XLSX and PDF writers:
numbers already summed and labelled in the reader's language, nothing rendered yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gachi.engine.result import Lineage, ProxyLineage, Result
from gachi.engine.uncertainty import Assumption, Band, BreakEven
from gachi.errors import InvalidInput
from gachi.kernel.i18n import Lang, message_codes, t
from gachi.kernel.labels import distribution_label, licence_label, unit_label
from gachi.kernel.money import format_money, format_number

CATEGORY_ORDER = (
    "economic_indirect",
    "business_environment",
    "business_society",
    "social_contribution",
)


@dataclass(frozen=True)
class Line:
    """One labelled value: a category, a period, an indicator."""

    key: str
    label: str
    value: float
    band: Band | None


@dataclass(frozen=True)
class IndicatorPart:
    lineage: Lineage
    name: str
    category: str
    value: float
    band: Band | None
    records: int
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
    total: Line
    categories: tuple[Line, ...]
    periods: tuple[Line, ...]
    indicators: tuple[IndicatorPart, ...]
    assumptions: tuple[Assumption, ...]
    break_even: BreakEven | None
    interaction: float | None
    draws: int | None
    seed: int | None
    result: Result
    restatement: Restatement | None = None

    @property
    def restatement_residual_shown(self) -> bool:
        """Whether the restatement leaves a part of its difference unattributed worth saying."""
        r = self.restatement
        return r is not None and abs(r.residual) > abs(r.delta) * 1e-6 + 1

    @property
    def period_totals(self) -> tuple[Line, ...]:
        """The totals per period worth a row of their own: one period only repeats the total."""
        return self.periods if len(self.periods) > 1 else ()

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

    def label(self, code: str, **params: object) -> str:
        return t(code, self.lang, **params)


def build_report(
    result: Result,
    *,
    lang: Lang,
    title: str | None = None,
    subtitle: str | None = None,
    restatement: Restatement | None = None,
) -> Report:
    """The report of `result`; refuses a result with nothing in it."""
    values = result.by_indicator()
    if not values:
        raise InvalidInput("report.no-results")
    u = result.uncertainty
    if u is not None and not u.assumptions and u.total.p95 <= u.total.p5:
        u = None  # nothing was uncertain: ranges would only repeat the estimates
    records: dict[str, int] = {}
    for r in result.rows:
        records[r.indicator] = records.get(r.indicator, 0) + r.records
    by_category = result.by_category()
    categories = tuple(
        Line(c, t(f"sk.{c}", lang), by_category[c], u.by_category.get(c) if u else None)
        for c in CATEGORY_ORDER
        if c in by_category
    )
    periods: tuple[Line, ...] = ()
    if result.period_column in result.group_by:
        at = result.group_by.index(result.period_column)
        sums: dict[str, float] = {}
        for r in result.rows:
            if r.value is not None and result.lineage[r.indicator].in_totals:
                key = str(r.group[at])
                sums[key] = sums.get(key, 0.0) + r.value
        periods = tuple(
            Line(p, _period_label(p, lang), v, u.by_period.get(p) if u else None)
            for p, v in sorted(sums.items())
        )
    parts = []
    for ident in result.indicators:
        if ident not in values:
            continue
        lin = result.lineage[ident]
        name = lin.name_en if lang == "en" and lin.name_en else lin.name_ko
        parts.append(
            IndicatorPart(
                lin,
                name,
                t(f"sk.{lin.category}", lang),
                values[ident],
                u.by_indicator.get(ident) if u else None,
                records.get(ident, 0),
                lin.proxies,
            )
        )
    parts.sort(key=lambda p: (CATEGORY_ORDER.index(p.lineage.category), -abs(p.value)))
    total = Line("total", t("cli.total", lang), result.total(), u.total if u else None)
    return Report(
        lang=lang,
        title=title or t("report.title", lang, year=result.report_year),
        subtitle=subtitle
        or t(
            "report.subtitle",
            lang,
            source=result.data.source,
            rows=f"{result.data.rows:,}",
            year=result.report_year,
            currency=unit_label(result.currency, lang) or result.currency,
        ),
        generated=date.today().isoformat(),
        currency=result.currency,
        report_year=result.report_year,
        total=total,
        categories=categories,
        periods=periods,
        indicators=tuple(parts),
        assumptions=u.assumptions if u else (),
        break_even=u.break_even if u else None,
        # Without assumptions there is no variance to split: no share is left unexplained.
        interaction=u.interaction if u and u.assumptions else None,
        draws=u.draws if u else None,
        seed=u.seed if u else None,
        result=result,
        restatement=restatement,
    )


def _period_label(period: str, lang: Lang) -> str:
    code = (
        "report.period-total-year"
        if period.isdigit() and len(period) == 4
        else "report.period-total"
    )
    return t(code, lang, period=period)
