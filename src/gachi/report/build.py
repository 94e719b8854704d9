"""A report's contents from a `Result`: a section per organisation with a column per period, its
latest period in focus (charts, sensitivity, break-even), and sums across periods or
organisations only where the reader asked for them, labelled as sums."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date

from gachi.engine.result import Result
from gachi.engine.scopes import Scope, sort_key
from gachi.engine.uncertainty import ScopeRanges, Uncertainty
from gachi.errors import InvalidInput
from gachi.kernel.i18n import Lang, t
from gachi.kernel.labels import unit_label
from gachi.report import labels
from gachi.report.model import (
    CATEGORY_ORDER,
    Column,
    Definition,
    Focus,
    IndicatorPart,
    Line,
    Report,
    Restatement,
    Row,
    Section,
)


def build_report(
    result: Result,
    *,
    lang: Lang,
    title: str | None = None,
    subtitle: str | None = None,
    restatement: Restatement | None = None,
    across: Collection[str] = (),
) -> Report:
    """The report of `result`, with the sums across the scope columns named in `across` (the
    organisation or period column); refuses a result with nothing in it."""
    if not result.by_indicator():
        raise InvalidInput("report.no-results")
    u = result.uncertainty
    if u is not None and not u.assumptions and u.total.p95 <= u.total.p5:
        u = None  # nothing was uncertain: ranges would only repeat the estimates
    contents = _Contents(result, u, lang, across)
    sections = contents.sections()
    periods, overview = contents.overview(sections)
    slices = result.slices()
    period_values = sorted(
        {dict(s).get(result.period_column) for s in slices} - {None}, key=lambda p: p or ""
    )
    organisations = {dict(s).get(result.organisation_column) for s in slices} - {None}
    marked = [
        row.key
        for s in sections
        for row in s.indicators
        if any(p is not None and p.outside is not None for p in row.cells)
    ]
    shown_outside = bool(marked) or any(
        c is not None and c.outside is not None
        for s in sections
        for row in (*s.categories, s.total)
        for c in row.cells
    )
    note = ""
    if shown_outside:
        assumptions = [a for s in sections for a in s.focus.assumptions]
        note = labels.outside_note(result, lang, marked or None, assumptions)
    return Report(
        lang=lang,
        title=title or _title(period_values, lang),
        subtitle=subtitle
        or t(
            "report.subtitle",
            lang,
            source=result.data.source,
            rows=f"{result.data.rows:,}",
            organisations=len(organisations) or 1,
            basis=labels.price_basis(result, lang),
            currency=unit_label(result.currency, lang) or result.currency,
        ),
        generated=date.today().isoformat(),
        currency=result.currency,
        report_year=result.report_year,
        price_basis=labels.price_basis(result, lang),
        sections=sections,
        overview=overview,
        periods=periods,
        definitions=contents.definitions(),
        draws=u.draws if u else None,
        seed=u.seed if u else None,
        result=result,
        outside_note=note,
        restatement=restatement,
    )


def _title(periods: Sequence[str | None], lang: Lang) -> str:
    shown = [labels.period_label(p, lang) for p in periods]
    if not shown:
        return t("report.title-plain", lang)
    if len(shown) == 1:
        return t("report.title", lang, period=shown[0])
    years = all(p is not None and len(p) == 4 and p.isdigit() for p in periods)
    code = "report.title-periods" if years else "report.title-span"
    return t(code, lang, first=periods[0], last=periods[-1])


class _Contents:
    """Builds the lines of every scope of one result."""

    def __init__(
        self, result: Result, u: Uncertainty | None, lang: Lang, across: Collection[str]
    ) -> None:
        self.result = result
        self.u = u
        self.lang = lang
        self.across = set(across)
        self.records: dict[Scope, dict[str, int]] = {}

    def name(self, ident: str) -> str:
        lin = self.result.lineage[ident]
        return lin.name_en if self.lang == "en" and lin.name_en else lin.name_ko

    def category(self, ident: str) -> str:
        return t(f"sk.{self.result.lineage[ident].category}", self.lang)

    def ranges(self, scope: Scope) -> ScopeRanges | None:
        return self.u.scopes.get(scope) if self.u else None

    def records_in(self, scope: Scope) -> dict[str, int]:
        if scope not in self.records:
            found: dict[str, int] = defaultdict(int)
            for r in self.result.in_scope(scope):
                found[r.indicator] += r.records
            self.records[scope] = dict(found)
        return self.records[scope]

    def sections(self) -> tuple[Section, ...]:
        r = self.result
        org = r.organisation_column if r.organisation_column in r.scope_columns else None
        period = r.period_column if r.period_column in r.scope_columns else None
        slices = r.slices()
        owners = sorted({tuple((c, v) for c, v in s if c == org) for s in slices}, key=sort_key)
        out = [
            self.section(o, [s for s in slices if set(o) <= set(s)], period, False) for o in owners
        ]
        if org is not None and org in self.across and len(owners) > 1:
            by_period = sorted(
                {tuple((c, v) for c, v in s if c != org) for s in slices}, key=sort_key
            )
            out.append(self.section((), by_period, period, True))
        return tuple(out)

    def section(
        self, scope: Scope, slices: Sequence[Scope], period: str | None, summed: bool
    ) -> Section:
        r = self.result
        lang = self.lang
        columns = [
            Column(
                s,
                labels.period_label(dict(s).get(period), lang) if period else t("cli.value", lang),
                False,
            )
            for s in slices
        ]
        if period is not None and period in self.across and len(slices) > 1:
            columns.append(Column(scope, labels.cells(r, scope, lang)[-1], True))
        categories_seen = {c for col in columns for c in r.by_category(col.scope)}
        categories = tuple(
            Row(
                c,
                t(f"sk.{c}", lang),
                tuple(self.category_line(col.scope, c) for col in columns),
            )
            for c in CATEGORY_ORDER
            if c in categories_seen
        )
        total = Row(
            "total",
            t("cli.total", lang),
            tuple(self.total_line(col.scope) for col in columns),
        )
        values = {col.scope: r.by_indicator(col.scope) for col in columns}
        latest = values[slices[-1]] if slices else {}
        measured = [i for i in r.indicators if any(i in v for v in values.values())]
        measured.sort(
            key=lambda i: (
                CATEGORY_ORDER.index(r.lineage[i].category),
                -abs(latest.get(i, 0.0)),
                i,
            )
        )
        indicators = tuple(
            Row(
                i,
                self.name(i),
                tuple(self.indicator_part(col.scope, i, values[col.scope]) for col in columns),
                lineage=r.lineage[i],
                category=self.category(i),
            )
            for i in measured
        )
        # An organisation's section is named by it; the sum across organisations says so.
        label = " · ".join(str(v) for _c, v in scope)
        if summed:
            label = labels.cells(r, (), lang)[r.scope_columns.index(r.organisation_column)]
        return Section(
            scope,
            label,
            summed,
            tuple(columns),
            categories,
            total,
            indicators,
            self.focus(slices[-1] if slices else scope),
        )

    def category_line(self, scope: Scope, category: str) -> Line | None:
        value = self.result.by_category(scope).get(category)
        if value is None:
            return None
        ranges = self.ranges(scope)
        band = ranges.by_category.get(category) if ranges else None
        return Line(category, t(f"sk.{category}", self.lang), value, band)

    def total_line(self, scope: Scope) -> Line:
        ranges = self.ranges(scope)
        band = ranges.total if ranges else None
        return Line("total", t("cli.total", self.lang), self.result.total(scope), band)

    def indicator_part(
        self, scope: Scope, ident: str, values: dict[str, float]
    ) -> IndicatorPart | None:
        if ident not in values:
            return None
        lin = self.result.lineage[ident]
        ranges = self.ranges(scope)
        return IndicatorPart(
            lin,
            self.name(ident),
            self.category(ident),
            values[ident],
            ranges.by_indicator.get(ident) if ranges else None,
            self.records_in(scope).get(ident, 0),
            lin.proxies,
        )

    def focus(self, scope: Scope) -> Focus:
        r = self.result
        ranges = self.ranges(scope)
        values = r.by_indicator(scope)
        parts = [p for i in r.indicators if (p := self.indicator_part(scope, i, values))]
        parts.sort(key=lambda p: (CATEGORY_ORDER.index(p.lineage.category), -abs(p.value)))
        return Focus(
            scope,
            labels.scope_label(r, scope, self.lang),
            self.total_line(scope),
            tuple(
                line for c in CATEGORY_ORDER if (line := self.category_line(scope, c)) is not None
            ),
            tuple(parts),
            ranges.assumptions if ranges else (),
            ranges.break_even if ranges else None,
            # Without assumptions there is no variance to split: no share is left unexplained.
            ranges.interaction if ranges and ranges.assumptions else None,
        )

    def overview(self, sections: Sequence[Section]) -> tuple[tuple[Column, ...], tuple[Row, ...]]:
        """The total of each section per column, when there is more than one section."""
        if len(sections) < 2:
            return (), ()
        labels_seen: dict[str, Column] = {}
        for s in sections:
            for col in s.columns:
                labels_seen.setdefault(col.label, col)
        columns = tuple(labels_seen.values())
        rows = []
        for s in sections:
            by_label = {col.label: cell for col, cell in zip(s.columns, s.total.cells, strict=True)}
            rows.append(Row(s.label, s.label, tuple(by_label.get(c.label) for c in columns)))
        return columns, tuple(rows)

    def definitions(self) -> tuple[Definition, ...]:
        r = self.result
        measured = r.by_indicator()
        found = [
            Definition(r.lineage[i], self.name(i), self.category(i), r.lineage[i].proxies)
            for i in r.indicators
            if i in measured
        ]
        found.sort(key=lambda d: (CATEGORY_ORDER.index(d.lineage.category), d.name))
        return tuple(found)
