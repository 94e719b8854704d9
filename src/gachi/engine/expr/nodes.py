"""Frozen syntax nodes of the formula language. Each node knows its span in the formula text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

ArithOp = Literal["+", "-", "*", "/", "^"]
CompareOp = Literal["<", "<=", ">", ">=", "==", "!="]
LogicOp = Literal["and", "or"]

FUNCTIONS: dict[str, tuple[int, int]] = {
    # name -> (min args, max args). The allowlist: any other call is refused.
    "if": (3, 3),
    "min": (2, 32),
    "max": (2, 32),
    "abs": (1, 1),
    "round": (1, 2),
    "clip": (3, 3),
}


@dataclass(frozen=True, slots=True)
class Span:
    """Offsets into the formula text: [start, end)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    text: str
    unit: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    span: Span


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Arith:
    op: ArithOp
    left: Node
    right: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Node
    right: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Logic:
    op: LogicOp
    left: Node
    right: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]
    span: Span
    name_span: Span


Node: TypeAlias = Number | Name | Neg | Arith | Compare | Logic | Not | Call


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case Number() | Name():
            return ()
        case Neg(operand=o) | Not(operand=o):
            return (o,)
        case Arith(left=a, right=b) | Compare(left=a, right=b) | Logic(left=a, right=b):
            return (a, b)
        case Call(args=args):
            return args


def names(node: Node) -> list[Name]:
    """Every name referenced, in reading order (repeats kept)."""
    out: list[Name] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            out.append(n)
        stack.extend(reversed(children(n)))
    return out


_PRECEDENCE = {"or": 1, "and": 2, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "^": 8}


def to_text(node: Node, substitute: Mapping[str, str] | None = None) -> str:
    """Canonical text of a node: stable for hashing and diffs, re-parses to the same tree.

    With `substitute`, names are replaced by the given texts (for explanations).
    """
    return _text(node, 0, substitute or {})


def _text(node: Node, parent: int, sub: Mapping[str, str]) -> str:
    match node:
        case Number(text=text, unit=unit):
            out, prec = (f"{text} [{unit}]" if unit else text), 9
        case Name(id=ident):
            out, prec = sub.get(ident, ident), 9
        case Neg(operand=o):
            prec = _PRECEDENCE["neg"]
            out = "-" + _text(o, prec, sub)
        case Not(operand=o):
            prec = 3
            out = "not " + _text(o, prec, sub)
        case Arith(op=op, left=a, right=b):
            prec = _PRECEDENCE[op]
            if op == "^":  # right-associative
                out = f"{_text(a, prec + 1, sub)} ^ {_text(b, prec, sub)}"
            else:
                out = f"{_text(a, prec, sub)} {op} {_text(b, prec + 1, sub)}"
        case Compare(op=op, left=a, right=b):
            prec = _PRECEDENCE["cmp"]
            out = f"{_text(a, prec + 1, sub)} {op} {_text(b, prec + 1, sub)}"
        case Logic(op=op, left=a, right=b):
            prec = _PRECEDENCE[op]
            out = f"{_text(a, prec, sub)} {op} {_text(b, prec + 1, sub)}"
        case Call(func=f, args=args):
            out, prec = f"{f}(" + ", ".join(_text(a, 0, sub) for a in args) + ")", 9
    return f"({out})" if prec < parent else out
