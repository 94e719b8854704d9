"""A checked catalogue compiled to one grouped SQL query (as a sqlglot tree, per dialect).

Semantics, documented in the README: each indicator's formula is evaluated per record; a record
with a missing input has no value for that indicator; values are summed per group and multiplied
by the indicator's adjustment factor and its conversion to the report currency. A record whose
inputs are all present but whose value is undefined (division by zero) is counted as `undefined`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from gachi.engine.catalog import Catalog, Entry
from gachi.engine.expr.to_sql import column, number, to_sql

DEFAULT_GROUP_BY: tuple[str, ...] = ("organisation", "programme", "period")


@dataclass(frozen=True)
class IndicatorPlan:
    id: str
    version: int
    spec_hash: str
    columns: tuple[str, ...]  # data columns the formula reads (dependencies included)
    factor: float  # adjustments × conversion to the report currency


@dataclass(frozen=True)
class Plan:
    catalog: Catalog
    indicators: tuple[IndicatorPlan, ...]
    group_by: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for p in self.indicators for c in p.columns))

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for p in self.indicators:
            h.update(f"{p.id}:{p.version}:{p.spec_hash};".encode())
        h.update(repr((self.group_by, self.catalog.settings.model_dump_json())).encode())
        return h.hexdigest()

    def query(self, table: str, *, dialect: str = "duckdb") -> exp.Select:
        """The grouped query over `table` (a quoted identifier) as a sqlglot tree."""
        inner = exp.select(*(column(g) for g in self.group_by)).from_(
            exp.to_table(table, quoted=True) if "." not in table else exp.to_table(table)
        )
        for p in self.indicators:
            entry = self.catalog.entries[p.id]
            value = record_value(self.catalog, entry, dialect)
            present = (
                exp.and_(
                    *(
                        exp.Not(this=exp.Is(this=column(c), expression=exp.Null()))
                        for c in p.columns
                    )
                )
                if p.columns
                else exp.true()
            )
            inner = inner.select(
                exp.alias_(value, f"v__{p.id}", quoted=True),
                exp.alias_(present, f"p__{p.id}", quoted=True),
                copy=False,
            )
        outer = exp.select(*(column(g) for g in self.group_by)).from_(
            exp.alias_(exp.Subquery(this=inner), "records", quoted=True)
        )
        for p in self.indicators:
            v = column(f"v__{p.id}")
            undefined = (
                exp.Case()
                .when(
                    exp.and_(column(f"p__{p.id}"), exp.Is(this=v.copy(), expression=exp.Null())),
                    exp.Literal.number(1),
                )
                .else_(exp.Literal.number(0))
            )
            outer = outer.select(
                exp.alias_(
                    exp.Mul(this=exp.Sum(this=v), expression=number(p.factor)),
                    f"value__{p.id}",
                    quoted=True,
                ),
                exp.alias_(exp.Count(this=v.copy()), f"records__{p.id}", quoted=True),
                exp.alias_(exp.Sum(this=undefined), f"undefined__{p.id}", quoted=True),
                copy=False,
            )
        if self.group_by:
            keys = [column(g) for g in self.group_by]
            outer = outer.group_by(*keys, copy=False).order_by(
                *[k.copy() for k in keys], copy=False
            )
        return outer

    def sql(self, table: str, *, dialect: str = "duckdb") -> str:
        return self.query(table, dialect=dialect).sql(dialect=dialect)


def record_value(catalog: Catalog, entry: Entry, dialect: str) -> exp.Expression:
    """The per-record value of `entry` in its own currency, before adjustments."""
    return to_sql(
        entry.formula, lambda name: name_value(catalog, entry, name, dialect), dialect=dialect
    )


def name_value(catalog: Catalog, entry: Entry, name: str, dialect: str) -> exp.Expression:
    """What a name in `entry`'s formula means per record, in base units.

    An input is its column times its unit's scale (with the SK baseline applied: only the part
    above the reference counts); a proxy is its re-based value; another indicator is its
    per-record value after its own adjustments, in this indicator's currency.
    """
    if name in entry.input_units:
        inp = next(i for i in entry.spec.inputs if i.name == name)
        scale = entry.input_units[name].scale
        col: exp.Expression = column(inp.source_column)
        if scale != 1.0:
            col = exp.Mul(this=col, expression=number(scale))
        baseline = entry.spec.baseline
        if baseline is not None and baseline.input == name:
            ref = entry.proxies[baseline.reference]
            excess = exp.Sub(this=exp.Paren(this=col), expression=number(ref.value))
            col = exp.Greatest(
                this=exp.Paren(this=excess), expressions=[number(0.0)], ignore_nulls=True
            )
        return col
    if name in entry.proxies:
        return number(entry.proxies[name].value)
    dep = catalog.entries[name]
    rate = catalog.rates.rate(dep.spec.unit, entry.spec.unit, catalog.settings.report_year)
    factor = dep.adjustment_factor(catalog.settings.discount_rate) * rate
    return exp.Mul(
        this=exp.Paren(this=record_value(catalog, dep, dialect)), expression=number(factor)
    )


def columns_of(catalog: Catalog, entry: Entry) -> tuple[str, ...]:
    cols = [i.source_column for i in entry.spec.inputs if i.name in {n for n in _names(entry)}]
    for dep in entry.depends_on:
        cols.extend(columns_of(catalog, catalog.entries[dep]))
    return tuple(dict.fromkeys(cols))


def _names(entry: Entry) -> set[str]:
    from gachi.engine.expr.nodes import names

    return {n.id for n in names(entry.formula)}


def compile_plan(
    catalog: Catalog,
    indicators: Iterable[str] | None = None,
    group_by: Sequence[str] = DEFAULT_GROUP_BY,
) -> Plan:
    """Plan the given indicators (default: all), grouped by `group_by` columns."""
    ids = catalog.order if indicators is None else tuple(indicators)
    for i in ids:
        catalog.get(i)
    plans = []
    for ident in ids:
        entry = catalog.entries[ident]
        factor = entry.adjustment_factor(catalog.settings.discount_rate) * entry.to_report_currency
        plans.append(
            IndicatorPlan(
                entry.id,
                entry.spec.version,
                entry.spec.spec_hash(),
                columns_of(catalog, entry),
                factor,
            )
        )
    return Plan(catalog, tuple(plans), tuple(group_by))
