"""The dashboard of a finished run, from its stored summary only: the numbers to show, where
each one's explanation is, and the geometry of two small SVG charts (value by category as a
waterfall, value by year with its P5–P95 band). Pure: no database, no web; fast enough to run on
every request."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from gachi.kernel.i18n import Lang, t
from gachi.kernel.money import format_money

WIDTH = 640
HEIGHT = 300
LEFT = 92  # room for the axis' money labels
RIGHT = 16
TOP = 20
BOTTOM = 58  # room for two lines of category label
POSITIVE = "#2f6db5"
NEGATIVE = "#c0392b"
TOTAL = "#1f2d3d"
BAND = "#9cc3e6"


@dataclass(frozen=True)
class Number:
    """A number on the dashboard, with its range and where it is explained."""

    label: str
    value: float
    href: str
    band: tuple[float, float] | None = None  # P5, P95
    note: str = ""
    key: str | int | None = None  # the category, period, programme or indicator it is of


@dataclass(frozen=True)
class Row:
    label: str
    href: str
    cells: tuple[Number | None, ...]  # per period, in the order of `Dashboard.periods`
    total: Number
    extra: str = ""  # e.g. the indicator's category
    key: str | int | None = None


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    text: str  # the value, drawn beside the bar
    text_y: float
    title: str
    href: str


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Label:
    x: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Waterfall:
    width: int
    height: int
    zero: float
    bars: tuple[Bar, ...]
    links: tuple[tuple[float, float, float], ...]  # x1, x2, y of the dashed steps between bars
    ticks: tuple[Tick, ...]
    labels: tuple[Label, ...]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    low: float | None  # y of P5 and P95
    high: float | None
    colour: str
    title: str
    href: str


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    zero: float
    line: str  # SVG path of the values
    band: str  # SVG path of the P5–P95 area ("" without draws or with one year)
    points: tuple[Point, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[Label, ...]


@dataclass(frozen=True)
class Dashboard:
    org_id: int
    run_id: int
    currency: str
    draws: int
    seed: int
    periods: tuple[int, ...]
    total: Number
    categories: tuple[Number, ...]
    years: tuple[Number, ...]
    programmes: tuple[Row, ...]
    indicators: tuple[Row, ...]
    waterfall: Waterfall
    trend: Trend
    warnings: tuple[str, ...]


def explain_href(org_id: int, run_id: int, **params: Any) -> str:
    """Where the explanation of a number is (parameters left out when None)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    base = f"/orgs/{org_id}/runs/{run_id}/explain"
    return f"{base}?{query}" if query else base


Money = Callable[[float], str]


def build(org_id: int, run_id: int, summary: Mapping[str, Any], lang: Lang) -> Dashboard:
    """Everything the dashboard page and its JSON show, from a run's summary."""

    def href(**params: Any) -> str:
        return explain_href(org_id, run_id, **params)

    def number(
        label: str, value: float, link: str, band: Any = None, note: str = "", key: Any = None
    ) -> Number:
        return Number(label, float(value), link, _pair(band), note, key)

    currency = str(summary.get("currency") or "KRW")

    def money(value: float) -> str:
        return format_money(value, currency, lang=lang)

    periods = tuple(int(p) for p in summary.get("periods", []))
    total = number(
        t("dashboard.total", lang), summary.get("total", 0.0), href(), summary.get("total_band")
    )
    categories = tuple(
        number(
            t(f"sk.{c['category']}", lang),
            c["value"],
            href(category=c["category"]),
            c["band"],
            key=c["category"],
        )
        for c in summary.get("by_category", [])
    )
    years = tuple(
        number(str(p["period"]), p["value"], href(period=p["period"]), p["band"], key=p["period"])
        for p in summary.get("by_period", [])
    )
    programmes = tuple(
        Row(
            p["programme"],
            href(programme=p["programme_id"]),
            tuple(
                number(str(y), p["periods"][str(y)], href(programme=p["programme_id"], period=y))
                if str(y) in p["periods"]
                else None
                for y in periods
            ),
            number(p["programme"], p["value"], href(programme=p["programme_id"]), p["band"]),
            key=p["programme_id"],
        )
        for p in summary.get("by_programme", [])
    )
    indicators = tuple(
        Row(
            _name(i, lang),
            href(indicator=i["indicator"]),
            tuple(
                number(str(y), i["periods"][str(y)], href(indicator=i["indicator"], period=y))
                if str(y) in i["periods"]
                else None
                for y in periods
            ),
            number(
                _name(i, lang),
                i["value"],
                href(indicator=i["indicator"]),
                i["band"],
                "" if i.get("in_totals", True) else t("dashboard.not-in-totals", lang),
            ),
            t(f"sk.{i['category']}", lang),
            key=i["indicator"],
        )
        for i in summary.get("by_indicator", [])
    )
    warnings = tuple(t(w["code"], lang, **w.get("params", {})) for w in summary.get("warnings", []))
    return Dashboard(
        org_id,
        run_id,
        currency,
        int(summary.get("draws") or 0),
        int(summary.get("seed") or 0),
        periods,
        total,
        categories,
        years,
        programmes,
        indicators,
        waterfall(categories, total, money),
        trend(years, money),
        warnings,
    )


def _name(row: Mapping[str, Any], lang: Lang) -> str:
    name = row.get("name_en") if lang == "en" else None
    return str(name or row.get("name_ko") or row["indicator"])


def _pair(band: Mapping[str, float] | None) -> tuple[float, float] | None:
    return None if not band else (float(band["p5"]), float(band["p95"]))


# ---- charts --------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis values covering [low, high] (0 included), about `count` of them."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1.0
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


class _Scale:
    def __init__(self, ticks: Sequence[float], height: int) -> None:
        self.low, self.high = ticks[0], ticks[-1]
        self.top, self.bottom = TOP, height - BOTTOM

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return round(self.bottom - (value - self.low) / span * (self.bottom - self.top), 1)


def _width(text: str) -> int:
    """Display width: a Korean (wide) character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, width: int = 16, most: int = 3) -> tuple[str, ...]:
    """At most `most` lines of about `width` columns, broken between words."""
    words = text.replace("—", " ").split()
    lines: list[str] = []
    for word in words:
        if lines and _width(lines[-1]) + 1 + _width(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], " ".join(lines[most - 1 :])]
    return tuple(lines) or ("",)


def waterfall(categories: Sequence[Number], total: Number, money: Money) -> Waterfall:
    """Each category's bar starts where the previous one ended; negatives go down, in red;
    the total stands on zero."""
    running = 0.0
    spans = []
    for c in categories:
        spans.append((running, running + c.value))
        running += c.value
    spans.append((0.0, total.value))
    edges = [v for span in spans for v in span]
    ticks = nice_ticks(min(edges), max(edges))
    y = _Scale(ticks, HEIGHT)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(spans))
    bars = []
    links = []
    labels = []
    for i, ((start, end), item) in enumerate(zip(spans, [*categories, total], strict=True)):
        x = LEFT + i * slot + slot * 0.15
        width = slot * 0.7
        top, bottom = y(max(start, end)), y(min(start, end))
        is_total = i == len(spans) - 1
        colour = TOTAL if is_total else (NEGATIVE if item.value < 0 else POSITIVE)
        text_y = top - 5 if item.value >= 0 else bottom + 13
        bars.append(
            Bar(
                round(x, 1),
                top,
                round(width, 1),
                max(1.0, round(bottom - top, 1)),
                colour,
                money(item.value),
                round(text_y, 1),
                item.label,
                item.href,
            )
        )
        if not is_total:
            links.append((round(x + width, 1), round(x + slot, 1), y(end)))
        labels.append(Label(round(x + width / 2, 1), _wrap(item.label, int(slot / 6.5))))
    return Waterfall(
        WIDTH,
        HEIGHT,
        y(0.0),
        tuple(bars),
        tuple(links),
        tuple(Tick(y(v), money(v)) for v in ticks),
        tuple(labels),
    )


def trend(years: Sequence[Number], money: Money) -> Trend:
    """Value by year as a line, with the P5–P95 area when the run had draws."""
    values = [v for n in years for v in (n.value, *(n.band or ()))] or [0.0]
    ticks = nice_ticks(min(values), max(values))
    y = _Scale(ticks, HEIGHT - 20)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(years))
    points = []
    for i, n in enumerate(years):
        x = round(LEFT + slot * (i + 0.5), 1)
        low, high = (y(n.band[0]), y(n.band[1])) if n.band else (None, None)
        colour = NEGATIVE if n.value < 0 else POSITIVE
        title = f"{n.label}: {money(n.value)}"
        points.append(Point(x, y(n.value), low, high, colour, title, n.href))
    line = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
    band = ""
    if len(points) > 1 and all(p.low is not None for p in points):
        upper = [f"{p.x},{p.high}" for p in points]
        lower = [f"{p.x},{p.low}" for p in reversed(points)]
        band = "M" + " L".join(upper + lower) + " Z"
    return Trend(
        WIDTH,
        HEIGHT - 20,
        y(0.0),
        line,
        band,
        tuple(points),
        tuple(Tick(y(v), money(v)) for v in ticks),
        tuple(Label(p.x, (n.label,)) for p, n in zip(points, years, strict=True)),
    )


def to_json(dash: Dashboard) -> dict[str, Any]:
    """The dashboard's numbers (not its drawing) for the JSON API."""

    def num(n: Number | None) -> dict[str, Any] | None:
        if n is None:
            return None
        band = {"p5": n.band[0], "p95": n.band[1]} if n.band else None
        return {"key": n.key, "label": n.label, "value": n.value, "band": band, "explain": n.href}

    def row(r: Row) -> dict[str, Any]:
        return {
            "key": r.key,
            "label": r.label,
            "explain": r.href,
            "periods": {str(p): num(c) for p, c in zip(dash.periods, r.cells, strict=True)},
            "total": num(r.total),
        }

    return {
        "run_id": dash.run_id,
        "draws": dash.draws,
        "seed": dash.seed,
        "currency": dash.currency,
        "periods": list(dash.periods),
        "total": num(dash.total),
        "by_category": [num(c) for c in dash.categories],
        "by_period": [num(y) for y in dash.years],
        "by_programme": [row(r) for r in dash.programmes],
        "by_indicator": [row(r) for r in dash.indicators],
        "warnings": list(dash.warnings),
    }
