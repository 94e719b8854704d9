"""The report as a PDF (A4) with Korean text in the embedded NanumGothic font and the charts as
images, built with ReportLab's page-layout engine."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gachi.kernel.cells import REPLACEMENT, clean_text
from gachi.kernel.files import atomic_output
from gachi.kernel.money import format_number
from gachi.report.charts import Chart, focus_charts, overview_charts
from gachi.report.fonts import korean_font
from gachi.report.model import Focus, IndicatorPart, Line, Report, Restatement

REGULAR = "NanumGothic"
BOLD = "NanumGothic-Bold"
WIDTH = A4[0] - 36 * mm
MAX_HEIGHT = A4[1] - 32 * mm - 30 * mm  # the frame, less room for the chart's title


@cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, str(korean_font())))
    pdfmetrics.registerFont(TTFont(BOLD, str(korean_font(bold=True))))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    # Korean breaks between words like English; only table cells, narrow and holding long URLs,
    # may break anywhere (ReportLab's CJK wrapping also drops spaces across page breaks).
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=9, leading=13)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=18, leading=24),
        "sub": ParagraphStyle("sub", base, textColor=colors.HexColor("#5d6d7e")),
        "h2": ParagraphStyle(
            "h2", base, fontName=BOLD, fontSize=13, leading=18, spaceBefore=12, spaceAfter=6
        ),
        "h3": ParagraphStyle("h3", base, fontName=BOLD, fontSize=10.5, leading=15, spaceBefore=8),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10.5, wordWrap="CJK"),
        "num": ParagraphStyle("num", base, fontSize=8, leading=10.5, alignment=2, wordWrap="CJK"),
        "note": ParagraphStyle("note", base, fontSize=8, textColor=colors.HexColor("#5d6d7e")),
    }


def _text(text: object) -> str:
    # Control characters have no glyph, nor does U+FFFD in the font: a box marks where they were.
    return clean_text(str(text)).replace(REPLACEMENT, "□")


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    # Paragraph reads a small markup language: text from catalogues is escaped first; a line
    # break of ours (a range below its estimate) becomes one.
    lines = str(text).split("\n")
    return Paragraph("<br/>".join(escape(_text(line)) for line in lines), style)


def _table(
    rows: Sequence[Sequence[object]],
    widths: list[float],
    s: dict[str, ParagraphStyle],
    numeric: set[int] | None = None,
) -> Table:
    numeric = numeric or set()
    cells = [
        [
            c if isinstance(c, Flowable) else _p(c, s["num"] if j in numeric else s["cell"])
            for j, c in enumerate(row)
        ]
        for i, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#d5dbe1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def build_pdf(report: Report) -> bytes:
    _fonts()
    s = _styles()
    L = report.label
    story: list[Flowable] = [
        _p(report.title, s["title"]),
        _p(f"{report.subtitle} · {L('report.generated')} {report.generated}", s["sub"]),
    ]
    if report.restatement is not None:
        story += _restatement(report, report.restatement, s)
    money_note = L(
        "report.money-note", currency=report.unit(report.currency) or report.currency,
        basis=report.price_basis,
    )  # fmt: skip
    draws_note = (
        L("report.draws-note", draws=f"{report.draws:,}", seed=report.seed)
        if report.draws
        else L("report.no-uncertainty")
    )
    if report.overview:
        story += [Spacer(1, 6 * mm), _p(L("report.section-overview"), s["h2"])]
        head = [
            report.column(report.result.organisation_column),
            *(c.label for c in report.periods),
        ]
        rows: list[Sequence[object]] = [head]
        rows += [[row.label, *(_cell(report, c) for c in row.cells)] for row in report.overview]
        story.append(_table(rows, _widths(1, len(report.periods), 44), s, _numeric(1, rows)))
        story += [
            Spacer(1, 2 * mm),
            _p(f"{money_note} {L('report.per-slice-note')} {draws_note}", s["note"]),
        ]
        if any(row.marked for row in report.overview):
            story.append(_p(report.outside_note, s["note"]))
    else:
        story += [Spacer(1, 2 * mm), _p(f"{money_note} {draws_note}", s["note"])]
    for chart in overview_charts(report):
        story.append(_chart(chart, s))

    for n, section in enumerate(report.sections):
        if section.label:
            tag = f" ({L('report.summed-tag')})" if section.summed else ""
            story.append(_p(section.label + tag, s["h2"]))
        heads = [c.label for c in section.columns]
        rows = [[L("cli.category"), *heads]]
        rows += [
            [row.label, *(_cell(report, c) for c in row.cells)]
            for row in (*section.categories, section.total)
        ]
        story.append(_p(L("report.by-category"), s["h3"]))
        story.append(_table(rows, _widths(1, len(heads), 50), s, _numeric(1, rows)))
        rows = [[L("cli.indicator"), L("cli.category"), *heads]]
        rows += [
            [row.label, row.category, *(_cell(report, c) for c in row.cells)]
            for row in section.indicators
        ]
        story.append(_p(L("report.section-indicators"), s["h3"]))
        story.append(_table(rows, _widths(2, len(heads), 44, 28), s, _numeric(2, rows)))
        story.append(_p(money_note, s["note"]))
        if section.marked:
            story.append(_p(report.outside_note, s["note"]))
        for chart in focus_charts(report, n):
            story.append(_chart(chart, s))
        story += _assumptions(report, section.focus, s)

    for i, part in enumerate(report.definitions):
        lin = part.lineage
        # The section heading stays with its first indicator, never alone at a page's foot.
        block: list[Flowable] = [_p(L("report.section-details"), s["h2"])] if i == 0 else []
        block += [
            _p(f"{part.name} ({lin.indicator} v{lin.version}) — {part.category}", s["h3"]),
            _p(f"{L('cli.formula')}: {lin.formula}", s["base"]),
        ]
        if lin.baseline:
            block.append(_p(f"{L('cli.baseline')}: {lin.baseline}", s["base"]))
        if part.proxies:
            rows = [
                [
                    L("report.proxies"),
                    L("report.value-as-given"),
                    L("cli.uncertainty"),
                    L("cli.source"),
                    L("cli.licence"),
                ]
            ]
            for x in part.proxies:
                source = ", ".join(
                    str(v) for v in (x.source, x.publisher, x.source_year, x.url) if v
                )
                rows.append(
                    [
                        x.name,
                        f"{report.quantity(x.value, x.unit)} ({x.base_year})",
                        report.distribution(x.uncertainty),
                        source,
                        report.licence(x.licence),
                    ]
                )
            block.append(_table(rows, [28 * mm, 32 * mm, 22 * mm, 64 * mm, 28 * mm], s))
        story.append(KeepTogether(block))

    story.append(_p(L("report.section-method"), s["h2"]))
    method = (
        "report.method-text" if report.result.price_index == "cpi" else "report.method-text-nominal"
    )
    story.append(_p(L(method, year=report.report_year), s["base"]))
    story.append(
        _p(
            f"{L('report.fingerprint')}: {report.result.plan_fingerprint[:16]} · "
            f"{L('report.data-hash')}: {report.result.data.sha256[:16]}",
            s["note"],
        )
    )

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_text(report.title),
        author="gachi",
        lang=report.lang,
    )

    def footer(canvas: object, doc: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont(REGULAR, 7.5)  # type: ignore[attr-defined]
        canvas.setFillColor(colors.HexColor("#8a96a3"))  # type: ignore[attr-defined]
        canvas.drawString(18 * mm, 9 * mm, _text(report.title))  # type: ignore[attr-defined]
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, str(doc.page))  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _restatement(report: Report, r: Restatement, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The block that says a report is a restatement: why, how the total moved and what
    moved it."""
    L = report.label
    story: list[Flowable] = [
        _p(L("report.section-restatement"), s["h2"]),
        _p(L("report.restated", version=r.version, from_version=r.from_version), s["base"]),
        Spacer(1, 2 * mm),
    ]
    rows: list[Sequence[object]] = [
        [L("report.restatement-reason"), r.reason],
        [
            L("report.restatement-totals", version=r.version, from_version=r.from_version),
            f"{report.money(r.total_before)} → {report.money(r.total_after)}",
        ],
        [L("report.restatement-delta"), report.signed_money(r.delta)],
    ]
    table = _table(rows, [50 * mm, 124 * mm], s)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.white)]))
    story.append(table)
    if r.factors:
        rows = [
            [
                L("report.restatement-cause"),
                L("report.restatement-effect"),
                L("report.restatement-share"),
            ]
        ]
        rows += [[f.label, report.signed_money(f.value), _pct(f.share)] for f in r.factors]
        story += [Spacer(1, 2 * mm), _table(rows, [70 * mm, 60 * mm, 44 * mm], s, {1, 2})]
        if report.restatement_residual_shown:
            text = L("report.restatement-residual", value=report.money(r.residual))
            story.append(_p(text, s["note"]))
    else:
        story.append(_p(L("report.restatement-unattributed"), s["note"]))
    story += [Spacer(1, 1 * mm), _p(L("report.restatement-page", path=r.path), s["note"])]
    return story


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def write_pdf(report: Report, path: Path) -> None:
    data = build_pdf(report)
    with atomic_output(path, "wb", encoding=None) as fh:
        fh.write(data)


def _cell(report: Report, c: Line | IndicatorPart | None) -> str:
    """An estimate, ※ when outside its range, and the range on a line of its own."""
    if c is None:
        return "—"
    text = report.money(c.value) + report.mark(c)
    return f"{text}\n{report.range_text(c.band)}" if c.band is not None else text


def _numeric(first: int, rows: Sequence[Sequence[object]]) -> set[int]:
    return set(range(first, len(rows[0])))


def _widths(labels: int, columns: int, first: float, second: float = 0.0) -> list[float]:
    """Label columns of `first` (and `second`) mm, the rest of the width shared by `columns`."""
    fixed = [first * mm, second * mm][:labels]
    rest = (WIDTH - sum(fixed)) / max(1, columns)
    return [*fixed, *([rest] * columns)]


def _chart(chart: Chart, s: dict[str, ParagraphStyle]) -> Flowable:
    png = chart.png(dpi=170)
    w_in, h_in = chart.figure.get_size_inches()
    # As wide as the text, unless that makes it taller than a page leaves room for.
    scale = min(WIDTH / w_in, MAX_HEIGHT / h_in)
    width, height = w_in * scale, h_in * scale
    return KeepTogether(
        [_p(chart.title, s["h3"]), Image(io.BytesIO(png), width=width, height=height)]
    )


def _assumptions(report: Report, f: Focus, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The sensitivity of a section's focus: break-even, then the assumptions by their share."""
    if not f.assumptions:
        return []
    L = report.label
    out: list[Flowable] = [_p(L("report.section-assumptions-of", scope=f.label), s["h3"])]
    be = f.break_even
    if be is not None:
        text = (
            L(
                "report.break-even",
                label=be.label,
                point=format_number(be.point),
                value=format_number(be.value),
                change=f"{be.change * 100:+.0f}%" if be.change is not None else "",
            )
            if be.value is not None
            else L("report.no-break-even", label=be.label)
        )
        out.append(_p(text, s["base"]))
    rows: list[Sequence[object]] = [
        [
            L("report.assumption"),
            L("report.distribution"),
            L("report.share"),
            L("report.total-at-p5"),
            L("report.total-at-p95"),
        ]
    ]
    for a in f.assumptions:
        rows.append(
            [
                a.label,
                report.distribution(a.distribution),
                f"{a.share * 100:.0f}%",
                report.money(a.total_at_p5),
                report.money(a.total_at_p95),
            ]
        )
    out.append(_table(rows, [52 * mm, 46 * mm, 18 * mm, 29 * mm, 29 * mm], s, {2, 3, 4}))
    if f.interaction is not None:
        out.append(_p(L("report.interaction", share=f"{f.interaction * 100:.0f}%"), s["note"]))
    return out
