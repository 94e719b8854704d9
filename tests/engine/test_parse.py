"""The formula grammar: precedence, canonical text, syntax errors at their column, fuzzing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gachi.engine.expr.evaluate import evaluate
from gachi.engine.expr.nodes import (
    FUNCTIONS,
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
    names,
    to_text,
)
from gachi.engine.expr.parse import KEYWORDS, MAX_DEPTH, MAX_LENGTH, parse
from gachi.errors import FormulaError


def shape(node: Node) -> Any:
    """The tree without spans, for comparing structure."""
    match node:
        case Number(value=v, text=t, unit=u):
            return ("num", v, t, u)
        case Name(id=i):
            return ("name", i)
        case Neg(operand=o):
            return ("neg", shape(o))
        case Not(operand=o):
            return ("not", shape(o))
        case Arith(op=op, left=a, right=b) | Compare(op=op, left=a, right=b):
            return (op, shape(a), shape(b))
        case Logic(op=op, left=a, right=b):
            return (op, shape(a), shape(b))
        case Call(func=f, args=args):
            return (f, *(shape(x) for x in args))
    raise AssertionError(node)


def canon(text: str) -> str:
    return to_text(parse(text))


def num(text: str) -> tuple[str, float, str, None]:
    return ("num", float(text), text, None)


# --- precedence and associativity ------------------------------------------------------------


def test_unary_minus_binds_looser_than_power() -> None:
    node = parse("-2^2")
    assert shape(node) == ("neg", ("^", num("2"), num("2")))  # -(2^2), not (-2)^2
    assert evaluate(node, {}) == -4.0
    assert canon("-2^2") == "-2 ^ 2"
    assert evaluate(parse("(-2)^2"), {}) == 4.0
    assert canon("(-2)^2") == "(-2) ^ 2"


def test_power_is_right_associative() -> None:
    node = parse("2^3^2")
    assert shape(node) == ("^", num("2"), ("^", num("3"), num("2")))
    assert evaluate(node, {}) == 512.0  # 2^(3^2) = 2^9, not (2^3)^2 = 64
    assert canon("2^3^2") == "2 ^ 3 ^ 2"
    assert canon("(2^3)^2") == "(2 ^ 3) ^ 2"
    assert evaluate(parse("2^-1"), {}) == 0.5
    assert canon("2^-1") == "2 ^ (-1)"


def test_minus_and_division_are_left_associative() -> None:
    assert shape(parse("a - b - c")) == ("-", ("-", ("name", "a"), ("name", "b")), ("name", "c"))
    assert canon("a - (b - c)") == "a - (b - c)"
    assert canon("(a - b) - c") == "a - b - c"
    assert canon("a / (b * c)") == "a / (b * c)"
    assert canon("(a * b) / c") == "a * b / c"
    assert canon("a/b/c") == "a / b / c"
    # 10 - (4 - 1) = 7 but 10 - 4 - 1 = 5
    assert evaluate(parse("10 - (4 - 1)"), {}) == 7.0
    assert evaluate(parse("10 - 4 - 1"), {}) == 5.0


def test_products_before_sums_before_comparisons_before_logic() -> None:
    assert evaluate(parse("1 + 2 * 3"), {}) == 7.0
    assert evaluate(parse("(1 + 2) * 3"), {}) == 9.0
    assert shape(parse("-a * b")) == ("*", ("neg", ("name", "a")), ("name", "b"))
    assert shape(parse("a or b and c")) == (
        "or",
        ("name", "a"),
        ("and", ("name", "b"), ("name", "c")),
    )
    assert shape(parse("not a > b and c")) == (
        "and",
        ("not", (">", ("name", "a"), ("name", "b"))),
        ("name", "c"),
    )
    assert canon("(a and b) or c") == "a and b or c"
    assert canon("a and (b or c)") == "a and (b or c)"
    assert canon("not (a or b)") == "not (a or b)"
    assert canon("a + b > c * 2") == "a + b > c * 2"


def test_aliases_and_number_forms() -> None:
    assert canon("a × b ÷ c") == "a * b / c"
    assert canon("a ** 2") == "a ^ 2"
    assert shape(parse("a ** 2")) == shape(parse("a ^ 2"))
    assert parse("1_000").value == 1000.0  # type: ignore[union-attr]
    assert parse(".5").value == 0.5  # type: ignore[union-attr]
    assert parse("2.5e3").value == 2500.0  # type: ignore[union-attr]
    assert shape(parse("+a")) == ("name", "a")
    assert canon("12 [month] * x") == "12 [month] * x"
    assert parse("12 [ month ]").unit == "month"  # type: ignore[union-attr]


def test_korean_identifiers() -> None:
    node = parse("매출액 × 감축_비율 + 기부금")
    assert [n.id for n in names(node)] == ["매출액", "감축_비율", "기부금"]
    assert to_text(node) == "매출액 * 감축_비율 + 기부금"


def test_spans_are_offsets_into_the_text() -> None:
    node = parse("a + max(bb, 3)")
    assert node.span == Span(0, 14)
    assert isinstance(node, Arith) and isinstance(node.right, Call)
    assert node.right.span == Span(4, 14)
    assert node.right.name_span == Span(4, 7)
    assert node.right.args[0].span == Span(8, 10)


# --- syntax errors, each at its 1-based line and column -------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "col"),
    [
        ("a + foo(b)", "formula.unknown-function", 5),
        ("sum(a, b)", "formula.unknown-function", 1),
        ("a = b", "formula.single-equals", 3),
        ("매출 = 1", "formula.single-equals", 4),  # columns count characters, not bytes
        ("a < b < c", "formula.chained-comparison", 7),
        ("a <= b == c", "formula.chained-comparison", 8),
        ("a $ b", "formula.bad-character", 3),
        ("a; DROP TABLE records", "formula.bad-character", 2),
        ("'a'", "formula.bad-character", 1),
        ("a +", "formula.unexpected-end", 4),
        ("a and", "formula.unexpected-end", 6),
        ("(a + b", "formula.expected-end", 7),
        ("min(a)", "formula.arity", 1),
        ("if(a > 0, 1)", "formula.arity", 1),
        ("a b", "formula.unexpected", 3),
        ("a) or 1 == 1", "formula.unexpected", 2),
        ("", "formula.empty", 1),
        ("   ", "formula.empty", 1),
        ("1e999", "formula.number-too-large", 1),
        ("[KRW] * a", "formula.unit-without-number", 1),
        ("3 [KRW", "formula.unclosed-unit", 3),
        ("a ] b", "formula.unexpected", 3),
    ],
)
def test_syntax_error_codes_and_columns(text: str, code: str, col: int) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    issue = caught.value.first
    assert (issue.code, issue.where.line, issue.where.col) == (code, 1, col)  # type: ignore[union-attr]
    assert len(caught.value.issues) == 1


def test_unknown_function_lists_the_allowlist() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("exec(a)")
    assert caught.value.first.params["name"] == "exec"
    assert caught.value.first.params["allowed"] == ", ".join(sorted(FUNCTIONS))


def test_too_deep_at_the_first_paren_past_the_limit() -> None:
    parse("(" * 50 + "a" + ")" * 50)  # well within the limit
    with pytest.raises(FormulaError) as caught:
        parse("(" * 100 + "a" + ")" * 100)
    issue = caught.value.first
    assert issue.code == "formula.too-deep"
    assert issue.params["limit"] == MAX_DEPTH
    assert issue.where is not None and issue.where.col == MAX_DEPTH + 1  # the 61st "("


@pytest.mark.parametrize("prefix", ["-", "not ", "+", "a ^ "])
def test_deep_unary_chains_are_refused_not_a_crash(prefix: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(prefix * 500 + "a")
    assert caught.value.first.code == "formula.too-deep"


def test_too_long() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("a" * (MAX_LENGTH + 1))
    issue = caught.value.first
    assert issue.code == "formula.too-long"
    assert issue.params == {"limit": MAX_LENGTH, "length": MAX_LENGTH + 1}
    assert issue.where is not None and issue.where.col == 1
    parse("a" * MAX_LENGTH)  # exactly at the limit is fine


def test_error_on_a_later_line() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("a\n  + b $ c")
    where = caught.value.first.where
    assert where is not None and (where.line, where.col) == (2, 7)
    assert where.caret() == "      + b $ c\n          ^"


# --- properties -------------------------------------------------------------------------------

IDENTS = st.sampled_from(["a", "b", "x_1", "_y", "매출", "감축량", "비율2", "max", "notable"])
NUMBER_TEXTS = st.sampled_from(["0", "1", "2.5", "1_000", ".5", "3e2", "1E-3", "12"])


@st.composite
def numbers(draw: st.DrawFn) -> Number:
    text = draw(NUMBER_TEXTS)
    unit = draw(st.sampled_from([None, None, "KRW", "month", "KRW/tCO2e"]))
    return Number(float(text.replace("_", "")), text, unit, Span(0, 0))


S = Span(0, 0)
leaves = st.one_of(IDENTS.map(lambda i: Name(i, S)), numbers())


def _extend(kids: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    arith = st.builds(
        lambda op, a, b: Arith(op, a, b, S), st.sampled_from(["+", "-", "*", "/", "^"]), kids, kids
    )
    compare = st.builds(
        lambda op, a, b: Compare(op, a, b, S),
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        kids,
        kids,
    )
    logic = st.builds(
        lambda op, a, b: Logic(op, a, b, S), st.sampled_from(["and", "or"]), kids, kids
    )
    neg = kids.map(lambda o: Neg(o, S))
    negation = kids.map(lambda o: Not(o, S))
    call = st.sampled_from(sorted(FUNCTIONS)).flatmap(
        lambda f: st.lists(kids, min_size=FUNCTIONS[f][0], max_size=min(FUNCTIONS[f][1], 4)).map(
            lambda args: Call(f, tuple(args), S, S)
        )
    )
    return st.one_of(arith, compare, logic, neg, negation, call)


trees = st.recursive(leaves, _extend, max_leaves=14)


@given(trees)
def test_canonical_text_round_trips(tree: Node) -> None:
    text = to_text(tree)
    again = parse(text)
    assert to_text(again) == text
    assert shape(again) == shape(tree)


TOKENS = st.sampled_from(
    [
        "a", "매출", "1", "2.5", "(", ")", "+", "-", "*", "/", "^", "**", "×", "÷", "<", "<=",
        "==", "!=", "=", "and", "or", "not", "if", "min", "round", "clip", ",", "[KRW]", "[",
        "]", " ", ";", "'", '"', "--", "/*", "*/", "\\", "\x00", "1e400", "_", "\n", "DROP",
        "TABLE", "||", "`", "$1", "::",
    ]
)  # fmt: skip


@given(st.one_of(st.text(max_size=80), st.lists(TOKENS, max_size=40).map("".join)))
def test_any_text_parses_or_raises_formula_error(text: str) -> None:
    try:
        node = parse(text)
    except FormulaError as err:
        assert err.first.code.startswith("formula.")
        assert err.first.where is not None and err.first.where.col is not None
        return
    # whatever parses has a stable canonical text
    assert to_text(parse(to_text(node))) == to_text(node)
    assert not (set(n.id for n in names(node)) & KEYWORDS)
