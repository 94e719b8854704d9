"""The immutable result of a measurement: rows, totals and the lineage of every number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from itertools import combinations
from typing import Any, NamedTuple

from gachi.engine.catalog import Catalog, Entry
from gachi.engine.expr.nodes import to_text
from gachi.engine.plan import money_inputs
from gachi.engine.scopes import Scope, scope_columns, scope_of, sort_key, within
from gachi.engine.sources import DataInfo
from gachi.engine.uncertainty import Uncertainty


class ResultRow(NamedTuple):
    """One indicator's value for one group (a named tuple: a run makes many of them)."""

    group: tuple[str | None, ...]
    indicator: str
    value: float | None  # None: no record had a value
    records: int
    undefined: int  # records with all inputs but no value (division by zero)


@dataclass(frozen=True)
class ProxyLineage:
    name: str
    value: float
    unit: str
    currency: str
    base_year: int
    value_used: float
    unit_used: str
    steps: tuple[str, ...]
    source: str
    publisher: str | None
    source_year: int | None
    url: str | None
    licence: str
    uncertainty: str
    # The distribution's parameters as written (low/mode/high, sd, gsd), in the proxy's units.
    spread: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Lineage:
    indicator: str
    version: int
    spec_hash: str
    file: str
    name_ko: str
    name_en: str | None
    category: str
    formula: str
    inputs: tuple[tuple[str, str, str], ...]  # (name, unit, column)
    proxies: tuple[ProxyLineage, ...]
    baseline: str | None
    adjustments: Mapping[str, float]
    factor: float
    depends_on: tuple[str, ...]
    money_inputs: tuple[str, ...] = ()  # carried from their period's prices to the report year
    in_totals: bool = True


def lineage_of(catalog: Catalog, entry: Entry, factor: float) -> Lineage:
    s = entry.spec
    proxies = tuple(
        ProxyLineage(
            name=p.spec.name,
            value=p.spec.value,
            unit=p.spec.unit,
            currency=p.spec.currency or "",
            base_year=p.spec.base_year,
            value_used=p.value,
            unit_used=str(p.unit.base()),
            steps=p.rebased.steps,
            source=p.spec.source.title,
            publisher=p.spec.source.publisher,
            source_year=p.spec.source.year,
            url=str(p.spec.source.url) if p.spec.source.url else None,
            licence=p.spec.licence,
            uncertainty=p.spec.uncertainty.distribution,
            spread=p.spec.uncertainty.model_dump(exclude={"distribution"}),
        )
        for p in entry.proxies.values()
    )
    a = s.adjustments
    adjustments = {
        k: a.fraction(k) for k in ("deadweight", "displacement", "attribution", "drop_off")
    }
    adjustments.update(duration=a.duration, outcome_start=a.outcome_start)
    baseline = None
    if s.baseline is not None:
        baseline = f"max({s.baseline.input} − {s.baseline.reference}, 0)"
    return Lineage(
        indicator=s.id,
        version=s.version,
        spec_hash=s.spec_hash(),
        file=entry.file,
        name_ko=s.name.ko,
        name_en=s.name.en,
        category=s.frameworks.sk.value,
        formula=to_text(entry.formula),
        inputs=tuple((i.name, i.unit, i.source_column) for i in s.inputs),
        proxies=proxies,
        baseline=baseline,
        adjustments=adjustments,
        factor=factor,
        depends_on=entry.depends_on,
        money_inputs=tuple(money_inputs(catalog, entry)),
        in_totals=s.in_totals,
    )


@dataclass(frozen=True)
class Result:
    """A measurement: per group, per indicator, a value — kept as the query returned it, one wide
    row per group (`values`: value, records, undefined for each of `indicators`), with `rows`
    the long view, one `ResultRow` per group and indicator, built on first use."""

    group_by: tuple[str, ...]
    indicators: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    currency: str
    report_year: int
    lineage: Mapping[str, Lineage]
    data: DataInfo
    plan_fingerprint: str
    backend: str
    uncertainty: Uncertainty | None = None
    period_column: str = "period"  # the grouping column that holds the period, if grouped by it
    price_index: str = "cpi"  # how money was carried to report-year prices: "cpi" or "none"
    organisation_column: str = "organisation"  # the grouping column naming whose accounts

    @property
    def scope_columns(self) -> tuple[str, ...]:
        """The grouping columns a total is never summed across (see `gachi.engine.scopes`)."""
        return scope_columns(self.group_by, self.organisation_column, self.period_column)

    def slices(self) -> tuple[Scope, ...]:
        """Each organisation's period that has a value (one slice, `()`, when the grouping
        has neither), in reading order."""
        cols = self.scope_columns
        found = {scope_of(r.group, self.group_by, cols) for r in self.rows if r.value is not None}
        return tuple(sorted(found, key=sort_key))

    def shown_scopes(self, across: Collection[str] = ()) -> tuple[Scope, ...]:
        """The slices, then the sums across the scope columns named in `across` that a reader
        asked for: across the periods, one per organisation; across the organisations, one per
        period; across both, also everything."""
        cols = self.scope_columns
        slices = self.slices()
        out = list(slices)
        # The sums across the last column (the periods) first: an organisation's years.
        summed = [c for c in reversed(cols) if c in across]
        for n in range(1, len(summed) + 1):
            for dropped in combinations(summed, n):
                kept = {tuple((c, v) for c, v in s if c not in dropped) for s in slices}
                out += sorted(kept, key=sort_key)
        return tuple(dict.fromkeys(out))

    @cached_property
    def rows(self) -> tuple[ResultRow, ...]:
        k = len(self.group_by)
        out: list[ResultRow] = []
        append = out.append
        for row in self.values:
            group = tuple(None if v is None else str(v) for v in row[:k])
            for i, ident in enumerate(self.indicators):
                j = k + 3 * i
                value = row[j]
                append(
                    ResultRow(
                        group,
                        ident,
                        None if value is None else float(value),
                        int(row[j + 1] or 0),
                        int(row[j + 2] or 0),
                    )
                )
        return tuple(out)

    def measured(self) -> Iterator[ResultRow]:
        """The rows with a value, or with records that could not have one: a group without
        records of an indicator measured nothing of it (and makes no empty row)."""
        for r in self.rows:
            if r.value is not None or r.undefined:
                yield r

    def in_scope(self, scope: Scope = ()) -> Iterator[ResultRow]:
        """The rows of `scope` (every row for `()`)."""
        if not scope:
            yield from self.rows
            return
        for r in self.rows:
            if within(r.group, self.group_by, scope):
                yield r

    def total(self, scope: Scope = ()) -> float:
        """The sum of the values of `scope` (of every value by default), except indicators
        marked `in_totals: false`."""
        return sum(self.by_category(scope).values())

    def by_category(self, scope: Scope = ()) -> dict[str, float]:
        """Totals per SK category (negatives included) of `scope`, without `in_totals: false`
        indicators."""
        out: dict[str, float] = defaultdict(float)
        for r in self.in_scope(scope):
            lineage = self.lineage[r.indicator]
            if r.value is not None and lineage.in_totals:
                out[lineage.category] += r.value
        return dict(out)

    def by_indicator(self, scope: Scope = ()) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for r in self.in_scope(scope):
            if r.value is not None:
                out[r.indicator] += r.value
        return dict(out)

    def warnings(self) -> list[tuple[str, int]]:
        """(indicator, records with an undefined value) for every indicator that had any."""
        out: dict[str, int] = defaultdict(int)
        for r in self.rows:
            out[r.indicator] += r.undefined
        return [(k, v) for k, v in out.items() if v]

    def to_dict(self, across: Collection[str] = ()) -> dict[str, Any]:
        """The result as JSON: totals per slice, and the sums across the columns in `across`."""
        shown = self.shown_scopes(across)
        u = self.uncertainty
        return {
            "currency": self.currency,
            "report_year": self.report_year,
            "group_by": list(self.group_by),
            "scope_columns": list(self.scope_columns),
            "totals": [
                {
                    "scope": dict(s),
                    "across": [c for c in self.scope_columns if c not in dict(s)],
                    "total": self.total(s),
                    "by_category": self.by_category(s),
                }
                for s in shown
            ],
            "rows": [
                {
                    **dict(zip(self.group_by, r.group, strict=True)),
                    "indicator": r.indicator,
                    "indicator_version": self.lineage[r.indicator].version,
                    "spec_hash": self.lineage[r.indicator].spec_hash,
                    "value": r.value,
                    "records": r.records,
                    "undefined": r.undefined,
                }
                for r in self.measured()
            ],
            "lineage": {k: asdict(v) for k, v in self.lineage.items()},
            "data": asdict(self.data),
            "plan_fingerprint": self.plan_fingerprint,
            "backend": self.backend,
            "uncertainty": u.to_dict(shown) if u else None,
        }
