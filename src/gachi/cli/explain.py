"""`gachi explain` — a number as its formula with the values substituted, down to its sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gachi.cli.main import app
from gachi.cli.output import money, out
from gachi.engine.catalog import load_catalog
from gachi.engine.data import ColumnRule, open_dataset
from gachi.engine.explain import explain, format_number
from gachi.engine.plan import compile_plan
from gachi.engine.result import Lineage
from gachi.engine.run import data_rules
from gachi.engine.spec import Indicator
from gachi.errors import InvalidInput
from gachi.kernel.i18n import current_lang, t


@app.command("explain")
def explain_cmd(
    indicator: Annotated[str, typer.Argument(help="Indicator id, e.g. voice_phishing_prevented.")],
    catalog: Annotated[
        Path, typer.Option("--catalog", "-c", help="Folder of indicator YAML files.")
    ],
    data: Annotated[
        Path | None, typer.Option("--data", "-d", help="Record-level data to explain a value of.")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where", "-w", help="Filter records: column=value (repeatable), e.g. period=2024."
        ),
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="XLSX sheet name.")] = None,
) -> None:
    """Print a value as its formula with inputs and proxies substituted, and their sources."""
    cat = load_catalog(catalog)
    entry = cat.get(indicator)
    filters: dict[str, str] = {}
    for item in where or []:
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            raise InvalidInput("cli.bad-where", item=item)
        if col.strip() in filters:
            raise InvalidInput("cli.where-twice", column=col.strip())
        filters[col.strip()] = value.strip()
    if data is None:
        exp = explain(cat, indicator)
        print_lineage(exp.lineage, entry.spec)
        return
    plan = compile_plan(cat, [indicator], group_by=())
    rules = data_rules(plan)
    numbers = sorted(c for c in filters if any(r.name == c and r.numeric for r in rules))
    if numbers:  # a filter picks records by a key, not by an amount
        raise InvalidInput("cli.where-on-input", column=", ".join(numbers))
    known = {r.name for r in rules}
    # A filter column only has to exist; empty cells elsewhere are none of its business.
    rules += [ColumnRule(c, numeric=False, filled=False) for c in filters if c not in known]
    with open_dataset(data, rules, sheet=sheet) as ds:
        exp = explain(cat, indicator, ds, filters)
    print_lineage(exp.lineage, entry.spec)
    cur = cat.settings.currency
    scope = ", ".join(f"{k}={v}" for k, v in filters.items()) or t("cli.all-records")
    out.print()
    out.print(
        f"[bold]{t('cli.explain-value')}[/bold] ({scope}): "
        f"[bold]{money(exp.value, cur)}[/bold]  ({t('cli.records')}: {exp.records})"
    )
    if exp.substituted is not None:
        out.print(f"  = ({exp.substituted}) × {exp.lineage.factor:.6g}", markup=False)
        out.print(
            "    " + (t("cli.explain-linear") if exp.reproduces else t("cli.explain-per-record")),
            style="dim",
        )


def print_lineage(lin: Lineage, spec: Indicator) -> None:
    lang = current_lang()
    out.print(
        f"[bold]{spec.name.get(lang)}[/bold]  ({lin.indicator} v{lin.version}, "
        f"{t(f'sk.{lin.category}')})"
    )
    out.print(f"  {spec.description.get(lang)}", style="dim")
    out.print(f"  {t('cli.formula')}: {lin.formula}", markup=False)
    if lin.baseline:
        out.print(f"  {t('cli.baseline')}: {lin.baseline}", markup=False)
    for name, unit, col in lin.inputs:
        inp = next(i for i in spec.inputs if i.name == name)
        mapped = f" ← {t('cli.column')} '{col}'" if col != name else ""
        out.print(f"  · {name} [{unit}]{mapped}: {inp.description.get(lang)}", markup=False)
        if name in lin.money_inputs:
            out.print(f"      {t('cli.input-rebased')}", markup=False)
    for p in lin.proxies:
        out.print(f"  · {p.name} = {format_number(p.value)} {p.unit} ({p.base_year})", markup=False)
        for step in p.steps:
            out.print(f"      {step}", markup=False)
        src = ", ".join(str(x) for x in (p.publisher, p.source, p.source_year) if x)
        out.print(
            f"      {t('cli.source')}: {src}" + (f" <{p.url}>" if p.url else ""), markup=False
        )
        out.print(
            f"      {t('cli.licence')}: {p.licence}; "
            f"{t('cli.uncertainty')}: {t(f'cli.dist.{p.uncertainty}')}",
            markup=False,
        )
    a = lin.adjustments
    out.print(
        f"  {t('cli.adjustments')}: {t('cli.deadweight')} {a['deadweight']:g}, "
        f"{t('cli.displacement')} {a['displacement']:g}, {t('cli.attribution')} "
        f"{a['attribution']:g}, {t('cli.drop-off')} {a['drop_off']:g}, "
        f"{t('cli.duration')} {a['duration']:g} "
        f"→ (1−{a['deadweight']:g})·(1−{a['displacement']:g})·(1−{a['attribution']:g})"
        f" … × {lin.factor:.6g}",
        markup=False,
    )
    out.print(f"  spec_hash {lin.spec_hash[:16]}… {lin.file}", style="dim", markup=False)
