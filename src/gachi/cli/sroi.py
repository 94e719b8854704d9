"""`gachi sroi` — compute an SROI value map and print it as a table or as JSON."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from gachi.cli.main import app
from gachi.cli.output import assumptions_table, money, out
from gachi.engine.sroi import SroiResult, compute
from gachi.engine.sroi_io import load_value_map
from gachi.engine.sroi_uncertainty import SroiUncertainty, simulate_sroi
from gachi.kernel.i18n import t


class Format(StrEnum):
    table = "table"
    json = "json"


@app.command("sroi")
def sroi_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="Value map: YAML, or CSV (UTF-8 or CP949) / XLSX with one row per outcome.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output: a table (default) or JSON.")
    ] = Format.table,
    investment: Annotated[
        str | None,
        typer.Option(
            "--investment",
            help="Total investment, e.g. 226000000 or '2억 2,600만원'; replaces the file's.",
        ),
    ] = None,
    discount_rate: Annotated[
        str | None,
        typer.Option(
            "--discount-rate",
            help="Annual discount rate: 3.5%, 3.5 or 0.035 (default 3.5%, the Guide's).",
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="XLSX sheet with the value map (default: the first one)."),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            help="Monte-Carlo draws over the ranges (*_low / *_high) given in the value map.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte-Carlo draws.")] = 1,
) -> None:
    """Compute an SROI value map: present value, NPV, SROI ratio, payback and break-even;
    with --draws, their ranges and the share of each uncertain figure."""
    value_map = load_value_map(
        file, investment=investment, discount_rate=discount_rate, sheet=sheet
    )
    result = compute(value_map)
    ranges = simulate_sroi(value_map, draws=draws, seed=seed) if draws is not None else None
    if fmt is Format.json:
        data = result.to_dict()
        if ranges is not None:
            data["uncertainty"] = ranges.to_dict()
        # compute() keeps every figure finite; never print Infinity or NaN, which are not JSON.
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        _print_table(result)
        if ranges is not None:
            _print_ranges(ranges, result.currency)


def _print_ranges(u: SroiUncertainty, ccy: str) -> None:
    table = Table(
        "",
        t("report.point"),
        "P5",
        "P50",
        "P95",
        title=Text(t("report.draws-note", draws=f"{u.draws:,}", seed=u.seed)),
    )
    rows = [("total-present-value", u.present_value), ("net-present-value", u.net_present_value)]
    for label, band in rows:
        table.add_row(
            t(f"sroi.label.{label}"),
            *(money(v, ccy) for v in (band.point, band.p5, band.p50, band.p95)),
        )
    if u.ratio is not None:
        b = u.ratio
        table.add_row(
            t("sroi.label.ratio"), *(f"1 : {v:.2f}" for v in (b.point, b.p5, b.p50, b.p95))
        )
    out.print(table)
    if not u.assumptions:
        out.print(t("sroi.no-ranges"))
        return
    out.print(assumptions_table(u.assumptions, ccy))


def _print_table(result: SroiResult) -> None:
    ccy = result.currency
    first = "first-year-discounted" if result.discount_first_year else "first-year-undiscounted"
    caption = t(
        "sroi.label.discount",
        rate=f"{result.discount_rate * 100:g}",
        first=t(f"sroi.label.{first}"),
    )
    rows = Table(title=Text(t("sroi.label.title", name=result.name)), caption=Text(caption))
    rows.add_column(t("sroi.label.stakeholder"))
    rows.add_column(t("sroi.label.outcome"))
    rows.add_column(t("sroi.label.year-one"), justify="right")
    rows.add_column(t("sroi.label.years"), justify="right")
    rows.add_column(t("sroi.label.present-value"), justify="right")
    for o in result.outcomes:
        last = len(o.impact_by_year)
        rows.add_row(
            Text(o.stakeholder),
            Text(o.outcome),
            money(o.year_one_impact, ccy),
            str(last) if o.first_year == last else f"{o.first_year}–{last}",
            money(o.present_value, ccy),
        )
    out.print(rows)

    none = t("sroi.label.none")
    ratio = "—" if result.sroi_ratio is None else f"1 : {result.sroi_ratio:.2f}"
    payback = (
        none
        if result.payback_months is None
        else t("sroi.label.months", months=f"{result.payback_months:.1f}")
    )
    summary = Table.grid(padding=(0, 2))
    summary.add_column()
    summary.add_column(justify="right")
    for label, value in (
        ("total-present-value", money(result.total_present_value, ccy)),
        ("investment", money(result.investment, ccy)),
        ("net-present-value", money(result.net_present_value, ccy)),
        ("ratio", ratio),
        ("payback", payback),
        ("break-even-success", _percent(result.break_even_success_rate, none)),
        ("break-even-attribution", _percent(result.break_even_attribution, none)),
    ):
        summary.add_row(t(f"sroi.label.{label}"), value)
    out.print(summary)
    if result.notes:
        out.print(f"\n{t('sroi.label.notes')}:", markup=False)
        for note in result.notes:
            out.print(f"  - {note.message()}", markup=False)


def _percent(value: float | None, none: str) -> str:
    return none if value is None else f"{value * 100:.1f}%"
