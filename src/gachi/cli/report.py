"""`gachi report` — measure, then write the report as HTML, XLSX and/or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gachi.cli.main import app
from gachi.cli.measure import (
    DEFAULT_GROUPS,
    CatalogOption,
    DataOption,
    GroupByOption,
    SeedOption,
    SheetOption,
    SumAcrossOption,
    across_columns,
    run_measurement,
)
from gachi.cli.output import err
from gachi.errors import InvalidInput
from gachi.kernel.i18n import current_lang, t
from gachi.report import build_report, write_report


@app.command("report")
def report_cmd(
    catalog: CatalogOption,
    data: DataOption,
    output: Annotated[
        list[Path],
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Report file; .html, .xlsx or .pdf by its extension (repeatable).",
        ),
    ],
    draws: Annotated[
        int | None,
        typer.Option("--draws", help="Monte-Carlo draws for ranges and sensitivity (0: none)."),
    ] = 10_000,
    seed: SeedOption = 1,
    title: Annotated[str | None, typer.Option("--title", help="Title of the report.")] = None,
    group_by: GroupByOption = DEFAULT_GROUPS,
    sheet: SheetOption = None,
    sum_across: SumAcrossOption = None,
) -> None:
    """Measure, then write a self-contained HTML report with charts, an XLSX workbook (results,
    inputs, proxies, formulas, value map) and/or a PDF, in the chosen language."""
    output = list(dict.fromkeys(output))  # the same file named twice is written once
    # Every format is checked before the (possibly long) measurement starts.
    for path in output:
        if path.suffix.lower() not in (".html", ".htm", ".xlsx", ".pdf"):
            raise InvalidInput("report.unknown-format", path=str(path))
    result, skipped = run_measurement(
        catalog,
        data,
        group_by,
        None,
        sheet,
        "duckdb",
        draws or None,
        seed,
        ranges_per_group=any(p.suffix.lower() == ".xlsx" for p in output),
        indicator_ranges=True,
    )
    across = across_columns(result, sum_across)
    report = build_report(result, lang=current_lang(), title=title, across=across)
    for path in output:
        write_report(report, path)
        err.print(t("cli.report-written", None, path=str(path)))
    if skipped:
        err.print(t("cli.skipped-indicators", None, ids=", ".join(skipped)), style="yellow")
