"""A catalogue: a folder of indicator YAML files, loaded, checked and resolved as a whole.

`load_catalog(folder)` reads every `*.yaml` file (and `catalog.yaml` for settings), validates
each against the models, parses every formula, checks names, units, currencies and the
dependency graph between indicators, and raises one `CatalogInvalid` listing *all* problems,
each at its `file:line:col`. What it returns is ready to be planned and run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

from gachi.engine.expr.check import Symbol, check
from gachi.engine.expr.nodes import Node, Span
from gachi.engine.expr.parse import parse
from gachi.engine.load import Positions, read_model
from gachi.engine.spec import Adjustment, Indicator, Proxy, Settings
from gachi.errors import CatalogInvalid, GachiError, InvalidInput, Issue, Location
from gachi.kernel.money import (
    ExchangeRates,
    PriceIndex,
    Rebased,
    Source,
    default_price_indices,
    default_rates,
    rebase,
)
from gachi.kernel.units import Unit, parse_unit

SETTINGS_FILE = "catalog.yaml"


@dataclass(frozen=True)
class ResolvedProxy:
    """A proxy carried to the indicator's currency and the report year."""

    spec: Proxy
    unit: Unit  # after currency conversion, with the original scale
    rebased: Rebased

    @property
    def value(self) -> float:
        """In base units of `unit` (KRW per kWh even if the proxy was given per MWh)."""
        return self.rebased.value * self.unit.scale


@dataclass(frozen=True)
class Entry:
    """One checked indicator with everything needed to plan, run and explain it."""

    spec: Indicator
    file: str
    formula: Node
    input_units: Mapping[str, Unit]
    proxies: Mapping[str, ResolvedProxy]
    depends_on: tuple[str, ...]
    to_report_currency: float
    positions: Positions = field(repr=False)

    @property
    def id(self) -> str:
        return self.spec.id

    def adjustment_factor(self, discount_rate: float = 0.0) -> float:
        """(1−deadweight)(1−displacement)(1−attribution) × Σ drop-off/discount over duration."""
        a = self.spec.adjustments
        factor = (
            (1 - a.fraction("deadweight"))
            * (1 - a.fraction("displacement"))
            * (1 - a.fraction("attribution"))
        )
        drop = a.fraction("drop_off")
        stream = sum(
            (1 - drop) ** t / (1 + discount_rate) ** (a.outcome_start + t)
            for t in range(a.duration)
        )
        return factor * stream


@dataclass(frozen=True)
class Catalog:
    folder: str
    settings: Settings
    entries: Mapping[str, Entry]
    order: tuple[str, ...]  # dependencies first
    rates: ExchangeRates
    price_indices: Mapping[str, PriceIndex] | None

    def get(self, indicator_id: str) -> Entry:
        try:
            return self.entries[indicator_id]
        except KeyError:
            near = get_close_matches(indicator_id, list(self.entries), n=3, cutoff=0.5)
            raise InvalidInput(
                "catalog.unknown-indicator",
                id=indicator_id,
                suggestions=", ".join(near) or "-",
                known=", ".join(sorted(self.entries)),
            ) from None

    def closure(self, ids: Iterable[str]) -> tuple[str, ...]:
        """`ids` and everything they depend on, dependencies first."""
        wanted: set[str] = set()
        stack = list(ids)
        while stack:
            i = stack.pop()
            if i not in wanted:
                wanted.add(self.get(i).id)
                stack.extend(self.entries[i].depends_on)
        return tuple(i for i in self.order if i in wanted)


def indicator_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in (".yaml", ".yml")
        and p.is_file()
        and p.name != SETTINGS_FILE
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def load_catalog(folder: Path | str, *, settings: Settings | None = None) -> Catalog:
    """Load and check every indicator in `folder`; raise `CatalogInvalid` with all issues."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput("catalog.not-a-folder", where=Location(str(folder)))
    issues: list[Issue] = []
    if settings is None:
        settings = Settings()
        settings_path = folder / SETTINGS_FILE
        if settings_path.exists():
            loaded, _, problems = read_model(settings_path, Settings, empty_is_default=True)
            issues += problems
            settings = loaded or settings
    rates = _rates(settings)
    cpi = default_price_indices() if settings.price_index == "cpi" else None

    specs: dict[str, tuple[Indicator, Positions, str]] = {}
    files = indicator_files(folder)
    if not files:
        raise InvalidInput("catalog.empty", where=Location(str(folder)))
    for path in files:
        spec, pos, problems = read_model(path, Indicator)
        issues += problems
        if spec is None or pos is None:
            continue
        if spec.id in specs:
            issues.append(
                Issue(
                    "catalog.duplicate-id",
                    {"id": spec.id, "other": specs[spec.id][2]},
                    pos.at(("id",)),
                )
            )
            continue
        specs[spec.id] = (spec, pos, str(path))

    entries: dict[str, Entry] = {}
    for spec, pos, file in specs.values():
        entry = _check_indicator(spec, pos, file, specs, settings, rates, cpi, issues)
        if entry is not None:
            entries[spec.id] = entry
    order = _topological(entries, issues)
    if issues:
        raise CatalogInvalid.of(issues)
    return Catalog(str(folder), settings, entries, order, rates, cpi)


def _rates(settings: Settings) -> ExchangeRates:
    if settings.exchange_rates is None:
        return default_rates()
    src = settings.exchange_rate_source
    return ExchangeRates(
        settings.exchange_rates,
        Source(src.title, src.publisher, str(src.url) if src and src.url else None)
        if src
        else Source("catalog.yaml exchange_rates"),
    )


def _unit(text: str, where: Location, issues: list[Issue]) -> Unit | None:
    try:
        return parse_unit(text)
    except InvalidInput as ex:
        issues.append(Issue(ex.first.code, ex.first.params, where))
        return None


def _check_indicator(
    spec: Indicator,
    pos: Positions,
    file: str,
    specs: Mapping[str, tuple[Indicator, Positions, str]],
    settings: Settings,
    rates: ExchangeRates,
    cpi: Mapping[str, PriceIndex] | None,
    issues: list[Issue],
) -> Entry | None:
    start = len(issues)
    currency = spec.unit
    symbols: dict[str, Symbol] = {}
    input_units: dict[str, Unit] = {}
    for i, inp in enumerate(spec.inputs):
        unit = _unit(inp.unit, pos.at(("inputs", i, "unit")), issues)
        # A name with a broken unit is still known, so it is not also reported as unknown.
        symbols[inp.name] = Symbol("input", unit)
        if unit is not None:
            input_units[inp.name] = unit
            if unit.currency is not None and cpi is not None and unit.currency not in cpi:
                issues.append(
                    Issue(
                        "money.missing-cpi-table",
                        {"currency": unit.currency},
                        pos.at(("inputs", i, "unit")),
                    )
                )

    proxies: dict[str, ResolvedProxy] = {}
    for i, proxy in enumerate(spec.proxies):
        where = pos.at(("proxies", i, "unit"))
        if proxy.name in symbols:
            issues.append(
                Issue("spec.name-twice", {"name": proxy.name}, pos.at(("proxies", i, "name")))
            )
            continue
        unit = _unit(proxy.unit, where, issues)
        if unit is None:
            symbols[proxy.name] = Symbol("proxy", None)
            continue
        converted = unit.with_currency(currency)
        # Known to the formula even if it fails below, so one bad proxy is not also "unknown".
        symbols[proxy.name] = Symbol("proxy", converted)
        if unit.currency != proxy.currency:
            issues.append(
                Issue(
                    "spec.proxy-currency",
                    {"unit": proxy.unit, "currency": proxy.currency or "-"},
                    where,
                )
            )
            continue
        try:
            if proxy.currency is None:
                rebased = Rebased(proxy.value * 1.0, "", proxy.base_year, 1.0, 1.0, ())
            else:
                rebased = rebase(
                    proxy.value * 1.0,
                    proxy.currency,
                    proxy.base_year,
                    to_currency=currency,
                    to_year=settings.report_year,
                    rates=rates,
                    cpi=cpi,
                )
        except GachiError as ex:
            issues.append(
                Issue(ex.first.code, ex.first.params, pos.at(("proxies", i, "base_year")))
            )
            continue
        resolved = ResolvedProxy(proxy, converted, rebased)
        if not math.isfinite(resolved.value):
            issues.append(
                Issue(
                    "spec.proxy-not-finite", {"name": proxy.name}, pos.at(("proxies", i, "value"))
                )
            )
            continue
        proxies[proxy.name] = resolved
        _check_uncertainty(proxy, pos, i, issues)

    for other_id, (other, _, _) in specs.items():
        if other_id == spec.id:
            continue
        if other_id in symbols:
            issues.append(Issue("spec.shadows-indicator", {"name": other_id}, pos.at(("id",))))
            continue
        symbols[other_id] = Symbol(
            "indicator",
            parse_unit(other.unit).with_currency(currency)
            if other.unit != currency
            else parse_unit(currency),
        )

    if spec.baseline is not None:
        _check_baseline(spec, pos, input_units, proxies, issues)
    _check_adjustments(spec, pos, issues)

    locate = pos.text_locator(("formula",), spec.formula)
    try:
        node = parse(spec.formula, locate=locate)
    except GachiError as ex:
        issues.extend(ex.issues)
        return None
    result = check(node, symbols, locate)
    issues.extend(result.issues)
    if not result.issues and result.type.kind == "bool":
        issues.append(Issue("formula.condition-as-result", {}, locate(Span(0, len(spec.formula)))))
    elif not result.issues and result.type.unit is not None:
        expected = parse_unit(currency)
        if not result.type.unit.same_dims(expected):
            issues.append(
                Issue(
                    "formula.result-unit",
                    {
                        "got": str(result.type.unit),
                        "expected": currency,
                    },
                    locate(Span(0, len(spec.formula))),
                )
            )
    try:
        to_report = rates.rate(currency, settings.currency, settings.report_year)
    except GachiError as ex:
        issues.append(Issue(ex.first.code, ex.first.params, pos.at(("unit",))))
        to_report = 1.0
    if len(issues) > start:
        return None
    depends = tuple(dict.fromkeys(n for n, k in result.references if k == "indicator"))
    return Entry(spec, file, node, input_units, proxies, depends, to_report, pos)


def _check_uncertainty(proxy: Proxy, pos: Positions, i: int, issues: list[Issue]) -> None:
    u = proxy.uncertainty
    low = getattr(u, "low", None)
    high = getattr(u, "high", None)
    if low is not None and high is not None and not low <= proxy.value <= high:
        issues.append(
            Issue(
                "spec.value-outside-range",
                {
                    "name": proxy.name,
                    "value": proxy.value,
                    "low": low,
                    "high": high,
                },
                pos.at(("proxies", i, "uncertainty")),
            )
        )


def _check_adjustments(spec: Indicator, pos: Positions, issues: list[Issue]) -> None:
    """A drawn share stays a share: its range within 0–1, its value within its range."""
    for name in ("deadweight", "displacement", "attribution", "drop_off"):
        adj = getattr(spec.adjustments, name)
        if not isinstance(adj, Adjustment):
            continue
        low = getattr(adj.uncertainty, "low", None)
        high = getattr(adj.uncertainty, "high", None)
        if low is None or high is None:
            continue
        where = pos.at(("adjustments", name, "uncertainty"))
        params = {"name": name, "value": adj.value, "low": low, "high": high}
        if low < 0 or high > 1:
            issues.append(Issue("spec.adjustment-range", params, where))
        elif not low <= adj.value <= high:
            issues.append(Issue("spec.adjustment-outside-range", params, where))


def _check_baseline(
    spec: Indicator,
    pos: Positions,
    input_units: Mapping[str, Unit],
    proxies: Mapping[str, ResolvedProxy],
    issues: list[Issue],
) -> None:
    b = spec.baseline
    assert b is not None
    if b.input not in input_units:
        issues.append(
            Issue("spec.baseline-input", {"name": b.input}, pos.at(("baseline", "input")))
        )
        return
    ref = proxies.get(b.reference)
    if ref is None:
        issues.append(
            Issue(
                "spec.baseline-reference", {"name": b.reference}, pos.at(("baseline", "reference"))
            )
        )
        return
    if not ref.unit.same_dims(input_units[b.input]):
        issues.append(
            Issue(
                "spec.baseline-unit",
                {
                    "input": b.input,
                    "input_unit": str(input_units[b.input]),
                    "reference": b.reference,
                    "reference_unit": str(ref.unit),
                },
                pos.at(("baseline",)),
            )
        )


def _topological(entries: Mapping[str, Entry], issues: list[Issue]) -> tuple[str, ...]:
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = [*trail[trail.index(node) :], node]
            entry = entries[node]
            issues.append(
                Issue(
                    "catalog.cycle", {"cycle": " → ".join(cycle)}, entry.positions.at(("formula",))
                )
            )
            return
        state[node] = 1
        for dep in entries[node].depends_on:
            if dep in entries:
                visit(dep, [*trail, node])
        state[node] = 2
        order.append(node)

    for ident in sorted(entries):
        visit(ident, [])
    return tuple(order)
