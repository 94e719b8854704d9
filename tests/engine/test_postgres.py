"""The same compiled plan gives the same numbers on PostgreSQL as on DuckDB."""

from __future__ import annotations

import math

import pytest

from conftest import DEMO, assert_same  # type: ignore[import-not-found]
from gachi.engine.catalog import load_catalog
from gachi.engine.data import open_dataset
from gachi.engine.plan import compile_plan
from gachi.engine.postgres import measure_postgres
from gachi.engine.run import data_rules, measure
from gachi.errors import DataError, InvalidInput

pytestmark = pytest.mark.postgres


def test_demo_matches_duckdb(postgres_url: str) -> None:
    catalog = load_catalog(DEMO / "indicators")
    plan = compile_plan(catalog)
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        on_duck = measure(plan, ds)
        on_pg = measure_postgres(plan, ds, postgres_url)
    assert len(on_duck.rows) == 12 * 6
    assert_same(on_duck, on_pg)
    # hand-worked: 3,120,000 calls × 0.002 × 41,004,847 won × (1−0.1)(1−0.2)
    voice = [
        r
        for r in on_pg.rows
        if r.indicator == "voice_phishing_prevented"
        and r.group[1:] == ("AI 보이스피싱 차단", "2024")
    ]
    assert math.isclose(voice[0].value or 0, 3_120_000 * 0.002 * 41_004_847 * 0.72, rel_tol=1e-12)


def test_round_and_division_by_zero_on_postgres(postgres_url: str, tmp_path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "x.yaml").write_text(
        """
id: ratio_value
version: 1
name: {ko: 비율}
description: {ko: 나눗셈과 반올림}
frameworks: {sk: social_contribution}
inputs:
  - {name: a, unit: KRW, description: {ko: a}}
  - {name: b, unit: "1", description: {ko: b}}
formula: round(a / b, -1) + min(a, 2 [KRW])
""",
        encoding="utf-8",
    )
    (tmp_path / "d.csv").write_text(
        "organisation,programme,period,a,b\no,p,2024,125,2\no,p,2024,7,0\n", encoding="utf-8"
    )
    plan = compile_plan(load_catalog(tmp_path / "cat"))
    with open_dataset(tmp_path / "d.csv", data_rules(plan)) as ds:
        duck = measure(plan, ds)
        pg = measure_postgres(plan, ds, postgres_url)
    # 125/2 = 62.5 → round to tens (half away from zero) = 60; + min(125, 2) = 62
    # second record: 7/0 → no value, counted as undefined
    for res in (duck, pg):
        (row,) = res.rows
        assert row.value == 62.0
        assert row.records == 1 and row.undefined == 1


def test_unreachable_postgres_is_a_clear_error() -> None:
    catalog = load_catalog(DEMO / "indicators")
    plan = compile_plan(catalog)
    with (
        open_dataset(DEMO / "records.csv", data_rules(plan)) as ds,
        pytest.raises(InvalidInput) as info,
    ):
        measure_postgres(plan, ds, "postgresql://nobody@127.0.0.1:1/none")
    assert info.value.first.code == "postgres.unreachable"


def test_an_overflow_on_postgres_is_a_clear_error(postgres_url: str, tmp_path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "x.yaml").write_text(
        """
id: huge_value
version: 1
name: {ko: 큰 값}
description: {ko: 넘침}
frameworks: {sk: social_contribution}
inputs:
  - {name: a, unit: KRW, description: {ko: a}}
formula: a * 1e300
""",
        encoding="utf-8",
    )
    (tmp_path / "d.csv").write_text(
        "organisation,programme,period,a\no,p,2024,1000000000000000\n", encoding="utf-8"
    )
    plan = compile_plan(load_catalog(tmp_path / "cat"))
    with open_dataset(tmp_path / "d.csv", data_rules(plan)) as ds, pytest.raises(DataError) as info:
        measure_postgres(plan, ds, postgres_url)
    assert info.value.first.code == "data.postgres-computation"
