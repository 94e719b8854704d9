"""The HTML, XLSX and PDF reports of a published book, made by the report writers of the
engine's CLI from the book alone (nothing unpublished can enter them): the book is turned back
into the measurement result it records."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from gachi.engine.result import Lineage, ProxyLineage, Result
from gachi.engine.sources import DataInfo
from gachi.engine.uncertainty import Band, Uncertainty
from gachi.errors import NotFound
from gachi.kernel.i18n import Lang, t
from gachi.report import build_report
from gachi.report.model import Report

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
    return build_report(result_of(book), lang=lang, title=title)


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
    """The measurement a book records: one group per programme of its year."""
    indicators = tuple(i["id"] for i in book["indicators"])
    programmes: dict[int, str] = {}
    cells: dict[tuple[int, str], tuple[float, int]] = {}
    for line in book["lines"]:
        programmes[line["programme_id"]] = line["programme"]
        cells[(line["programme_id"], line["indicator"])] = (line["value"], line["records"])
    year = str(book["year"])
    values = []
    for pid, name in sorted(programmes.items(), key=lambda kv: kv[1]):
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
        uncertainty=_uncertainty(book),
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
    return Band(value, band.get("p50", value), band["p5"], band.get("p50", value), band["p95"])


def _uncertainty(book: Mapping[str, Any]) -> Uncertainty | None:
    total = _band(book["total"]["value"], book["total"].get("band"))
    if total is None or not book.get("draws"):
        return None
    categories = {c["category"]: _band(c["value"], c.get("band")) for c in book["by_category"]}
    indicators = {i["id"]: _band(i["value"] or 0.0, i.get("band")) for i in book["indicators"]}
    return Uncertainty(
        draws=int(book["draws"]),
        seed=int(book.get("seed") or 1),
        total=total,
        by_category={k: v for k, v in categories.items() if v is not None},
        by_indicator={k: v for k, v in indicators.items() if v is not None},
        by_period={str(book["year"]): total},
        assumptions=(),
        break_even=None,
        interaction=0.0,
    )
