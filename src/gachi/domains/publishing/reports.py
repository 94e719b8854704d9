"""The HTML, XLSX and PDF reports of a published book, made by the report writers of the
engine's CLI from the book alone (nothing unpublished can enter them): the book is turned back
into the measurement result it records, with the ranges it keeps and, for a year published
again, what its restatement says."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gachi.engine.result import Lineage, ProxyLineage, Result
from gachi.engine.sources import DataInfo
from gachi.engine.uncertainty import Band, ScopeRanges, Uncertainty
from gachi.errors import NotFound
from gachi.kernel.i18n import Lang, t
from gachi.kernel.times import format_moment
from gachi.kernel.units import unit_label
from gachi.report import build_report
from gachi.report.model import FactorShare, Report, Restatement

MEDIA = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_of(book: Mapping[str, Any], lang: Lang) -> Report:
    org = book["organisation"]["name"]
    title = t(
        "publish.report-title", lang, organisation=org, year=book["year"], version=book["version"]
    )
    subtitle = t(
        "report.book-subtitle",
        lang,
        version=book["version"],
        published=_published_on(book),
        price_year=book.get("price_year") or book["year"],
        currency=unit_label(book["currency"], lang) or book["currency"],
    )
    return build_report(
        result_of(book),
        lang=lang,
        title=title,
        subtitle=subtitle,
        restatement=restatement_of(book, lang),
    )


def _published_on(book: Mapping[str, Any]) -> str:
    """The day the book was published, in the platform's zone (as its pages show it)."""
    try:
        return format_moment(datetime.fromisoformat(str(book["published_at"])), "date")
    except (KeyError, ValueError):
        return str(book.get("published_at") or "")[:10]


def render(book: Mapping[str, Any], fmt: str, lang: Lang) -> bytes:
    """The report of `book` as `fmt` (html, xlsx or pdf)."""
    if fmt not in MEDIA:
        raise NotFound("report", fmt)
    report = report_of(book, lang)
    if fmt == "html":
        from gachi.report.html import render_html

        return render_html(report).encode("utf-8")
    if fmt == "xlsx":
        from gachi.report.xlsx import build_workbook

        out = io.BytesIO()
        build_workbook(report).save(out)
        return out.getvalue()
    from gachi.report.pdf import build_pdf

    return build_pdf(report)


def result_of(book: Mapping[str, Any]) -> Result:
    """The measurement a book records: one group per programme of its year, with the ranges the
    book keeps for each line, indicator, category and the total."""
    indicators = tuple(i["id"] for i in book["indicators"])
    year = str(book["year"])
    names = _programme_names(book["lines"])
    cells: dict[tuple[int, str], tuple[float, int]] = {}
    bands: dict[tuple[tuple[str | None, ...], str], Band] = {}
    for line in book["lines"]:
        pid, ident = line["programme_id"], line["indicator"]
        cells[(pid, ident)] = (line["value"], line["records"])
        band = _band(line["value"], line.get("band"))
        if band is not None:
            bands[((names[pid], year), ident)] = band
    values = []
    for pid, name in sorted(names.items(), key=lambda kv: (kv[1], kv[0])):
        row: list[Any] = [name, year]
        for ident in indicators:
            value, records = cells.get((pid, ident), (None, 0))
            row += [value, records, 0]
        values.append(tuple(row))
    lineage = {i["id"]: _lineage(i) for i in book["indicators"]}
    return Result(
        group_by=("programme", "period"),
        indicators=indicators,
        values=tuple(values),
        currency=book["currency"],
        report_year=int(book.get("price_year") or book["year"]),
        lineage=lineage,
        data=DataInfo(
            source=f"{book['organisation']['name']} {book['year']} v{book['version']}",
            sha256=book["lineage"]["data_version"],
            rows=len(values),
            columns=(),
        ),
        plan_fingerprint=book["lineage"]["plan_fingerprint"],
        backend="gachi",
        uncertainty=_uncertainty(book, bands),
    )


def _programme_names(lines: list[Mapping[str, Any]]) -> dict[int, str]:
    """Each programme's name, told apart by its number where two programmes share one (their
    rows and ranges would otherwise be one group)."""
    names = {line["programme_id"]: line["programme"] for line in lines}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    return {pid: name if seen[name] == 1 else f"{name} (#{pid})" for pid, name in names.items()}


def restatement_of(book: Mapping[str, Any], lang: Lang) -> Restatement | None:
    """What the book says of its restatement (None for a year's first version)."""
    r = book.get("restatement")
    if not r:
        return None
    delta = float(r["delta"])
    effects = r.get("effects") or {}
    factors = tuple(
        FactorShare(
            f,
            t(f"restate.factor.{f}", lang),
            float(effects.get(f, 0.0)),
            float(effects.get(f, 0.0)) / delta if delta else None,
        )
        for f in r.get("factors") or ()
    )
    org, year, version = book["organisation"]["id"], book["year"], book["version"]
    return Restatement(
        version=int(version),
        from_version=int(r["from_version"]),
        reason=str(book.get("reason") or r.get("reason") or ""),
        total_before=float(r["total_before"]),
        total_after=float(r["total_after"]),
        delta=delta,
        factors=factors,
        residual=float(r.get("residual") or 0.0),
        path=f"/public/{org}/{year}/restatements/{version}",
    )


def _lineage(i: Mapping[str, Any]) -> Lineage:
    return Lineage(
        indicator=i["id"],
        version=i["version"],
        spec_hash=i["spec_hash"],
        file=f"{i['source']}/{i['id']}.yaml",
        name_ko=i["name"]["ko"],
        name_en=i["name"]["en"],
        category=i["category"],
        formula=i["formula"],
        inputs=tuple((x["name"], x["unit"], x["column"]) for x in i["inputs"]),
        proxies=tuple(ProxyLineage(**{**p, "steps": tuple(p["steps"])}) for p in i["proxies"]),
        baseline=i["baseline"],
        adjustments=i["adjustments"],
        factor=i["factor"],
        depends_on=tuple(i["depends_on"]),
        money_inputs=tuple(i["money_inputs"]),
        in_totals=i["in_totals"],
    )


def _band(value: float, band: Mapping[str, float] | None) -> Band | None:
    if not band:
        return None
    p50 = band.get("p50", value)
    return Band(value, band.get("mean", p50), band["p5"], p50, band["p95"])


def _uncertainty(
    book: Mapping[str, Any], rows: Mapping[tuple[tuple[str | None, ...], str], Band]
) -> Uncertainty | None:
    total = _band(book["total"]["value"], book["total"].get("band"))
    if total is None or not book.get("draws"):
        return None
    categories = {c["category"]: _band(c["value"], c.get("band")) for c in book["by_category"]}
    indicators = {i["id"]: _band(i["value"] or 0.0, i.get("band")) for i in book["indicators"]}
    # A book keeps no assumptions, so no variance shares: none are made up here. Its one
    # year is its one slice, and everything too.
    ranges = ScopeRanges(
        total=total,
        by_category={k: v for k, v in categories.items() if v is not None},
        by_indicator={k: v for k, v in indicators.items() if v is not None},
    )
    return Uncertainty(
        draws=int(book["draws"]),
        seed=int(book.get("seed") or 1),
        scope_columns=("period",),
        scopes={(): ranges, (("period", str(book["year"])),): ranges},
        rows=rows,
    )
