"""Business registration numbers: format, check digit, every single-digit typo caught."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gachi.errors import InvalidInput
from gachi.kernel.brn import check_digit, format_brn, parse_brn


@pytest.mark.parametrize(
    "text", ["124-81-00998", "1248100998", " 124 81 00998 ", "１２４-８１-００９９８"]
)
def test_written_forms_of_one_number(text: str) -> None:
    # 1·1 + 2·3 + 4·7 + 8·1 + 1·3 + 0·7 + 0·1 + 9·3 + 9·5 = 118; + ⌊9·5/10⌋ = 122 → check 8
    assert parse_brn(text) == "1248100998"
    assert format_brn(parse_brn(text)) == "124-81-00998"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("124-81-00999", "brn.checksum"),
        ("124-81-0099", "brn.format"),
        ("124-81-009988", "brn.format"),
        ("12a-81-00998", "brn.format"),
        ("", "brn.format"),
        ("١٢٤٨١٠٠٩٩٨", "brn.format"),  # Arabic-Indic digits are digits, but not ours
    ],
)
def test_bad_numbers_say_why(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_brn(text)
    assert err.value.first.code == code


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_any_prefix_with_its_check_digit_is_valid(prefix: str) -> None:
    assert parse_brn(prefix + str(check_digit(prefix))) == prefix + str(check_digit(prefix))


@given(
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.integers(0, 9),
    st.integers(1, 9),
)
def test_every_single_digit_typo_is_caught(prefix: str, position: int, shift: int) -> None:
    number = prefix + str(check_digit(prefix))
    typo = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    with pytest.raises(InvalidInput):
        parse_brn(typo)


@given(st.text(max_size=30))
def test_any_text_is_a_number_or_a_clear_refusal(text: str) -> None:
    try:
        digits = parse_brn(text)
    except InvalidInput as err:
        assert err.first.code in ("brn.format", "brn.checksum")
    else:
        assert len(digits) == 10 and digits.isdigit()
