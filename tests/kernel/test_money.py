"""Money: Korean display units, exchange and price tables, re-basing, and reading Korean CSVs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from gachi.errors import InvalidInput, MissingRate
from gachi.kernel.files import detect_encoding, read_text
from gachi.kernel.money import (
    ExchangeRates,
    PriceIndex,
    default_price_indices,
    default_rates,
    format_krw,
    format_money,
    rebase,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "gachi" / "data"


def _shipped(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


# --- Korean display units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (2_110_000_000_000, "2.11조원"),
        (1_000_000_000_000, "1.00조원"),  # exactly one 조 is shown in 조
        (123_456_000_000, "1,234.6억원"),  # 1,234.56억 → one decimal
        (100_000_000, "1.0억원"),
        (35_000_000, "3,500만원"),
        (10_000, "10,000원"),  # under 100만원: exact won
        (1_000_000, "100만원"),
        (9_999, "9,999원"),
        (0, "0원"),
        (-1_200_000_000, "-12.0억원"),
        (-35_000_000, "-3,500만원"),
    ],
)
def test_format_krw_picks_the_largest_unit(amount: float, text: str) -> None:
    assert format_krw(amount) == text


@pytest.mark.parametrize(
    ("amount", "unit", "digits", "text"),
    [
        # exact decimal ties round away from zero (banker's rounding would give 2.10 and 12)
        (2_105_000_000_000, "auto", None, "2.11조원"),
        (-2_105_000_000_000, "auto", None, "-2.11조원"),
        (1_250_000_000, "억원", 0, "13억원"),
        (-1_250_000_000, "억원", 0, "-13억원"),
        (2.5, "원", None, "3원"),
        (-2.5, "원", None, "-3원"),
        (0.5, "원", None, "1원"),
        # a small negative that rounds to zero is "0", not "-0"
        (-0.4, "auto", None, "0원"),
    ],
)
def test_format_krw_rounds_half_away_from_zero(
    amount: float, unit: str, digits: int | None, text: str
) -> None:
    assert format_krw(amount, unit, digits=digits) == text


def test_format_krw_explicit_units() -> None:
    # 1,234,567,890 / 1,000,000 = 1,234.56789 → 0 digits → 1,235
    assert format_krw(1_234_567_890, "백만원") == "1,235백만원"
    assert format_krw(1_234_567_890, "원") == "1,234,567,890원"
    assert format_krw(1_234_567_890, "조원", digits=4) == "0.0012조원"
    assert format_krw(1_234_567_890, "만원") == "123,457만원"  # 123,456.789 → 123,457


def test_format_krw_refuses_what_it_cannot_show() -> None:
    with pytest.raises(InvalidInput) as caught:
        format_krw(math.inf)
    assert caught.value.first.code == "money.not-finite"
    with pytest.raises(InvalidInput) as caught:
        format_krw(1.0, "천원")
    assert caught.value.first.code == "money.unknown-unit"


def test_format_money_other_currencies() -> None:
    assert format_money(1234.5, "USD") == "1,234.50 USD"
    assert format_money(1234.4, "JPY") == "1,234 JPY"
    assert format_money(35_000_000) == "3,500만원"


# --- exchange rates and price indices -----------------------------------------------------------


RATES = ExchangeRates({2020: {"USD": 1200.0, "EUR": 1400.0}, 2021: {"USD": 1100.0}})


def test_rates_through_won() -> None:
    assert RATES.rate("USD", "KRW", 2020) == 1200.0
    assert RATES.rate("KRW", "USD", 2020) == pytest.approx(1 / 1200)
    # EUR→USD crosses through KRW: 1,400 won per euro / 1,200 won per dollar
    assert RATES.rate("EUR", "USD", 2020) == pytest.approx(1400 / 1200, rel=1e-15)
    assert RATES.rate("USD", "EUR", 2020) == pytest.approx(1200 / 1400, rel=1e-15)
    # the same currency needs no table, even for a year it does not have
    assert RATES.rate("GBP", "GBP", 1990) == 1.0


@pytest.mark.parametrize(
    ("frm", "to", "year", "missing", "years"),
    [
        ("USD", "KRW", 1990, "USD", "2020–2021"),
        ("KRW", "USD", 1990, "USD", "2020–2021"),
        ("EUR", "KRW", 2021, "EUR", "2020–2020"),  # the year exists, the currency does not
        ("USD", "GBP", 2020, "GBP", "-"),
    ],
)
def test_missing_rate_names_currency_and_year(
    frm: str, to: str, year: int, missing: str, years: str
) -> None:
    with pytest.raises(MissingRate) as caught:
        RATES.rate(frm, to, year)
    err = caught.value
    assert isinstance(err, InvalidInput) and err.status == 422
    assert err.first.code == "money.missing-rate"
    assert err.first.params == {"currency": missing, "year": year, "years": years}


def test_shipped_cross_rate_matches_the_table() -> None:
    table = _shipped("fx_krw.yaml")["rates"]
    # 2020: 1,347.01 won per euro, 1,180.56 won per dollar
    expected = table[2020]["EUR"] / table[2020]["USD"]
    assert default_rates().rate("EUR", "USD", 2020) == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx(1347.01 / 1180.56, rel=1e-3)


def test_price_index_factor() -> None:
    cpi = PriceIndex("KRW", {2020: 100.0, 2024: 114.18})
    assert cpi.factor(2020, 2024) == pytest.approx(1.1418, rel=1e-15)
    assert cpi.factor(2024, 2020) == pytest.approx(1 / 1.1418, rel=1e-15)
    assert cpi.factor(1999, 1999) == 1.0
    with pytest.raises(MissingRate) as caught:
        cpi.factor(2019, 2024)
    assert caught.value.first.code == "money.missing-cpi"
    assert caught.value.first.params["year"] == 2019
    assert caught.value.first.params["years"] == "2020–2024"


def test_rebase_usd_2020_to_won_2024_with_shipped_tables() -> None:
    fx = _shipped("fx_krw.yaml")["rates"][2020]["USD"]  # 1,180.56
    cpi = _shipped("cpi_kr.yaml")["index"]  # 2020: 100.000, 2024: 114.18
    # 190 × 1,180.56 × 114.18 / 100 = 256,113.04752 won per tCO2e at 2024 prices
    expected = 190 * fx * cpi[2024] / cpi[2020]
    out = rebase(
        190.0,
        "USD",
        2020,
        to_currency="KRW",
        to_year=2024,
        rates=default_rates(),
        cpi=default_price_indices(),
    )
    assert out.value == pytest.approx(expected, rel=1e-12)
    assert out.fx_rate == fx
    assert out.cpi_factor == pytest.approx(cpi[2024] / cpi[2020], rel=1e-12)
    assert (out.currency, out.year) == ("KRW", 2024)
    assert out.steps[0].startswith("USD→KRW @ 1,180.56 (2020 avg;")
    assert out.steps[1].startswith("CPI 2020→2024 × 1.1418")


def test_rebase_without_price_index_only_converts() -> None:
    out = rebase(10.0, "USD", 2020, to_currency="KRW", to_year=2024, rates=RATES, cpi=None)
    assert out.value == 12_000.0  # 10 × 1,200, no inflation step
    assert out.cpi_factor == 1.0
    assert len(out.steps) == 1


def test_rebase_same_currency_and_year_is_the_identity() -> None:
    out = rebase(
        5.0, "KRW", 2024, to_currency="KRW", to_year=2024, rates=RATES, cpi=default_price_indices()
    )
    assert (out.value, out.steps) == (5.0, ())


def test_rebase_needs_a_price_index_of_the_target_currency() -> None:
    with pytest.raises(MissingRate) as caught:
        rebase(
            1.0,
            "USD",
            2020,
            to_currency="USD",
            to_year=2021,
            rates=RATES,
            cpi=default_price_indices(),
        )
    assert caught.value.first.code == "money.missing-cpi-table"


# --- encodings of CSV files Korean spreadsheets save ---------------------------------------------


def test_detect_encoding_of_korean_text() -> None:
    text = "기관,금액\n함께일터,1000\n"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(text.encode("cp949")) == "cp949"
    assert detect_encoding(text.encode("euc-kr")) == "cp949"  # CP949 is a superset
    assert detect_encoding(b"plain ascii,1\n") == "utf-8"


def test_a_character_cut_at_the_end_of_the_sample_does_not_change_the_guess() -> None:
    utf8 = "금액 가나다".encode()
    assert detect_encoding(utf8[:-1]) == "utf-8"  # 3-byte character cut after 2 bytes
    assert detect_encoding(utf8[:-2]) == "utf-8"  # ... after 1 byte
    cp949 = "금액 가나다".encode("cp949")
    assert detect_encoding(cp949[:-1]) == "cp949"  # 2-byte character cut after its lead byte


def test_undecodable_bytes_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        detect_encoding(b"name,value\n\x80\xff\x80\xff,1\nmore,2\n")
    assert caught.value.first.code == "file.encoding"


@pytest.mark.parametrize("encoding", ["utf-8", "cp949"])
def test_read_text_when_the_sample_boundary_cuts_a_character(tmp_path: Path, encoding: str) -> None:
    # The first 65,536 bytes are sampled; put a Korean character across that boundary.
    char = "가".encode(encoding)
    prefix = b"a" * ((1 << 16) - 1)  # the character starts at the sample's last byte
    path = tmp_path / "cut.csv"
    path.write_bytes(prefix + char + "나다\n".encode(encoding))
    text, used = read_text(path)
    assert used == encoding
    assert text.endswith("가나다\n")


def test_read_text_reports_the_line_of_a_bad_byte_after_the_sample(tmp_path: Path) -> None:
    rows = "".join(f"기관{i},{i}\n" for i in range(8000))  # > 64 KiB in CP949
    body = ("기관,금액\n" + rows).encode("cp949")
    assert len(body) > 1 << 16
    path = tmp_path / "bad.csv"
    path.write_bytes(body + b"\x81\x20,1\n")  # 0x81 0x20 is not a CP949 character
    with pytest.raises(InvalidInput) as caught:
        read_text(path)
    issue = caught.value.first
    assert issue.code == "file.encoding-at"
    assert issue.where is not None and issue.where.line == 8002  # header + 8,000 rows + 1
    assert issue.params["encoding"] == "cp949"


def test_figures_the_tables_do_not_confirm_are_marked_in_the_steps() -> None:
    from gachi.kernel.money import default_price_indices, default_rates, rebase

    rates, cpi = default_rates(), default_price_indices()
    # fx_krw.yaml marks every 2016 rate as unconfirmed; cpi_kr.yaml marks 2010
    unsure = rebase(10.0, "USD", 2016, to_currency="KRW", to_year=2024, rates=rates, cpi=cpi)
    assert "[provisional]" in unsure.steps[0]
    sure = rebase(10.0, "USD", 2020, to_currency="KRW", to_year=2024, rates=rates, cpi=cpi)
    assert not any("[provisional]" in s for s in sure.steps)
    old = rebase(10.0, "KRW", 2010, to_currency="KRW", to_year=2024, rates=rates, cpi=cpi)
    assert "[provisional]" in old.steps[0]


def test_numpy_scalars_format_like_floats() -> None:
    import numpy as np

    from gachi.kernel.money import format_money

    assert format_money(np.float64(1.5e10), "KRW") == "150.0억원"
    assert format_money(np.float64(-2.5e6), "KRW", lang="en") == "-₩2.5 m"
    assert format_money(np.float32(1234.5), "USD") == "1,234.50 USD"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2_980_000, "2,980,000"),
        (0.4173, "0.4173"),
        (0.002, "0.002"),
        (1234.5, "1,234.5"),
        (256_113.04752, "256,113"),
        (-0.05, "-0.05"),
        (0, "0"),
        (12.345678, "12.35"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    from gachi.kernel.money import format_number

    assert format_number(value) == text
