"""Record data: every problem found before computing, at its row and column; every format alike."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from gachi.engine.catalog import Catalog, load_catalog
from gachi.engine.data import ColumnRule, open_dataset
from gachi.engine.plan import Plan, compile_plan
from gachi.engine.result import Result
from gachi.engine.run import data_rules, measure
from gachi.errors import DataError, InvalidInput, Issue
from gachi.kernel.files import sniff_encoding

INDICATOR = """\
id: call_value
version: 1
name: {ko: 통화 가치}
description: {ko: 시험}
frameworks: {sk: social_contribution}
inputs:
  - {name: calls, unit: call, description: {ko: 통화 수}, column: 통화수}
  - {name: refunds, unit: KRW, description: {ko: 환급}, allow_negative: true}
proxies:
  - {name: price, value: 1000, unit: KRW/call, currency: KRW, base_year: 2024,
     source: {title: 가정}, licence: CC0-1.0}
formula: calls * price + refunds
"""
HEADER = ["기관", "사업", "통화수", "refunds"]
ROWS = [
    ["함께일터", "상담", "10", "-500"],
    ["함께일터", "상담", "1,234", "0"],
    ["햇빛나눔", "교육", " 7 ", "250.5"],
]
# 함께일터/상담: (10 + 1,234) × 1,000 − 500 + 0 = 1,243,500
# 햇빛나눔/교육: 7 × 1,000 + 250.5 = 7,250.5
EXPECTED = {("함께일터", "상담"): 1_243_500.0, ("햇빛나눔", "교육"): 7_250.5}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder = tmp_path_factory.mktemp("cat")
    (folder / "call_value.yaml").write_text(INDICATOR, encoding="utf-8")
    return load_catalog(folder)


@pytest.fixture(scope="module")
def plan(catalog: Catalog) -> Plan:
    return compile_plan(catalog, group_by=["기관", "사업"])


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def values(result: Result) -> dict[tuple[str | None, ...], float | None]:
    return {r.group: r.value for r in result.rows}


def data_issues(plan: Plan, source: object) -> list[Issue]:
    with pytest.raises(DataError) as caught:
        open_dataset(source, data_rules(plan))
    return list(caught.value.issues)


def where(issue: Issue) -> tuple[str, int | None, str | None]:
    assert issue.where is not None
    return issue.code, issue.where.line, issue.params.get("column")


# --- the same numbers from every format --------------------------------------------------------


def test_csv(plan: Plan, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [HEADER, *ROWS])
    with open_dataset(path, data_rules(plan)) as ds:
        assert ds.info.encoding == "utf-8"
        assert ds.info.rows == 3
        result = measure(plan, ds)
    assert values(result) == EXPECTED


def test_cp949_csv_with_korean_headers_and_values(plan: Plan, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [HEADER, *ROWS], encoding="cp949")
    assert "기관".encode("cp949") in path.read_bytes()
    with open_dataset(path, data_rules(plan)) as ds:
        assert ds.info.encoding == "cp949"
        assert ds.info.columns == tuple(HEADER)
        result = measure(plan, ds)
    assert values(result) == EXPECTED


def test_xlsx(plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["함께일터", "상담", 10, -500])
    sheet.append(["함께일터", "상담", "1,234", 0])  # text with a thousands separator, as typed
    sheet.append(["햇빛나눔", "교육", 7, 250.5])
    book.save(tmp_path / "d.xlsx")
    with open_dataset(tmp_path / "d.xlsx", data_rules(plan)) as ds:
        result = measure(plan, ds)
    assert values(result) == EXPECTED


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "기관": ["함께일터", "함께일터", "햇빛나눔"],
            "사업": ["상담", "상담", "교육"],
            "통화수": [10, 1234, 7],
            "refunds": [-500.0, 0.0, 250.5],
        }
    )


def test_parquet(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    con = duckdb.connect()
    try:
        con.from_df(_frame()).write_parquet(str(path))  # the Python API: no SQL text built here
    finally:
        con.close()
    with open_dataset(path, data_rules(plan)) as ds:
        result = measure(plan, ds)
    assert values(result) == EXPECTED


def test_dataframe(plan: Plan) -> None:
    with open_dataset(_frame(), data_rules(plan)) as ds:
        assert ds.info.source == "<DataFrame>"
        result = measure(plan, ds)
    assert values(result) == EXPECTED


def test_thousands_separators(plan: Plan, tmp_path: Path) -> None:
    rows = [HEADER, ["a", "b", "1,234,567", "-1,000.5"]]
    with open_dataset(write_csv(tmp_path / "d.csv", rows), data_rules(plan)) as ds:
        got = ds.con.execute('SELECT "통화수", "refunds" FROM records').fetchall()
    assert got == [(1_234_567.0, -1_000.5)]


# --- problems, each at its row and column ---------------------------------------------------------


def test_text_in_a_number_cell(plan: Plan, tmp_path: Path) -> None:
    rows = [HEADER, ["a", "b", "1", "0"], ["a", "b", "열", "0"]]
    (issue,) = data_issues(plan, write_csv(tmp_path / "d.csv", rows))
    assert where(issue) == ("data.not-a-number", 3, "통화수")  # the CSV's third line
    assert issue.params["value"] == "열"
    assert issue.params["row"] == 3
    assert issue.message("en") == "row 3, column '통화수': '열' is not a number"


def test_negative_where_not_allowed(plan: Plan, tmp_path: Path) -> None:
    rows = [HEADER, ["a", "b", "-3", "-5"]]  # refunds may be negative, calls may not
    (issue,) = data_issues(plan, write_csv(tmp_path / "d.csv", rows))
    assert where(issue) == ("data.negative", 2, "통화수")
    assert issue.params["value"] == "-3"


@pytest.mark.parametrize("big", ["2e15", "-1000000000000001", "inf", "NaN"])
def test_too_large(plan: Plan, tmp_path: Path, big: str) -> None:
    rows = [HEADER, ["a", "b", "1", "0"], ["a", "b", "1", big]]
    (issue,) = data_issues(plan, write_csv(tmp_path / "d.csv", rows))
    assert where(issue) == ("data.too-large", 3, "refunds")


def test_empty_grouping_key(plan: Plan, tmp_path: Path) -> None:
    rows = [HEADER, ["a", "b", "1", "0"], ["a", "  ", "1", "0"]]
    (issue,) = data_issues(plan, write_csv(tmp_path / "d.csv", rows))
    assert where(issue) == ("data.empty-key", 3, "사업")


def test_all_problems_at_once(plan: Plan, tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["a", "", "1", "0"],  # line 2: empty key
        ["a", "b", "x", "0"],  # line 3: not a number
        ["a", "b", "-1", "0"],  # line 4: negative
        ["a", "b", "1", "1e16"],  # line 5: too large
    ]
    issues = data_issues(plan, write_csv(tmp_path / "d.csv", rows))
    assert sorted(where(i) for i in issues) == [
        ("data.empty-key", 2, "사업"),
        ("data.negative", 4, "통화수"),
        ("data.not-a-number", 3, "통화수"),
        ("data.too-large", 5, "refunds"),
    ]


def test_missing_column_names_the_indicator(plan: Plan, tmp_path: Path) -> None:
    rows = [["기관", "사업", "refunds"], ["a", "b", "0"]]
    (issue,) = data_issues(plan, write_csv(tmp_path / "d.csv", rows))
    assert issue.code == "data.missing-column"
    assert issue.params["column"] == "통화수"
    assert issue.params["used_by"] == "call_value"
    assert issue.params["found"] == "기관, 사업, refunds"


def test_missing_column_suggests_a_differently_written_header(tmp_path: Path) -> None:
    rules = [ColumnRule("org", numeric=False), ColumnRule("calls", used_by=("x",))]
    path = write_csv(tmp_path / "d.csv", [["org", "Calls"], ["a", "1"]])
    with pytest.raises(DataError) as caught:
        open_dataset(path, rules)
    assert caught.value.first.params["hint"] == "Calls"


def test_empty_file(plan: Plan, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_bytes(b"")
    with pytest.raises(InvalidInput) as caught:
        open_dataset(tmp_path / "d.csv", data_rules(plan))
    assert caught.value.first.code == "file.empty"


def test_header_only(plan: Plan, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_dataset(write_csv(tmp_path / "d.csv", [HEADER]), data_rules(plan))
    assert caught.value.first.code == "file.no-data-rows"


def test_missing_file_and_unknown_format(plan: Plan, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_dataset(tmp_path / "nope.csv", data_rules(plan))
    assert caught.value.first.code == "file.missing"
    (tmp_path / "d.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        open_dataset(tmp_path / "d.json", data_rules(plan))
    assert (caught.value.first.code, caught.value.first.params["suffix"]) == (
        "file.unknown-format",
        ".json",
    )


def _big_cp949(rows: int) -> bytes:
    body = "기관,사업,통화수,refunds\n" + "".join(f"기관{i},사업,1,0\n" for i in range(rows))
    raw = body.encode("cp949")
    assert len(raw) > 1 << 16  # past the sample used to guess the encoding
    return raw


def test_invalid_bytes_in_a_cp949_file_give_the_line(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(_big_cp949(6000) + b"\x81\x20,x,1,0\n")  # 0x81 0x20: no CP949 character
    with pytest.raises(InvalidInput) as caught:
        open_dataset(path, data_rules(plan))
    issue = caught.value.first
    assert issue.code == "file.encoding-at"
    assert issue.where is not None and issue.where.line == 6002  # header + 6,000 rows + 1
    assert issue.params["encoding"] == "cp949"


def test_undecodable_file_is_refused(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"\x80\xff\x80\xff,\x81\x20\n\xff,1\n")
    with pytest.raises(InvalidInput) as caught:
        open_dataset(path, data_rules(plan))
    assert caught.value.first.code == "file.encoding"


def test_bad_bytes_in_utf8_past_the_sample_are_a_clear_error(plan: Plan, tmp_path: Path) -> None:
    # DuckDB reads lazily: the error surfaces only when the rows are scanned
    body = "기관,사업,통화수,refunds\n" + "".join(f"r{i},s,1,0\n" for i in range(9000))
    path = tmp_path / "d.csv"
    path.write_bytes(body.encode() + b"\xff\xfe,s,1,0\n")
    with pytest.raises(InvalidInput) as caught:
        open_dataset(path, data_rules(plan))
    # the head is Korean UTF-8, so the file is damaged UTF-8, reported at its line
    assert caught.value.first.code == "file.encoding-at"
    assert caught.value.first.where is not None and caught.value.first.where.line == 9002


def test_ascii_head_and_cp949_further_down_is_read_as_cp949(tmp_path: Path) -> None:
    # 100 KB of ASCII first (beyond the 64 KB sample), then a Korean organisation in CP949
    rows = "".join(f"r{i},s,1,0\n" for i in range(12000)).encode("ascii")
    path = tmp_path / "d.csv"
    path.write_bytes(b"org,prog,calls,refunds\n" + rows + "가치,s,2,0\n".encode("cp949"))
    assert sniff_encoding(path) == "cp949"
    path.write_bytes(b"org,prog,calls,refunds\n" + rows + "가치,s,2,0\n".encode())
    assert sniff_encoding(path) == "utf-8"


def test_xlsx_row_numbers_are_the_sheets(plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["a", "b", 1, 0])
    sheet.append(["a", "b", "열", 0])
    book.save(tmp_path / "d.xlsx")
    (issue,) = data_issues(plan, tmp_path / "d.xlsx")
    assert where(issue) == ("data.not-a-number", 3, "통화수")


def test_text_in_a_dataframe_number_column(plan: Plan) -> None:
    frame = _frame().astype({"통화수": object})
    frame.loc[1, "통화수"] = "열"
    (issue,) = data_issues(plan, frame)
    assert issue.code == "data.not-a-number"
    # records of a DataFrame or a Parquet file are counted from 1: pandas index 1 is record 2
    assert (issue.params["row"], issue.params["column"], issue.params["value"]) == (
        2,
        "통화수",
        "열",
    )


def test_a_column_named_like_the_row_counter_is_refused(tmp_path: Path) -> None:
    # "__row" is the engine's own row-number column; reading it would give 1, 2, 3...
    rules = [ColumnRule("org", numeric=False), ColumnRule("__row", used_by=("x",))]
    frame = pd.DataFrame({"org": ["a", "a"], "__row": [10.0, 20.0]})
    with pytest.raises(DataError) as caught:
        open_dataset(frame, rules)
    assert caught.value.first.code == "data.reserved-column"
    path = write_csv(tmp_path / "d.csv", [["org", "__ROW"], ["a", "10"]])
    with pytest.raises(DataError) as caught:
        open_dataset(path, [rules[0], ColumnRule("__ROW", used_by=("x",))])
    assert caught.value.first.code == "data.reserved-column"


def test_row_numbers_count_blank_lines_and_cells_over_two_lines(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "기관,사업,통화수,refunds\n"
        "a,b,1,0\n"
        "\n"  # line 3 is blank
        'a,"여러\n줄",2,0\n'  # lines 4–5: one record
        "a,b,many,0\n",  # line 6
        encoding="utf-8",
    )
    (issue,) = data_issues(plan, path)
    assert issue.code == "data.not-a-number"
    assert (issue.where.line, issue.where.col) == (6, 3)  # type: ignore[union-attr]


def test_two_columns_with_one_name_are_refused(plan: Plan, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [[*HEADER, "통화수"], ["a", "b", "1", "0", "2"]])
    (issue,) = data_issues(plan, path)
    assert issue.code == "data.duplicate-column"
    assert issue.params == {"column": "통화수", "first": 3, "second": 5}
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*HEADER, "기관"])
    sheet.append(["a", "b", 1, 0, "c"])
    book.save(tmp_path / "d.xlsx")
    (issue,) = data_issues(plan, tmp_path / "d.xlsx")
    assert issue.code == "data.duplicate-column"


@pytest.mark.parametrize("cell", ["1,5", "1,2,3", "1_000", "12,34.5"])
def test_commas_only_as_thousands_separators(plan: Plan, tmp_path: Path, cell: str) -> None:
    path = write_csv(tmp_path / "d.csv", [HEADER, ["a", "b", cell, "0"]])
    (issue,) = data_issues(plan, path)
    assert (issue.code, issue.params["value"]) == ("data.not-a-number", cell)


def test_well_grouped_thousands_are_numbers(plan: Plan, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [HEADER, ["a", "b", "1,234,567.5", "-1,000"]])
    with open_dataset(path, data_rules(plan)) as ds:
        got = ds.con.execute('SELECT "통화수", refunds FROM records').fetchall()
    assert got == [(1234567.5, -1000.0)]


def test_a_formula_without_a_saved_result_is_not_read_as_empty(plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.Workbook()  # openpyxl saves formulas without their results, as scripts do
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["a", "b", "=1+1", 0])
    book.save(tmp_path / "d.xlsx")
    with pytest.raises(InvalidInput) as caught:
        open_dataset(tmp_path / "d.xlsx", data_rules(plan))
    (issue,) = caught.value.issues
    assert issue.code == "file.formula-without-value"
    assert (issue.where.line, issue.where.col) == (2, 3)  # type: ignore[union-attr]


def test_a_line_of_commas_is_a_record_for_line_numbers(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("기관,사업,통화수,refunds\na,b,1,0\n,,,\na,b,x,0\n", encoding="utf-8")
    issues = data_issues(plan, path)
    lines = {(i.code, i.where.line) for i in issues}  # type: ignore[union-attr]
    assert ("data.empty-key", 3) in lines and ("data.not-a-number", 4) in lines


def test_column_names_differing_only_in_case_are_one_name(plan: Plan, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "d.csv", [[*HEADER, "REFUNDS", "", ""], ["a", "b", "1", "0", "2", "", ""]]
    )
    (issue,) = data_issues(plan, path)  # the two unnamed columns are no problem
    assert issue.code == "data.duplicate-column" and issue.params["second"] == 5
