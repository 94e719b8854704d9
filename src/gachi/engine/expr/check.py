"""Dimensional analysis and name resolution, at compile time.

`check` walks a parsed formula with the symbols in scope and returns its unit, or every problem
it found (it keeps going after the first, so a catalogue reports everything at once).

Rules: `+`, `-`, comparisons, `min`, `max`, `clip` and both branches of `if` need the same
dimensions; `*` and `/` combine them; `^` needs a whole-number literal exponent unless the base is
dimensionless. A bare number is dimensionless, except `0`, which fits any unit; give other numbers
a unit with brackets: ``12 [month]``. Values are carried in base units (``MWh`` is multiplied by
1000 to ``kWh``), so different scales of one dimension add up correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Literal

from gachi.engine.expr.nodes import (
    Arith,
    Call,
    Compare,
    Logic,
    Name,
    Neg,
    Node,
    Not,
    Number,
    Span,
)
from gachi.errors import InvalidInput, Issue, Location
from gachi.kernel.units import DIMENSIONLESS, Unit, parse_unit

SymbolKind = Literal["input", "proxy", "indicator", "baseline"]


@dataclass(frozen=True)
class Symbol:
    """A name in scope; `unit is None` when its declaration is broken (already reported)."""

    kind: SymbolKind
    unit: Unit | None


@dataclass(frozen=True)
class Type:
    """`unit is None` on a number means the literal zero, which fits any unit."""

    kind: Literal["num", "bool", "error"]
    unit: Unit | None = None


# A double carries about 15 significant digits; rounding finer than that means nothing.
MAX_ROUND_DIGITS = 15

NUM = Type("num", DIMENSIONLESS)
BOOL = Type("bool")
ERROR = Type("error")
ZERO = Type("num", None)


@dataclass
class Checked:
    type: Type
    issues: list[Issue] = field(default_factory=list)
    references: list[tuple[str, SymbolKind]] = field(default_factory=list)


def check(node: Node, symbols: Mapping[str, Symbol], locate: Callable[[Span], Location]) -> Checked:
    out = Checked(ERROR)
    out.type = _Checker(symbols, locate, out).visit(node)
    return out


class _Checker:
    def __init__(
        self, symbols: Mapping[str, Symbol], locate: Callable[[Span], Location], out: Checked
    ) -> None:
        self.symbols, self.locate, self.out = symbols, locate, out

    def fail(self, code: str, span: Span, **params: object) -> Type:
        self.out.issues.append(Issue(code, params, self.locate(span)))
        return ERROR

    def visit(self, node: Node) -> Type:
        match node:
            case Number():
                return self.number(node)
            case Name():
                return self.name(node)
            case Neg(operand=o):
                return self.numeric(o, "-")
            case Not(operand=o):
                t = self.visit(o)
                if t.kind == "num":
                    return self.fail("formula.not-a-condition", o.span, op="not")
                return BOOL if t.kind == "bool" else ERROR
            case Logic(op=op, left=a, right=b):
                ta, tb = self.visit(a), self.visit(b)
                for t, n in ((ta, a), (tb, b)):
                    if t.kind == "num":
                        self.fail("formula.not-a-condition", n.span, op=op)
                return BOOL if ta.kind == tb.kind == "bool" else ERROR
            case Compare(op=op, left=a, right=b):
                ta, tb = self.numeric(a, op), self.numeric(b, op)
                unified = self.same(ta, tb, node.span, op)
                return BOOL if unified.kind != "error" else ERROR
            case Arith(op=op, left=a, right=b):
                return self.arith(node, op, a, b)
            case Call():
                return self.call(node)

    def number(self, node: Number) -> Type:
        if node.unit is None:
            return ZERO if node.value == 0 else NUM
        try:
            return Type("num", parse_unit(node.unit).base())
        except InvalidInput as ex:
            first = ex.first
            self.out.issues.append(Issue(first.code, first.params, self.locate(node.span)))
            return ERROR

    def name(self, node: Name) -> Type:
        sym = self.symbols.get(node.id)
        if sym is None:
            near = get_close_matches(node.id, list(self.symbols), n=3, cutoff=0.6)
            hint = ", ".join(near) if near else "-"
            return self.fail(
                "formula.unknown-name",
                node.span,
                name=node.id,
                suggestions=hint,
                known=", ".join(sorted(self.symbols)) or "-",
            )
        self.out.references.append((node.id, sym.kind))
        if sym.unit is None:
            return ERROR
        return Type("num", sym.unit.base())

    def numeric(self, node: Node, op: str) -> Type:
        t = self.visit(node)
        if t.kind == "bool":
            return self.fail("formula.condition-as-number", node.span, op=op)
        return t

    def same(self, a: Type, b: Type, span: Span, op: str) -> Type:
        if a.kind == "error" or b.kind == "error":
            return ERROR
        if a.unit is None:
            return b
        if b.unit is None:
            return a
        if not a.unit.same_dims(b.unit):
            return self.fail(
                "formula.unit-mismatch",
                span,
                op=op,
                left=str(a.unit.base()),
                right=str(b.unit.base()),
            )
        return Type("num", a.unit.base())

    def arith(self, node: Arith, op: str, a: Node, b: Node) -> Type:
        ta, tb = self.numeric(a, op), self.numeric(b, op)
        if ta.kind == "error" or tb.kind == "error":
            return ERROR
        if op in ("+", "-"):
            return self.same(ta, tb, node.span, op)
        if op == "^":
            if tb.unit is not None and not tb.unit.dimensionless:
                return self.fail("formula.exponent-unit", b.span, unit=str(tb.unit))
            return self.power(node, ta, b)
        ua, ub = ta.unit, tb.unit
        if ua is None or ub is None:
            return ZERO  # zero times or over anything is a zero of any unit
        return Type("num", (ua * ub if op == "*" else ua / ub).base())

    def power(self, node: Arith, base: Type, exponent: Node) -> Type:
        if base.unit is None or base.unit.dimensionless:
            return Type("num", DIMENSIONLESS) if base.unit is not None else ZERO
        literal = exponent
        sign = 1
        if isinstance(literal, Neg) and isinstance(literal.operand, Number):
            literal, sign = literal.operand, -1
        if (
            not isinstance(literal, Number)
            or literal.unit is not None
            or literal.value != int(literal.value)
            or abs(literal.value) > 12
        ):
            return self.fail("formula.unit-power", exponent.span, unit=str(base.unit.base()))
        return Type("num", (base.unit ** (sign * int(literal.value))).base())

    def call(self, node: Call) -> Type:
        f, args = node.func, node.args
        if f == "if":
            cond = self.visit(args[0])
            if cond.kind == "num":
                self.fail("formula.not-a-condition", args[0].span, op="if")
            ta, tb = self.numeric(args[1], f), self.numeric(args[2], f)
            return self.same(ta, tb, node.span, f)
        if f == "round":
            t = self.numeric(args[0], f)
            if len(args) == 2:
                digits = args[1]
                if isinstance(digits, Neg) and isinstance(digits.operand, Number):
                    digits = digits.operand
                if not (
                    isinstance(digits, Number)
                    and digits.unit is None
                    and digits.value == int(digits.value)
                    and digits.value <= MAX_ROUND_DIGITS
                ):
                    return self.fail("formula.round-digits", args[1].span)
            return t
        types = [self.numeric(a, f) for a in args]
        result = types[0]
        for t in types[1:]:
            result = self.same(result, t, node.span, f)
        return result
