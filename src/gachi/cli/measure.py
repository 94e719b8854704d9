"""`gachi measure` — run a catalogue over record-level data and print or write the results."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gachi.cli.main import app
from gachi.cli.output import assumptions_table, err, money, out, progress, safe_cell
from gachi.engine.catalog import load_catalog
from gachi.engine.data import open_dataset
from gachi.engine.plan import DEFAULT_GROUP_BY, compile_plan
from gachi.engine.result import Result
from gachi.engine.run import applicable, data_rules, measure
from gachi.engine.sources import peek_columns
from gachi.engine.uncertainty import Assumption, Band, BreakEven
from gachi.errors import InvalidInput, Location
from gachi.kernel.files import atomic_output
from gachi.kernel.i18n import current_lang, t
from gachi.kernel.money import format_number
from gachi.report import labels
from gachi.report.model import CATEGORY_ORDER


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


# Options shared with `gachi report`.
CatalogOption = Annotated[
    Path, typer.Option("--catalog", "-c", help="Folder of indicator YAML files.")
]
DataOption = Annotated[
    Path,
    typer.Option("--data", "-d", help="Record-level data: CSV (UTF-8 or CP949), XLSX or Parquet."),
]
DEFAULT_GROUPS = ",".join(DEFAULT_GROUP_BY)
GroupByOption = Annotated[str, typer.Option("--group-by", help="Comma-separated grouping columns.")]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet name.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the Monte-Carlo draws.")]


class SumAcross(StrEnum):
    """What a reader may ask to have summed: totals are per organisation and period otherwise."""

    periods = "periods"
    organisations = "organisations"


SumAcrossOption = Annotated[
    list[SumAcross] | None,
    typer.Option(
        "--sum-across",
        help="Also show totals summed across periods or organisations, labelled as sums "
        "(repeatable); totals are per organisation and period otherwise.",
    ),
]


def across_columns(result: Result, asked: Sequence[SumAcross] | None) -> tuple[str, ...]:
    """The grouping columns to sum across, as asked; refuses one the grouping does not have."""
    out = []
    for what in dict.fromkeys(asked or ()):
        column = result.period_column if what is SumAcross.periods else result.organisation_column
        if column not in result.scope_columns:
            raise InvalidInput("totals.unknown-across", what=what.value, column=column)
        out.append(column)
    return tuple(out)


@app.command("measure")
def measure_cmd(
    catalog: CatalogOption,
    data: DataOption,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (required for xlsx).")
    ] = None,
    group_by: GroupByOption = DEFAULT_GROUPS,
    indicator: Annotated[
        list[str] | None,
        typer.Option("--indicator", "-i", help="Only this indicator (repeatable)."),
    ] = None,
    sheet: SheetOption = None,
    backend: Annotated[
        str, typer.Option("--backend", help="duckdb (default) or a postgresql:// URL.")
    ] = "duckdb",
    draws: Annotated[
        int | None,
        typer.Option("--draws", help="Monte-Carlo draws for ranges (e.g. 10000); none by default."),
    ] = None,
    seed: SeedOption = 1,
    sum_across: SumAcrossOption = None,
) -> None:
    """Compute every indicator per group and print values, totals by category per organisation
    and period, and lineage; with --draws, also their Monte-Carlo ranges, and for each
    organisation's latest period the variance shares and break-even."""
    if fmt is Format.xlsx and output is None:
        raise InvalidInput("cli.xlsx-needs-output")
    if fmt is Format.table and output is not None:
        raise InvalidInput("cli.table-to-screen")
    result, skipped = run_measurement(
        catalog,
        data,
        group_by,
        indicator,
        sheet,
        backend,
        draws,
        seed,
        ranges_per_group=fmt is not Format.table,
        indicator_ranges=fmt is not Format.table,
    )
    across = across_columns(result, sum_across)
    if fmt is Format.table:
        print_table(result, across)
        if result.uncertainty is not None:
            print_ranges(result, across)
    elif fmt is Format.json:
        text = json.dumps(result.to_dict(across), ensure_ascii=False, indent=2)
        _emit(text, output)
    elif fmt is Format.csv:
        _write_csv(result, output)
    else:
        assert output is not None
        _write_xlsx(result, output)
    if skipped:
        err.print(t("cli.skipped-indicators", None, ids=", ".join(skipped)), style="yellow")
    for col, value in result.data.defaulted:
        err.print(t("cli.period-defaulted", None, column=col, value=value), style="yellow")
    for indicator_id, n in result.warnings():
        err.print(t("cli.undefined-records", None, indicator=indicator_id, count=n), style="yellow")


def run_measurement(
    catalog: Path,
    data: Path,
    group_by: str,
    indicator: list[str] | None,
    sheet: str | None,
    backend: str,
    draws: int | None,
    seed: int,
    *,
    ranges_per_group: bool = False,
    indicator_ranges: bool = False,
) -> tuple[Result, list[str]]:
    """Load, check and measure, with a progress line: (result, indicators the data has no
    inputs for)."""
    groups = tuple(g.strip() for g in group_by.split(",") if g.strip())
    with progress(t("cli.loading-catalog")) as step:
        cat = load_catalog(catalog)
        chosen: list[str] | None = list(indicator) if indicator else None
        skipped: list[str] = []
        columns = peek_columns(data, sheet) if chosen is None else ()
        if columns:  # the indicators this data has inputs for; named ones must all fit
            chosen, skipped = applicable(cat, columns)
            if not chosen:
                raise InvalidInput("cli.no-applicable-indicator", where=Location(str(data)))
        # (a file whose columns cannot be read is opened with every indicator: that says why)
        plan = compile_plan(cat, chosen, groups)
        step(t("cli.checking-data"))
        with open_dataset(data, data_rules(plan), sheet=sheet) as ds:
            step(t("cli.computing", None, rows=f"{ds.info.rows:,}"))
            if backend == "duckdb":
                result = measure(
                    plan,
                    ds,
                    draws=draws,
                    seed=seed,
                    ranges_per_group=ranges_per_group,
                    indicator_ranges=indicator_ranges,
                    progress=lambda stage: step(t(f"cli.stage.{stage}", None, draws=draws)),
                )
            elif backend.startswith(("postgresql://", "postgres://")):
                if draws is not None:
                    raise InvalidInput("cli.draws-duckdb-only")
                from gachi.engine.postgres import measure_postgres

                result = measure_postgres(plan, ds, backend)
            else:
                raise InvalidInput("cli.unknown-backend", backend=backend)
    return result, skipped


def print_ranges(result: Result, across: Sequence[str] = ()) -> None:
    """The Monte-Carlo range of each organisation's period (and of the sums asked for), then,
    for each organisation's latest period, the assumptions that drive it and its break-even."""
    u = result.uncertainty
    assert u is not None
    cur = result.currency
    lang = current_lang()
    heads = [_column_label(c) for c in result.scope_columns]
    table = Table(
        *heads,
        t("report.point"),
        "P5",
        "P50",
        "P95",
        title=t("report.draws-note", None, draws=f"{u.draws:,}", seed=u.seed),
    )
    marked = False
    for scope in result.shown_scopes(across):
        ranges = u.scopes.get(scope)
        if ranges is None:
            continue
        band = ranges.total
        mark = labels.outside_mark(band.outside)
        marked = marked or bool(mark)
        cells = labels.cells(result, scope, lang) if heads else ()
        point, *rest = (money(v, cur) for v in _band(band))
        bold = labels.summed(result, scope)
        table.add_row(*cells, point + mark, *rest, style="italic" if bold else None)
    out.print(table)
    if marked:
        out.print(labels.outside_note(result, lang, assumptions=_all_assumptions(result)))
    for scope, ranges in u.slices().items():
        if not ranges.in_focus or not ranges.assumptions:
            continue
        name = labels.scope_label(result, scope, lang)
        title = t("report.chart-tornado-of", None, scope=name)
        out.print(assumptions_table(ranges.assumptions[:10], cur, title))
        _print_break_even(ranges.break_even)


def _all_assumptions(result: Result) -> list[Assumption]:
    u = result.uncertainty
    return [a for r in (u.scopes.values() if u else ()) for a in r.assumptions]


def _print_break_even(be: BreakEven | None) -> None:
    if be is None:
        return
    if be.value is None:
        out.print(t("report.no-break-even", None, label=be.label))
        return
    change = f"{be.change * 100:+.0f}%" if be.change is not None else ""
    out.print(
        t(
            "report.break-even",
            None,
            label=be.label,
            point=format_number(be.point),
            value=format_number(be.value),
            change=change,
        )
    )


def _band(band: Band) -> tuple[float, float, float, float]:
    return band.point, band.p5, band.p50, band.p95


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text + "\n")
        return
    with atomic_output(output) as fh:
        fh.write(text + "\n")
    err.print(t("cli.written", None, path=str(output)))


def _rows(result: Result) -> tuple[list[str], list[list[object]]]:
    header = [
        *result.group_by,
        "indicator",
        "version",
        "value",
        "currency",
        "records",
        "undefined",
        "spec_hash",
    ]
    u = result.uncertainty
    ranges = u.rows if u is not None and u.rows is not None else None
    if ranges is not None:
        header[header.index("value") + 1 : header.index("value") + 1] = ["p5", "p50", "p95"]
    rows: list[list[object]] = []
    for r in result.measured():
        lin = result.lineage[r.indicator]
        band = ranges.get((r.group, r.indicator)) if ranges is not None else None
        extra = [] if ranges is None else ([band.p5, band.p50, band.p95] if band else [None] * 3)
        rows.append(
            [
                *(safe_cell(g) for g in r.group),
                r.indicator,
                lin.version,
                r.value,
                *extra,
                result.currency,
                r.records,
                r.undefined,
                lin.spec_hash,
            ]
        )
    return header, rows


def _write_csv(result: Result, output: Path | None) -> None:
    header, rows = _rows(result)
    if output is None:
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return
    # UTF-8 with BOM so that Excel on Korean Windows opens the Korean text correctly.
    with atomic_output(output, "w", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    err.print(t("cli.written", None, path=str(output)))


def _write_xlsx(result: Result, output: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "results"
    header, rows = _rows(result)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    lineage = book.create_sheet("lineage")
    lineage.append(
        [
            "indicator",
            "version",
            "spec_hash",
            "formula",
            "proxy",
            "value",
            "unit",
            "currency",
            "base_year",
            "value_used",
            "steps",
            "source",
            "url",
            "licence",
        ]
    )
    for lin in result.lineage.values():
        for p in lin.proxies or ():
            lineage.append(
                [
                    safe_cell(x)
                    for x in (
                        lin.indicator,
                        lin.version,
                        lin.spec_hash,
                        lin.formula,
                        p.name,
                        p.value,
                        p.unit,
                        p.currency,
                        p.base_year,
                        p.value_used,
                        "; ".join(p.steps),
                        p.source,
                        p.url,
                        p.licence,
                    )
                ]
            )
    with atomic_output(output, "wb", encoding=None) as fh:
        book.save(fh)
    err.print(t("cli.written", None, path=str(output)))


def print_table(result: Result, across: Sequence[str] = ()) -> None:
    """Values per group and indicator; periods become columns when grouping by period."""
    lang = current_lang()
    cur = result.currency
    title = t("cli.results-title", None, year=result.report_year, currency=cur)
    pivot = "period" in result.group_by
    keys = [g for g in result.group_by if g != "period"] if pivot else list(result.group_by)
    at = {g: i for i, g in enumerate(result.group_by)}
    periods = sorted({r.group[at["period"]] or "" for r in result.rows}) if pivot else []
    cells: dict[tuple[str, ...], dict[str, float | None]] = {}
    for r in result.rows:
        if r.value is None and r.records == 0:
            continue
        row_key = (*(r.group[at[k]] or "" for k in keys), r.indicator)
        column_name = (r.group[at["period"]] or "") if pivot else "value"
        cells.setdefault(row_key, {})[column_name] = r.value
    columns = periods if pivot else ["value"]
    headers = [_column_label(k) for k in keys]
    table = Table(
        *headers, t("cli.indicator"), *(columns if pivot else [t("cli.value")]), title=title
    )
    for key, values in cells.items():
        lin = result.lineage[key[-1]]
        name = lin.name_en if lang == "en" and lin.name_en else lin.name_ko
        shown = [money(values.get(c), cur) if c in values else "" for c in columns]
        negative = any((v or 0) < 0 for v in values.values())
        table.add_row(*(str(k) for k in key[:-1]), name, *shown, style="red" if negative else None)
    out.print(table)
    print_totals(result, across)


def print_totals(result: Result, across: Sequence[str] = ()) -> None:
    """Totals by category for each organisation's period — never one sum over unrelated
    organisations or years — then the sums across them that were asked for, labelled."""
    lang = current_lang()
    cur = result.currency
    shown = result.shown_scopes(across)
    categories = [c for c in CATEGORY_ORDER if any(c in result.by_category(s) for s in shown)]
    heads = [_column_label(c) for c in result.scope_columns]
    title = t("cli.totals-title", None, basis=labels.price_basis(result, lang))
    totals = Table(*heads, *(t(f"sk.{c}") for c in categories), t("cli.total"), title=title)
    for scope in shown:
        values = result.by_category(scope)
        cells = [money(values[c], cur) if c in values else "" for c in categories]
        total = result.total(scope)
        totals.add_row(
            *(labels.cells(result, scope, lang) if heads else ()),
            *cells,
            f"[bold]{money(total, cur)}[/bold]",
            style="italic" if labels.summed(result, scope) else ("red" if total < 0 else None),
        )
    out.print(totals)


def _column_label(name: str) -> str:
    """The standard grouping columns in the reader's language; any other name as it is."""
    label = t(f"cli.column.{name}")
    return name if label.startswith("cli.column.") else label
