"""The shipped indicator catalogue: valid, sourced, honestly licensed, computable on its sample
data, and documented by an index page that is generated from it."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
import yaml

from conftest import ROOT  # type: ignore[import-not-found]
from gachi.cli.main import run
from gachi.engine.catalog import Catalog, load_catalog
from gachi.engine.data import open_dataset
from gachi.engine.plan import columns_of, compile_plan
from gachi.engine.result import Result, ResultRow
from gachi.engine.run import data_rules, measure
from gachi.engine.spec import Adjustment, Proxy

LIBRARY = ROOT / "library"
CATALOG = LIBRARY / "indicators"
SAMPLE = LIBRARY / "sample" / "records.csv"
INDEX = LIBRARY / "README.md"
DATA = ROOT / "src" / "gachi" / "data"

FX = yaml.safe_load((DATA / "fx_krw.yaml").read_text(encoding="utf-8"))["rates"]
CPI = yaml.safe_load((DATA / "cpi_kr.yaml").read_text(encoding="utf-8"))["index"]

# The rule for certainty: a proxy is a measured or estimated figure, so it carries a range. Only a
# *defined constant* (a convention or unit conversion, e.g. the statutory 209 hours in a month)
# may be fixed, and it says so in its description.
DEFINED_CONSTANT = ("Defined constant", "정의된 상수")
# Figures that are assumptions rather than sourced facts say so in their source.
ILLUSTRATIVE = "illustrative assumption"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


@pytest.fixture(scope="module")
def result(catalog: Catalog) -> Result:
    plan = compile_plan(catalog)
    with open_dataset(SAMPLE, data_rules(plan)) as ds:
        return measure(plan, ds)


def proxies(catalog: Catalog) -> list[tuple[str, Proxy]]:
    return [(i, p) for i, e in sorted(catalog.entries.items()) for p in e.spec.proxies]


def row(result: Result, indicator: str, programme: str, period: str) -> ResultRow:
    (found,) = [
        r for r in result.rows if r.indicator == indicator and r.group[1:] == (programme, period)
    ]
    return found


def value(result: Result, indicator: str, programme: str, period: str) -> float:
    v = row(result, indicator, programme, period).value
    assert v is not None
    return v


# --- the definitions ------------------------------------------------------------------------------


def test_the_catalogue_validates_and_is_large_enough(catalog: Catalog) -> None:
    assert len(catalog.entries) >= 30
    s = catalog.settings
    assert (s.report_year, s.currency, s.price_index, s.discount_rate) == (2024, "KRW", "cpi", 0.0)
    for ident, entry in catalog.entries.items():
        assert Path(entry.file).name == f"{ident}.yaml"
        assert entry.spec.version == 1
        assert entry.spec.name.en and entry.spec.description.en, ident
        for inp in entry.spec.inputs:
            assert inp.description.en, (ident, inp.name)


def test_every_sk_category_is_covered(catalog: Catalog) -> None:
    used = {e.spec.frameworks.sk.value for e in catalog.entries.values()}
    assert used == {
        "economic_indirect",
        "business_environment",
        "business_society",
        "social_contribution",
    }


def test_every_proxy_names_its_source(catalog: Catalog) -> None:
    for ident, p in proxies(catalog):
        src = p.source
        assert src.title.strip() and src.publisher and src.year and src.url, (ident, p.name)
        assert str(src.url).startswith(("http://", "https://")), (ident, p.name)
        assert 1990 <= p.base_year <= 2026, (ident, p.name)
        assert p.licence.strip(), (ident, p.name)


def test_every_proxy_has_a_range_unless_it_is_a_defined_constant(catalog: Catalog) -> None:
    constants = []
    for ident, p in proxies(catalog):
        said = p.description is not None and (
            (p.description.en or "").startswith(DEFINED_CONSTANT[0])
            and p.description.ko.startswith(DEFINED_CONSTANT[1])
        )
        if p.uncertainty.distribution == "fixed":
            assert said, f"{ident}.{p.name} is fixed but not a defined constant"
            assert p.currency is None, f"{ident}.{p.name}: an amount of money is never a constant"
            constants.append(p.name)
        else:
            assert not said, f"{ident}.{p.name}: a defined constant has no range"
    assert constants == ["statutory_hours"]


def test_no_proxy_comes_from_a_no_derivatives_licence(catalog: Catalog) -> None:
    # UK National TOMs and the HACT Social Value Bank are CC BY-NC-ND: cite at most, never ship.
    for ident, p in proxies(catalog):
        text = " ".join(
            (p.licence, p.source.title, p.source.publisher or "", p.source.note or "")
        ).lower()
        for banned in ("nc-nd", "noderivatives", "no derivatives", "national toms", "hact"):
            assert banned not in text, (ident, p.name, banned)


def test_illustrative_assumptions_are_few_and_say_so(catalog: Catalog) -> None:
    found = []
    for ident, p in proxies(catalog):
        illustrative = ILLUSTRATIVE in (p.source.publisher or "")
        says_so = "예시 가정" in p.source.title and "출처 있는 수치가 아님" in p.source.title
        assert illustrative == says_so, (ident, p.name)
        if illustrative:
            assert p.licence == "CC0-1.0" and p.currency is None, (ident, p.name)
            found.append(f"{ident}.{p.name}")
    assert found == [
        "ai_care_rescues.deaths_averted_per_rescue",
        "dementia_risk_reduction.risk_removed",
    ]


def test_adjustments_have_reasons_and_some_have_ranges(catalog: Catalog) -> None:
    ranged = 0
    for ident, entry in catalog.entries.items():
        a = entry.spec.adjustments
        for name in ("deadweight", "displacement", "attribution", "drop_off"):
            adj = getattr(a, name)
            if isinstance(adj, Adjustment):
                assert adj.rationale is not None and adj.rationale.en, (ident, name)
                ranged += adj.uncertainty.distribution != "fixed"
            else:
                assert adj == 0.0, f"{ident}.{name}: give a non-zero adjustment its rationale"
    assert ranged >= 5


def test_net_figures_are_left_out_of_the_totals(catalog: Catalog) -> None:
    nets = {i for i, e in catalog.entries.items() if e.depends_on}
    assert nets == {"net_ghg_renewable_project"}
    assert not any(catalog.entries[i].spec.in_totals for i in nets)
    assert all(e.spec.in_totals for i, e in catalog.entries.items() if i not in nets)


# --- the sample data ------------------------------------------------------------------------------


def test_sample_data_is_shaped_as_documented(catalog: Catalog) -> None:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    inputs = {i.source_column for e in catalog.entries.values() for i in e.spec.inputs}
    assert header[:3] == ["organisation", "programme", "period"]
    assert set(header[3:]) == inputs
    assert 4 <= len({r["organisation"] for r in rows}) <= 6
    assert {r["period"] for r in rows} == {"2022", "2023", "2024"}
    # A programme fills the columns of its indicators and no others: for every record, an
    # indicator's columns are either all there or all empty (a net figure built from others
    # simply has a value where all of its parts do).
    own = {i: set(columns_of(catalog, e)) for i, e in catalog.entries.items() if not e.depends_on}
    for r in rows:
        filled = {c for c in inputs if r[c]}
        assert filled, r
        for ident, cols in own.items():
            assert cols <= filled or not cols & filled, (r["programme"], r["period"], ident)


def test_sample_data_computes_every_indicator(catalog: Catalog, result: Result) -> None:
    valued = {r.indicator for r in result.rows if r.value is not None}
    assert valued == set(catalog.entries)
    assert not result.warnings()
    assert all(r.undefined == 0 for r in result.rows)


def test_emissions_and_landfill_are_negative(result: Result) -> None:
    for indicator in ("direct_emissions", "electricity_emissions", "waste_landfilled"):
        values = [r.value for r in result.rows if r.indicator == indicator and r.value is not None]
        assert values and all(v < 0 for v in values), indicator
    assert result.by_category()["business_environment"] < 0


def test_hand_check_wages_above_the_market_average(result: Result) -> None:
    # SK-style baseline: only the wage above the SME average (3,070,000 won a month, 2024 prices)
    # counts; wages are first carried to 2024 prices with the CPI.
    # 2024: (3,280,000 − 3,070,000) × 40 employees × 12 months = 210,000 × 480 = 100,800,000
    assert value(result, "wage_above_market", "취약계층 돌봄 일자리", "2024") == pytest.approx(
        100_800_000, rel=1e-12
    )
    # 2023: 3,120,000 × 114.18 / 111.59 = 3,192,415.09 in 2024 prices;
    # (3,192,415.09 − 3,070,000) × 33 × 12 = 122,415.09 × 396 = 48,476,376.02
    wage_2023 = 3_120_000 * CPI[2024] / CPI[2023]
    assert wage_2023 == pytest.approx(3_192_415.09, abs=0.01)
    got = value(result, "wage_above_market", "취약계층 돌봄 일자리", "2023")
    assert got == pytest.approx((wage_2023 - 3_070_000) * 33 * 12, rel=1e-9)
    assert got == pytest.approx(48_476_376.02, abs=0.01)
    # 2022: 2,850,000 × 114.18 / 107.71 = 3,021,195.80 is below the average: measured, worth 0
    low = row(result, "wage_above_market", "취약계층 돌봄 일자리", "2022")
    assert (low.value, low.records) == (0.0, 1)


def test_hand_check_village_solar(result: Result) -> None:
    # Social cost of carbon: 210 USD (2020) × 1,180.56 won/USD (2020 average)
    # × 114.18 / 100 (CPI 2024 / 2020) = 283,072.31568 won per tCO2e
    carbon = 210 * FX[2020]["USD"] * CPI[2024] / CPI[2020]
    assert carbon == pytest.approx(283_072.31568, rel=1e-12)
    # 1,585 MWh × 0.4173 tCO2e/MWh = 661.4205 tCO2e × 283,072.31568 = 187,229,832.57
    # × (1 − 0.1 displacement) = 168,506,849.32
    avoided = value(result, "renewable_ghg_avoided", "마을 태양광", "2024")
    assert avoided == pytest.approx(1585 * 0.4173 * carbon * 0.9, rel=1e-9)
    assert avoided == pytest.approx(168_506_849.32, abs=0.01)
    # its own process emissions: −38 tCO2e × 283,072.31568 = −10,756,748.00
    emitted = value(result, "direct_emissions", "마을 태양광", "2024")
    assert emitted == pytest.approx(-10_756_748.00, abs=0.01)
    # the net figure is the sum, 157,750,101.32, and is not counted again in the totals
    net = value(result, "net_ghg_renewable_project", "마을 태양광", "2024")
    assert net == pytest.approx(157_750_101.32, abs=0.01)
    assert net == pytest.approx(avoided + emitted, rel=1e-12)
    counted = sum(
        r.value
        for r in result.rows
        if r.value is not None and r.indicator != "net_ghg_renewable_project"
    )
    assert result.total() == pytest.approx(counted, rel=1e-12)


# --- the index page -------------------------------------------------------------------------------


def test_the_index_page_is_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regenerate it exactly as its first lines say, in a scratch copy of the layout, and compare.
    (tmp_path / "library").mkdir()
    os.symlink(CATALOG, tmp_path / "library" / "indicators", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    args = ["catalog", "index", "library/indicators", "--lang", "ko"]
    assert run([*args, "--output", "library/README.md"]) == 0
    fresh = (tmp_path / "library" / "README.md").read_text(encoding="utf-8")
    committed = INDEX.read_text(encoding="utf-8")
    assert fresh == committed, (
        "library/README.md is out of date: run "
        "`gachi catalog index library/indicators --lang ko --output library/README.md`"
    )
    assert "gachi catalog index library/indicators --lang ko --output library/README.md" in fresh
    assert "library/README.md" in capsys.readouterr().err  # "written: …" goes to stderr


def test_the_index_page_lists_every_indicator_and_proxy(catalog: Catalog) -> None:
    page = INDEX.read_text(encoding="utf-8")
    for ident, entry in catalog.entries.items():
        assert f"| `{ident}` | {entry.spec.name.ko}<br>*" in page, ident
        for p in entry.spec.proxies:
            assert f"| `{ident}` | `{p.name}` |" in page, (ident, p.name)
            assert f"]({p.source.url})" in page, (ident, p.name)
    # money in Korean units, with the exact figure where the units round it
    assert "| 9.7억원 (970,000,000) | KRW/person | 2024 |" in page
    assert "| 765,444원 | KRW/(person·month) | 2025 |" in page
    assert "삼각분포 713,102 – 765,444 – 820,556" in page


def test_the_index_command_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "index", str(CATALOG), "--lang", "en"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("# gachi indicator catalogue\n")
    assert "## Proxies and their sources" in page
    assert (
        "| `ai_care_rescues` | Emergency rescues by the AI care service<br>*AI 돌봄 응급 구조* |"
        in page
    )
    assert "| ₩1.0 bn (970,000,000) | KRW/person | 2024 |" in page
    assert "triangular 713,102 – 765,444 – 820,556" in page
    assert "attribution 50% (triangular 30% – 50% – 70%)" in page


def test_the_index_command_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["catalog", "index", str(CATALOG), "--lang", "fr"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert run(["catalog", "index", str(tmp_path)]) == 1
    assert "catalog.empty" in capsys.readouterr().err
    (tmp_path / "page.md").mkdir()
    assert run(["catalog", "index", str(CATALOG), "-o", str(tmp_path / "page.md")]) == 1
    assert "file.cannot-write" in capsys.readouterr().err
