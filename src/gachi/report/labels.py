"""How a scope (an organisation's period, or a sum across them) and a price basis read, in the
reader's language — one wording for the command line, the reports and the pages.

A sum across periods or organisations always says that it is one ("2022~2024년 합계 (3개
연도)", "기관 3곳 합계"), so that nobody reads three years as one."""

from __future__ import annotations

from collections.abc import Sequence

from gachi.engine.result import Result
from gachi.engine.scopes import Scope
from gachi.engine.uncertainty import Assumption, Side, off_centre
from gachi.kernel.i18n import Lang, t


def period_label(period: str | None, lang: Lang) -> str:
    """A period as a reader names it: 2024 → "2024년"."""
    if period is None:
        return "—"
    if len(period) == 4 and period.isascii() and period.isdigit():
        return t("totals.year", lang, year=period)
    return period


def price_basis(result: Result, lang: Lang) -> str:
    """The prices every money figure of `result` is at: "2024년 가격 기준"."""
    if result.price_index == "none":
        return t("totals.price-nominal", lang)
    return t("totals.price-basis", lang, year=result.report_year)


def cells(result: Result, scope: Scope, lang: Lang) -> tuple[str, ...]:
    """One text per scope column of `result`: the scope's value, or — for a column summed
    across — what the sum covers."""
    values = dict(scope)
    out = []
    for column in result.scope_columns:
        if column in values:
            value = values[column]
            out.append(
                period_label(value, lang) if column == result.period_column else value or "—"
            )
        elif column == result.period_column:
            out.append(_across_periods(result, scope, lang))
        else:
            out.append(_across_organisations(result, scope, lang))
    return tuple(out)


def scope_label(result: Result, scope: Scope, lang: Lang) -> str:
    """The scope in one line: "가온텔레콤 · 2024년", "가온텔레콤 · 2022~2024년 합계 (3개 연도)"."""
    if not result.scope_columns:
        return t("cli.total", lang)
    return " · ".join(cells(result, scope, lang))


def summed(result: Result, scope: Scope) -> bool:
    """Whether `scope` is a sum across slices (and must say so)."""
    return len(scope) < len(result.scope_columns)


def _periods_of(result: Result, scope: Scope) -> list[str]:
    values = dict(scope)
    found = {
        dict(s).get(result.period_column)
        for s in result.slices()
        if all(dict(s).get(c) == v for c, v in values.items())
    }
    return sorted(p for p in found if p is not None)


def _across_periods(result: Result, scope: Scope, lang: Lang) -> str:
    periods = _periods_of(result, scope)
    if not periods:
        return t("cli.total", lang)
    years = all(len(p) == 4 and p.isdigit() for p in periods)
    code = "totals.across-years" if years else "totals.across-periods"
    return t(code, lang, first=periods[0], last=periods[-1], count=len(periods))


def _across_organisations(result: Result, scope: Scope, lang: Lang) -> str:
    values = dict(scope)
    found = {
        dict(s).get(result.organisation_column)
        for s in result.slices()
        if all(dict(s).get(c) == v for c, v in values.items())
    }
    return t("totals.across-organisations", lang, count=len(found))


def outside_mark(side: Side | None) -> str:
    """The mark beside an estimate outside its own 90 % range ("" when inside)."""
    return "※" if side is not None else ""


def outside_note(
    result: Result,
    lang: Lang,
    indicators: Sequence[str] | None = None,
    assumptions: Sequence[Assumption] = (),
) -> str:
    """Why an estimate can lie outside its own 90 % range, naming the assumptions of
    `indicators` (default: all) whose stated value lies off the centre of their distribution."""
    names = list(dict.fromkeys(a.label for a in assumptions if a.off_centre))
    for ident in indicators if indicators is not None else result.indicators:
        lin = result.lineage.get(ident)
        for p in lin.proxies if lin is not None else ():
            if p.name not in names and off_centre(p.uncertainty, p.value, p.spread):
                names.append(p.name)
    why = t("range.outside", lang)
    if names:
        return f"{why} {t('range.outside-because', lang, names=', '.join(names))}"
    return f"{why} {t('range.outside-nonlinear', lang)}"
