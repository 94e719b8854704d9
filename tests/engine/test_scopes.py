"""Totals per organisation and period: nothing adds unrelated organisations or years unless asked,
and each organisation's year has its own ranges, variance shares and break-even.

Hand-worked case: calls are worth a price (uniform 500–1,500, stated 1,000 won); organisation B
also emits tonnes at a carbon cost (triangular 1,000 / 1,500 / 2,000, stated 1,500 won).

    A 2023: 2 calls           →  2,000
    A 2024: 3 calls           →  3,000
    B 2024: 10 calls, 4 t     → 10,000 − 6,000 = 4,000

B's 2024 breaks even where 10 · price = 4 · 1,500, at a price of 600 (−40 %); everything summed
(15 · price − 6,000) would break even at 400, which is no organisation's figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gachi.engine.catalog import load_catalog
from gachi.engine.data import open_dataset
from gachi.engine.montecarlo import build
from gachi.engine.plan import compile_plan
from gachi.engine.result import Result
from gachi.engine.run import data_rules, measure

A23 = (("organisation", "A"), ("period", "2023"))
A24 = (("organisation", "A"), ("period", "2024"))
B24 = (("organisation", "B"), ("period", "2024"))

INDICATOR = """id: {id}
version: 1
name: {{ko: {id}}}
description: {{ko: 시험}}
frameworks: {{sk: {category}}}
inputs: [{{name: {input}, unit: {unit}, description: {{ko: 입력}}}}]
proxies:
  - name: {proxy}
    value: {value}
    unit: KRW/{unit}
    currency: KRW
    base_year: 2024
    source: {{title: 시험, publisher: gachi, year: 2024}}
    licence: CC0-1.0
    uncertainty: {uncertainty}
formula: {formula}
"""


def _result(tmp_path: Path, draws: int | None = None) -> Result:
    folder = tmp_path / "c"
    folder.mkdir(exist_ok=True)
    (folder / "catalog.yaml").write_text("report_year: 2024\nprice_index: none\n")
    (folder / "calls.yaml").write_text(
        INDICATOR.format(
            id="calls_value",
            category="business_society",
            input="calls",
            unit="case",
            proxy="price",
            value=1000,
            uncertainty="{distribution: uniform, low: 500, high: 1500}",
            formula="calls * price",
        ),
        encoding="utf-8",
    )
    (folder / "emissions.yaml").write_text(
        INDICATOR.format(
            id="emissions",
            category="business_environment",
            input="tonnes",
            unit="tCO2e",
            proxy="carbon",
            value=1500,
            uncertainty="{distribution: triangular, low: 1000, mode: 1500, high: 2000}",
            formula="-tonnes * carbon",
        ),
        encoding="utf-8",
    )
    data = tmp_path / "d.csv"
    data.write_text(
        "organisation,programme,period,calls,tonnes\n"
        "A,x,2023,2,\nA,x,2024,1,\nA,y,2024,2,\nB,z,2024,10,4\n",
        encoding="utf-8",
    )
    plan = compile_plan(load_catalog(folder))
    with open_dataset(data, data_rules(plan)) as ds:
        return measure(plan, ds, draws=draws, seed=7)


def test_totals_are_per_organisation_and_period(tmp_path: Path) -> None:
    result = _result(tmp_path)
    assert result.slices() == (A23, A24, B24)
    assert [result.total(s) for s in result.slices()] == [2_000.0, 3_000.0, 4_000.0]
    assert result.by_category(B24) == {
        "business_society": 10_000.0,
        "business_environment": -6_000.0,
    }
    # Programmes of one organisation's year add up: they are its own accounts.
    assert result.total(A24) == 3_000.0
    # Nothing else is shown unless asked for.
    assert result.shown_scopes() == (A23, A24, B24)
    totals = result.to_dict()["totals"]
    assert [t["total"] for t in totals] == [2_000.0, 3_000.0, 4_000.0]
    assert 9_000.0 not in [t["total"] for t in totals]


def test_sums_across_appear_only_when_asked_and_say_what_they_sum(tmp_path: Path) -> None:
    result = _result(tmp_path)
    over_years = result.shown_scopes(["period"])
    assert over_years[3:] == ((("organisation", "A"),), (("organisation", "B"),))
    assert [result.total(s) for s in over_years[3:]] == [5_000.0, 4_000.0]
    both = result.shown_scopes(["period", "organisation"])
    assert both[5:] == ((("period", "2023"),), (("period", "2024"),), ())
    assert [result.total(s) for s in both[5:]] == [2_000.0, 7_000.0, 9_000.0]
    totals = result.to_dict(["organisation"])["totals"]
    assert [(t["scope"], t["across"], t["total"]) for t in totals[3:]] == [
        ({"period": "2023"}, ["organisation"], 2_000.0),
        ({"period": "2024"}, ["organisation"], 7_000.0),
    ]


def test_each_slice_has_its_own_range_shares_and_break_even(tmp_path: Path) -> None:
    result = _result(tmp_path, draws=4_000)
    u = result.uncertainty
    assert u is not None
    assert list(u.slices()) == [A23, A24, B24]
    for scope, ranges in u.slices().items():
        assert ranges.total.point == pytest.approx(result.total(scope))
    # A's years move only with the price: their ranges are the price's, scaled.
    a23, a24 = u.scopes[A23].total, u.scopes[A24].total
    assert a24.p5 == pytest.approx(1.5 * a23.p5) and a24.p95 == pytest.approx(1.5 * a23.p95)
    assert 2 * 500 < a23.p5 < a23.p95 < 2 * 1_500
    # Each organisation's latest year is in focus; A's earlier year is not.
    assert u.scopes[A24].in_focus and u.scopes[B24].in_focus and not u.scopes[A23].in_focus
    # A's list holds only what moves it: B's carbon cost does not.
    assert [a.label for a in u.scopes[A24].assumptions] == ["price"]
    assert u.scopes[A24].break_even is not None and u.scopes[A24].break_even.value is None
    b = u.scopes[B24]
    assert [a.label for a in b.assumptions] == ["price", "carbon"]
    assert b.break_even is not None and b.break_even.label == "price"
    assert b.break_even.value == pytest.approx(600.0)
    assert b.break_even.change == pytest.approx(-0.4)
    # Everything summed would have broken even elsewhere: no organisation's figure.
    assert u.break_even is not None and u.break_even.value == pytest.approx(400.0)
    # The sums across, computed from the same draws, are there for a reader who asks.
    assert u.scopes[(("organisation", "A"),)].total.point == pytest.approx(5_000.0)


def test_a_chosen_focus_gets_its_shares(tmp_path: Path) -> None:
    from gachi.engine.ranges import summarise

    _result(tmp_path)  # writes the catalogue and the data
    plan = compile_plan(load_catalog(tmp_path / "c"))
    with open_dataset(tmp_path / "d.csv", data_rules(plan)) as ds:
        model = build(plan, ds)
        u = summarise(model, draws=1_000, seed=1, focus=[A23])
    assert u.scopes[A23].in_focus and not u.scopes[B24].in_focus
    assert u.scopes[A23].total.p5 == pytest.approx(
        2 * np.quantile(model.params.draw(1_000, 1)[0], 0.05)
    )
