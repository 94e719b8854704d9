"""Reading value maps from YAML, CSV (UTF-8 and CP949) and XLSX, and where errors point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from gachi.engine.sroi import compute
from gachi.engine.sroi_fields import (
    BadComma,
    NotFinite,
    parse_money,
    parse_number,
    parse_percent,
    parse_start,
)
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
        ("1 억 2,000 만 원", 120_000_000),
        ("₩ 1,200,000", 1_200_000),
    ],
)
def test_money_cells(cell: object, amount: float) -> None:
    assert parse_money(cell) == pytest.approx(amount)


@pytest.mark.parametrize("cell", ["abc", "", "만원", "2000만 1억", "1,200원원", True, "nan"])
def test_money_cells_refused(cell: object) -> None:
    with pytest.raises(ValueError):
        parse_money(cell)


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("1,000", 1000),
        ("1,234,567.5", 1_234_567.5),
        ("-12,345", -12_345),
        (" 25 ", 25),
        ("1e3", 1e3),
    ],
)
def test_thousands_separators_grouped_by_three_are_read(cell: str, number: float) -> None:
    assert parse_number(cell) == number and parse_money(f"{cell}원") == number


@pytest.mark.parametrize("cell", ["1,5", "1,2,3", "1,0000", "12,34", "1.000,5", ",5", "1,5억"])
def test_commas_that_are_not_thousands_separators_are_refused(cell: str) -> None:
    # These used to be read as 15, 123, 10000, 1234, 1.0005, 5 and 15억: silently wrong.
    with pytest.raises(BadComma):
        parse_money(cell)
    if not cell.endswith("억"):
        with pytest.raises(BadComma):
            parse_number(cell)


@pytest.mark.parametrize("cell", ["1_000", "1 000", "1 5원", "2 3만", "0x10", "1:30", "1,2,3원x"])
def test_other_loose_numbers_are_refused(cell: str) -> None:
    with pytest.raises(ValueError):
        parse_money(cell)


@pytest.mark.parametrize(
    "cell",
    [
        "nan",
        "NaN",
        "inf",
        "-inf",
        ".inf",
        "Infinity",
        "1e400",
        "1e400원",
        float("nan"),
        float("inf"),
        10**400,
        "9" * 400 + "조",
    ],
)
def test_non_finite_numbers_are_refused(cell: object) -> None:
    with pytest.raises(NotFinite):
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


# --- numbers, non-finite values and caps in files -----------------------------------------------


def test_csv_cell_with_a_decimal_comma_is_refused_where_it_is(tmp_path: Path) -> None:
    text = 'Stakeholders,Outcome,Quantity,Value\nworkers,income,"1,5","1,000"\n'
    path = write(tmp_path, "comma.csv", text)
    (issue,) = issues_of(path, investment=1)
    assert (issue.code, str(issue.where)) == ("sroi.bad-comma", f"{path}:2:3")
    assert "'1,5'" in issue.message("en") and "1,000,000" in issue.message("ko")


@pytest.mark.parametrize(
    ("cell", "code"),
    [("nan", "sroi.not-finite"), ("inf", "sroi.not-finite"), ("1e400", "sroi.not-finite")],
)
def test_csv_non_finite_cells_are_refused_where_they_are(
    tmp_path: Path, cell: str, code: str
) -> None:
    path = write(tmp_path, "n.csv", f"Stakeholders,Outcome,Quantity,Value\nw,i,1,{cell}\n")
    (issue,) = issues_of(path, investment=1)
    assert (issue.code, str(issue.where)) == (code, f"{path}:2:4")
    assert issue.params["value"] == cell


YAML_OUTCOME = "investment: 1\noutcomes:\n  - stakeholder: a\n    outcome: b\n"


@pytest.mark.parametrize(
    ("lines", "code", "line"),
    [
        ("    quantity: 1_000\n    proxy: 1\n", "sroi.not-number", 5),  # YAML 1.1: 1000
        ("    quantity: 1:30\n    proxy: 1\n", "sroi.not-number", 5),  # YAML 1.1: 90
        ("    quantity: 1,5\n    proxy: 1\n", "sroi.bad-comma", 5),  # used to be 15
        ("    quantity: .nan\n    proxy: 1\n", "sroi.not-finite", 5),
        ("    quantity: 1\n    proxy: -.inf\n", "sroi.not-finite", 6),
        ("    quantity: 1\n    proxy: 1.0e+400\n", "sroi.not-finite", 6),
        ("    quantity: 1" + "0" * 400 + "\n    proxy: 1\n", "sroi.not-finite", 5),
        ("    quantity: 1\n    proxy: 1\n    duration: 100000000\n", "sroi.duration", 7),
        ("    quantity: 1\n    proxy: 1\n    outcome_start: 11\n", "sroi.outcome-start", 7),
        ("    quantity: 1\n    proxy: !!binary aGVsbG8=\n", "sroi.yaml-tag", 6),
    ],
)
def test_yaml_numbers_follow_the_cell_rules(
    tmp_path: Path, lines: str, code: str, line: int
) -> None:
    found = issues_of(write(tmp_path, "m.yaml", YAML_OUTCOME + lines))
    assert (found[0].code, found[0].where and found[0].where.line) == (code, line)


def test_yaml_numbers_keep_their_leading_zeros_and_texts_their_words(tmp_path: Path) -> None:
    # YAML 1.1 reads 017 as octal 15 and `no` as false (not text); a cell means what it says.
    text = YAML_OUTCOME.replace("outcome: b", "outcome: no") + "    quantity: 017\n    proxy: 1\n"
    (o,) = load_value_map(write(tmp_path, "m.yaml", text)).outcomes
    assert o.quantity == 17 and o.outcome == "no"


def test_yaml_value_that_is_not_text_says_so(tmp_path: Path) -> None:
    text = "name: [1, 2]\n" + YAML_OUTCOME + "    quantity: 1\n    proxy: 1\n"
    (issue,) = issues_of(write(tmp_path, "m.yaml", text))
    assert issue.code == "sroi.not-text"
    assert issue.where is not None and (issue.where.line, issue.where.col) == (1, 7)
    assert "텍스트가 아닙니다" in issue.message("ko") and "비어" not in issue.message("ko")


def test_overflow_names_the_row_of_the_outcome(tmp_path: Path) -> None:
    text = (
        "Stakeholders,Outcome,Quantity,Value\nw,fine,1,1\nw,up,1e300,1e300\nw,down,1e300,-1e300\n"
    )
    path = write(tmp_path, "big.csv", text)
    with pytest.raises(InvalidInput) as caught:
        compute(load_value_map(path, investment=1))
    found = [(i.code, str(i.where), i.params["outcome"]) for i in caught.value.issues]
    assert found == [
        ("sroi.overflow", f"{path}:3:2", "up"),
        ("sroi.overflow", f"{path}:4:2", "down"),
    ]


# --- YAML that would make the reader work without end ------------------------------------------


def test_yaml_aliases_are_refused_at_their_line(tmp_path: Path) -> None:
    text = (
        "name: &n 이름\ninvestment: 1\noutcomes:\n  - stakeholder: *n\n"
        "    outcome: b\n    quantity: 1\n    proxy: 1\n    indicator: *n\n"
    )
    found = [
        (i.code, i.params["alias"], i.where and i.where.line)
        for i in issues_of(write(tmp_path, "a.yaml", text))
    ]
    assert found == [("sroi.yaml-alias", "n", 4), ("sroi.yaml-alias", "n", 8)]


def test_billion_laughs_is_refused_before_anything_is_expanded(tmp_path: Path) -> None:
    # Each level repeats the one before nine times: 9^6 = 531,441 strings from ~400 bytes
    # (the reviewer's 9 levels, 387 million, hung the reader). Refused as soon as composed.
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 7):
        lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 9) + "]")
    lines.append("name: *a6")
    found = issues_of(write(tmp_path, "lol.yaml", "\n".join(lines) + "\n"))
    assert {i.code for i in found} == {"sroi.yaml-alias"}
    assert len(found) == 6 * 9 + 1 and found[-1].where is not None and found[-1].where.line == 8


def test_yaml_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    # Used to be a RecursionError from the YAML composer.
    (issue,) = issues_of(write(tmp_path, "deep.yaml", "name: " + "[" * 5000 + "]" * 5000 + "\n"))
    assert issue.code == "sroi.yaml-too-deep"
    assert issue.where is not None and issue.where.line == 1


# --- files that are not XLSX ---------------------------------------------------------------------


def _xlsx_bytes(tmp_path: Path) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Stakeholders", "Outcome", "Quantity", "Value"])
    book.active.append(["w", "i", 1, 1])
    book.save(tmp_path / "good.xlsx")
    return (tmp_path / "good.xlsx").read_bytes()


def _rezip(data: bytes, change: Any) -> bytes:
    import io
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            body = change(name, source.read(name))
            if body is not None:
                target.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"Stakeholders,Outcome,Quantity,Value\nw,i,1,1\n",  # a CSV renamed
        lambda data: data[: len(data) // 2],  # a truncated download
        lambda data: _rezip(
            data, lambda n, b: b[: len(b) // 2] if n.endswith("sheet1.xml") else b
        ),  # broken XML inside
        lambda data: _rezip(data, lambda n, b: None if n.endswith("sheet1.xml") else b),
    ],
)
def test_a_damaged_xlsx_is_a_clear_issue(tmp_path: Path, damage: Any) -> None:
    path = tmp_path / "map.xlsx"
    path.write_bytes(damage(_xlsx_bytes(tmp_path)))
    (issue,) = issues_of(path, investment=1)
    assert (issue.code, str(issue.where)) == ("file.bad-xlsx", str(path))
    assert issue.params["detail"]
