"""Units: parsing, scales to base atoms, and the algebra that makes dimensional analysis work."""

from __future__ import annotations

import pytest

from gachi.errors import InvalidInput
from gachi.kernel.units import DIMENSIONLESS, Unit, parse_unit, unit_label


def test_money_per_emission() -> None:
    u = parse_unit("KRW/tCO2e")
    assert u.dims == (("KRW", 1), ("tCO2e", -1))
    assert u.scale == 1.0
    assert u.currency == "KRW"
    assert str(u) == "KRW/tCO2e"


def test_parenthesised_denominator_is_divided_as_a_whole() -> None:
    u = parse_unit("KRW/(person·hour)")
    # KRW¹ · hour⁻¹ · person⁻¹, atoms sorted; not KRW/person·hour (= KRW·hour/person)
    assert u.dims == (("KRW", 1), ("hour", -1), ("person", -1))
    assert u == parse_unit("KRW/(person*hour)") == parse_unit("KRW/person/hour")
    assert u != parse_unit("KRW/person*hour")
    assert str(u) == "KRW/(hour·person)"


def test_scaled_atoms_keep_the_base_and_a_factor() -> None:
    assert parse_unit("MWh") == Unit((("kWh", 1),), 1000.0)
    assert parse_unit("GWh") == Unit((("kWh", 1),), 1e6)
    assert parse_unit("kgCO2e") == Unit((("tCO2e", 1),), 1e-3)
    # tCO2e per MWh = tCO2e per 1000 kWh: scale 1/1000
    grid = parse_unit("tCO2e/MWh")
    assert grid.dims == (("kWh", -1), ("tCO2e", 1))
    assert grid.scale == pytest.approx(1e-3, rel=1e-15)
    # a month is 1/12 year, so won per person-month is 12 won per person-year
    wage = parse_unit("KRW/(person·month)")
    assert wage.dims == (("KRW", 1), ("person", -1), ("year", -1))
    assert wage.scale == pytest.approx(12.0, rel=1e-15)
    assert wage.base() == parse_unit("KRW/(person·year)")


@pytest.mark.parametrize(
    ("korean", "english"),
    [("명", "person"), ("건", "case"), ("시간", "hour"), ("원", "KRW"), ("개월", "month")],
)
def test_korean_aliases(korean: str, english: str) -> None:
    assert parse_unit(korean) == parse_unit(english)


def test_korean_aliases_combine() -> None:
    assert parse_unit("원/(명·시간)") == parse_unit("KRW/(person·hour)")
    assert parse_unit("원/건").currency == "KRW"


def test_percent_and_one_are_dimensionless() -> None:
    pct = parse_unit("%")
    assert pct.dimensionless and pct.scale == 0.01
    assert parse_unit("1") == DIMENSIONLESS
    assert parse_unit("1").dimensionless
    assert str(DIMENSIONLESS) == "1"
    # "1" in a product adds nothing
    assert parse_unit("1/person") == parse_unit("person^-1")


def test_powers() -> None:
    assert parse_unit("km^2").dims == (("km", 2),)
    assert parse_unit("KRW·person^-1") == parse_unit("KRW/person")
    assert parse_unit("m^2").scale == pytest.approx(1e-6)  # (1/1000 km)²
    assert parse_unit("person") ** 0 == DIMENSIONLESS


def test_unknown_atom_is_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_unit("KRW/widget")
    issue = caught.value.first
    assert issue.code == "unit.unknown"
    assert issue.params["atom"] == "widget"
    assert issue.params["unit"] == "KRW/widget"
    assert "tCO2e" in issue.params["known"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "KRW/", "/KRW", "KRW//t", "(KRW", "KRW)", "KRW t", "KRW^x", "KRW**2", "()", "^2"],
)
def test_syntax_errors(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_unit(text)
    assert caught.value.first.code == "unit.syntax"
    assert caught.value.first.params["unit"] == text


def test_multiplication_and_division_cancel() -> None:
    krw = parse_unit("KRW")
    assert parse_unit("KRW/tCO2e") * parse_unit("tCO2e") == krw
    assert (parse_unit("KRW/tCO2e") * parse_unit("tCO2e")).dims == (("KRW", 1),)
    # won per MWh × MWh: scales 1/1000 and 1000 cancel too
    per_mwh = parse_unit("KRW/MWh") * parse_unit("MWh")
    assert per_mwh.dims == (("KRW", 1),)
    assert per_mwh.scale == pytest.approx(1.0, rel=1e-15)
    assert (parse_unit("person") / parse_unit("person")).dimensionless
    # tCO2e/MWh × KRW/tCO2e × MWh = KRW
    chain = parse_unit("tCO2e/MWh") * parse_unit("KRW/tCO2e") * parse_unit("MWh")
    assert chain.same_dims(krw)


def test_currencies_never_cancel() -> None:
    krw, usd = parse_unit("KRW"), parse_unit("USD")
    ratio = krw / usd
    assert not ratio.dimensionless
    assert ratio.dims == (("KRW", 1), ("USD", -1))
    assert parse_unit("KRW/USD") == ratio
    assert not krw.same_dims(usd)
    assert (krw / krw).dimensionless
    # a money unit with two currencies in the numerator has no single currency
    assert (krw * usd).currency is None


def test_with_currency_swaps_only_the_money_atom() -> None:
    assert parse_unit("USD/tCO2e").with_currency("KRW") == parse_unit("KRW/tCO2e")
    assert parse_unit("EUR/MWh").with_currency("KRW").scale == pytest.approx(1e-3)
    # a physical factor has no currency and is left alone
    assert parse_unit("tCO2e/MWh").with_currency("KRW") == parse_unit("tCO2e/MWh")


def test_atom_order_does_not_matter() -> None:
    assert parse_unit("person·KRW") == parse_unit("KRW·person")
    assert parse_unit(" KRW / tCO2e ") == parse_unit("KRW/tCO2e")


# ---- display: unit_label -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "korean"),
    [
        ("case", "건"),
        ("person", "명"),
        ("minute/case", "분/건"),
        ("KRW/hour", "원/시간"),
        ("KRW/(person·month)", "원/(명·개월)"),
        ("case/call", "건/통"),
        ("USD/tCO2e", "달러/tCO2e"),
        ("KRW/t", "원/톤"),
        ("KRW*hour", "원·시간"),
        ("명/건", "명/건"),  # a Korean alias stays Korean
        # SI and scientific units stay as they are
        ("tCO2e/MWh", "tCO2e/MWh"),
        ("MWh", "MWh"),
        ("km", "km"),
        ("m^2", "m²"),
        ("%", "%"),
    ],
)
def test_units_read_in_korean(unit: str, korean: str) -> None:
    assert unit_label(unit, "ko") == korean


def test_units_in_english_are_as_written_and_aliases_are_named() -> None:
    assert unit_label("KRW/hour", "en") == "KRW/hour"
    assert unit_label("minute/case", "en") == "minute/case"
    assert unit_label("명/건", "en") == "person/case"


def test_a_plain_number_has_no_unit_to_show() -> None:
    # "0.0917 1" would read as 0.09171.
    assert unit_label("1", "ko") == unit_label("1", "en") == unit_label(" 1 ", "ko") == ""
    assert unit_label("1/hour", "ko") == "1/시간"


def test_a_label_never_fails_on_what_is_not_a_unit() -> None:
    assert unit_label("bogus/zz", "ko") == "bogus/zz"
    assert unit_label("KRW/(hour", "ko") == "KRW/(hour"
    assert unit_label("", "ko") == ""
