"""Text to frozen nodes: a tokenizer and a recursive-descent parser with an allowlist.

Grammar (lowest precedence first)::

    expr    := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ("^" unary)?
    atom    := NUMBER ("[" UNIT "]")? | NAME "(" args ")" | NAME | "(" expr ")"

Names may be Korean. `×`, `÷` and `**` are read as `*`, `/` and `^`. Only the functions in
`nodes.FUNCTIONS` may be called; anything else is refused with its position.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from gachi.engine.expr.nodes import (
    FUNCTIONS,
    Arith,
    ArithOp,
    Call,
    Compare,
    CompareOp,
    Logic,
    Name,
    Neg,
    Node,
    Not,
    Number,
    Span,
)
from gachi.errors import FormulaError, Location

MAX_LENGTH = 4000
MAX_DEPTH = 60
KEYWORDS = frozenset({"and", "or", "not"})

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+(?:_\d+)*(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[^\W\d]\w*)
  | (?P<op><=|>=|==|!=|\*\*|[-+*/^()<>,×÷\[\]=])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number | name | op | unit | end
    text: str
    span: Span


Locator = Callable[[Span], Location]


def line_locator(text: str, file: str | None = None) -> Locator:
    """Map offsets in `text` to 1-based line and column within the text itself."""

    def locate(span: Span) -> Location:
        before = text[: span.start]
        line = before.count("\n") + 1
        start_of_line = before.rfind("\n") + 1
        end_of_line = text.find("\n", span.start)
        source = text[start_of_line : end_of_line if end_of_line >= 0 else len(text)]
        length = max(1, min(span.end, start_of_line + len(source)) - span.start)
        return Location(file, line, span.start - start_of_line + 1, length, source)

    return locate


class _Fail(Exception):
    def __init__(self, code: str, span: Span, **params: object) -> None:
        super().__init__(code)
        self.code, self.span, self.params = code, span, params


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "[":
            close = text.find("]", pos)
            if close < 0:
                raise _Fail("formula.unclosed-unit", Span(pos, pos + 1))
            tokens.append(Token("unit", text[pos + 1 : close].strip(), Span(pos, close + 1)))
            pos = close + 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _Fail("formula.bad-character", Span(pos, pos + 1), char=text[pos])
        kind = m.lastgroup
        assert kind is not None
        if kind != "ws":
            tok = m.group()
            tok = {"×": "*", "÷": "/", "**": "^"}.get(tok, tok)
            if tok == "=":
                raise _Fail("formula.single-equals", Span(pos, m.end()))
            if tok == "]":
                raise _Fail("formula.unexpected", Span(pos, m.end()), token=tok)
            tokens.append(Token(kind, tok, Span(pos, m.end())))
        pos = m.end()
    tokens.append(Token("end", "", Span(len(text), len(text) + 1)))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        tok = self.tok
        return tok.kind in ("op", "name") and tok.text in texts

    def expect(self, text: str) -> Token:
        if not self.at(text):
            if self.tok.kind == "end":
                raise _Fail("formula.expected-end", self.tok.span, expected=repr(text))
            raise _Fail(
                "formula.expected", self.tok.span, expected=repr(text), found=repr(self.tok.text)
            )
        return self.take()

    def descend(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Fail("formula.too-deep", self.tok.span, limit=MAX_DEPTH)

    def expr(self) -> Node:
        self.descend()
        node = self.conj()
        while self.at("or"):
            self.take()
            right = self.conj()
            node = Logic("or", node, right, _join(node, right))
        self.depth -= 1
        return node

    def conj(self) -> Node:
        node = self.neg()
        while self.at("and"):
            self.take()
            right = self.neg()
            node = Logic("and", node, right, _join(node, right))
        return node

    def neg(self) -> Node:
        if self.at("not"):
            start = self.take().span
            self.descend()
            operand = self.neg()
            self.depth -= 1
            return Not(operand, Span(start.start, operand.span.end))
        return self.compare()

    def compare(self) -> Node:
        node = self.sum()
        if self.at("<", "<=", ">", ">=", "==", "!="):
            op: CompareOp = self.take().text  # type: ignore[assignment]
            right = self.sum()
            node = Compare(op, node, right, _join(node, right))
            if self.at("<", "<=", ">", ">=", "==", "!="):
                raise _Fail("formula.chained-comparison", self.tok.span)
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.at("+", "-"):
            op: ArithOp = self.take().text  # type: ignore[assignment]
            right = self.product()
            node = Arith(op, node, right, _join(node, right))
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("*", "/"):
            op: ArithOp = self.take().text  # type: ignore[assignment]
            right = self.unary()
            node = Arith(op, node, right, _join(node, right))
        return node

    def unary(self) -> Node:
        if self.at("-", "+"):
            tok = self.take()
            self.descend()
            operand = self.unary()
            self.depth -= 1
            if tok.text == "+":
                return operand
            return Neg(operand, Span(tok.span.start, operand.span.end))
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.at("^"):
            self.take()
            self.descend()
            exponent = self.unary()
            self.depth -= 1
            return Arith("^", base, exponent, _join(base, exponent))
        return base

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "number":
            self.take()
            value = float(tok.text.replace("_", ""))
            if not math.isfinite(value) or abs(value) > 1e300:
                raise _Fail("formula.number-too-large", tok.span, text=tok.text)
            unit, end = None, tok.span.end
            if self.tok.kind == "unit":
                unit_tok = self.take()
                unit, end = unit_tok.text, unit_tok.span.end
            return Number(value, tok.text, unit, Span(tok.span.start, end))
        if tok.kind == "name" and tok.text not in KEYWORDS:
            self.take()
            if self.at("("):
                return self.call(tok)
            return Name(tok.text, tok.span)
        if self.at("("):
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        if tok.kind == "unit":
            raise _Fail("formula.unit-without-number", tok.span)
        if tok.kind == "end":
            raise _Fail("formula.unexpected-end", tok.span)
        raise _Fail("formula.unexpected", tok.span, token=tok.text)

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise _Fail(
                "formula.unknown-function",
                name.span,
                name=name.text,
                allowed=", ".join(sorted(FUNCTIONS)),
            )
        self.expect("(")
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.expr())
            while self.at(","):
                self.take()
                args.append(self.expr())
        close = self.expect(")")
        low, high = FUNCTIONS[name.text]
        span = Span(name.span.start, close.span.end)
        if not low <= len(args) <= high:
            arity = str(low) if low == high else f"{low}–{high}"
            raise _Fail("formula.arity", span, name=name.text, expected=arity, got=len(args))
        return Call(name.text, tuple(args), span, name.span)


def _join(a: Node, b: Node) -> Span:
    return Span(a.span.start, b.span.end)


def parse(text: str, *, locate: Locator | None = None) -> Node:
    """Parse a formula; raise `FormulaError` with the position of the first syntax problem."""
    locate = locate or line_locator(text)
    try:
        if len(text) > MAX_LENGTH:
            raise _Fail("formula.too-long", Span(0, 1), limit=MAX_LENGTH, length=len(text))
        if not text.strip():
            raise _Fail("formula.empty", Span(0, 1))
        parser = _Parser(tokenize(text))
        node = parser.expr()
        if parser.tok.kind != "end":
            raise _Fail("formula.unexpected", parser.tok.span, token=parser.tok.text)
        return node
    except _Fail as fail:
        raise FormulaError(fail.code, where=locate(fail.span), **fail.params) from None
