"""`gachi catalog validate|list|show|diff|schema` — work with a folder of indicator definitions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gachi.cli.main import app
from gachi.cli.output import out
from gachi.engine.catalog import load_catalog
from gachi.engine.expr.nodes import to_text
from gachi.engine.result import lineage_of
from gachi.engine.spec import indicator_schema
from gachi.kernel.files import atomic_output
from gachi.kernel.i18n import current_lang, t

catalog_app = typer.Typer(
    help="Validate, list, show and compare indicator catalogues.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")

Folder = Annotated[Path, typer.Argument(help="Folder of indicator YAML files.")]


@catalog_app.command("validate")
def validate(folder: Folder) -> None:
    """Check every indicator: fields, units, formulas, sources, cycles. Lists every problem."""
    catalog = load_catalog(folder)
    out.print(t("cli.catalog-valid", None, count=len(catalog.entries), folder=str(folder)))


@catalog_app.command("list")
def list_(folder: Folder) -> None:
    """List the indicators of a catalogue: id, version, name, unit, SK category."""
    catalog = load_catalog(folder)
    lang = current_lang()
    table = Table("id", "v", t("cli.name"), t("cli.unit"), t("cli.category"), "SDG")
    for ident in sorted(catalog.entries):
        s = catalog.entries[ident].spec
        table.add_row(
            s.id,
            str(s.version),
            s.name.get(lang),
            s.unit,
            t(f"sk.{s.frameworks.sk.value}"),
            ", ".join(s.frameworks.sdg),
        )
    out.print(table)


@catalog_app.command("show")
def show(
    folder: Folder,
    indicator: Annotated[str, typer.Argument(help="Indicator id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the definition as JSON.")] = False,
) -> None:
    """Show one indicator: formula, inputs, proxies with sources, adjustments."""
    catalog = load_catalog(folder)
    entry = catalog.get(indicator)
    if as_json:
        doc = json.dumps(entry.spec.model_dump(mode="json"), ensure_ascii=False, indent=2)
        sys.stdout.write(doc + "\n")
        return
    from gachi.cli.explain import print_lineage

    print_lineage(
        lineage_of(
            catalog,
            entry,
            entry.adjustment_factor(catalog.settings.discount_rate) * entry.to_report_currency,
        ),
        entry.spec,
    )


@catalog_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier catalogue folder.")],
    new: Annotated[Path, typer.Argument(help="The later catalogue folder.")],
) -> None:
    """Compare two catalogues: indicators added, removed and changed, field by field."""
    a, b = load_catalog(old), load_catalog(new)
    changes = 0
    for ident in sorted(a.entries.keys() | b.entries.keys()):
        if ident not in a.entries:
            out.print(f"[green]+ {ident}[/green] ({t('cli.added')})")
            changes += 1
            continue
        if ident not in b.entries:
            out.print(f"[red]- {ident}[/red] ({t('cli.removed')})")
            changes += 1
            continue
        sa, sb = a.entries[ident].spec, b.entries[ident].spec
        if sa.spec_hash() == sb.spec_hash():
            continue
        changes += 1
        out.print(f"[yellow]~ {ident}[/yellow] v{sa.version} → v{sb.version}")
        if sa.version == sb.version:
            out.print(f"  [red]{t('cli.same-version')}[/red]")
        fa, fb = to_text(a.entries[ident].formula), to_text(b.entries[ident].formula)
        if fa != fb:
            out.print(f"  formula: {fa}\n        → {fb}", markup=False)
        for path, x, y in _field_diff(
            sa.model_dump(mode="json", exclude={"formula"}),
            sb.model_dump(mode="json", exclude={"formula"}),
        ):
            out.print(f"  {path}: {x!r} → {y!r}", markup=False)
    if not changes:
        out.print(t("cli.no-changes"))


def _field_diff(x: object, y: object, path: str = "") -> list[tuple[str, object, object]]:
    if isinstance(x, dict) and isinstance(y, dict):
        rows: list[tuple[str, object, object]] = []
        for k in sorted(x.keys() | y.keys()):
            rows += _field_diff(x.get(k), y.get(k), f"{path}.{k}" if path else k)
        return rows
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        rows = []
        for i, (p, q) in enumerate(zip(x, y, strict=True)):
            rows += _field_diff(p, q, f"{path}[{i}]")
        return rows
    return [] if x == y else [(path, x, y)]


@catalog_app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of an indicator definition file."""
    text = json.dumps(indicator_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_output(output) as fh:
        fh.write(text)
