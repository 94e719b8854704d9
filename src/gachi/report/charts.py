"""The report's charts, drawn with matplotlib in the shipped Korean font: as SVG with the glyphs
as paths for HTML (so the page needs no font of the reader's), and as PNG for the PDF.

Uses matplotlib's object API (no pyplot); the font settings apply inside `font_family()` only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from gachi.report.fonts import font_family
from gachi.report.model import Focus, IndicatorPart, Line, Report

POSITIVE = "#2f6db5"
NEGATIVE = "#c0392b"
TOTAL = "#1f2d3d"
BAND = "#9cc3e6"
GRID = "#e3e7ec"
RANGES_PER_CHART = 40  # more would not be legible on one page


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    figure: Figure

    def svg(self) -> str:
        buf = io.StringIO()
        with font_family():
            self.figure.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        text = buf.getvalue()
        # The XML prolog and doctype are not allowed inside an HTML page.
        return text[text.index("<svg") :]

    def png(self, dpi: int = 200) -> bytes:
        buf = io.BytesIO()
        with font_family():
            self.figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _style(ax: object, report: Report) -> None:
    ax.spines[["top", "right"]].set_visible(False)  # type: ignore[attr-defined]
    ax.grid(axis="y", color=GRID, linewidth=0.8)  # type: ignore[attr-defined]
    ax.set_axisbelow(True)  # type: ignore[attr-defined]
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: report.money(v)))  # type: ignore[attr-defined]


def overview_charts(report: Report) -> list[Chart]:
    """The charts above the sections: each organisation's total by period."""
    with font_family():
        if report.periods and (len(report.periods) > 1 or len(report.overview) > 1):
            return [_trend(report)]
        if len(report.sections) == 1 and len(report.sections[0].columns) > 1:
            return [_trend(report)]
    return []


def focus_charts(report: Report, index: int) -> list[Chart]:
    """The charts of section `index`'s focus (its latest period), in reading order; their keys
    carry the section's number when the report has several."""
    focus = report.sections[index].focus
    suffix = f"-{index + 1}" if len(report.sections) > 1 else ""
    with font_family():
        out = [_waterfall(report, focus, suffix)]
        if focus.total.band is not None:
            parts = [p for p in focus.indicators if p.band is not None and p.value != 0]
            for start in range(0, len(parts), RANGES_PER_CHART):
                chunk = parts[start : start + RANGES_PER_CHART]
                out.append(_ranges(report, chunk, start, focus.label, suffix))
        if focus.assumptions:
            out.append(_tornado(report, focus, suffix))
    return out


def charts(report: Report) -> list[Chart]:
    """Every chart of the report, in reading order."""
    out = overview_charts(report)
    for i in range(len(report.sections)):
        out += focus_charts(report, i)
    return out


def _waterfall(report: Report, focus: Focus, suffix: str) -> Chart:
    """Value by category, each bar starting where the previous ended; negatives go down."""
    fig = _figure(8, 4.2)
    ax = fig.add_subplot()
    lines: Sequence[Line] = focus.categories
    total = focus.total
    labels = [_wrap(c.label) for c in lines] + [total.label]
    start = 0.0
    for i, c in enumerate(lines):
        color = POSITIVE if c.value >= 0 else NEGATIVE
        ax.bar(i, c.value, bottom=start, color=color, width=0.6)
        ax.annotate(
            report.money(c.value),
            (i, start + c.value),
            ha="center",
            va="bottom" if c.value >= 0 else "top",
            fontsize=8,
            xytext=(0, 3 if c.value >= 0 else -3),
            textcoords="offset points",
        )
        if i + 1 < len(lines):
            ax.plot([i + 0.3, i + 0.7], [start + c.value] * 2, color="#8a96a3", linewidth=0.8)
        start += c.value
    n = len(lines)
    ax.bar(n, total.value, color=TOTAL, width=0.6)
    if total.band is not None:
        # The 90 % range as a line with caps: the estimate need not lie inside it (a skewed
        # range can leave it at an edge or outside), so no error bar around the estimate.
        b = total.band
        ax.vlines(n, b.p5, b.p95, color="#e67e22", linewidth=1.5)
        ax.hlines([b.p5, b.p95], n - 0.08, n + 0.08, color="#e67e22", linewidth=1.5)
    ax.annotate(
        report.money(total.value) + report.mark(total),
        (n, max(total.value, 0)),
        ha="center",
        va="bottom",
        fontsize=8,
        fontweight=600,
        xytext=(0, 3),
        textcoords="offset points",
        # The range line runs through the label: a white ground keeps it legible.
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
        zorder=5,
    )
    ax.axhline(0, color="#5d6d7e", linewidth=0.8)
    # Room for the value labels above and below the bars (bars hold autoscaling at zero).
    ends = [0.0, total.value]
    running = 0.0
    for c in lines:
        running += c.value
        ends.append(running)
    if total.band is not None:
        ends += [total.band.p5, total.band.p95]
    low, high = min(ends), max(ends)
    pad = 0.12 * ((high - low) or abs(high) or 1.0)
    ax.set_ylim(low - pad if low < 0 else 0.0, high + pad)
    ax.set_xticks(range(n + 1), labels, fontsize=8)
    _style(ax, report)
    title = report.label("report.chart-waterfall-of", scope=focus.label, basis=report.price_basis)
    return Chart(f"waterfall{suffix}", title, fig)


def _trend(report: Report) -> Chart:
    """Each section's total by period (one line per organisation), with its 90 % range."""
    fig = _figure(8, 3.8)
    ax = fig.add_subplot()
    if report.overview:
        columns = [c for c in report.periods if not c.summed]
        series = [(row.label, row.cells) for row in report.overview]
        keep = [i for i, c in enumerate(report.periods) if not c.summed]
    else:
        only = report.sections[0]
        columns = [c for c in only.columns if not c.summed]
        keep = [i for i, c in enumerate(only.columns) if not c.summed]
        series = [(only.label or only.total.label, only.total.cells)]
    xs = list(range(len(columns)))
    banded = False
    palette = (POSITIVE, "#e67e22", "#27ae60", "#8e44ad", "#16a085", "#c0392b", "#7f8c8d")
    for n, (name, cells) in enumerate(series):
        points = [(x, cells[i]) for x, i in zip(xs, keep, strict=True) if cells[i] is not None]
        if not points:
            continue
        colour = palette[n % len(palette)]
        px = [x for x, _ in points]
        values = [c.value for _, c in points if c is not None]
        bands = [c.band for _, c in points if c is not None]
        if len(points) > 1 and all(b is not None for b in bands):
            lows = [b.p5 for b in bands if b is not None]
            highs = [b.p95 for b in bands if b is not None]
            ax.fill_between(px, lows, highs, color=colour, alpha=0.15, linewidth=0)
            banded = True
        ax.plot(px, values, color=colour, marker="o", linewidth=2, label=_short(name) or None)
        if len(series) == 1:
            for x, v in zip(px, values, strict=True):
                ax.annotate(
                    report.money(v),
                    (x, v),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    xytext=(0, 6),
                    textcoords="offset points",
                )
    if len(series) > 1:
        ax.legend(loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))
    ax.set_xticks(xs, [c.label for c in columns])
    ax.axhline(0, color="#5d6d7e", linewidth=0.8)
    ax.margins(x=0.08, y=0.15)
    _style(ax, report)
    code = "report.chart-trend" if banded else "report.chart-trend-plain"
    return Chart("trend", report.label(code, basis=report.price_basis), fig)


def _ranges(
    report: Report, parts: Sequence[IndicatorPart], start: int, scope: str, suffix: str
) -> Chart:
    """Each indicator's P5–P95 as a share of its estimate: values of very different size fit
    on one axis, and the width is what the reader compares."""
    fig = _figure(8, 0.42 * len(parts) + 1.0)
    ax = fig.add_subplot()
    for i, p in enumerate(reversed(parts)):
        b = p.band
        assert b is not None
        lo, hi = sorted(((b.p5 / p.value) * 100, (b.p95 / p.value) * 100))
        flat = hi - lo < 1e-9
        ax.plot(
            [lo, hi],
            [i, i],
            color=BAND if not flat else "#b0b8c1",
            linewidth=7,
            solid_capstyle="round",
        )
        ax.plot([100], [i], marker="|", color=TOTAL, markersize=12)
    names = [_short(p.name) + report.mark(p) for p in reversed(parts)]
    ax.set_yticks(range(len(parts)), names, fontsize=8)
    ax.axvline(100, color="#8a96a3", linewidth=0.8, linestyle="--")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.set_xlabel(report.label("report.axis-share-of-estimate"), fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    key = "ranges" if start == 0 else f"ranges-{start // RANGES_PER_CHART + 1}"
    return Chart(f"{key}{suffix}", report.label("report.chart-ranges-of", scope=scope), fig)


def _tornado(report: Report, focus: Focus, suffix: str) -> Chart:
    top = list(focus.assumptions[:10])
    fig = _figure(8, 0.45 * len(top) + 1.2)
    ax = fig.add_subplot()
    centre = focus.total.value
    for i, a in enumerate(reversed(top)):
        for end, color, name in (
            (a.total_at_p5, "#7fb3d5", "P5"),
            (a.total_at_p95, POSITIVE, "P95"),
        ):
            ax.barh(
                i,
                end - centre,
                left=centre,
                color=color,
                height=0.6,
                label=name if i == 0 else None,
            )
    ax.axvline(centre, color=TOTAL, linewidth=1)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    labels = [f"{_short(a.label)}  ({a.share * 100:.0f}%)" for a in reversed(top)]
    ax.set_yticks(range(len(top)), labels, fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: report.money(v)))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel(report.label("report.axis-tornado"), fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    return Chart(
        f"tornado{suffix}", report.label("report.chart-tornado-of", scope=focus.label), fig
    )


def _wrap(text: str, width: int = 12) -> str:
    words = text.replace("—", " ").split()
    lines: list[str] = []
    for w in words:
        if lines and len(lines[-1]) + len(w) < width:
            lines[-1] += " " + w
        else:
            lines.append(w)
    return "\n".join(lines)


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
