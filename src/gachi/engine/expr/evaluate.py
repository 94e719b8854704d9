"""A plain interpreter over formula nodes, for explanations and as an oracle in tests.

It follows the SQL semantics exactly: a missing value (None) makes arithmetic None, division by
zero gives None, `min`/`max` skip missing values, rounding is half away from zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from gachi.engine.expr.nodes import Arith, Call, Compare, Logic, Name, Neg, Node, Not, Number
from gachi.kernel.units import parse_unit

Value = float | bool | None


def evaluate(node: Node, values: Mapping[str, float | None]) -> Value:
    """Evaluate `node` with `values` for its names (already in base units)."""
    match node:
        case Number(value=v, unit=u):
            return v * (parse_unit(u).scale if u else 1.0)
        case Name(id=ident):
            return values[ident]
        case Neg(operand=o):
            x = evaluate(o, values)
            return None if x is None else -float(x)
        case Not(operand=o):
            x = evaluate(o, values)
            return None if x is None else not x
        case Logic(op=op, left=a, right=b):
            return _logic(op, evaluate(a, values), evaluate(b, values))
        case Compare(op=op, left=a, right=b):
            return _compare(op, evaluate(a, values), evaluate(b, values))
        case Arith(op=op, left=a, right=b):
            return _arith(op, evaluate(a, values), evaluate(b, values))
        case Call(func="if", args=(c, a, b)):
            return evaluate(a, values) if evaluate(c, values) else evaluate(b, values)
        case Call(func="min" | "max" as f, args=args):
            xs = [x for x in (evaluate(a, values) for a in args) if x is not None]
            return None if not xs else float(min(xs) if f == "min" else max(xs))
        case Call(func="abs", args=(a,)):
            x = evaluate(a, values)
            return None if x is None else abs(float(x))
        case Call(func="clip", args=(x, lo, hi)):
            inner = _min_max(min, evaluate(x, values), evaluate(hi, values))
            return _min_max(max, evaluate(lo, values), inner)
        case Call(func="round", args=args):
            x = evaluate(args[0], values)
            digits = 0
            if len(args) == 2:
                d = evaluate(args[1], values)
                digits = int(d) if d is not None else 0
            if x is None:
                return None
            q = Decimal(1).scaleb(-digits)
            return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))
    raise AssertionError(f"cannot evaluate {node!r}")


def _min_max(f: Callable[[list[float]], float], a: Value, b: Value) -> Value:
    xs = [float(x) for x in (a, b) if x is not None]
    return f(xs) if xs else None


def _logic(op: str, a: Value, b: Value) -> Value:
    # SQL three-valued logic
    if op == "and":
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _compare(op: str, a: Value, b: Value) -> Value:
    if a is None or b is None:
        return None
    x, y = float(a), float(b)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y, "!=": x != y}[op]


def _arith(op: str, a: Value, b: Value) -> Value:
    if a is None or b is None:
        return None
    x, y = float(a), float(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return None if y == 0 else x / y
    try:
        result = x**y
    except (OverflowError, ZeroDivisionError):
        return None
    return None if isinstance(result, complex) else float(result)
