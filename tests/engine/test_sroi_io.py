"""Reading value maps from YAML, CSV (UTF-8 and CP949) and XLSX, and where errors point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from gachi.engine.sroi import compute
from gachi.engine.sroi_fields import parse_money, parse_percent, parse_start
from gachi.engine.sroi_io import load_value_map
from gachi.errors import InvalidInput, Issue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sroi"
KO_HEAD = "이해관계자,성과,지표,수량,화폐화 대리변수,출처,자중손실,대체효과,기여도,감소율,지속기간"


def issues_of(path: Path, **kw: Any) -> list[Issue]:
    with pytest.raises(InvalidInput) as caught:
        load_value_map(path, **kw)
    return list(caught.value.issues)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- cell rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "fraction"),
    [
        ("25", 0.25),
        ("25%", 0.25),
        (" 25 % ", 0.25),
        (0.25, 0.25),
        ("0.25", 0.25),
        (25, 0.25),
        ("12.5%", 0.125),
        ("0", 0.0),
        (1, 1.0),
        ("1%", 0.01),
        ("100", 1.0),
        ("0.5%", 0.005),
        ("150%", 1.5),
        (-5, -0.05),
    ],
)
def test_percent_rule(cell: object, fraction: float) -> None:
    # '%' or a magnitude above 1 → a percentage; otherwise a fraction. Out-of-range values
    # (150%, −5%) are read here and refused by the value map's checks.
    assert parse_percent(cell) == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1,200,000원", 1_200_000),
        ("₩1,200,000", 1_200_000),
        ("1200000", 1_200_000),
        (1_200_000, 1_200_000),
        ("120만원", 1_200_000),
        ("1억 2,000만원", 120_000_000),
        ("1.5억", 150_000_000),
        ("-50,000원", -50_000),
        ("3조", 3e12),
        ("2백만원", 2_000_000),
        ("1.2e6", 1_200_000),
    ],
)
def test_money_cells(cell: object, amount: float) -> None:
    assert parse_money(cell) == pytest.approx(amount)


@pytest.mark.parametrize("cell", ["abc", "", "만원", "2000만 1억", "1,200원원", True, "nan"])
def test_money_cells_refused(cell: object) -> None:
    with pytest.raises(ValueError):
        parse_money(cell)


def test_outcome_start_words() -> None:
    assert parse_start("During activity") == 0 and parse_start("after") == 1
    assert parse_start("활동 후") == 1 and parse_start("2년") == 2


# --- the examples ---------------------------------------------------------------------------------


def test_the_three_examples_give_the_same_result() -> None:
    from_yaml = compute(load_value_map(EXAMPLES / "care_jobs.yaml"))
    assert from_yaml.investment == 226_000_000  # 180,000,000 + 40,000,000 + 6,000,000
    assert len(from_yaml.outcomes) == 6
    for name in ("care_jobs.csv", "guide_style.csv"):
        table = compute(load_value_map(EXAMPLES / name, investment="2억 2,600만원"))
        assert table.total_present_value == pytest.approx(from_yaml.total_present_value)
        assert table.sroi_ratio == pytest.approx(from_yaml.sroi_ratio)
        assert table.payback_months == pytest.approx(from_yaml.payback_months)
    # The first outcome by hand: 24 × 9,600,000 × 0.8 × 0.9 × 0.85 = 141,004,800
    assert from_yaml.outcomes[0].year_one_impact == pytest.approx(141_004_800)


def test_guide_style_reads_financial_proxy_as_description_beside_value() -> None:
    vm = load_value_map(EXAMPLES / "guide_style.csv", investment=1)
    first = vm.outcomes[0]
    assert (
        first.proxy == 9_600_000 and first.proxy_description == "Extra yearly earnings per worker"
    )
    assert vm.outcomes[4].outcome_start == 1  # "after"


# --- CSV ------------------------------------------------------------------------------------------


def test_cp949_csv_with_korean_headings_and_carried_stakeholder(tmp_path: Path) -> None:
    text = (
        f"{KO_HEAD},시작연도\n"
        '취약계층 근로자,소득 증가,고용 유지,10,"1,000,000원",예시,20%,10,30,0.2,3,0\n'
        ",자신감 회복,척도,5,50만원,예시,0,0,0,0,1년,활동 후\n"
    )
    path = write(tmp_path, "map.csv", text, "cp949")
    vm = load_value_map(path, investment="5,000,000", discount_rate="3.5%")
    a, b = vm.outcomes
    assert a.stakeholder == b.stakeholder == "취약계층 근로자"
    assert (a.deadweight, a.displacement, a.attribution, a.drop_off) == pytest.approx(
        (0.2, 0.1, 0.3, 0.2)
    )
    assert b.proxy == 500_000 and b.outcome_start == 1 and b.duration == 1
    # 10 × 1,000,000 × 0.8 × 0.9 × 0.7 = 5,040,000
    assert compute(vm).outcomes[0].year_one_impact == pytest.approx(5_040_000)


def test_non_numeric_cells_point_to_row_column_and_heading(tmp_path: Path) -> None:
    text = (
        f"{KO_HEAD}\n"
        "근로자,소득,지표,열명,1000,출처,0,0,0,0,1\n"
        "근로자,건강,지표,3,만원쯤,출처,150%,0,0,0,0\n"
    )
    found = {
        (i.code, str(i.where), i.params.get("field"))
        for i in issues_of(write(tmp_path, "bad.csv", text), investment=1)
    }
    path = str(tmp_path / "bad.csv")
    assert found == {
        ("sroi.not-number", f"{path}:2:4", "수량"),
        ("sroi.not-money", f"{path}:3:5", "화폐화 대리변수"),
        ("sroi.fraction-range", f"{path}:3:7", "자중손실"),
        ("sroi.duration", f"{path}:3:11", "지속기간"),
    }


def test_empty_required_cell_and_first_stakeholder(tmp_path: Path) -> None:
    text = f"{KO_HEAD}\n,소득,,10,,,,,,,\n"
    codes = {
        (i.code, i.params["field"]) for i in issues_of(write(tmp_path, "e.csv", text), investment=1)
    }
    assert codes == {("sroi.empty", "이해관계자"), ("sroi.empty", "화폐화 대리변수")}


def test_mixed_percent_column_is_ambiguous(tmp_path: Path) -> None:
    # "25" is 25%, so is "1" in the same column 1% or 100%? Refused until written with '%'.
    text = (
        f"{KO_HEAD}\n"
        "근로자,가,,1,1,,25,0,0,0,1\n"
        "근로자,나,,1,1,,1,0,0,0,1\n"
        "근로자,다,,1,1,,1%,0,0,0,1\n"
    )
    (issue,) = issues_of(write(tmp_path, "m.csv", text), investment=1)
    assert issue.code == "sroi.percent-ambiguous"
    assert issue.where is not None and (issue.where.line, issue.where.col) == (3, 7)


def test_unknown_and_missing_columns_are_one_issue(tmp_path: Path) -> None:
    text = "Stakeholders,Outcome,Deadwieght %,# memo,Impact\n근로자,소득,10,x,y\n"
    (issue,) = issues_of(write(tmp_path, "c.csv", text), investment=1)
    assert issue.code == "sroi.columns"
    assert issue.params["unknown"] == "Deadwieght %"
    assert "Quantity/수량" in issue.params["missing"] and "Value/단가" in issue.params["missing"]
    assert "Deadweight %/자중손실" in issue.params["expected"]
    assert issue.params["found"].startswith("Stakeholders, Outcome")


def test_repeated_columns_are_reported(tmp_path: Path) -> None:
    text = "이해관계자,성과,결과,수량,단가\n근로자,소득,소득,1,1\n"
    (issue,) = issues_of(write(tmp_path, "r.csv", text), investment=1)
    assert issue.code == "sroi.columns" and issue.params["duplicate"] == "결과"


def test_a_table_needs_an_investment(tmp_path: Path) -> None:
    text = "이해관계자,성과,수량,단가\n근로자,소득,1,1\n"
    (issue,) = issues_of(write(tmp_path, "n.csv", text))
    assert issue.code == "sroi.no-investment"
    assert load_value_map(tmp_path / "n.csv", investment=0).total_investment == 0


def test_bad_options_are_reported_with_the_file_problems(tmp_path: Path) -> None:
    text = "이해관계자,성과,수량,단가\n근로자,소득,-1,1\n"
    codes = {
        i.code
        for i in issues_of(write(tmp_path, "o.csv", text), investment="lots", discount_rate="200%")
    }
    assert codes == {"sroi.negative", "sroi.not-money", "sroi.fraction-range"}


def test_unknown_format(tmp_path: Path) -> None:
    (issue,) = issues_of(write(tmp_path, "map.json", "{}"))
    assert issue.code == "sroi.unknown-format"


# --- XLSX -----------------------------------------------------------------------------------------


def test_xlsx_with_a_settings_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    settings = book.active
    settings.title = "설정"  # first sheet on purpose: the value map is found after it
    settings.append(["투자액", 3_000_000])
    settings.append(["투자액", "2,000,000원"])
    settings.append(["할인율", "5%"])
    settings.append(["이름", "엑셀 예시"])
    sheet = book.create_sheet("가치지도")
    sheet.append(["이해관계자", "성과", "수량", "단가(원)", "자중손실", "기여도", "지속기간"])
    sheet.append(["근로자", "소득", 10, 1_000_000, 0.2, "30%", 2])
    sheet.append([None, "건강", 4, "25만원", 0, 0, 1])
    path = tmp_path / "map.xlsx"
    book.save(path)

    vm = load_value_map(path)
    assert vm.name == "엑셀 예시" and vm.total_investment == 5_000_000
    assert vm.discount_rate == pytest.approx(0.05)
    assert [o.stakeholder for o in vm.outcomes] == ["근로자", "근로자"]
    # Row 1: 10 × 1,000,000 × 0.8 × 0.7 = 5,600,000 in years 1 and 2 (no drop-off column → 0).
    # Row 2: 4 × 250,000 = 1,000,000 in year 1. At 5%:
    # 5,600,000/1.05 + 5,600,000/1.05² + 1,000,000/1.05
    # = 5,333,333.33 + 5,079,365.08 + 952,380.95 = 11,365,079.37
    assert compute(vm).total_present_value == pytest.approx(11_365_079.365079365)
    # The CLI's investment replaces the sheet's.
    assert load_value_map(path, investment=1).total_investment == 1


def test_xlsx_errors_name_the_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "map"
    sheet.append(["Stakeholders", "Outcome", "Quantity", "Value"])
    sheet.append(["workers", "income", "ten", 5])
    settings = book.create_sheet("Settings")
    settings.append(["key", "value"])
    settings.append(["discount rate", "soon"])
    settings.append(["colour", "blue"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    found = {(i.code, str(i.where)) for i in issues_of(path)}
    assert found == {
        ("sroi.not-number", f"{path}[map]:2:3"),
        ("sroi.not-percent", f"{path}[Settings]:2:2"),  # the value cell
        ("sroi.unknown-key", f"{path}[Settings]:3:1"),
        ("sroi.no-investment", str(path)),
    }


# --- YAML -----------------------------------------------------------------------------------------

GOOD_YAML = """\
name: 예시
investment: 5000000
outcomes:
  - stakeholder: 근로자
    outcome: 소득 증가
    quantity: 10
    proxy: 1,000,000원
    deadweight: 20%
    displacement: 10
    attribution: 0.3
    drop_off: 20%
    duration: 3
"""


def test_yaml_worked_example(tmp_path: Path) -> None:
    result = compute(load_value_map(write(tmp_path, "m.yaml", GOOD_YAML)))
    # 5,040,000/1.035 + 4,032,000/1.035² + 3,225,600/1.035³ = 11,542,786.753
    assert result.total_present_value == pytest.approx(11_542_786.752671415)


def test_yaml_errors_carry_line_and_column(tmp_path: Path) -> None:
    text = GOOD_YAML.replace("quantity: 10", "quantity: -10").replace(
        "deadweight: 20%", "deadweight: 120%\n    colour: red"
    )
    found = {
        (i.code, i.where.line, i.where.col)
        for i in issues_of(write(tmp_path, "m.yaml", text))
        if i.where
    }
    assert found == {
        ("sroi.negative", 6, 15),
        ("sroi.fraction-range", 8, 17),
        ("sroi.unknown-key", 9, 5),
    }


def test_yaml_missing_key_points_at_the_outcome(tmp_path: Path) -> None:
    text = "investment: 1\noutcomes:\n  - stakeholder: a\n    outcome: b\n    quantity: 1\n"
    (issue,) = issues_of(write(tmp_path, "m.yaml", text))
    assert issue.code == "sroi.missing-key" and issue.params["key"] == "proxy"
    assert issue.where is not None and (issue.where.line, issue.where.col) == (3, 5)


def test_malformed_yaml_gives_the_parser_position(tmp_path: Path) -> None:
    (issue,) = issues_of(write(tmp_path, "m.yaml", "name: x\noutcomes: [a, b\ninvestment: 1\n"))
    assert issue.code == "sroi.yaml-syntax"
    assert issue.where is not None and issue.where.line == 3
    assert issue.render("en").count("^") == 1  # a caret under the offending spot


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("- 1\n- 2\n", "sroi.yaml-root"),
        ("investment: 1\noutcomes: {a: 1}\n", "sroi.yaml-outcomes"),
        ("investment: 1\noutcomes: [3]\n", "sroi.yaml-outcome"),
        ("investment: {a: 1}\noutcomes: []\n", "sroi.yaml-investment"),
        ("investment: 1\ninvestment: 2\noutcomes: []\n", "sroi.duplicate-key"),
    ],
)
def test_yaml_shape_errors(tmp_path: Path, text: str, code: str) -> None:
    assert code in {i.code for i in issues_of(write(tmp_path, "m.yaml", text))}


def test_yaml_investment_list_and_korean_keys(tmp_path: Path) -> None:
    text = (
        "이름: 한글 키\n투자액:\n  - {name: 보조금, amount: 3000000}\n  - 2,000,000원\n"
        "할인율: 0\noutcomes:\n  - 이해관계자: 가\n    성과: 나\n    수량: 1\n    단가: 100\n"
    )
    vm = load_value_map(write(tmp_path, "k.yml", text))
    assert vm.name == "한글 키" and vm.investment == (3_000_000, 2_000_000)
    assert vm.discount_rate == 0 and vm.outcomes[0].proxy == 100
