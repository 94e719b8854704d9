"""SROI Monte-Carlo: ranges of PV, NPV and ratio against closed forms; ranges read and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gachi.cli.main import run
from gachi.engine.sroi import Outcome, ValueMap, compute
from gachi.engine.sroi_io import load_value_map
from gachi.engine.sroi_uncertainty import present_values, simulate_sroi
from gachi.errors import InvalidInput


def outcome(**kw: Any) -> Outcome:
    base: dict[str, Any] = {
        "stakeholder": "주민",
        "outcome": "건강",
        "quantity": 100.0,
        "proxy": 1000.0,
    }
    return Outcome(**{**base, **kw})


def test_estimates_equal_the_deterministic_value_map() -> None:
    vm = ValueMap(
        name="예시",
        outcomes=(
            outcome(drop_off=0.3, duration=3, attribution=0.2, proxy_low=800.0, proxy_high=1500.0),
            outcome(outcome_start=1, duration=2, deadweight=0.1, quantity=40.0),
        ),
        investment=50_000.0,
    )
    det = compute(vm)
    assert present_values(vm, {}, 1)[0] == pytest.approx(det.total_present_value, rel=1e-12)
    u = simulate_sroi(vm, draws=2000, seed=5)
    assert u.present_value.point == pytest.approx(det.total_present_value, rel=1e-12)
    assert u.ratio is not None and u.ratio.point == pytest.approx(det.sroi_ratio, rel=1e-12)


def test_triangular_proxy_closed_form() -> None:
    # PV = 100 × proxy (no adjustments, one undiscounted year); proxy ~ tri(600, 1000, 1700):
    # mean = 100 × (600 + 1000 + 1700) / 3 = 110,000.
    vm = ValueMap(
        name="예시",
        outcomes=(outcome(proxy_low=600.0, proxy_high=1700.0),),
        investment=20_000.0,
        discount_first_year=False,
    )
    u = simulate_sroi(vm, draws=20_000, seed=2)
    assert u.present_value.point == pytest.approx(100_000)
    assert u.present_value.mean == pytest.approx(110_000, rel=0.01)
    assert u.net_present_value.mean == pytest.approx(90_000, rel=0.015)
    # P5 of a triangle (a, c, b) below its mode: a + √(0.05 (b − a)(c − a)) = 600 + √(0.05·1100·400)
    assert u.present_value.p5 == pytest.approx(100 * (600 + np.sqrt(0.05 * 1100 * 400)), rel=0.01)
    (only,) = u.assumptions
    assert only.label == "#1 proxy" and only.share == pytest.approx(1.0, abs=0.02)


def test_seeded() -> None:
    vm = ValueMap(
        name="예시",
        outcomes=(outcome(attribution=0.3, attribution_low=0.1, attribution_high=0.5),),
        investment=1.0,
    )
    assert simulate_sroi(vm, draws=500, seed=1) == simulate_sroi(vm, draws=500, seed=1)
    assert simulate_sroi(vm, draws=500, seed=1) != simulate_sroi(vm, draws=500, seed=2)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"proxy_low": 500.0}, "sroi.range-half"),
        ({"proxy_low": 1200.0, "proxy_high": 1500.0}, "sroi.range-order"),
        ({"attribution_low": 0.1, "attribution_high": 1.5}, "sroi.fraction-range"),
        ({"quantity_low": -5.0, "quantity_high": 200.0}, "sroi.negative"),
    ],
)
def test_bad_ranges_are_refused(extra: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        outcome(**extra)
    assert code in [i.code for i in err.value.issues]


def test_ranges_read_from_korean_spreadsheet_headings(tmp_path: Path) -> None:
    f = tmp_path / "map.csv"
    f.write_text(
        "이해관계자,성과,수량,단가,단가 하한,단가 상한,기여도,기여도 하한,기여도 상한\n"
        '주민,건강,100,"1,000원","800원","1,500원",20%,10%,40%\n',
        encoding="utf-8",
    )
    vm = load_value_map(f, investment="1000")
    assert vm.outcomes[0].ranges() == {
        "proxy": (800.0, 1000.0, 1500.0),
        "attribution": (0.1, 0.2, 0.4),
    }


def test_range_problem_points_at_its_cell(tmp_path: Path) -> None:
    f = tmp_path / "map.csv"
    f.write_text("이해관계자,성과,수량,단가,단가 하한\n주민,건강,100,1000,800\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_value_map(f, investment="1000")
    (issue,) = err.value.issues
    assert issue.code == "sroi.range-half"
    assert issue.where is not None and issue.where.line == 2


def test_cli_draws(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    code = run(
        ["sroi", str(root / "examples/sroi/care_jobs.yaml"), "--draws", "2000", "--format", "json"]
    )
    assert code == 0
    import json

    data = json.loads(capsys.readouterr().out)
    u = data["uncertainty"]
    assert u["draws"] == 2000
    assert u["present_value"]["p5"] < data["total_present_value"] < u["present_value"]["p95"]
    assert {a["label"] for a in u["assumptions"]} == {"#1 proxy", "#1 attribution"}
