"""`gachi catalog validate|list|show|diff|schema|index` — work with a folder of indicator
definitions."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gachi.cli.main import app
from gachi.cli.output import err, out
from gachi.engine.catalog import Catalog, Entry, load_catalog
from gachi.engine.expr.nodes import to_text
from gachi.engine.result import lineage_of
from gachi.engine.spec import (
    Adjustment,
    Indicator,
    LogNormal,
    Normal,
    Proxy,
    SKCategory,
    Triangular,
    Uncertainty,
    Uniform,
    indicator_schema,
)
from gachi.kernel.files import atomic_output
from gachi.kernel.i18n import LANGS, Lang, current_lang, t
from gachi.kernel.money import format_money

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


@catalog_app.command("index")
def index(
    folder: Folder,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the Markdown page to this file, not stdout."),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of the page: ko or en (default: that of messages)."),
    ] = None,
) -> None:
    """Write the catalogue's index page as Markdown: indicators, proxies with their sources,
    formulas and adjustments — generated from the definitions, so it cannot drift."""
    if lang is not None and lang not in LANGS:
        raise typer.BadParameter("ko | en", param_hint="--lang")
    page_lang: Lang = lang if lang in LANGS else current_lang()
    catalog = load_catalog(folder)
    text = index_page(
        catalog, page_lang, folder=_shown(folder), output=None if output is None else _shown(output)
    )
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_output(output) as fh:
        fh.write(text)
    err.print(t("cli.written", None, path=str(output)))


def _shown(path: Path) -> str:
    """A path as the page shows it: relative to the working folder when it lies inside it."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def index_page(catalog: Catalog, lang: Lang, *, folder: str, output: str | None = None) -> str:
    """The catalogue's index page in Markdown, in `lang`; the same catalogue gives the same page."""
    order = list(SKCategory)
    entries = sorted(
        catalog.entries.values(), key=lambda e: (order.index(e.spec.frameworks.sk), e.id)
    )
    s = catalog.settings
    command = f"gachi catalog index {shlex.quote(folder)} --lang {lang}"
    if output is not None:
        command += f" --output {shlex.quote(output)}"
    lines = [
        f"# {t('catalog.index.title', lang)}",
        "",
        f"> {t('catalog.index.generated', lang)}",
        ">",
        "> ```sh",
        f"> {command}",
        "> ```",
        "",
        t(
            "catalog.index.summary",
            lang,
            count=len(entries),
            year=s.report_year,
            currency=s.currency,
            price_index=s.price_index,
            rate=_percent(s.discount_rate),
        ),
        "",
        t("catalog.index.check", lang, folder=shlex.quote(folder)),
        "",
        f"## {t('catalog.index.by-category', lang)}",
        "",
        *_table(
            [t("catalog.index.col.sk", lang), t("catalog.index.col.count", lang)],
            [
                [t(f"sk.{c.value}", lang), str(n)]
                for c in order
                if (n := sum(e.spec.frameworks.sk == c for e in entries))
            ],
        ),
        "",
        f"## {t('catalog.index.indicators', lang)}",
        "",
        *_table(
            [
                "id",
                t("cli.name", lang),
                t("catalog.index.col.sk", lang),
                t("catalog.index.col.public", lang),
                t("cli.unit", lang),
                t("catalog.index.col.inputs", lang),
            ],
            [
                [
                    f"`{e.id}`",
                    _name(e.spec, lang),
                    t(f"sk.{e.spec.frameworks.sk.value}", lang),
                    _md(e.spec.frameworks.public or "—"),
                    e.spec.unit,
                    _inputs(e, lang),
                ]
                for e in entries
            ],
        ),
        "",
        f"## {t('catalog.index.proxies', lang)}",
        "",
        t("catalog.index.proxies-note", lang),
        "",
        *_table(
            [
                t("cli.indicator", lang),
                t("catalog.index.col.proxy", lang),
                t("catalog.index.col.value", lang),
                t("cli.unit", lang),
                t("catalog.index.col.base-year", lang),
                t("cli.source", lang),
                t("cli.licence", lang),
                t("cli.uncertainty", lang),
            ],
            [
                [
                    f"`{e.id}`",
                    f"`{p.name}`",
                    _proxy_value(p, lang),
                    _md(p.unit),
                    str(p.base_year),
                    _source(p),
                    _md(p.licence),
                    _uncertainty(p.uncertainty, lang),
                ]
                for e in entries
                for p in e.spec.proxies
            ],
        ),
        "",
        f"## {t('catalog.index.formulas', lang)}",
        "",
        t("catalog.index.formulas-note", lang),
        "",
        *_table(
            [
                "id",
                t("cli.formula", lang),
                t("cli.baseline", lang),
                t("cli.adjustments", lang),
                t("catalog.index.col.in-totals", lang),
            ],
            [
                [
                    f"`{e.id}`",
                    f"`{' '.join(e.spec.formula.split())}`",
                    _baseline(e.spec, lang),
                    _adjustments(e.spec, lang),
                    t("catalog.index.yes" if e.spec.in_totals else "catalog.index.no", lang),
                ]
                for e in entries
            ],
        ),
    ]
    return "\n".join(lines) + "\n"


# Characters that Markdown (GitHub's included: ~ strikes through, $ starts maths) would read.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~$"})


def _md(text: str) -> str:
    """Plain text for a table cell: one line, nothing Markdown would interpret."""
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _number(value: float) -> str:
    return f"{value:,.12g}"


def _percent(value: float) -> str:
    return f"{value * 100:.12g}%"


def _name(spec: Indicator, lang: Lang) -> str:
    first, second = (spec.name.en, spec.name.ko) if lang == "en" else (spec.name.ko, spec.name.en)
    if not first:
        first, second = spec.name.ko, None
    return _md(first) + (f"<br>*{_md(second)}*" if second else "")


def _inputs(entry: Entry, lang: Lang) -> str:
    items = []
    for inp in entry.spec.inputs:
        item = f"`{inp.name}` ({_md(inp.unit)})"
        if inp.source_column != inp.name:
            item += ", " + t("catalog.index.column", lang, column=f"`{inp.source_column}`")
        items.append(item)
    items += [f"← `{dep}`" for dep in entry.depends_on]
    return "<br>".join(items) or "—"


def _proxy_value(proxy: Proxy, lang: Lang) -> str:
    exact = _number(proxy.value)
    if proxy.currency is None:
        return exact
    shown = format_money(proxy.value, proxy.currency, lang=lang)
    if shown.removeprefix("₩").removesuffix("원") != exact and proxy.currency == "KRW":
        shown += f" ({exact})"
    return shown


def _source(proxy: Proxy) -> str:
    src = proxy.source
    title = _md(src.title)
    if src.url is not None:
        url = str(src.url).replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        title = f"[{title}]({url})"
    by = ", ".join(
        x for x in (src.publisher and _md(src.publisher), src.year and str(src.year)) if x
    )
    cell = f"{title} — {by}" if by else title
    return cell + (f"<br>{_md(src.note)}" if src.note else "")


def _uncertainty(u: Uncertainty, lang: Lang, fmt: Callable[[float], str] = _number) -> str:
    name = t(f"cli.dist.{u.distribution}", lang)
    if isinstance(u, Triangular):
        return f"{name} {fmt(u.low)} – {fmt(u.mode)} – {fmt(u.high)}"
    if isinstance(u, Uniform):
        return f"{name} {fmt(u.low)} – {fmt(u.high)}"
    if isinstance(u, Normal):
        return f"{name} (sd {fmt(u.sd)})"
    if isinstance(u, LogNormal):
        return f"{name} (gsd {_number(u.gsd)})"
    return name


def _baseline(spec: Indicator, lang: Lang) -> str:
    b = spec.baseline
    if b is None:
        return "—"
    return t("catalog.index.baseline", lang, input=f"`{b.input}`", reference=f"`{b.reference}`")


_ADJUSTMENT_LABELS = {
    "deadweight": "cli.deadweight",
    "displacement": "cli.displacement",
    "attribution": "cli.attribution",
    "drop_off": "cli.drop-off",
}


def _adjustments(spec: Indicator, lang: Lang) -> str:
    a = spec.adjustments
    items = []
    for name, code in _ADJUSTMENT_LABELS.items():
        value = getattr(a, name)
        fraction = a.fraction(name)
        if not fraction and not isinstance(value, Adjustment):
            continue
        item = f"{t(code, lang)} {_percent(fraction)}"
        if isinstance(value, Adjustment):
            if value.uncertainty.distribution != "fixed":
                item += f" ({_uncertainty(value.uncertainty, lang, _percent)})"
            if value.rationale is not None:
                item += f" — {_md(value.rationale.get(lang))}"
        items.append(item)
    if a.duration != 1:
        items.append(t("catalog.index.duration", lang, years=a.duration))
    if a.outcome_start:
        items.append(t("catalog.index.outcome-start", lang, years=a.outcome_start))
    return "<br>".join(items) or "—"
