"""A formula split into terms that are each (a number) × (uncertain assumptions) × (a per-record
part), so that draws of the assumptions never have to meet the records.

For `quantity × proxy + hours × wage`, the per-record parts `quantity` and `hours` are summed once
per group by SQL; every draw then costs two multiplications per group, not a pass over the data.
This is exact for every formula that is a polynomial in its uncertain assumptions (products,
sums, differences, division by a product of them, integer powers). Where an assumption sits inside
something else — `max(wage − reference, 0)`, the SK baseline, `if`, `min` — that part of the
formula is *opaque*: it is computed per record and per draw by SQL, the draws joined in as a
table. That is also exact, and costs records × draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

from sqlglot import exp

from gachi.engine.catalog import Catalog, Entry
from gachi.engine.expr.nodes import Arith, Name, Neg, Node, Number, names
from gachi.engine.expr.to_sql import _p, _power, column, number, to_sql
from gachi.engine.parameters import (
    ADJUSTMENTS,
    Parameters,
    adjustment_key,
    is_uncertain,
    proxy_key,
    proxy_scale,
)
from gachi.engine.plan import Substitution, name_value
from gachi.engine.spec import Adjustment

DRAWS_TABLE = "__draws"
DRAW = "draw"

Atom = tuple[str, float]  # ("p:<parameter key>" or "f:<indicator id>", power)


@dataclass(frozen=True)
class Excess:
    """An SK baseline with a drawn reference: per record max(value − scale × reference, 0)."""

    key: str  # the atom of the drawn reference
    scale: float  # reference as drawn → engine units
    value: exp.Expression  # the input per record, before the baseline


@dataclass(frozen=True)
class Term:
    coef: float
    atoms: tuple[Atom, ...]
    record: exp.Expression | None  # None: 1 per record
    opaque: bool = False  # the per-record part reads draws
    # The term also multiplies by an SK-baseline excess over a drawn reference: valued from
    # each record's input and the rest of its record part, sorted once, for any reference.
    excess: Excess | None = None

    def times(self, other: Term, *, divide: bool = False) -> Term:
        sign = -1.0 if divide else 1.0
        powers: dict[str, float] = dict(self.atoms)
        for key, power in other.atoms:
            powers[key] = powers.get(key, 0.0) + sign * power
        atoms = tuple(sorted((k, v) for k, v in powers.items() if v != 0.0))
        coef = self.coef / other.coef if divide else self.coef * other.coef
        record = self.record
        if other.record is not None:
            if divide:
                divisor = exp.Nullif(this=other.record.copy(), expression=number(0.0))
                left = self.record.copy() if self.record is not None else number(1.0)
                record = exp.Paren(this=exp.Div(this=_p(left), expression=divisor))
            elif record is None:
                record = other.record.copy()
            else:
                record = exp.Paren(
                    this=exp.Mul(this=_p(record.copy()), expression=_p(other.record))
                )
        return Term(coef, atoms, record, self.opaque or other.opaque, self.excess or other.excess)


def factor_column(indicator: str) -> str:
    return f"f_{indicator}"


def param_column(index: int) -> str:
    return f"p{index}"


class Expander:
    """Expands the formulas of one catalogue against one set of uncertain assumptions."""

    def __init__(self, catalog: Catalog, params: Parameters, dialect: str = "duckdb") -> None:
        self.catalog = catalog
        self.params = params
        self.index: Mapping[str, int] = params.index
        self.dialect = dialect
        self.draws = Substitution(self._drawn_proxy, self._drawn_factor)
        self.uncertain_indicator = cache(self._uncertain_indicator)

    # -- what is uncertain ------------------------------------------------------------------
    def proxy_uncertain(self, entry: Entry, name: str) -> bool:
        return proxy_key(entry, name) in self.index

    def adjustments_uncertain(self, entry: Entry) -> bool:
        a = entry.spec.adjustments
        return any(
            isinstance(getattr(a, n), Adjustment)
            and is_uncertain(getattr(a, n).uncertainty)
            and adjustment_key(entry.id, n) in self.index
            for n in ADJUSTMENTS
        )

    def _uncertain_indicator(self, ident: str) -> bool:
        entry = self.catalog.entries[ident]
        return self.adjustments_uncertain(entry) or self.node_uncertain(entry, entry.formula)

    def name_uncertain(self, entry: Entry, name: str) -> bool:
        if name in entry.proxies:
            return self.proxy_uncertain(entry, name)
        if name in entry.input_units:
            rule = entry.spec.baseline
            return (
                rule is not None
                and rule.input == name
                and self.proxy_uncertain(entry, rule.reference)
            )
        return self.uncertain_indicator(name)

    def node_uncertain(self, entry: Entry, node: Node) -> bool:
        return any(self.name_uncertain(entry, n.id) for n in names(node))

    # -- SQL of the parts -------------------------------------------------------------------
    def _drawn_proxy(self, entry: Entry, name: str) -> exp.Expression:
        key = proxy_key(entry, name)
        if key in self.index:
            drawn = exp.column(param_column(self.index[key]), table=DRAWS_TABLE, quoted=True)
            return exp.Paren(
                this=exp.Mul(this=drawn, expression=number(proxy_scale(entry.proxies[name])))
            )
        return number(entry.proxies[name].value)

    def _drawn_factor(self, entry: Entry) -> exp.Expression | None:
        if self.adjustments_uncertain(entry):
            return exp.column(factor_column(entry.id), table=DRAWS_TABLE, quoted=True)
        return None

    def _sql(self, entry: Entry, node: Node, *, drawn: bool) -> exp.Expression:
        sub = self.draws if drawn else None

        def resolve(name: str) -> exp.Expression:
            return name_value(self.catalog, entry, name, self.dialect, sub=sub)

        return to_sql(node, resolve, dialect=self.dialect)

    # -- expansion --------------------------------------------------------------------------
    def indicator(self, entry: Entry) -> tuple[Term, ...]:
        """The terms of `entry`'s value in the report currency, adjustments included."""
        own = self.factor(entry)
        return tuple(
            _scaled(t.times(own), entry.to_report_currency)
            for t in self.expand(entry, entry.formula)
        )

    def factor(self, entry: Entry) -> Term:
        if self.adjustments_uncertain(entry):
            return Term(1.0, ((f"f:{entry.id}", 1.0),), None)
        return Term(entry.adjustment_factor(self.catalog.settings.discount_rate), (), None)

    def expand(self, entry: Entry, node: Node) -> list[Term]:
        if not self.node_uncertain(entry, node):
            return [Term(1.0, (), self._sql(entry, node, drawn=False))]
        match node:
            case Name(id=ident) if ident in entry.proxies:
                scale = proxy_scale(entry.proxies[ident])
                return [Term(scale, ((f"p:{proxy_key(entry, ident)}", 1.0),), None)]
            case Name(id=ident) if ident in self.catalog.entries:
                dep = self.catalog.entries[ident]
                rate = self.catalog.rates.rate(
                    dep.spec.unit, entry.spec.unit, self.catalog.settings.report_year
                )
                own = self.factor(dep)
                return [_scaled(t.times(own), rate) for t in self.expand(dep, dep.formula)]
            case Name(id=ident) if ident in entry.input_units:
                # The input of an SK baseline whose reference is drawn (the only way an input
                # is uncertain).
                rule = entry.spec.baseline
                assert rule is not None
                value = name_value(self.catalog, entry, ident, self.dialect, baseline=False)
                reference = entry.proxies[rule.reference]
                key = f"p:{proxy_key(entry, rule.reference)}"
                return [Term(1.0, (), None, excess=Excess(key, proxy_scale(reference), value))]
            case Neg(operand=o):
                return [replace(t, coef=-t.coef) for t in self.expand(entry, o)]
            case Arith(op="+" | "-", left=a, right=b):
                right = self.expand(entry, b)
                if node.op == "-":
                    right = [replace(t, coef=-t.coef) for t in right]
                return [*self.expand(entry, a), *right]
            case Arith(op="*", left=a, right=b):
                right = self.expand(entry, b)
                left = self.expand(entry, a)
                # Two excesses in one product (or an excess squared) are not a sorted sum.
                if not any(
                    x.excess is not None and y.excess is not None for x in left for y in right
                ):
                    return [x.times(y) for x in left for y in right]
            case Arith(op="/", left=a, right=b):
                divisor = self.expand(entry, b)
                if (
                    len(divisor) == 1
                    and not divisor[0].opaque
                    and divisor[0].excess is None
                    and divisor[0].coef != 0.0
                ):
                    return [x.times(divisor[0], divide=True) for x in self.expand(entry, a)]
            case Arith(op="^", left=a, right=b):
                power = _integer(b)
                base = self.expand(entry, a)
                if (
                    power is not None
                    and len(base) == 1
                    and not base[0].opaque
                    and base[0].excess is None
                    and power > 0
                ):
                    t = base[0]
                    record = None if t.record is None else _power(t.record, number(power))
                    atoms = tuple((k, v * power) for k, v in t.atoms)
                    return [Term(t.coef**power, atoms, record)]
        return [Term(1.0, (), self._sql(entry, node, drawn=True), opaque=True)]


def _clash(x: Term, y: Term) -> bool:
    return (x.excess is not None and (y.excess is not None or y.opaque)) or (
        y.excess is not None and x.opaque
    )


def _scaled(term: Term, k: float) -> Term:
    return replace(term, coef=term.coef * k)


def _integer(node: Node) -> int | None:
    if isinstance(node, Number) and node.unit is None and float(node.value).is_integer():
        return int(node.value)
    return None


def draws_columns(params: Parameters, factors: list[str]) -> list[str]:
    return [param_column(i) for i in range(len(params))] + [factor_column(f) for f in factors]


__all__ = ["DRAW", "DRAWS_TABLE", "Expander", "Term", "column", "draws_columns"]
