"""The Shapley attribution of a restatement (pure: no database)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gachi.domains.publishing.attribution import FACTORS, mixed, shapley

KEY = (1, "x")
finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


def _subsets(factors):
    return [
        frozenset(c) for n in range(len(factors) + 1) for c in itertools.combinations(factors, n)
    ]


@given(st.lists(finite, min_size=8, max_size=8))
def test_the_shares_add_up_to_the_difference_whatever_the_values(values) -> None:
    measured = {s: {KEY: v} for s, v in zip(_subsets(FACTORS), values, strict=True)}
    shares = shapley(measured, FACTORS)[KEY]
    difference = measured[frozenset(FACTORS)][KEY] - measured[frozenset()][KEY]
    assert sum(shares.values()) == pytest.approx(difference, rel=1e-9, abs=1e-3)


@given(st.lists(finite, min_size=4, max_size=4))
def test_a_factor_that_changes_nothing_gets_nothing(values) -> None:
    # "method" changes nothing: every measurement equals the one without it.
    base = dict(zip(_subsets(("data", "proxies")), values, strict=True))
    measured = {s: {KEY: base[s - {"method"}]} for s in _subsets(FACTORS)}
    assert shapley(measured, FACTORS)[KEY]["method"] == pytest.approx(0, abs=1e-6)


def test_hand_worked_interaction_is_split_evenly() -> None:
    # value = hours × wage: 100 × 10,000 → 150 × 12,000. The interaction (50 × 2,000 = 100,000)
    # is split half and half: data 500,000 + 50,000, proxies 200,000 + 50,000.
    v = {
        frozenset(): 1_000_000,
        frozenset({"data"}): 1_500_000,
        frozenset({"proxies"}): 1_200_000,
        frozenset({"data", "proxies"}): 1_800_000,
    }
    shares = shapley({s: {KEY: x} for s, x in v.items()}, ("data", "proxies"))[KEY]
    assert shares == pytest.approx({"data": 550_000, "proxies": 250_000})


def test_a_line_missing_from_a_measurement_counts_as_zero() -> None:
    v = {frozenset(): {}, frozenset({"data"}): {KEY: 10.0}}
    assert shapley(v, ("data",)) == {KEY: {"data": 10.0}}


def test_mixing_takes_the_proxies_of_one_version_and_the_rest_of_the_other() -> None:
    old = {
        "settings": "a",
        "indicators": {"i": "id: i\nformula: x * p\nproxies: [{name: p, value: 1}]\n"},
    }
    new = {
        "settings": "b",
        "indicators": {"i": "id: i\nformula: x * p * 2\nproxies: [{name: p, value: 5}]\n"},
    }
    both = mixed(old, new)
    assert both["settings"] == "a"
    assert "x * p\n" in both["indicators"]["i"] and "value: 5" in both["indicators"]["i"]
    assert mixed(old, old) == old
