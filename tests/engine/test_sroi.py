"""SROI arithmetic against hand-worked numbers, its break-even points and its validation."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gachi.engine.sroi import (
    Outcome,
    ValueMap,
    compute,
    impact_by_year,
    payback_months,
    present_value,
)
from gachi.errors import GachiError, InvalidInput, Location


def outcome(**kw: Any) -> Outcome:
    base: dict[str, Any] = {
        "stakeholder": "근로자",
        "outcome": "소득 증가",
        "quantity": 10,
        "proxy": 1_000_000,
        "deadweight": 0.2,
        "displacement": 0.1,
        "attribution": 0.3,
        "drop_off": 0.2,
        "duration": 3,
    }
    base.update(kw)
    return Outcome(**base)


def value_map(*outcomes: Outcome, **kw: Any) -> ValueMap:
    base: dict[str, Any] = {"name": "test", "investment": 5_000_000.0}
    base.update(kw)
    return ValueMap(outcomes=outcomes or (outcome(),), **base)


# The worked example used throughout:
#   year 1: 10 × 1,000,000 × (1−0.2) × (1−0.1) × (1−0.3) = 10,000,000 × 0.8 × 0.9 × 0.7 = 5,040,000
#   year 2: 5,040,000 × (1−0.2 drop-off) = 4,032,000
#   year 3: 4,032,000 × 0.8               = 3,225,600
#   PV at 3.5%, year 1 discounted one period:
#     5,040,000/1.035 + 4,032,000/1.035² + 3,225,600/1.035³
#     = 4,869,565.217 + 3,763,915.144 + 2,909,306.391 = 11,542,786.753
YEARS = (5_040_000.0, 4_032_000.0, 3_225_600.0)
PV = 11_542_786.752671415


def test_worked_example_year_by_year_and_present_value() -> None:
    assert impact_by_year(outcome()) == pytest.approx(YEARS, rel=1e-12)
    result = compute(value_map())
    row = result.outcomes[0]
    assert row.year_one_impact == pytest.approx(5_040_000.0, rel=1e-12)
    assert row.present_value == pytest.approx(PV, rel=1e-12)
    assert result.total_present_value == pytest.approx(PV, rel=1e-12)
    # net = 11,542,786.753 − 5,000,000; ratio = 11,542,786.753 / 5,000,000
    assert result.net_present_value == pytest.approx(6_542_786.752671415, rel=1e-12)
    assert result.sroi_ratio == pytest.approx(2.308557350534283, rel=1e-12)


def test_adjustments_multiply_they_do_not_add() -> None:
    # Adding the three would keep 1 − (0.2 + 0.1 + 0.3) = 40%: 10,000,000 × 0.4 = 4,000,000.
    # Multiplying keeps 0.8 × 0.9 × 0.7 = 50.4%: 5,040,000.
    first = impact_by_year(outcome())[0]
    assert first == pytest.approx(5_040_000.0)
    assert first != pytest.approx(4_000_000.0)
    # With 60% + 50% deadweight and attribution, adding would even go negative (−10%).
    assert impact_by_year(outcome(deadweight=0.6, attribution=0.5, displacement=0))[0] == (
        pytest.approx(10_000_000 * 0.4 * 0.5)
    )


def test_first_year_undiscounted_divides_year_t_by_rate_to_t_minus_one() -> None:
    # 5,040,000 + 4,032,000/1.035 + 3,225,600/1.035² = 11,946,784.289
    result = compute(value_map(discount_first_year=False))
    assert result.total_present_value == pytest.approx(11_946_784.289014913, rel=1e-12)


def test_zero_discount_rate_sums_the_years() -> None:
    # 5,040,000 + 4,032,000 + 3,225,600 = 12,297,600
    assert compute(value_map(discount_rate=0.0)).total_present_value == pytest.approx(12_297_600)


def test_outcome_start_delays_the_series_and_discounts_it_further() -> None:
    late = outcome(outcome_start=1)
    assert impact_by_year(late) == pytest.approx((0.0, *YEARS))
    row = compute(value_map(late)).outcomes[0]
    assert row.first_year == 2 and row.year_one_impact == pytest.approx(5_040_000)
    # 5,040,000/1.035² + 4,032,000/1.035³ + 3,225,600/1.035⁴ = 11,152,450.969 = PV / 1.035
    assert row.present_value == pytest.approx(PV / 1.035, rel=1e-12)


def test_drop_off_of_100_percent_leaves_only_the_first_year() -> None:
    assert impact_by_year(outcome(drop_off=1.0)) == (5_040_000.0, 0.0, 0.0)


def test_a_harm_has_negative_value_and_lowers_the_total() -> None:
    harm = outcome(
        outcome="부상",
        proxy=-200_000,
        quantity=5,
        deadweight=0,
        displacement=0,
        attribution=0,
        drop_off=0,
        duration=1,
    )
    result = compute(value_map(outcome(), harm))
    # −200,000 × 5 = −1,000,000 in year 1, discounted: −1,000,000/1.035 = −966,183.575
    assert result.outcomes[1].present_value == pytest.approx(-966_183.5748792271)
    assert result.total_present_value == pytest.approx(PV - 966_183.5748792271)
    faded = impact_by_year(replace(harm, duration=2, drop_off=1.0))
    assert faded == (-1_000_000.0, 0.0) and str(faded[1]) == "0.0"  # no "-0.0" shown


def test_investment_may_be_a_list_of_inputs() -> None:
    result = compute(value_map(investment=(3_000_000, 2_000_000)))
    assert result.investment == 5_000_000 and result.sroi_ratio == pytest.approx(PV / 5e6)


def test_zero_investment_gives_no_ratio_and_says_why() -> None:
    result = compute(value_map(investment=0.0))
    assert result.sroi_ratio is None
    assert result.break_even_success_rate is None and result.break_even_attribution is None
    assert result.payback_months == 0.0
    assert result.net_present_value == pytest.approx(PV)
    assert [n.code for n in result.notes] == ["sroi.note.no-investment"]
    assert result.notes[0].severity == "info"


# --- payback -----------------------------------------------------------------------------------


def test_payback_of_a_constant_impact_is_the_guides_formula() -> None:
    # Constant 1,200,000 a year; the Guide: investment ÷ (annual impact / 12)
    # = 1,500,000 ÷ 100,000 = 15 months.
    flat = outcome(
        quantity=1,
        proxy=1_200_000,
        deadweight=0,
        displacement=0,
        attribution=0,
        drop_off=0,
        duration=3,
    )
    assert compute(value_map(flat, investment=1_500_000.0)).payback_months == pytest.approx(15.0)


def test_payback_interpolates_within_the_year_it_crosses() -> None:
    # Year 1: 1,000,000; year 2: 500,000 (50% drop-off). Investment 1,250,000:
    # after year 1, 250,000 is left; year 2 adds 500,000 a year → half a year → 12 + 6 = 18.
    fading = outcome(
        quantity=1,
        proxy=1_000_000,
        deadweight=0,
        displacement=0,
        attribution=0,
        drop_off=0.5,
        duration=2,
    )
    assert compute(value_map(fading, investment=1_250_000.0)).payback_months == pytest.approx(18)
    # Starting one year late adds the empty year: 24 + 6 = 30 months.
    late = replace(fading, outcome_start=1)
    assert compute(value_map(late, investment=1_250_000.0)).payback_months == pytest.approx(30)
    # Worked example: 12 × 5,000,000 / 5,040,000 = 11.905 months.
    assert compute(value_map()).payback_months == pytest.approx(12 * 5e6 / 5.04e6)


def test_payback_never_reached_is_none_with_a_note() -> None:
    result = compute(value_map(investment=20_000_000.0))  # cumulative impact is 12,297,600
    assert result.payback_months is None
    assert "sroi.note.no-payback" in [n.code for n in result.notes]
    assert payback_months([1.0, -5.0, 1.0], 2.0) is None


# --- break-even --------------------------------------------------------------------------------


def test_break_even_success_rate_is_investment_over_pv() -> None:
    result = compute(value_map())
    # 5,000,000 / 11,542,786.753 = 0.43317
    assert result.break_even_success_rate == pytest.approx(5e6 / PV, rel=1e-12)


def test_break_even_attribution_is_exact() -> None:
    # With attribution 0 the PV is 11,542,786.753 / 0.7 = 16,489,695.361;
    # (1 − a)·16,489,695.361 = 5,000,000 → a = 0.69678
    result = compute(value_map())
    assert result.break_even_attribution == pytest.approx(1 - 5e6 / (PV / 0.7), rel=1e-12)


def _mixed_map(investment: float) -> ValueMap:
    return value_map(
        outcome(),
        outcome(
            stakeholder="가족",
            quantity=7,
            proxy=350_000,
            deadweight=0.05,
            attribution=0.6,
            drop_off=0.0,
            duration=5,
            outcome_start=2,
        ),
        outcome(stakeholder="이웃", quantity=3, proxy=-90_000, attribution=0.1, duration=1),
        investment=investment,
    )


@pytest.mark.parametrize("investment", [1_000_000.0, 5_000_000.0, 12_000_000.0])
def test_break_even_round_trips_to_a_ratio_of_one(investment: float) -> None:
    vm = _mixed_map(investment)
    result = compute(vm)
    s = result.break_even_success_rate
    a = result.break_even_attribution
    assert s is not None and a is not None
    scaled = replace(vm, outcomes=tuple(replace(o, quantity=o.quantity * s) for o in vm.outcomes))
    assert compute(scaled).sroi_ratio == pytest.approx(1.0, abs=1e-9)
    shared = replace(vm, outcomes=tuple(replace(o, attribution=a) for o in vm.outcomes))
    assert compute(shared).sroi_ratio == pytest.approx(1.0, abs=1e-9)


def test_break_even_out_of_reach_is_none_and_says_so() -> None:
    # Investment above even the attribution-free PV (16,489,695): neither break-even exists.
    result = compute(value_map(investment=20_000_000.0))
    codes = [n.code for n in result.notes]
    assert result.break_even_success_rate is None and result.break_even_attribution is None
    assert "sroi.note.success-above-one" in codes
    assert "sroi.note.attribution-zero-not-enough" in codes
    # Between the PV (11.5M) and the attribution-free PV (16.5M): success > 100% is needed,
    # but a smaller attribution would still reach 1:1.
    middle = compute(value_map(investment=14_000_000.0))
    assert middle.break_even_success_rate is None
    assert middle.break_even_attribution == pytest.approx(1 - 14e6 / (PV / 0.7))


def test_break_even_impossible_when_value_is_not_positive() -> None:
    harm = outcome(proxy=-1_000)
    result = compute(value_map(harm))
    codes = [n.code for n in result.notes]
    assert result.sroi_ratio is not None and result.sroi_ratio < 0
    assert "sroi.note.success-impossible" in codes
    assert "sroi.note.attribution-impossible" in codes


# --- result --------------------------------------------------------------------------------------


def test_to_dict_has_the_documented_keys_and_is_json() -> None:
    doc = compute(value_map()).to_dict()
    for key in (
        "total_present_value",
        "investment",
        "net_present_value",
        "sroi_ratio",
        "payback_months",
        "break_even_success_rate",
        "break_even_attribution",
        "outcomes",
    ):
        assert key in doc
    assert set(doc["outcomes"][0]) >= {
        "stakeholder",
        "outcome",
        "year_one_impact",
        "impact_by_year",
        "present_value",
    }
    again = json.loads(json.dumps(doc, ensure_ascii=False))
    assert isinstance(again["total_present_value"], float)
    assert again["outcomes"][0]["impact_by_year"] == pytest.approx(list(YEARS))


def test_results_and_inputs_are_immutable() -> None:
    result = compute(value_map())
    with pytest.raises(AttributeError):
        result.sroi_ratio = 3.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        outcome().places["x"] = Location()  # type: ignore[index]


# --- validation ----------------------------------------------------------------------------------


def test_outcome_reports_every_problem_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        outcome(
            quantity=-1,
            deadweight=1.5,
            attribution="x",
            duration=0,
            outcome_start=-1,
            stakeholder=" ",
            currency="WON",
        )
    issues = caught.value.issues
    found = {(i.code, i.where.field if i.where else None) for i in issues}
    assert found == {
        ("sroi.negative", "quantity"),
        ("sroi.fraction-range", "deadweight"),
        ("sroi.not-number", "attribution"),
        ("sroi.duration", "duration"),
        ("sroi.outcome-start", "outcome_start"),
        ("sroi.empty", "stakeholder"),  # blank text is empty, not "not text"
        ("sroi.currency-unknown", "currency"),
    }
    assert "150%" in next(i for i in issues if i.code == "sroi.fraction-range").message("en")


def test_issues_point_where_the_value_was_read() -> None:
    here = Location("map.csv", 7, 9, field="Deadweight %")
    with pytest.raises(InvalidInput) as caught:
        outcome(deadweight=-0.1, places={"deadweight": here})
    issue = caught.value.first
    assert issue.where == here
    assert issue.render("en", caret=False).startswith("map.csv:7:9: sroi.fraction-range:")
    assert "'Deadweight %'" in issue.message("en")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "3", None])
def test_non_numbers_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        outcome(proxy=bad)
    assert caught.value.first.code == "sroi.not-number"


def test_whole_years_accept_integral_floats_only() -> None:
    assert outcome(duration=3.0).duration == 3
    with pytest.raises(InvalidInput):
        outcome(duration=2.5)


def test_value_map_reports_every_problem_at_once() -> None:
    usd = outcome(currency="USD")
    with pytest.raises(GachiError) as caught:
        ValueMap(
            name="x",
            outcomes=(usd,),
            investment=(1.0, -2.0),
            discount_rate=1.2,
            discount_first_year="yes",  # type: ignore[arg-type]
        )
    assert isinstance(caught.value, InvalidInput)
    assert {i.code for i in caught.value.issues} == {
        "sroi.negative",
        "sroi.fraction-range",
        "sroi.not-bool",
        "sroi.currency-mismatch",
    }
    with pytest.raises(InvalidInput) as empty:
        ValueMap(name="x", outcomes=())
    assert empty.value.first.code == "sroi.no-outcomes"


def test_boundaries_are_allowed() -> None:
    ok = outcome(deadweight=0, displacement=1, attribution=0.0, drop_off=1.0, quantity=0)
    assert compute(value_map(ok, discount_rate=1.0)).total_present_value == 0.0


# --- properties ----------------------------------------------------------------------------------

fractions = st.floats(min_value=0.0, max_value=1.0)


@given(
    low=fractions,
    high=fractions,
    proxy=st.floats(min_value=0, max_value=1e9),
    drop=fractions,
    duration=st.integers(min_value=1, max_value=10),
)
def test_more_deadweight_never_adds_value(
    low: float, high: float, proxy: float, drop: float, duration: int
) -> None:
    low, high = sorted((low, high))
    a = compute(value_map(outcome(deadweight=low, proxy=proxy, drop_off=drop, duration=duration)))
    b = compute(value_map(outcome(deadweight=high, proxy=proxy, drop_off=drop, duration=duration)))
    assert b.total_present_value <= a.total_present_value * (1 + 1e-12) + 1e-9


@given(
    factor=st.floats(min_value=0.01, max_value=100),
    quantities=st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=4),
)
def test_ratio_scales_linearly_with_quantities(factor: float, quantities: list[float]) -> None:
    base = value_map(*(outcome(quantity=q, stakeholder=f"s{i}") for i, q in enumerate(quantities)))
    scaled = replace(
        base, outcomes=tuple(replace(o, quantity=o.quantity * factor) for o in base.outcomes)
    )
    r1, r2 = compute(base).sroi_ratio, compute(scaled).sroi_ratio
    assert r1 is not None and r2 is not None
    assert r2 == pytest.approx(r1 * factor, rel=1e-9, abs=1e-12)


@given(rate=st.floats(min_value=0.0, max_value=1.0), first=st.booleans())
def test_present_value_never_exceeds_the_undiscounted_sum(rate: float, first: bool) -> None:
    impacts = impact_by_year(outcome())
    pv = present_value(impacts, rate, discount_first_year=first)
    assert pv <= sum(impacts) * (1 + 1e-12)


# --- numbers too large to compute ----------------------------------------------------------------


def test_outcomes_that_overflow_are_named_not_a_traceback() -> None:
    # 1e300 × ±1e300 is ±inf; summing +inf and −inf used to raise "ValueError: -inf + inf".
    here = Location("map.yaml", 8, 14, field="outcome")
    gain = outcome(outcome="가", quantity=1e300, proxy=1e300)
    harm = outcome(outcome="나", quantity=1e300, proxy=-1e300, places={"outcome": here})
    with pytest.raises(InvalidInput) as caught:
        compute(value_map(gain, harm))
    assert [(i.code, i.params["outcome"]) for i in caught.value.issues] == [
        ("sroi.overflow", "가"),
        ("sroi.overflow", "나"),
    ]
    assert caught.value.issues[1].where == here
    assert "나" in caught.value.issues[1].message("ko")


def test_a_product_beyond_the_float_range_is_refused_not_infinity() -> None:
    # 1e200 × 1e200 = 1e400: the result used to hold inf and the CLI printed `Infinity`.
    with pytest.raises(InvalidInput) as caught:
        compute(value_map(outcome(quantity=1e200, proxy=1e200)))
    assert caught.value.first.code == "sroi.overflow"


def test_a_total_that_overflows_names_the_outcome_that_tips_it() -> None:
    # Each outcome alone is finite (1e308 / 1.035); their sum is not.
    a = outcome(outcome="a", quantity=1, proxy=1e308, duration=1)
    a = replace(a, deadweight=0, displacement=0, attribution=0)
    b = replace(a, outcome="b")
    with pytest.raises(InvalidInput) as caught:
        compute(value_map(a, b))
    (issue,) = caught.value.issues
    assert issue.code == "sroi.total-overflow" and issue.params["outcome"] == "b"


def test_an_undiscounted_series_too_large_to_add_up_is_refused() -> None:
    # 50 years of ~1e307 discount to a finite PV at 100%, but the payback needs their plain sum.
    big = outcome(quantity=1, proxy=1e307, drop_off=0, duration=50)
    with pytest.raises(InvalidInput) as caught:
        compute(value_map(big, discount_rate=1.0))
    assert caught.value.first.code == "sroi.overflow"


def test_a_ratio_beyond_the_float_range_is_refused() -> None:
    here = Location("map.yaml", 1, 13, field="investment")
    with pytest.raises(InvalidInput) as caught:
        compute(value_map(outcome(proxy=1e300), investment=1e-300, places={"investment": here}))
    issue = caught.value.first
    assert issue.code == "sroi.result-overflow" and issue.params["figure"] == "sroi_ratio"
    assert issue.where == here


def test_investments_that_add_up_beyond_the_float_range_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        value_map(investment=(1e308, 1e308))
    assert caught.value.first.code == "sroi.investment-overflow"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("duration", 51, "sroi.duration"),
        ("duration", 100_000_000, "sroi.duration"),  # used to be an OverflowError in (1 + r)^t
        ("duration", 1e300, "sroi.duration"),
        ("outcome_start", 11, "sroi.outcome-start"),
    ],
)
def test_duration_and_outcome_start_have_the_catalogues_caps(
    field: str, value: object, code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        outcome(**{field: value})
    issue = caught.value.first
    assert issue.code == code and str(issue.params["max"]) in issue.message("en")


def test_the_caps_themselves_are_allowed() -> None:
    longest = outcome(duration=50, outcome_start=10)
    assert len(compute(value_map(longest)).outcomes[0].impact_by_year) == 60


def test_blank_and_non_text_names_say_which_is_wrong() -> None:
    with pytest.raises(InvalidInput) as caught:
        outcome(stakeholder=["a", "b"], outcome=" ")
    found = {i.params["field"]: i for i in caught.value.issues}
    assert found["stakeholder"].code == "sroi.not-text"
    assert "텍스트가 아닙니다" in found["stakeholder"].message("ko")
    assert "비어" not in found["stakeholder"].message("ko")
    assert "not text" in found["stakeholder"].message("en")
    assert found["outcome"].code == "sroi.empty"


huge = st.floats(min_value=0, max_value=1.7e308)


@given(
    quantities=st.lists(huge, min_size=1, max_size=3),
    proxy=st.floats(min_value=-1.7e308, max_value=1.7e308),
    investment=huge,
    rate=fractions,
    duration=st.integers(min_value=1, max_value=50),
)
def test_every_figure_is_finite_or_the_map_is_refused(
    quantities: list[float], proxy: float, investment: float, rate: float, duration: int
) -> None:
    outcomes = (outcome(quantity=q, proxy=proxy, duration=duration) for q in quantities)
    vm = value_map(*outcomes, investment=investment, discount_rate=rate)
    try:
        result = compute(vm)
    except InvalidInput as err:
        assert {i.code for i in err.issues} <= {
            "sroi.overflow",
            "sroi.total-overflow",
            "sroi.result-overflow",
        }
        return
    json.dumps(result.to_dict(), allow_nan=False)  # raises on inf or NaN anywhere
