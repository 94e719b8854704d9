"""Checked formula nodes to sqlglot syntax trees — never to SQL strings by concatenation.

Names become whatever the caller's resolver returns (a quoted column, a literal proxy value):
text from a formula or a data file reaches SQL only as a quoted identifier or a numeric literal
built by sqlglot. Division by zero gives NULL (`x / NULLIF(y, 0)`): the record has no value for
that indicator and the run counts it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sqlglot import exp

from gachi.engine.expr.nodes import Arith, Call, Compare, Logic, Name, Neg, Node, Not, Number
from gachi.kernel.units import parse_unit

Resolver = Callable[[str], exp.Expression]

_DOUBLE = exp.DataType.build("double")


def number(value: float) -> exp.Expression:
    """A finite float as a typed DOUBLE literal (so that PostgreSQL never does integer division)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return exp.Cast(this=exp.Literal.number(repr(float(value))), to=_DOUBLE.copy())


def column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _p(node: exp.Expression) -> exp.Expression:
    if isinstance(node, (exp.Cast, exp.Column, exp.Literal, exp.Paren, exp.Func)):
        return node
    return exp.Paren(this=node)


_ARITH: dict[str, type[exp.Binary]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}
_COMPARE: dict[str, type[exp.Binary]] = {
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
    "==": exp.EQ,
    "!=": exp.NEQ,
}


def to_sql(node: Node, resolve: Resolver, *, dialect: str = "duckdb") -> exp.Expression:
    """The SQL expression of a checked formula; `resolve` gives each name's expression."""

    def go(n: Node) -> exp.Expression:
        match n:
            case Number(value=v, unit=u):
                return number(v * (parse_unit(u).scale if u else 1.0))
            case Name(id=ident):
                return _p(resolve(ident))
            case Neg(operand=o):
                return exp.Neg(this=_p(go(o)))
            case Not(operand=o):
                return exp.Not(this=_p(go(o)))
            case Logic(op=op, left=a, right=b):
                cls = exp.And if op == "and" else exp.Or
                return exp.Paren(this=cls(this=_p(go(a)), expression=_p(go(b))))
            case Compare(op=op, left=a, right=b):
                return exp.Paren(this=_COMPARE[op](this=_p(go(a)), expression=_p(go(b))))
            case Arith(op="^", left=a, right=b):
                return _power(go(a), go(b))
            case Arith(op="/", left=a, right=b):
                divisor = exp.Nullif(this=go(b), expression=number(0.0))
                return exp.Paren(this=exp.Div(this=_p(go(a)), expression=divisor))
            case Arith(op=op, left=a, right=b):
                return exp.Paren(this=_ARITH[op](this=_p(go(a)), expression=_p(go(b))))
            case Call(func="if", args=(c, a, b)):
                return exp.Case().when(go(c), go(a)).else_(go(b))
            case Call(func="min", args=args):
                return exp.Least(
                    this=go(args[0]), expressions=[go(x) for x in args[1:]], ignore_nulls=True
                )
            case Call(func="max", args=args):
                return exp.Greatest(
                    this=go(args[0]), expressions=[go(x) for x in args[1:]], ignore_nulls=True
                )
            case Call(func="abs", args=(a,)):
                return exp.Abs(this=go(a))
            case Call(func="clip", args=(x, lo, hi)):
                inner = exp.Least(this=go(x), expressions=[go(hi)], ignore_nulls=True)
                return exp.Greatest(this=go(lo), expressions=[inner], ignore_nulls=True)
            case Call(func="round", args=args):
                return _round(go(args[0]), _digits(args), dialect)
        raise AssertionError(f"unchecked node reached SQL compilation: {n!r}")

    return go(node)


def _power(base: exp.Expression, exponent: exp.Expression) -> exp.Expression:
    """`base ^ exponent`, undefined (NULL) where it has no real value: a negative base to a
    fractional power, or zero to a negative one — never NaN, infinity or a database error."""
    fractional = exp.NEQ(this=exponent.copy(), expression=exp.Floor(this=exponent.copy()))
    negative_base = exp.LT(this=base.copy(), expression=number(0.0))
    zero_base = exp.EQ(this=base.copy(), expression=number(0.0))
    negative_exponent = exp.LT(this=exponent.copy(), expression=number(0.0))
    undefined = exp.or_(exp.and_(negative_base, fractional), exp.and_(zero_base, negative_exponent))
    return exp.Case().when(undefined, exp.Null()).else_(exp.Pow(this=base, expression=exponent))


def _digits(args: tuple[Node, ...]) -> int:
    if len(args) < 2:
        return 0
    d = args[1]
    if isinstance(d, Neg) and isinstance(d.operand, Number):
        return -int(d.operand.value)
    assert isinstance(d, Number)
    return int(d.value)


def _round(value: exp.Expression, digits: int, dialect: str) -> exp.Expression:
    """Round the decimal a person sees — the double's shortest decimal text (64.725, not
    64.72499…) — half away from zero, the same on every backend and in `evaluate`."""
    places = exp.Literal.number(digits)
    text = exp.Cast(this=value.copy(), to=exp.DataType.build("text"))
    if dialect == "postgres":
        # PostgreSQL prints a double as its shortest exact decimal; NUMERIC is arbitrary-precision.
        as_numeric = exp.Cast(this=text, to=exp.DataType.build("decimal"))
        return exp.Cast(this=exp.Round(this=as_numeric, decimals=places), to=_DOUBLE.copy())
    # DuckDB DECIMAL holds 38 digits: 20 before the point and 18 after cover |x| < 1e20, where
    # decimals still matter; beyond that the double has no digits after the point anyway.
    as_decimal = exp.Cast(this=text, to=exp.DataType.build("decimal(38, 18)"))
    exact = exp.Cast(this=exp.Round(this=as_decimal, decimals=places), to=_DOUBLE.copy())
    small = exp.LT(this=exp.Abs(this=value.copy()), expression=number(1e20))
    return exp.Case().when(small, exact).else_(exp.Round(this=value, decimals=places.copy()))
