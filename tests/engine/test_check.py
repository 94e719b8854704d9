"""Dimensional analysis and name resolution of formulas, with every issue at its column."""

from __future__ import annotations

import pytest

from gachi.engine.expr.check import Checked, Symbol, check
from gachi.engine.expr.parse import line_locator, parse
from gachi.kernel.units import Unit, parse_unit

UNITS = {
    "money": "KRW",
    "usd": "USD",
    "people": "person",
    "price": "KRW/tCO2e",
    "emissions": "tCO2e",
    "ratio": "1",
    "months": "month",
    "gen": "MWh",
    "kwh": "kWh",
    "wage": "KRW/(person·month)",
}
SYMBOLS = {name: Symbol("input", parse_unit(u)) for name, u in UNITS.items()}
SYMBOLS["carbon_cost"] = Symbol("proxy", parse_unit("KRW/tCO2e"))
SYMBOLS["other_indicator"] = Symbol("indicator", parse_unit("KRW"))


def run(text: str) -> Checked:
    return check(parse(text), SYMBOLS, line_locator(text))


def ok(text: str) -> Unit | None:
    out = run(text)
    assert out.issues == [], [i.render("en") for i in out.issues]
    assert out.type.kind == "num"
    return out.type.unit


def codes(text: str) -> list[tuple[str, int, int]]:
    return [(i.code, i.where.col, i.where.length) for i in run(text).issues]  # type: ignore[union-attr]


def test_adding_people_to_won_is_a_mismatch_at_the_expression() -> None:
    out = run("money + people")
    assert out.type.kind == "error"
    (issue,) = out.issues
    assert issue.code == "formula.unit-mismatch"
    assert issue.params == {"op": "+", "left": "KRW", "right": "person"}
    assert (issue.where.line, issue.where.col, issue.where.length) == (1, 1, 14)  # type: ignore[union-attr]
    assert issue.render("en").splitlines()[1:] == ["    money + people", "    ^^^^^^^^^^^^^^"]


def test_mismatch_inside_parentheses_points_inside() -> None:
    # "2 * (money - people)": the subtraction starts at column 6
    assert codes("2 * (money - people)") == [("formula.unit-mismatch", 6, 14)]


def test_units_multiply_and_cancel() -> None:
    assert ok("price * emissions") == parse_unit("KRW")
    assert ok("carbon_cost * emissions + money") == parse_unit("KRW")
    assert ok("money / people") == parse_unit("KRW/person")
    # KRW/(person·month) × person × month = KRW
    assert ok("wage * people * months") == parse_unit("KRW")


def test_scales_of_one_dimension_add_up() -> None:
    assert ok("gen + kwh") == parse_unit("kWh")  # MWh and kWh: same dimension, base kWh
    assert ok("months + 1 [year]") == parse_unit("year")


def test_currencies_do_not_add() -> None:
    assert codes("money + usd") == [("formula.unit-mismatch", 1, 11)]
    assert run("money + usd").issues[0].params == {"op": "+", "left": "KRW", "right": "USD"}


def test_zero_fits_any_unit_other_numbers_are_dimensionless() -> None:
    assert ok("money + 0") == parse_unit("KRW")
    assert ok("max(money, 0)") == parse_unit("KRW")
    assert ok("0") is None
    (issue,) = run("money + 1").issues
    assert issue.code == "formula.unit-mismatch"
    assert issue.params["right"] == "1"
    assert ok("ratio + 1") == parse_unit("1")
    assert ok("money * 1.1") == parse_unit("KRW")


def test_unit_annotations() -> None:
    assert ok("months + 12 [month]") == parse_unit("year")
    assert ok("money + 1000 [원]") == parse_unit("KRW")
    assert codes("money + 12 [month]") == [("formula.unit-mismatch", 1, 18)]
    # an unknown unit in brackets is reported at the number
    (issue,) = run("2 [zork] * money").issues
    assert (issue.code, issue.params["atom"], issue.where.col, issue.where.length) == (  # type: ignore[union-attr]
        "unit.unknown",
        "zork",
        1,
        8,
    )


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("people ^ 2", "person^2"),
        ("people ^ -2", "person^-2"),
        ("ratio ^ 2.5", "1"),
        ("ratio ^ ratio", "1"),
        ("(money / people) ^ 2 * people ^ 2", "KRW^2"),
    ],
)
def test_power_allowed(text: str, unit: str) -> None:
    assert ok(text) == parse_unit(unit)


@pytest.mark.parametrize(
    ("text", "col"),
    [
        ("people ^ 2.5", 10),  # a unit to a fractional power
        ("people ^ ratio", 10),  # ... or to a power not known when checking
        ("people ^ 13", 10),  # ... or beyond the limit of 12
    ],
)
def test_power_refused(text: str, col: int) -> None:
    (issue,) = run(text).issues
    assert (issue.code, issue.where.col) == ("formula.unit-power", col)  # type: ignore[union-attr]
    assert issue.params == {"unit": "person"}


@pytest.mark.parametrize("text", ["people ^ 2 [month]", "ratio ^ people", "2 ^ money"])
def test_an_exponent_has_no_unit(text: str) -> None:
    (issue,) = run(text).issues
    assert issue.code == "formula.exponent-unit"


def test_if_needs_a_condition_and_matching_branches() -> None:
    assert ok("if(money > 0, money, 0)") == parse_unit("KRW")
    assert ok("if(money > 0 and people >= 1 [명], money, -money)") == parse_unit("KRW")
    assert codes("if(money, 1, 2)") == [("formula.not-a-condition", 4, 5)]
    assert run("if(money, 1, 2)").issues[0].params == {"op": "if"}
    assert codes("if(money > 0, money, people)") == [("formula.unit-mismatch", 1, 28)]
    # comparing won with people is itself a mismatch
    assert codes("if(money > people, money, 0)") == [("formula.unit-mismatch", 4, 14)]


def test_conditions_and_numbers_do_not_mix() -> None:
    assert codes("(money > 0) + 1") == [("formula.condition-as-number", 2, 9)]
    assert codes("not money") == [("formula.not-a-condition", 5, 5)]
    assert codes("money and ratio > 0") == [("formula.not-a-condition", 1, 5)]
    assert run("money > 0").type.kind == "bool"


def test_round_digits_must_be_a_whole_constant() -> None:
    assert ok("round(money, -2)") == parse_unit("KRW")
    assert ok("round(money)") == parse_unit("KRW")
    assert codes("round(money, ratio)") == [("formula.round-digits", 14, 5)]
    assert codes("round(money, 1.5)") == [("formula.round-digits", 14, 3)]


def test_min_max_clip_need_one_unit() -> None:
    assert ok("clip(money, 0, 100 [KRW])") == parse_unit("KRW")
    assert codes("min(money, people)") == [("formula.unit-mismatch", 1, 18)]
    assert codes("clip(money, 0, 1)") == [("formula.unit-mismatch", 1, 17)]


def test_unknown_name_suggests_close_names() -> None:
    (issue,) = run("mony * 2").issues
    assert issue.code == "formula.unknown-name"
    assert issue.params["name"] == "mony"
    assert issue.params["suggestions"].split(", ")[0] == "money"
    assert (issue.where.col, issue.where.length) == (1, 4)  # type: ignore[union-attr]
    assert "unknown name 'mony' (similar names: money" in issue.message("en")
    (far,) = run("qqqqqq").issues
    assert far.params["suggestions"] == "-"


def test_every_problem_is_reported() -> None:
    text = "mony + 2 [zork] * money + if(money, 1 [KRW], 0)"
    out = run(text)
    assert [(i.code, i.where.col) for i in out.issues] == [  # type: ignore[union-attr]
        ("formula.unknown-name", 1),
        ("unit.unknown", 8),
        ("formula.not-a-condition", 30),
    ]


def test_references_record_kinds() -> None:
    out = run("emissions * carbon_cost + other_indicator")
    assert out.references == [
        ("emissions", "input"),
        ("carbon_cost", "proxy"),
        ("other_indicator", "indicator"),
    ]


def test_round_digits_are_bounded() -> None:
    assert run("round(money, 15)").issues == []
    (issue,) = run("round(money, 16)").issues
    assert issue.code == "formula.round-digits"
