"""Whole numbers sent as text: ASCII digits within a bound, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gachi.kernel.integers import MAX_ID, parse_id, parse_whole


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("17", 17),
        ("0017", 17),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("²", None),
        ("١", None),
        ("５", None),
        (" 1", None),
        ("1 ", None),
        ("-1", None),
        ("+1", None),
        ("1_000", None),
        ("1.0", None),
        ("", None),
        ("9" * 5000, None),  # past int()'s 4300-digit limit: still no error
    ],
)
def test_parse_whole(text: str, expected: int | None) -> None:
    assert parse_whole(text) == expected


def test_parse_whole_keeps_to_its_bounds() -> None:
    assert parse_whole("1899", low=1900, high=2200) is None
    assert parse_whole("2200", low=1900, high=2200) == 2200
    assert parse_whole("02024", low=1900, high=2200) is None  # longer than any year
    assert [parse_id(v) for v in (1, 0, True, "7", "٧", MAX_ID + 1, None)] == [
        1,
        None,
        None,
        7,
        None,
        None,
        None,
    ]


@settings(max_examples=300)
@given(st.text(max_size=12))
def test_parse_whole_accepts_exactly_ascii_digits(text: str) -> None:
    value = parse_whole(text, high=10**12)
    if text and len(text) <= 13 and all(c in "0123456789" for c in text):
        assert value == int(text)
    else:
        assert value is None
