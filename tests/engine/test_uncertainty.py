"""Monte-Carlo ranges, variance shares and break-even, against closed forms and brute force."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEMO  # type: ignore[import-not-found]
from gachi.engine.catalog import load_catalog
from gachi.engine.data import open_dataset
from gachi.engine.montecarlo import build
from gachi.engine.plan import compile_plan
from gachi.engine.ranges import simulate
from gachi.engine.run import data_rules, measure
from gachi.errors import CatalogInvalid, InvalidInput

SOURCE = {"title": "test figure", "publisher": "gachi tests", "year": 2024}


def proxy(name: str, value: float, unit: str = "KRW/case", **uncertainty: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "value": value,
        "unit": unit,
        "base_year": 2024,
        "source": dict(SOURCE),
        "licence": "CC0-1.0",
    }
    if "KRW" in unit:
        out["currency"] = "KRW"
    if uncertainty:
        out["uncertainty"] = uncertainty
    return out


def indicator(
    ident: str,
    formula: str,
    inputs: dict[str, str],
    proxies: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": ident,
        "version": 1,
        "name": {"ko": ident},
        "description": {"ko": ident},
        "frameworks": {"sk": extra.pop("sk", "social_contribution")},
        "inputs": [
            {"name": n, "unit": u, "description": {"ko": n}, "allow_negative": True}
            for n, u in inputs.items()
        ],
        "proxies": proxies,
        "formula": formula,
        **extra,
    }


def write(folder: Path, *specs: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text("report_year: 2024\nprice_index: none\n")
    for s in specs:
        (folder / f"{s['id']}.yaml").write_text(yaml.safe_dump(s, allow_unicode=True))
    return folder


def run(folder: Path, frame: pd.DataFrame, **kw: Any) -> Any:
    plan = compile_plan(load_catalog(folder))
    with open_dataset(frame, data_rules(plan)) as ds:
        return measure(plan, ds, draws=kw.pop("draws", 10_000), seed=kw.pop("seed", 7), **kw)


def frame(**columns: list[Any]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"organisation": ["기관"] * n, "programme": ["사업"] * n, "period": ["2024"] * n}
    return pd.DataFrame({**base, **columns})


# --- closed forms ---------------------------------------------------------------------------------


def test_uniform_proxy_quantiles(tmp_path: Path) -> None:
    # value = 200 cases × p, p ~ U(1,000, 3,000): P5 = 200 × (1,000 + 0.05 × 2,000) = 220,000
    folder = write(
        tmp_path / "c",
        indicator(
            "ia",
            "cases * p",
            {"cases": "case"},
            [proxy("p", 2000, distribution="uniform", low=1000, high=3000)],
        ),
    )
    u = run(folder, frame(cases=[120.0, 80.0])).uncertainty
    assert u.total.point == pytest.approx(400_000)
    # Sampling error of a quantile of U(a,b) with 10,000 draws: about 0.2 % of (b − a).
    assert u.total.p5 == pytest.approx(220_000, abs=200 * 2000 * 0.01)
    assert u.total.p50 == pytest.approx(400_000, abs=200 * 2000 * 0.01)
    assert u.total.p95 == pytest.approx(580_000, abs=200 * 2000 * 0.01)
    assert u.total.mean == pytest.approx(400_000, rel=0.01)


def test_sum_of_two_uniforms_is_triangular(tmp_path: Path) -> None:
    # X + Y with X, Y ~ U(0, 1): a triangle on [0, 2]; P5 = √0.1 = 0.3162, P95 = 2 − √0.1.
    folder = write(
        tmp_path / "c",
        indicator(
            "ia", "n * p", {"n": "case"}, [proxy("p", 0.5, distribution="uniform", low=0, high=1)]
        ),
        indicator(
            "ib", "m * q", {"m": "case"}, [proxy("q", 0.5, distribution="uniform", low=0, high=1)]
        ),
    )
    u = run(folder, frame(n=[1.0], m=[1.0])).uncertainty
    assert u.total.p5 == pytest.approx(math.sqrt(0.1), abs=0.025)
    assert u.total.p50 == pytest.approx(1.0, abs=0.02)
    assert u.total.p95 == pytest.approx(2 - math.sqrt(0.1), abs=0.025)
    shares = {a.label: a.share for a in u.assumptions}
    assert shares["p"] == pytest.approx(0.5, abs=0.03)
    assert shares["q"] == pytest.approx(0.5, abs=0.03)
    # 10,000 draws of independent streams still correlate by ~±0.01 (here −0.04 of variance).
    assert u.interaction == pytest.approx(0.0, abs=0.06)


def test_variance_shares_follow_the_weights(tmp_path: Path) -> None:
    # 3X + Y with equal variances: shares 9/10 and 1/10; the tornado swings 3 : 1.
    folder = write(
        tmp_path / "c",
        indicator(
            "ia", "n * p", {"n": "case"}, [proxy("p", 0.5, distribution="uniform", low=0, high=1)]
        ),
        indicator(
            "ib", "m * q", {"m": "case"}, [proxy("q", 0.5, distribution="uniform", low=0, high=1)]
        ),
    )
    u = run(folder, frame(n=[3.0], m=[1.0])).uncertainty
    first, second = u.assumptions
    assert (first.label, second.label) == ("p", "q")
    assert first.share == pytest.approx(0.9, abs=0.03)
    assert second.share == pytest.approx(0.1, abs=0.03)
    swing_p = first.total_at_p95 - first.total_at_p5
    swing_q = second.total_at_p95 - second.total_at_p5
    assert swing_p / swing_q == pytest.approx(3.0, rel=0.05)
    # At its P5 (≈0.05) p moves the total from 3·0.5 + 0.5 = 2 to 3·0.05 + 0.5 = 0.65.
    assert first.total_at_p5 == pytest.approx(0.65, abs=0.05)


def test_drawn_attribution_multiplies(tmp_path: Path) -> None:
    # 100 × 1,000 × (1 − attribution), attribution ~ triangular(0.2, 0.5, 0.8): mean 0.5.
    spec = indicator("ia", "n * p", {"n": "case"}, [proxy("p", 1000)])
    spec["adjustments"] = {
        "attribution": {
            "value": 0.5,
            "uncertainty": {"distribution": "triangular", "low": 0.2, "mode": 0.5, "high": 0.8},
        }
    }
    u = run(write(tmp_path / "c", spec), frame(n=[100.0])).uncertainty
    assert u.total.point == pytest.approx(50_000)
    assert u.total.mean == pytest.approx(50_000, rel=0.01)
    # 1 − attribution is triangular(0.2, 0.5, 0.8) too: P95 = 0.8 − 0.6·√(0.05/2) = 0.7051
    assert u.total.p95 == pytest.approx(100_000 * (0.8 - 0.6 * math.sqrt(0.025)), rel=0.01)
    assert u.assumptions[0].label == "ia.attribution"
    assert u.assumptions[0].share == pytest.approx(1.0, abs=0.02)


def test_break_even_is_exact_for_a_linear_total(tmp_path: Path) -> None:
    # total = 50 × p − 30,000 (a fixed negative indicator): zero at p = 600.
    folder = write(
        tmp_path / "c",
        indicator(
            "gain",
            "n * p",
            {"n": "case"},
            [proxy("p", 1000, distribution="uniform", low=500, high=1500)],
        ),
        indicator("harm", "-(t * k)", {"t": "tCO2e"}, [proxy("k", 1000, unit="KRW/tCO2e")]),
    )
    u = run(folder, frame(n=[50.0], t=[30.0])).uncertainty
    assert u.total.point == pytest.approx(20_000)
    assert u.break_even is not None
    assert u.break_even.label == "p"
    assert u.break_even.value == pytest.approx(600, rel=1e-9)
    assert u.break_even.change == pytest.approx(-0.4, rel=1e-9)


def test_no_break_even_of_the_other_sign(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "c",
        indicator(
            "gain",
            "n * p",
            {"n": "case"},
            [proxy("p", 1000, distribution="uniform", low=500, high=1500)],
        ),
    )
    u = run(folder, frame(n=[50.0])).uncertainty
    assert u.break_even is not None and u.break_even.value is None


# --- reproducibility ------------------------------------------------------------------------------


def test_same_seed_same_ranges_other_seed_other_ranges(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "c",
        indicator(
            "ia",
            "n * p",
            {"n": "case"},
            [proxy("p", 0.5, distribution="triangular", low=0, mode=0.5, high=1)],
        ),
    )
    data = frame(n=[10.0, 20.0])
    one = run(folder, data, seed=11).uncertainty
    again = run(folder, data, seed=11).uncertainty
    other = run(folder, data, seed=12).uncertainty
    assert one.total == again.total
    assert np.array_equal(one.total_draws, again.total_draws)
    assert one.total != other.total


def test_an_added_indicator_does_not_change_the_others_draws(tmp_path: Path) -> None:
    a = indicator(
        "ia", "n * p", {"n": "case"}, [proxy("p", 0.5, distribution="uniform", low=0, high=1)]
    )
    b = indicator(
        "ib", "m * q", {"m": "case"}, [proxy("q", 0.5, distribution="uniform", low=0, high=1)]
    )
    data = frame(n=[1.0], m=[1.0])
    alone = run(write(tmp_path / "one", a), data).uncertainty
    both = run(write(tmp_path / "two", a, b), data).uncertainty
    assert alone.by_indicator["ia"] == both.by_indicator["ia"]


def test_a_shared_proxy_is_one_assumption(tmp_path: Path) -> None:
    carbon = proxy(
        "carbon", 50_000, unit="KRW/tCO2e", distribution="uniform", low=30_000, high=70_000
    )
    folder = write(
        tmp_path / "c",
        indicator("avoided", "t * carbon", {"t": "tCO2e"}, [carbon]),
        indicator("emitted", "-(e * carbon)", {"e": "tCO2e"}, [carbon], sk="business_environment"),
    )
    u = run(folder, frame(t=[10.0], e=[4.0])).uncertainty
    (only,) = u.assumptions
    assert only.used_by == ("avoided", "emitted")
    # Drawn together, the net is 6 t × carbon: its range is 6 × U(30,000, 70,000), not wider.
    assert u.total.p5 == pytest.approx(6 * (30_000 + 0.05 * 40_000), rel=0.01)
    assert u.total.p95 == pytest.approx(6 * (30_000 + 0.95 * 40_000), rel=0.01)


# --- exactness against brute force ---------------------------------------------------------


def wage_baseline() -> dict[str, Any]:
    """wage × months, counting only the wage above a drawn average of 2.5–3.5 million won."""
    average = proxy(
        "avg", 3_000_000, unit="KRW/person", distribution="uniform", low=2.5e6, high=3.5e6
    )
    return indicator(
        "wages",
        "wage * months",
        {"wage": "KRW/person", "months": "person"},
        [average],
        baseline={"input": "wage", "reference": "avg"},
    )


def test_uncertain_baseline_reference_matches_brute_force(tmp_path: Path) -> None:
    # Σ max(wage − reference, 0) × months with the reference drawn (valued from the records
    # sorted once by wage) must equal the same sum done in NumPy over the same draws.
    spec = wage_baseline()
    folder = write(tmp_path / "c", spec)
    wages = np.array([2_400_000.0, 2_900_000.0, 3_200_000.0, 4_000_000.0])
    months = np.array([12.0, 6.0, 12.0, 3.0])
    data = frame(wage=list(wages), months=list(months))
    plan = compile_plan(load_catalog(folder))
    with open_dataset(data, data_rules(plan)) as ds:
        model = build(plan, ds)
        assert any(t.excess is not None for t in model.terms["wages"])
        x = model.params.draw(500, 3)
        got = model.value(x)["wages"][0]
    expected = (np.maximum(wages[:, None] - x[0][None, :], 0) * months[:, None]).sum(axis=0)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_dependency_moves_with_its_source(tmp_path: Path) -> None:
    a = indicator(
        "ia", "n * p", {"n": "case"}, [proxy("p", 10, distribution="uniform", low=5, high=15)]
    )
    b = indicator("ib", "2 * ia", {}, [], in_totals=False)
    u = run(write(tmp_path / "c", a, b), frame(n=[3.0])).uncertainty
    ra, rb = u.by_indicator["ia"], u.by_indicator["ib"]
    assert (rb.p5, rb.p50, rb.p95) == pytest.approx((2 * ra.p5, 2 * ra.p50, 2 * ra.p95), rel=1e-12)
    assert u.total.p95 == pytest.approx(ra.p95, rel=1e-12)  # b is not counted twice


NAMES = ["x", "y", "p", "q", "k"]


@st.composite
def formulas(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from([*NAMES, "2", "0.5"]))
    op = draw(st.sampled_from(["+", "-", "*", "/", "max", "neg", "^"]))
    a = draw(formulas(depth - 1))
    if op == "neg":
        return f"-({a})"
    if op == "^":
        return f"({a}) ^ 2"
    b = draw(formulas(depth - 1))
    if op == "max":
        return f"max({a}, {b})"
    return f"({a}) {op} ({b})"


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(formula=formulas(), seed=st.integers(0, 2**16))
def test_expansion_equals_measuring_with_the_drawn_values(
    tmp_path: Path, formula: str, seed: int
) -> None:
    # For any formula: the model's value at some draws equals the plain measurement of a catalogue
    # whose proxies are fixed at those drawn values.
    def catalogue(folder: Path, p: float, q: float, uncertain: bool) -> Path:
        extra = {"distribution": "uniform", "low": -2.0, "high": 3.0} if uncertain else {}
        proxies = [
            proxy("p", p, unit="1", **extra),
            proxy("q", q, unit="1", **extra),
            proxy("k", 1.5, unit="1"),
        ]
        spec = indicator("fx", formula, {"x": "1", "y": "1"}, proxies, unit="KRW")
        # The formula is dimensionless; the indicator is in won: multiply by 1 won.
        spec["formula"] = f"({formula}) * 1 [KRW]"
        return write(folder, spec)

    data = frame(x=[1.5, -2.0, 0.0, None], y=[3.0, 0.5, 2.0, 1.0])
    try:
        plan = compile_plan(load_catalog(catalogue(tmp_path / f"u{seed}", 0.5, 0.5, True)))
    except CatalogInvalid as err:
        # A formula the checker refuses is not this test's concern; a broken test catalogue is.
        if not all(i.code.startswith(("formula.", "unit.")) for i in err.issues):
            raise
        return
    with open_dataset(data, data_rules(plan)) as ds:
        model = build(plan, ds)
        x = model.params.draw(3, seed)
        got = model.value(x)["fx"][0]
    for d in range(3):
        fixed = {p.label: float(v) for p, v in zip(model.params.items, x[:, d], strict=True)}
        folder = catalogue(
            tmp_path / f"f{seed}_{d}", fixed.get("p", 0.5), fixed.get("q", 0.5), False
        )
        plain = compile_plan(load_catalog(folder))
        with open_dataset(data, data_rules(plain)) as ds:
            want = measure(plain, ds).by_indicator().get("fx", 0.0)
        assert got[d] == pytest.approx(want, rel=1e-9, abs=1e-9)


# --- the demo, and bad input --------------------------------------------------------------------


def test_demo_point_values_match_the_measurement() -> None:
    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        result = measure(plan, ds, draws=1000, seed=1, ranges_per_group=True)
    u = result.uncertainty
    assert u is not None
    assert u.total.point == pytest.approx(result.total(), rel=1e-12)
    for ident, value in result.by_indicator().items():
        assert u.by_indicator[ident].point == pytest.approx(value, rel=1e-12)
    assert u.rows is not None
    for r in result.rows:
        if r.value is not None:
            band = u.rows[(r.group, r.indicator)]
            assert band.point == pytest.approx(r.value, rel=1e-12)
            assert band.p5 <= band.p50 <= band.p95
    slices = u.slices()
    assert {dict(k)["period"] for k in slices} == {"2022", "2023", "2024"}
    assert set(slices) == set(result.slices())
    for scope, ranges in slices.items():
        assert ranges.total.point == pytest.approx(result.total(scope), rel=1e-12)
    assert sum(r.total.point for r in slices.values()) == pytest.approx(result.total(), rel=1e-12)


def test_draws_out_of_range_are_refused() -> None:
    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with (
        open_dataset(DEMO / "records.csv", data_rules(plan)) as ds,
        pytest.raises(InvalidInput) as err,
    ):
        simulate(plan, ds, draws=10)
    assert err.value.first.code == "uncertainty.draws-range"


@pytest.mark.parametrize(
    ("uncertainty", "code"),
    [
        ({"distribution": "uniform", "low": 0.2, "high": 1.4}, "spec.adjustment-range"),
        (
            {"distribution": "triangular", "low": 0.6, "mode": 0.7, "high": 0.9},
            "spec.adjustment-outside-range",
        ),
        ({"distribution": "uniform", "low": 0.6, "high": 0.2}, "spec.uniform-order"),
    ],
)
def test_bad_adjustment_ranges_are_refused_where_they_are(
    tmp_path: Path, uncertainty: dict[str, Any], code: str
) -> None:
    spec = indicator("ia", "n * p", {"n": "case"}, [proxy("p", 1000)])
    spec["adjustments"] = {"deadweight": {"value": 0.5, "uncertainty": uncertainty}}
    with pytest.raises(CatalogInvalid) as err:
        load_catalog(write(tmp_path / "c", spec))
    issue = err.value.issues[0]
    assert issue.code == code, err.value.issues
    assert issue.where is not None and issue.where.file.endswith("ia.yaml") and issue.where.line


def test_proxies_are_drawn_as_written_and_scaled_where_used(tmp_path: Path) -> None:
    # One proxy, 1,000 KRW/MWh = 1 KRW/kWh, shared by an indicator in KRW and one in USD: drawn
    # once in its own unit, each indicator converts the same draws with its own factor.
    price = proxy("price", 1000, unit="KRW/MWh", distribution="uniform", low=500, high=1500)
    krw = indicator("in_krw", "e * price", {"e": "kWh"}, [price])
    usd = indicator("in_usd", "e * price", {"e": "kWh"}, [price], unit="USD")
    folder = write(tmp_path / "c", krw, usd)
    plan = compile_plan(load_catalog(folder))
    with open_dataset(frame(e=[2000.0]), data_rules(plan)) as ds:
        model = build(plan, ds)
        (only,) = model.params.items
        assert (only.point, only.unit) == (1000, "KRW/MWh (2024)")
        x = model.params.draw(400, 9)
        assert x.min() >= 500 and x.max() <= 1500
        got = model.value(x)
        plain = measure(plan, ds)
        u = simulate(plan, ds, draws=1000)
    values = plain.by_indicator()
    # Each indicator's value moves in proportion to the drawn price, from its own estimate.
    np.testing.assert_allclose(got["in_krw"][0], values["in_krw"] * x[0] / 1000, rtol=1e-12)
    np.testing.assert_allclose(got["in_usd"][0], values["in_usd"] * x[0] / 1000, rtol=1e-12)
    assert u.by_indicator["in_usd"].point == pytest.approx(values["in_usd"], rel=1e-12)


def test_a_proxy_without_a_source_is_refused_where_it_is(tmp_path: Path) -> None:
    bad = proxy("p", 1000)
    del bad["source"]
    with pytest.raises(CatalogInvalid) as err:
        load_catalog(write(tmp_path / "c", indicator("ia", "n * p", {"n": "case"}, [bad])))
    (issue,) = err.value.issues
    assert issue.code == "spec.missing-field"
    assert issue.params["field"] == "proxies.0.source"


def test_a_run_too_large_for_memory_is_refused_up_front(monkeypatch: pytest.MonkeyPatch) -> None:
    import gachi.engine.montecarlo as mc

    monkeypatch.setattr(mc, "MEMORY_BUDGET", 5_000_000)
    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        with pytest.raises(InvalidInput) as err:
            simulate(plan, ds, draws=100_000)
        assert err.value.first.code == "uncertainty.too-large"
        # A smaller run fits the same budget.
        assert simulate(plan, ds, draws=1000).draws == 1000


def test_uncertain_baseline_with_money_inputs_carried_by_cpi(tmp_path: Path) -> None:
    # The per-record wage is deflated by its period's CPI, read next to the group keys.
    spec = wage_baseline()
    folder = write(tmp_path / "c", spec)
    (folder / "catalog.yaml").write_text("report_year: 2024\nprice_index: cpi\n")
    data = frame(wage=[3_200_000.0, 3_600_000.0], months=[12.0, 6.0])
    data["period"] = ["2023", "2024"]
    plan = compile_plan(load_catalog(folder))
    with open_dataset(data, data_rules(plan)) as ds:
        model = build(plan, ds)
        x = model.params.points()
        assert model.value(x)["wages"][0, 0] == pytest.approx(measure(plan, ds).total(), rel=1e-12)
        u = simulate(plan, ds, draws=500)
    assert u.total.p5 < u.total.point < u.total.p95


def test_break_even_of_an_adjustment_stays_a_share(tmp_path: Path) -> None:
    # total = 100 × 1,000 × (1 − deadweight) − 80,000: zero at deadweight 0.2, a real share.
    gain = indicator("gain", "n * p", {"n": "case"}, [proxy("p", 1000)])
    gain["adjustments"] = {
        "deadweight": {
            "value": 0.1,
            "uncertainty": {"distribution": "uniform", "low": 0.0, "high": 0.3},
        }
    }
    harm = indicator("harm", "-(t * k)", {"t": "tCO2e"}, [proxy("k", 1000, unit="KRW/tCO2e")])
    u = run(write(tmp_path / "a", gain, harm), frame(n=[100.0], t=[80.0])).uncertainty
    assert u.break_even.label == "gain.deadweight"
    assert u.break_even.value == pytest.approx(0.2, rel=1e-9)
    # With the harm at 120,000 only a deadweight of −0.2 would do: no break-even.
    u = run(write(tmp_path / "b", gain, harm), frame(n=[100.0], t=[120.0])).uncertainty
    assert u.break_even is not None and u.break_even.value is None


def test_nothing_to_break_even_when_the_total_does_not_move(tmp_path: Path) -> None:
    # The only uncertain proxy belongs to an indicator without records: no share, no break-even.
    a = indicator(
        "ia", "n * p", {"n": "case"}, [proxy("p", 10, distribution="uniform", low=5, high=15)]
    )
    b = indicator("ib", "m * k", {"m": "case"}, [proxy("k", 3)])
    u = run(write(tmp_path / "c", a, b), frame(n=[None], m=[2.0]), draws=200).uncertainty
    assert u.assumptions[0].share == 0.0
    assert u.break_even is None


def test_negative_seed_is_refused() -> None:
    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with (
        open_dataset(DEMO / "records.csv", data_rules(plan)) as ds,
        pytest.raises(InvalidInput) as err,
    ):
        simulate(plan, ds, draws=100, seed=-1)
    assert err.value.first.code == "uncertainty.seed-negative"


def test_large_seeds_are_not_folded(tmp_path: Path) -> None:
    a = indicator(
        "ia", "n * p", {"n": "case"}, [proxy("p", 10, distribution="uniform", low=5, high=15)]
    )
    folder = write(tmp_path / "c", a)
    one = run(folder, frame(n=[1.0]), seed=0, draws=200).uncertainty
    other = run(folder, frame(n=[1.0]), seed=2**32, draws=200).uncertainty
    assert one.total != other.total


def test_rows_without_a_value_get_no_range() -> None:
    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        result = measure(plan, ds, draws=200, ranges_per_group=True)
    assert result.uncertainty is not None and result.uncertainty.rows is not None
    keys = set(result.uncertainty.rows)
    assert keys == {(r.group, r.indicator) for r in result.rows if r.value is not None}


def test_ranges_per_group_equal_percentiles_of_each_groups_draws() -> None:
    # The one-term shortcut (sum × the coefficient's percentiles, swapped for negative sums)
    # against plain percentiles of every group's draws; the demo has a negative indicator.
    from gachi.engine.ranges import _rows

    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        m = build(plan, ds)
        x, px = m.params.draw(500, 3), m.params.points()
        op = m.opaque(x) if m.opaque_terms else {}
        got = _rows(m, x, px, op)
        for ident in m.terms:
            v = m.value(x, per_group=slice(0, len(m.groups)), only=ident, opaque=op)[ident]
            q = np.quantile(v, (0.05, 0.5, 0.95), axis=1)
            for g, key in enumerate(m.groups):
                band = got[(key, ident)]
                want = (q[0, g], q[1, g], q[2, g], v[g].mean())
                assert (band.p5, band.p50, band.p95, band.mean) == pytest.approx(
                    want, rel=1e-12, abs=1e-6
                )


def test_sk_baseline_excess_per_period_and_group_matches_brute_force(tmp_path: Path) -> None:
    # Σ max(w − r, 0) × n × 12 + n × bonus, r drawn: sorted sums per period and per group
    # against the same sum done record by record in NumPy.
    spec = indicator(
        "wages",
        "wage * n * 12 + n * bonus",
        {"wage": "KRW/person", "n": "person"},
        [
            proxy("avg", 3e6, unit="KRW/person", distribution="uniform", low=2.5e6, high=3.5e6),
            proxy("bonus", 1000, unit="KRW/person"),
        ],
        baseline={"input": "wage", "reference": "avg"},
    )
    folder = write(tmp_path / "c", spec)
    rng = np.random.default_rng(0)
    k = 40
    wages = rng.uniform(2e6, 4e6, k)
    people = rng.integers(1, 5, k).astype(float)
    data = pd.DataFrame(
        {
            "organisation": [f"기관{i % 3}" for i in range(k)],
            "programme": ["사업"] * k,
            "period": [str(2022 + i % 2) for i in range(k)],
            "wage": wages,
            "n": people,
        }
    )
    data.loc[5, "wage"] = None  # a record without a wage has no value at all
    plan = compile_plan(load_catalog(folder))
    with open_dataset(data, data_rules(plan)) as ds:
        model = build(plan, ds)
        assert any(t.excess is not None for t in model.terms["wages"])
        x = model.params.draw(300, 4)
        levels = model.value(x)["wages"]
        groups = model.value(x, per_group=slice(0, len(model.groups)))["wages"]
    r = x[0]
    has = ~np.isnan(data["wage"].to_numpy())
    per_record = (
        np.maximum(wages[:, None] - r[None, :], 0) * people[:, None] * 12 + people[:, None] * 1000
    )
    per_record[~has] = 0
    np.testing.assert_allclose(levels[0], per_record.sum(axis=0), rtol=1e-12)
    # Every scope — each organisation's period, each organisation, each period — sums its own
    # records' excess.
    assert len(model.scopes.keys) > 1 + len(model.scopes.slices)
    for s, scope in enumerate(model.scopes.keys):
        rows = np.ones(len(data), dtype=bool)
        for col, value in scope:
            rows &= (data[col].astype(str) == value).to_numpy()
        # (sums of a segment are differences of suffix sums: exact to about 1e-11)
        np.testing.assert_allclose(levels[s], per_record[rows].sum(axis=0), rtol=1e-9)
    for g, key in enumerate(model.groups):
        rows = ((data["organisation"] == key[0]) & (data["period"] == key[2])).to_numpy()
        np.testing.assert_allclose(groups[g], per_record[rows].sum(axis=0), rtol=1e-12)


def test_a_record_undefined_only_at_the_estimate_counts_at_other_draws(tmp_path: Path) -> None:
    # x / (y − p) with y = p at the estimate: that record has no value at the estimate but has
    # one at every other draw (found by the property test under CI's fixed seed).
    spec = indicator(
        "fx",
        "x / (y - p) * 1 [KRW]",
        {"x": "1", "y": "1"},
        [proxy("p", 0.5, unit="1", distribution="uniform", low=-2.0, high=3.0)],
    )
    folder = write(tmp_path / "c", spec)
    data = frame(x=[1.5, -2.0], y=[3.0, 0.5])
    plan = compile_plan(load_catalog(folder))
    with open_dataset(data, data_rules(plan)) as ds:
        model = build(plan, ds)
        x = np.array([[0.5, 1.0, -1.0]])
        got = model.value(x)["fx"][0]
    # p = 0.5: the first record only, 1.5 / 2.5; p = 1: 1.5/2 + (−2)/(−0.5);
    # p = −1: 1.5/4 − 2/1.5
    np.testing.assert_allclose(got, [0.6, 0.75 + 4.0, 0.375 - 2 / 1.5], rtol=1e-12)
