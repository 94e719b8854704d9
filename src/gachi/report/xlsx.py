"""The report as a workbook: summary, the restatement (of a year published again), results,
inputs, proxies, formulas as text, the SROI Guide's value map and the uncertainty analysis —
numbers as numbers, every text cell stored as text: cleaned of characters a workbook cannot hold,
and text a spreadsheet could take for a formula kept as it reads, with the quote-prefix style."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from gachi.kernel.cells import clean_text, workbook_cell
from gachi.kernel.files import atomic_output
from gachi.report import labels
from gachi.report.model import Focus, Report, Restatement

_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="E8EEF5")
MONEY = "#,##0"
PCT = "0%"
_NOT_IN_TITLE = re.compile(r"[\\/*?:\[\]]")


class _Rows:
    """Appends rows to a sheet, every value through `workbook_cell`."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 0

    def add(self, values: Sequence[Any] = (), formats: dict[int, str] | None = None) -> int:
        self.row += 1
        for col, raw in enumerate(values, start=1):
            value, quote = workbook_cell(raw)
            if value is None:
                continue
            cell = self.ws.cell(row=self.row, column=col, value=value)
            if quote:
                cell.data_type = "s"  # text, never a formula, whatever its first character
                cell.quotePrefix = True
            if formats and col - 1 in formats and isinstance(value, int | float):
                cell.number_format = formats[col - 1]
        return self.row

    def head(self, values: Sequence[Any]) -> None:
        row = self.add(values)
        for cell in self.ws[row]:
            cell.font = _HEAD
            cell.fill = _FILL
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def _new_sheet(book: Workbook, title: str) -> Worksheet:
    # A sheet's name may not hold some characters, nor more than 31 of them.
    return book.create_sheet(_NOT_IN_TITLE.sub("_", clean_text(title))[:31])


def _sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str] | None = None,
) -> _Rows:
    ws = _new_sheet(book, title)
    out = _Rows(ws)
    out.head(header)
    for row in rows:
        out.add(row, formats)
    _widths(ws, len(header))
    ws.freeze_panes = "A2"
    return out


def _widths(ws: Worksheet, columns: int) -> None:
    for i in range(1, columns + 1):
        letter = get_column_letter(i)
        width = max([0] + [_width(c.value) for c in ws[letter][:200]])
        ws.column_dimensions[letter].width = min(max(10, width * 1.3), 60)


def _width(value: Any) -> int:
    text = "" if value is None else str(value)
    # A Korean character takes about two Latin ones.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def build_workbook(report: Report) -> Workbook:
    L = report.label
    C = report.column
    res = report.result
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    book.properties.title = clean_text(report.title)
    book.properties.creator = "gachi"
    book.properties.language = report.lang

    money_unit = report.unit(report.currency) or report.currency
    scope_heads = [C(c) for c in res.scope_columns]
    summary: list[list[Any]] = []
    marked = False
    for section in report.sections:
        for i, col in enumerate(section.columns):
            where = list(labels.cells(res, col.scope, report.lang))
            summed = L("report.summed-tag") if section.summed or col.summed else None
            for row in (*section.categories, section.total):
                line = row.cells[i]
                if line is None:
                    continue
                mark = report.mark(line)
                marked = marked or bool(mark)
                summary.append([*where, row.label, line.value, *_band(line.band), mark, summed])
    rows = _sheet(
        book,
        L("report.sheet.summary"),
        [
            *scope_heads,
            L("cli.category"),
            L("report.point-in", unit=f"{money_unit}, {report.price_basis}"),
            "P5",
            "P50",
            "P95",
            "※",
            L("report.summed-tag"),
        ],
        summary,
        {k: MONEY for k in range(len(scope_heads) + 1, len(scope_heads) + 5)},
    )
    rows.add()
    rows.add([report.title])
    rows.add([report.subtitle])
    rows.add([L("report.per-slice-note")])
    if marked:
        rows.add([report.outside_note])
    restated = report.restatement
    if restated is not None:
        rows.add(
            [L("report.restated", version=restated.version, from_version=restated.from_version)]
        )
    if report.draws:
        rows.add([L("report.draws-note", draws=f"{report.draws:,}", seed=report.seed)])

    if restated is not None:
        _restatement_sheet(book, report, restated, money_unit)

    ranges = res.uncertainty.rows if res.uncertainty and res.uncertainty.rows else {}
    results = []
    for r in res.measured():
        lin = res.lineage[r.indicator]
        results.append(
            [
                *r.group,
                r.indicator,
                lin.name_en if report.lang == "en" and lin.name_en else lin.name_ko,
                lin.version,
                r.value,
                *_band(ranges.get((r.group, r.indicator))),
                r.records,
                r.undefined,
                lin.spec_hash,
            ]
        )
    k = len(res.group_by)
    _sheet(
        book,
        L("report.sheet.results"),
        [
            *(C(g) for g in res.group_by),
            C("indicator"),
            C("name"),
            C("version"),
            L("report.value-in", unit=f"{money_unit}, {report.price_basis}"),
            "P5",
            "P50",
            "P95",
            C("records"),
            C("undefined"),
            C("spec_hash"),
        ],
        results,
        {k + 3: MONEY, k + 4: MONEY, k + 5: MONEY, k + 6: MONEY},
    )

    inputs = [
        [p.lineage.indicator, name, report.unit(unit), column]
        for p in report.definitions
        for name, unit, column in p.lineage.inputs
    ]
    _sheet(
        book,
        L("report.sheet.inputs"),
        [C("indicator"), C("input"), C("unit"), C("column")],
        inputs,
    )

    proxies = [
        [
            p.lineage.indicator,
            x.name,
            x.value,
            report.unit(x.unit),
            x.currency,
            x.base_year,
            x.value_used,
            report.unit(x.unit_used),
            "; ".join(x.steps),
            report.distribution(x.uncertainty),
            x.source,
            x.publisher,
            x.source_year,
            x.url,
            report.licence(x.licence),
        ]
        for p in report.definitions
        for x in p.proxies
    ]
    _sheet(
        book,
        L("report.sheet.proxies"),
        [
            C("indicator"),
            C("proxy"),
            C("value-as-given"),
            C("unit"),
            C("currency"),
            C("base_year"),
            C("value_used"),
            C("unit_used"),
            C("steps"),
            C("distribution"),
            C("source"),
            C("publisher"),
            C("source_year"),
            C("url"),
            C("licence"),
        ],
        proxies,
    )

    formulas = [
        [
            p.lineage.indicator,
            p.lineage.version,
            p.name,
            p.lineage.formula,
            p.lineage.baseline,
            p.lineage.factor,
            p.lineage.spec_hash,
        ]
        for p in report.definitions
    ]
    _sheet(
        book,
        L("report.sheet.formulas"),
        [
            C("indicator"),
            C("version"),
            C("name"),
            C("formula"),
            C("baseline"),
            C("factor"),
            C("spec_hash"),
        ],
        formulas,
    )

    # The SROI Guide's value map, one outcome per indicator and slice: stakeholders, outcome,
    # indicator, financial proxy and its source, the four adjustments, duration, impact.
    value_map = []
    for section in report.sections:
        if section.summed:
            continue
        for i, col in enumerate(section.columns):
            if col.summed:
                continue
            where = list(labels.cells(res, col.scope, report.lang))
            for row in section.indicators:
                part = row.cells[i]
                if part is None or row.lineage is None:
                    continue
                a = row.lineage.adjustments
                proxy_text = "; ".join(
                    f"{x.name} = {report.quantity(x.value_used, x.unit_used)}"
                    for x in row.lineage.proxies
                )
                sources = "; ".join(x.source for x in row.lineage.proxies)
                value_map.append(
                    [
                        *where,
                        row.category,
                        row.label,
                        row.lineage.formula,
                        proxy_text,
                        sources,
                        a["deadweight"],
                        a["displacement"],
                        a["attribution"],
                        a["drop_off"],
                        a["duration"],
                        part.value,
                    ]
                )
    k = len(scope_heads)
    _sheet(
        book,
        L("report.sheet.value-map"),
        [
            *scope_heads,
            L("report.stakeholders"),
            L("report.outcome"),
            L("cli.formula"),
            L("report.proxies"),
            L("cli.source"),
            L("report.deadweight"),
            L("report.displacement"),
            L("report.attribution"),
            L("report.drop-off"),
            L("cli.duration"),
            L("report.impact-in", unit=f"{money_unit}, {report.price_basis}"),
        ],
        value_map,
        {k + 5: PCT, k + 6: PCT, k + 7: PCT, k + 8: PCT, k + 10: MONEY},
    )

    # Variance shares exist only where the run kept its assumptions (a published book does not):
    # without them the sheet would say nothing, or a misleading 0 %.
    focused = [s.focus for s in report.sections if s.focus.assumptions]
    if focused:
        _uncertainty_sheet(book, report, focused)
    return book


def _uncertainty_sheet(book: Workbook, report: Report, focused: Sequence[Focus]) -> None:
    L = report.label
    assumptions = [
        [
            f.label,
            a.label,
            L(f"report.kind.{a.kind}"),
            report.distribution(a.distribution),
            a.point,
            a.p5,
            a.p95,
            a.share,
            a.total_at_p5,
            a.total_at_p95,
            ", ".join(a.used_by),
        ]
        for f in focused
        for a in f.assumptions
    ]
    rows = _sheet(
        book,
        L("report.sheet.uncertainty"),
        [
            L("report.scope"),
            L("report.assumption"),
            L("report.kind"),
            L("report.distribution"),
            L("report.point"),
            "P5",
            "P95",
            L("report.share"),
            L("report.total-at-p5"),
            L("report.total-at-p95"),
            L("report.used-by"),
        ],
        assumptions,
        {7: PCT, 8: MONEY, 9: MONEY},
    )
    rows.add()
    rows.head(
        [
            L("report.scope"),
            L("report.break-even-short"),
            L("report.point"),
            L("report.break-even-value"),
            L("report.change"),
            L("report.interaction-short"),
        ]
    )
    for f in focused:
        be = f.break_even
        rows.add(
            [
                f.label,
                be.label if be else None,
                be.point if be else None,
                be.value if be else None,
                be.change if be else None,
                f.interaction,
            ],
            {4: PCT, 5: PCT},
        )


def _restatement_sheet(book: Workbook, report: Report, r: Restatement, money_unit: str) -> None:
    L = report.label
    ws = _new_sheet(book, L("report.sheet.restatement"))
    rows = _Rows(ws)
    rows.head([L("report.restated", version=r.version, from_version=r.from_version), "", ""])
    rows.add([L("report.restatement-reason"), r.reason])
    rows.add(
        [
            L("report.restatement-totals", version=r.version, from_version=r.from_version),
            r.total_before,
            r.total_after,
        ],
        {1: MONEY, 2: MONEY},
    )
    rows.add([L("report.restatement-delta"), r.delta], {1: MONEY})
    rows.add()
    if r.factors:
        rows.head(
            [
                L("report.restatement-cause"),
                L("report.restatement-effect-in", unit=money_unit),
                L("report.restatement-share"),
            ]
        )
        for f in r.factors:
            rows.add([f.label, f.value, f.share], {1: MONEY, 2: PCT})
        if report.restatement_residual_shown:
            rows.add([L("report.restatement-residual", value=report.money(r.residual))])
    else:
        rows.add([L("report.restatement-unattributed")])
    rows.add()
    rows.add([L("report.restatement-page", path=r.path)])
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 20


def _band(band: Any) -> list[float | None]:
    return [None, None, None] if band is None else [band.p5, band.p50, band.p95]


def write_xlsx(report: Report, path: Path) -> None:
    book = build_workbook(report)
    with atomic_output(path, "wb", encoding=None) as fh:
        book.save(fh)
