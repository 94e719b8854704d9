"""A checked catalogue compiled to one grouped SQL query (as a sqlglot tree, per dialect).

Semantics, documented in the README: each indicator's formula is evaluated per record; a record
with a missing input has no value for that indicator; values are summed per group and multiplied
by the indicator's adjustment factor and its conversion to the report currency. A record whose
inputs are all present but whose value is undefined (a division by zero, a power without a real
value) is counted as `undefined`. Money inputs are carried from their period's prices to the
report year.

The query is flat — one `GROUP BY` over the records — and keeps per-record work small: constant
factors of a formula (proxies, numbers, unit scales) are taken out of the `SUM` and multiplied once
per group, so indicators with the same per-record core share one aggregate; record counts are
shared by indicators that read the same columns; the presence test is only added where the
formula has a construct that would otherwise give a value for a missing input (`if`, `min`,
`max`, `clip`), and `undefined` is only counted where a value can be undefined at all.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from gachi.engine.catalog import Catalog, Entry
from gachi.engine.data import period_year
from gachi.engine.expr.nodes import Arith, Call, Name, Neg, Node, Number, children, names
from gachi.engine.expr.to_sql import column, number, to_sql
from gachi.errors import InvalidInput
from gachi.kernel.units import parse_unit

DEFAULT_GROUP_BY: tuple[str, ...] = ("organisation", "programme", "period")


@dataclass(frozen=True)
class IndicatorPlan:
    id: str
    version: int
    spec_hash: str
    columns: tuple[str, ...]  # data columns the formula reads (dependencies included)
    factor: float  # adjustments × conversion to the report currency
    can_be_undefined: bool  # has a division or a power somewhere (dependencies included)


@dataclass(frozen=True)
class Plan:
    catalog: Catalog
    indicators: tuple[IndicatorPlan, ...]
    group_by: tuple[str, ...]
    # (column, years) when money inputs are carried from their period's prices to the report year
    period: tuple[str, frozenset[int]] | None = None
    # generated SQL per (table, dialect); the plan is immutable, so is its SQL
    _sql: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

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
        """The grouped query over `table` as a sqlglot tree: per indicator, its value, the
        number of records that have one, and the number whose value is undefined."""
        query = exp.select(*(column(g) for g in self.group_by)).from_(
            exp.table_(exp.to_identifier(table, quoted=True))
        )
        for p in self.indicators:
            entry = self.catalog.entries[p.id]
            scalar, core = split_constant(self.catalog, entry, dialect)
            if not math.isfinite(scalar * p.factor):
                raise InvalidInput("plan.factor-not-finite", indicator=p.id)
            undefined: exp.Expression = exp.Literal.number(0)
            if p.can_be_undefined:
                flag = (
                    exp.Case()
                    .when(
                        exp.and_(
                            present(p.columns), exp.Is(this=core.copy(), expression=exp.Null())
                        ),
                        exp.Literal.number(1),
                    )
                    .else_(exp.Literal.number(0))
                )
                undefined = exp.Sum(this=flag)
            query = query.select(
                exp.alias_(
                    exp.Mul(this=exp.Sum(this=core), expression=number(scalar * p.factor)),
                    f"value__{p.id}",
                    quoted=True,
                ),
                exp.alias_(_records(p, core), f"records__{p.id}", quoted=True),
                exp.alias_(undefined, f"undefined__{p.id}", quoted=True),
                copy=False,
            )
        if self.group_by:
            keys = [column(g) for g in self.group_by]
            query = query.group_by(*keys, copy=False).order_by(
                *[k.copy() for k in keys], copy=False
            )
        return query

    def sql(self, table: str, *, dialect: str = "duckdb") -> str:
        key = (table, dialect)
        if key not in self._sql:
            self._sql[key] = self.query(table, dialect=dialect).sql(dialect=dialect)
        return self._sql[key]


def _records(p: IndicatorPlan, core: exp.Expression) -> exp.Expression:
    """How many records have a value. Where no value can be undefined, that is exactly the
    records with every column present — a count indicators with the same columns share."""
    if p.can_be_undefined or not p.columns:
        return exp.Count(this=core.copy())
    if len(p.columns) == 1:
        return exp.Count(this=column(p.columns[0]))
    return exp.Count(this=exp.Case().when(present(sorted(p.columns)), exp.Literal.number(1)))


def present(columns: Sequence[str]) -> exp.Expression:
    """Every one of `columns` has a value in the record."""
    if not columns:
        return exp.true()
    return exp.and_(  # type: ignore[return-value]
        *(exp.Not(this=exp.Is(this=column(c), expression=exp.Null())) for c in columns)
    )


_NULL_SKIPPING = frozenset({"if", "min", "max", "clip"})


def _walk(node: Node) -> Iterable[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(children(n))


def _skips_nulls(entry: Entry) -> bool:
    """Whether the formula could give a value although one of its inputs is missing."""
    return any(isinstance(n, Call) and n.func in _NULL_SKIPPING for n in _walk(entry.formula))


def _can_be_undefined(catalog: Catalog, entry: Entry) -> bool:
    if any(isinstance(n, Arith) and n.op in ("/", "^") for n in _walk(entry.formula)):
        return True
    return any(_can_be_undefined(catalog, catalog.entries[d]) for d in entry.depends_on)


def split_constant(catalog: Catalog, entry: Entry, dialect: str) -> tuple[float, exp.Expression]:
    """(scalar, per-record core) with value = scalar × core, the scalar taken from the formula's
    top-level product of proxies, numbers and the unit scales of inputs (``MWh`` → ×1000); a
    zero divisor stays in the core: it is undefined."""
    factors: list[tuple[Node, bool]] = []  # (node, divides)

    def flatten(node: Node, divides: bool) -> None:
        if isinstance(node, Arith) and node.op == "*":
            flatten(node.left, divides)
            flatten(node.right, divides)
        elif isinstance(node, Arith) and node.op == "/" and not divides:
            flatten(node.left, divides)
            flatten(node.right, True)
        else:
            # A divisor that itself divides stays whole: x / (y / 0) is undefined, x / y * 0 is not.
            factors.append((node, divides))

    flatten(entry.formula, False)
    scalar = 1.0
    kept: list[tuple[Node, bool]] = []
    bare: set[str] = set()  # inputs whose unit scale moved into the scalar
    baseline = entry.spec.baseline.input if entry.spec.baseline else None
    # Only a name that appears nowhere else in the formula may lose its scale to the scalar, and
    # not an amount of money: that one is also carried to report-year prices per record.
    uses = Counter(n.id for n in names(entry.formula))
    money = set(money_inputs(catalog, entry))
    for node, divides in factors:
        value = _constant(entry, node)
        if value is None or (divides and value == 0) or not math.isfinite(value):
            kept.append((node, divides))
            if (
                isinstance(node, Name)
                and node.id in entry.input_units
                and node.id != baseline
                and node.id not in money
                and uses[node.id] == 1
            ):
                scale = entry.input_units[node.id].scale
                if scale != 1.0:
                    scalar = scalar / scale if divides else scalar * scale
                    bare.add(node.id)
        else:
            scalar = scalar / value if divides else scalar * value
    if not kept or all(divides for _, divides in kept) or not math.isfinite(scalar):
        return 1.0, record_value(catalog, entry, dialect)
    core = _rebuild(kept)
    return scalar, _guarded(catalog, entry, core, dialect, frozenset(bare))


def _constant(entry: Entry, node: Node) -> float | None:
    if isinstance(node, Number):
        return node.value * (parse_unit(node.unit).scale if node.unit else 1.0)
    if isinstance(node, Name) and node.id in entry.proxies:
        return entry.proxies[node.id].value
    if isinstance(node, Neg):
        inner = _constant(entry, node.operand)
        return None if inner is None else -inner
    return None


def _rebuild(kept: list[tuple[Node, bool]]) -> Node:
    # Multiply the kept factors in their order; divisors divide the running product.
    first = next(i for i, (_, divides) in enumerate(kept) if not divides)
    node = kept[first][0]
    for i, (factor, divides) in enumerate(kept):
        if i == first:
            continue
        node = Arith("/" if divides else "*", node, factor, node.span)
    return node


@dataclass(frozen=True)
class Substitution:
    """What proxies and the adjustment factors of referenced indicators become in SQL, when not
    their point values (the Monte-Carlo run reads them from a table of draws)."""

    proxy: Callable[[Entry, str], exp.Expression]
    factor: Callable[[Entry], exp.Expression | None]  # None: the point value


def _guarded(
    catalog: Catalog,
    entry: Entry,
    node: Node,
    dialect: str,
    bare: frozenset[str] = frozenset(),
    sub: Substitution | None = None,
) -> exp.Expression:
    """`node` as SQL, NULL where an input is missing if the formula could otherwise hide that;
    names in `bare` are read without their unit scale (the caller applies it)."""

    def resolve(name: str) -> exp.Expression:
        if name in bare:
            inp = next(i for i in entry.spec.inputs if i.name == name)
            return column(inp.source_column)
        return name_value(catalog, entry, name, dialect, sub=sub)

    value = to_sql(node, resolve, dialect=dialect)
    if not _skips_nulls(entry):
        return value
    columns = columns_of(catalog, entry)
    return exp.Case().when(present(columns), value)


def record_value(
    catalog: Catalog, entry: Entry, dialect: str, sub: Substitution | None = None
) -> exp.Expression:
    """The per-record value of `entry` in its own currency, before adjustments; no value (NULL)
    when any input it reads is missing."""
    return _guarded(catalog, entry, entry.formula, dialect, sub=sub)


def name_value(
    catalog: Catalog,
    entry: Entry,
    name: str,
    dialect: str,
    *,
    baseline: bool = True,
    sub: Substitution | None = None,
) -> exp.Expression:
    """What a name in `entry`'s formula means per record, in base units.

    An input is its column times its unit's scale (with the SK baseline applied: only the part
    above the reference counts); a proxy is its re-based value; another indicator is its
    per-record value after its own adjustments, in this indicator's currency.
    """
    if name in entry.input_units:
        inp = next(i for i in entry.spec.inputs if i.name == name)
        unit = entry.input_units[name]
        col: exp.Expression = column(inp.source_column)
        if unit.scale != 1.0:
            col = exp.Mul(this=col, expression=number(unit.scale))
        if unit.currency is not None and catalog.price_indices is not None:
            col = exp.Mul(this=col, expression=deflator(catalog, unit.currency, dialect))
        rule = entry.spec.baseline
        if baseline and rule is not None and rule.input == name:
            ref = _proxy(entry, rule.reference, sub)
            excess = exp.Sub(this=exp.Paren(this=col.copy()), expression=ref)
            above = exp.Greatest(
                this=exp.Paren(this=excess), expressions=[number(0.0)], ignore_nulls=True
            )
            # A missing input stays missing: GREATEST alone would turn it into 0.
            missing = exp.Is(this=col, expression=exp.Null())
            return exp.Case().when(missing, exp.Null()).else_(above)
        return col
    if name in entry.proxies:
        return _proxy(entry, name, sub)
    dep = catalog.entries[name]
    rate = catalog.rates.rate(dep.spec.unit, entry.spec.unit, catalog.settings.report_year)
    drawn = sub.factor(dep) if sub is not None else None
    if drawn is not None:
        factor: exp.Expression = exp.Mul(this=drawn, expression=number(rate))
    else:
        factor = number(dep.adjustment_factor(catalog.settings.discount_rate) * rate)
    return exp.Mul(this=exp.Paren(this=record_value(catalog, dep, dialect, sub)), expression=factor)


def _proxy(entry: Entry, name: str, sub: Substitution | None) -> exp.Expression:
    return sub.proxy(entry, name) if sub is not None else number(entry.proxies[name].value)


def money_inputs(catalog: Catalog, entry: Entry) -> list[str]:
    """The inputs of `entry` that are amounts of money, carried to report-year prices."""
    if catalog.price_indices is None:
        return []
    return [n for n, u in entry.input_units.items() if u.currency is not None]


def deflator(catalog: Catalog, currency: str, dialect: str) -> exp.Expression:
    """Per record, CPI(report year) / CPI(the record's year): a won of 2022 in 2024 prices."""
    assert catalog.price_indices is not None
    index = catalog.price_indices[currency]
    report = catalog.settings.report_year
    year = period_year(column(catalog.settings.period_column), dialect)
    ifs = [
        exp.If(this=exp.Literal.number(y), true=number(index.factor(y, report)))
        for y in sorted(index.index)
    ]
    return exp.Case(this=year, ifs=ifs)


def columns_of(catalog: Catalog, entry: Entry) -> tuple[str, ...]:
    cols = [i.source_column for i in entry.spec.inputs if i.name in {n for n in _names(entry)}]
    for dep in entry.depends_on:
        cols.extend(columns_of(catalog, catalog.entries[dep]))
    return tuple(dict.fromkeys(cols))


def _names(entry: Entry) -> set[str]:
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
                _can_be_undefined(catalog, entry),
            )
        )
    currencies = {
        catalog.entries[i].input_units[n].currency
        for i in catalog.closure(ids)
        for n in money_inputs(catalog, catalog.entries[i])
    }
    period = None
    if currencies and catalog.price_indices is not None:
        years = frozenset.intersection(
            *(frozenset(catalog.price_indices[str(c)].index) for c in currencies)
        )
        period = (catalog.settings.period_column, years)
    return Plan(catalog, tuple(plans), tuple(group_by), period)
