"""The report as a workbook: summary, results, inputs, proxies, formulas as text, the SROI Guide's
value map and the uncertainty analysis — numbers as numbers, every text cell made safe from
spreadsheet formula injection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from gachi.kernel.cells import safe_cell as safe
from gachi.kernel.files import atomic_output
from gachi.kernel.money import format_number
from gachi.report.model import Report

_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="E8EEF5")
MONEY = "#,##0"
PCT = "0%"


def _sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str] | None = None,
) -> Worksheet:
    ws = book.create_sheet(title[:31])
    ws.append([safe(h) for h in header])
    for cell in ws[1]:
        cell.font = _HEAD
        cell.fill = _FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in rows:
        ws.append([safe(v) for v in row])
    for col, fmt in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            cell.number_format = fmt
    for i, h in enumerate(header, start=1):
        width = max(
            [len(str(h))] + [len(str(c.value or "")) for c in ws[get_column_letter(i)][1:200]]
        )
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, width * 1.3), 60)
    ws.freeze_panes = "A2"
    return ws


def build_workbook(report: Report) -> Workbook:
    L = report.label
    res = report.result
    u = res.uncertainty
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)

    summary: list[list[Any]] = [
        [L("report.total-value"), report.total.value, *(_band(report.total.band))]
    ]
    summary += [[c.label, c.value, *_band(c.band)] for c in report.categories]
    summary += [[p.label, p.value, *_band(p.band)] for p in report.periods]
    ws = _sheet(
        book,
        L("report.sheet.summary"),
        ["", f"{L('report.point')} ({report.currency})", "P5", "P50", "P95"],
        summary,
        {1: MONEY, 2: MONEY, 3: MONEY, 4: MONEY},
    )
    ws.append([])
    ws.append([safe(report.title)])
    ws.append([safe(report.subtitle)])
    if report.draws:
        ws.append([L("report.draws-note", draws=f"{report.draws:,}", seed=report.seed)])

    ranges = u.rows if u is not None and u.rows is not None else {}
    results = []
    for r in res.rows:
        lin = res.lineage[r.indicator]
        band = ranges.get((r.group, r.indicator))
        results.append(
            [
                *r.group,
                r.indicator,
                lin.name_en if report.lang == "en" and lin.name_en else lin.name_ko,
                lin.version,
                r.value,
                *_band(band),
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
            *res.group_by,
            "indicator",
            "name",
            "version",
            f"value ({res.currency})",
            "P5",
            "P50",
            "P95",
            "records",
            "undefined",
            "spec_hash",
        ],
        results,
        {k + 3: MONEY, k + 4: MONEY, k + 5: MONEY, k + 6: MONEY},
    )

    inputs = [
        [p.lineage.indicator, name, unit, column]
        for p in report.indicators
        for name, unit, column in p.lineage.inputs
    ]
    _sheet(book, L("report.sheet.inputs"), ["indicator", "input", "unit", "column"], inputs)

    proxies = [
        [
            p.lineage.indicator,
            x.name,
            x.value,
            x.unit,
            x.currency,
            x.base_year,
            x.value_used,
            x.unit_used,
            "; ".join(x.steps),
            x.uncertainty,
            x.source,
            x.publisher,
            x.source_year,
            x.url,
            x.licence,
        ]
        for p in report.indicators
        for x in p.proxies
    ]
    _sheet(
        book,
        L("report.sheet.proxies"),
        [
            "indicator",
            "proxy",
            "value",
            "unit",
            "currency",
            "base_year",
            "value_used",
            "unit_used",
            "steps",
            "uncertainty",
            "source",
            "publisher",
            "year",
            "url",
            "licence",
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
        for p in report.indicators
    ]
    _sheet(
        book,
        L("report.sheet.formulas"),
        ["indicator", "version", "name", "formula", "baseline", "factor", "spec_hash"],
        formulas,
    )

    # The SROI Guide's value map, one outcome per indicator: stakeholders, outcome, indicator,
    # financial proxy and its source, the four adjustments, duration, impact.
    value_map = []
    for p in report.indicators:
        a = p.lineage.adjustments
        proxy_text = "; ".join(
            f"{x.name} = {format_number(x.value_used)} {x.unit_used}" for x in p.proxies
        )
        sources = "; ".join(x.source for x in p.proxies)
        value_map.append(
            [
                p.category,
                p.name,
                p.lineage.formula,
                proxy_text,
                sources,
                a["deadweight"],
                a["displacement"],
                a["attribution"],
                a["drop_off"],
                a["duration"],
                p.value,
            ]
        )
    _sheet(
        book,
        L("report.sheet.value-map"),
        [
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
            L("report.impact"),
        ],
        value_map,
        {5: PCT, 6: PCT, 7: PCT, 8: PCT, 10: MONEY},
    )

    if u is not None:
        rows = [
            [
                a.label,
                L(f"report.kind.{a.kind}"),
                a.distribution,
                a.point,
                a.p5,
                a.p95,
                a.share,
                a.total_at_p5,
                a.total_at_p95,
                ", ".join(a.used_by),
            ]
            for a in u.assumptions
        ]
        ws = _sheet(
            book,
            L("report.sheet.uncertainty"),
            [
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
            rows,
            {6: PCT, 7: MONEY, 8: MONEY},
        )
        ws.append([])
        ws.append([L("report.interaction", share=f"{u.interaction * 100:.0f}%")])
        be = u.break_even
        if be is not None:
            ws.append([L("report.break-even-short"), L("report.assumption"), L("report.point"),
                       L("report.break-even-value"), L("report.change")])  # fmt: skip
            ws.append(["", be.label, be.point, be.value, be.change])
    return book


def _band(band: Any) -> list[float | None]:
    return [None, None, None] if band is None else [band.p5, band.p50, band.p95]


def write_xlsx(report: Report, path: Path) -> None:
    book = build_workbook(report)
    with atomic_output(path, "wb", encoding=None) as fh:
        book.save(fh)
