"""The downloaded reports of a published book (HTML, XLSX, PDF): what the book keeps reaches them
(the ranges of every line, the restatement), nothing is made up (variance shares a book does not
keep), units, licences and distributions read in Korean, and no name breaks them.

Most tests render a hand-made book (`reports.render`); the last ones go through the platform."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from pypdf import PdfReader

from gachi.domains.publishing import reports
from web.publishing_helpers import measure_and_publish, mentoring_org, rename_org
from web.runs_helpers import add_programme

# Hand-worked, at 2024 prices, no adjustments:
#   청소년 멘토링 × mentoring: 100 h × 10,000 원/시간        =  1,000,000
#   돌봄 × emissions:          −(2 tCO2e × 50,000 원/tCO2e)  =   −100,000
#   돌봄 × damage:             10,000,000 원 × 0.0917       =    917,000
#   total                                                    =  1,817,000
LINES = [
    (1, "청소년 멘토링", "mentoring", 1_000_000.0, (800_000.0, 1_000_000.0, 1_300_000.0)),
    (2, "돌봄", "emissions", -100_000.0, (-150_000.0, -100_000.0, -60_000.0)),
    (2, "돌봄", "damage", 917_000.0, (500_000.0, 917_000.0, 1_200_000.0)),
]


def _proxy(name: str, value: float, unit: str, licence: str, distribution: str) -> dict[str, Any]:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "currency": "KRW" if unit.startswith("KRW") else "",
        "base_year": 2024,
        "value_used": value,
        "unit_used": unit,
        "steps": [],
        "source": "시험 출처",
        "publisher": "gachi",
        "source_year": 2024,
        "url": None,
        "licence": licence,
        "uncertainty": distribution,
    }


def _indicator(
    ident: str,
    name: str,
    category: str,
    formula: str,
    inputs: list[tuple[str, str]],
    proxies: list[dict[str, Any]],
) -> dict[str, Any]:
    value = sum(v for _, _, i, v, _ in LINES if i == ident)
    return {
        "id": ident,
        "version": 1,
        "spec_hash": f"hash-{ident}",
        "source": "own",
        "name": {"ko": name, "en": None},
        "category": category,
        "in_totals": True,
        "formula": formula,
        "inputs": [{"name": n, "unit": u, "column": n, "label": None} for n, u in inputs],
        "proxies": proxies,
        "baseline": None,
        "adjustments": {
            "deadweight": 0.0,
            "displacement": 0.0,
            "attribution": 0.0,
            "drop_off": 0.0,
            "duration": 1,
            "outcome_start": 0,
        },
        "factor": 1.0,
        "depends_on": [],
        "money_inputs": [],
        "value": value,
        "records": 1,
        "band": None,
    }


def book(
    organisation: str = "가온협동조합",
    programmes: tuple[str, str] = ("청소년 멘토링", "돌봄"),
    restated: bool = False,
) -> dict[str, Any]:
    """A published book of 2024 (v2 restating v1 when `restated`)."""
    names = {1: programmes[0], 2: programmes[1]}
    return {
        "schema": "gachi.formula-book/1",
        "organisation": {"id": 7, "name": organisation},
        "year": 2024,
        "version": 2 if restated else 1,
        "published_at": "2025-03-31T09:00:00+00:00",
        "reason": "자원봉사 시간 누락분을 더했습니다" if restated else "",
        "currency": "KRW",
        "price_year": 2024,
        "draws": 2000,
        "seed": 1,
        "total": {
            "value": 1_817_000.0,
            "band": {"p5": 1_300_000.0, "p50": 1_800_000.0, "p95": 2_300_000.0},
        },
        "by_category": [
            {
                "category": "business_environment",
                "value": -100_000.0,
                "band": {"p5": -150_000.0, "p50": -100_000.0, "p95": -60_000.0},
            },
            {
                "category": "social_contribution",
                "value": 1_917_000.0,
                "band": {"p5": 1_400_000.0, "p50": 1_900_000.0, "p95": 2_400_000.0},
            },
        ],
        "by_programme": [],
        "indicators": [
            _indicator(
                "mentoring",
                "청소년 멘토링",
                "social_contribution",
                "hours * wage",
                [("hours", "hour")],
                [_proxy("wage", 10_000, "KRW/hour", "facts-only", "triangular")],
            ),
            _indicator(
                "emissions",
                "직접 배출",
                "business_environment",
                "-scope1 * carbon_cost",
                [("scope1", "tCO2e")],
                [
                    _proxy(
                        "carbon_cost",
                        50_000,
                        "KRW/tCO2e",
                        "public-domain (US Government work)",
                        "lognormal",
                    )
                ],
            ),
            _indicator(
                "damage",
                "재난 피해 감소",
                "social_contribution",
                "exposed_damage * reduction",
                [("exposed_damage", "KRW"), ("calls", "call")],
                [_proxy("reduction", 0.0917, "1", "CC0-1.0", "uniform")],
            ),
        ],
        "lines": [
            {
                "programme_id": pid,
                "programme": names[pid],
                "indicator": ident,
                "value": value,
                "records": 1,
                "band": {"p5": p5, "p50": p50, "p95": p95},
            }
            for pid, _, ident, value, (p5, p50, p95) in LINES
        ],
        "lineage": {"data_version": "d" * 64, "plan_fingerprint": "f" * 64},
        "restatement": (
            {
                "from_version": 1,
                "reason": "자원봉사 시간 누락분을 더했습니다",
                "total_before": 817_000.0,
                "total_after": 1_817_000.0,
                "delta": 1_000_000.0,
                "factors": ["data", "proxies", "method"],
                "effects": {"data": 750_000.0, "proxies": 250_000.0, "method": 0.0},
                "residual": 0.0,
                "lines": [],
                "changes": {"settings": False, "definitions": [], "data": [], "data_count": 0},
            }
            if restated
            else None
        ),
    }


def _workbook(b: dict[str, Any], lang: str = "ko") -> Workbook:
    return load_workbook(io.BytesIO(reports.render(b, "xlsx", lang)))  # type: ignore[arg-type]


def _rows(wb: Workbook, sheet: str) -> list[tuple[Any, ...]]:
    return list(wb[sheet].iter_rows(values_only=True))


def _pdf_text(b: dict[str, Any], lang: str = "ko") -> str:
    reader = PdfReader(io.BytesIO(reports.render(b, "pdf", lang)))  # type: ignore[arg-type]
    return "".join(p.extract_text() for p in reader.pages)


def _flat(text: str) -> str:
    return "".join(text.split())


def _html(b: dict[str, Any], lang: str = "ko") -> str:
    return reports.render(b, "html", lang).decode("utf-8")  # type: ignore[arg-type]


# ---- the results sheet ---------------------------------------------------------------------


def test_results_have_a_row_per_value_with_its_range_under_korean_headings() -> None:
    rows = _rows(_workbook(book()), "결과")
    header = list(rows[0])
    assert header[:5] == ["사업", "기간", "지표 ID", "지표명", "버전"]
    assert "값 (원, 2024년 가격 기준)" in header
    assert not {"programme", "period", "value (KRW)", "undefined"} & set(header)
    at = {h: i for i, h in enumerate(header)}
    # 2 programmes × 3 indicators, but only 3 lines have a value.
    got = {
        (r[at["사업"]], r[at["지표 ID"]]): (
            r[at["값 (원, 2024년 가격 기준)"]],
            r[at["P5"]],
            r[at["P50"]],
            r[at["P95"]],
        )
        for r in rows[1:]
    }
    assert got == {
        ("청소년 멘토링", "mentoring"): (1_000_000, 800_000, 1_000_000, 1_300_000),
        ("돌봄", "emissions"): (-100_000, -150_000, -100_000, -60_000),
        ("돌봄", "damage"): (917_000, 500_000, 917_000, 1_200_000),
    }


def test_two_programmes_of_one_name_keep_their_own_rows_and_ranges() -> None:
    rows = _rows(_workbook(book(programmes=("멘토링", "멘토링"))), "결과")
    assert sorted((r[0], r[2], r[6]) for r in rows[1:]) == [
        ("멘토링 (#1)", "mentoring", 800_000),
        ("멘토링 (#2)", "damage", 500_000),
        ("멘토링 (#2)", "emissions", -150_000),
    ]


def test_a_book_has_no_uncertainty_sheet_it_cannot_fill() -> None:
    wb = _workbook(book())
    # A book keeps ranges but no variance shares: no "분산(상호작용): 0%".
    assert wb.sheetnames == ["요약", "결과", "입력", "대리지표", "수식", "가치 지도"]
    texts = [c for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r]
    assert not any(isinstance(c, str) and "상호작용" in c for c in texts)


def test_the_summary_has_no_unlabelled_row_repeating_the_total() -> None:
    summary = _rows(_workbook(book()), "요약")
    assert summary[0][:3] == ("기간", "범주", "추정값 (원, 2024년 가격 기준)")
    # The book's one year: its categories, then its total, each said to be of 2024.
    assert [r[:2] for r in summary[1:4]] == [
        ("2024년", "비즈니스 사회성과 — 환경"),
        ("2024년", "사회공헌 사회성과"),
        ("2024년", "합계"),
    ]
    assert set(summary[4]) == {None}  # then the title: no other row
    assert summary[3][2:6] == (1_817_000, 1_300_000, 1_800_000, 2_300_000)


def test_a_formula_starting_with_minus_reads_as_written() -> None:
    wb = _workbook(book())
    formulas = {r[0].value: r[3] for r in wb["수식"].iter_rows(min_row=2)}
    cell = formulas["emissions"]
    assert cell.value == "-scope1 * carbon_cost"  # not "'-scope1 …"
    assert cell.data_type == "s" and cell.quotePrefix
    assert formulas["mentoring"].value == "hours * wage" and not formulas["mentoring"].quotePrefix


# ---- units, licences, distributions in Korean ------------------------------------------------


def test_units_licences_and_distributions_read_in_korean_in_every_format() -> None:
    wb = _workbook(book())
    inputs = {r[1]: r[2] for r in _rows(wb, "입력")[1:]}
    assert inputs == {"hours": "시간", "scope1": "tCO2e", "exposed_damage": "원", "calls": "통"}
    proxies = {r[1]: r for r in _rows(wb, "대리지표")[1:]}
    assert proxies["wage"][3] == "원/시간" and proxies["wage"][9] == "삼각분포"
    assert proxies["wage"][14] == "사실 정보만 인용"
    assert proxies["reduction"][3] == "" or proxies["reduction"][3] is None
    assert proxies["carbon_cost"][14] == "퍼블릭 도메인 (미국 정부 저작물)"
    value_map = {r[2]: r[4] for r in _rows(wb, "가치 지도")[1:]}
    assert value_map["재난 피해 감소"] == "reduction = 0.0917"  # not "0.0917 1"
    assert value_map["청소년 멘토링"] == "wage = 10,000 원/시간"

    for text in (_html(book()), _pdf_text(book())):
        assert "10,000 원/시간" in text
        assert "50,000 원/tCO2e" in text
        assert "0.0917 1" not in text and "KRW/hour" not in text
        assert "로그정규분포" in text and "균등분포" in text
        assert "퍼블릭도메인(미국정부저작물)" in _flat(text)  # a PDF table cell wraps it
        for english in ("facts-only", "public-domain", "triangular", "lognormal", "uniform"):
            assert english not in text, english
    assert "[시간]" in _html(book()) and "[1]" not in _html(book())


def test_english_reports_keep_english_units() -> None:
    html = _html(book(), "en")
    assert "10,000 KRW/hour" in html and "triangular" in html and "facts only" in html
    rows = _rows(_workbook(book(), "en"), "results")
    assert rows[0][:2] == ("programme", "period") and "value (KRW, at 2024 prices)" in rows[0]


# ---- a restated book -------------------------------------------------------------------------


def test_a_restated_book_says_so_in_every_format() -> None:
    restated = book(restated=True)
    wb = _workbook(restated)
    assert wb.sheetnames[:2] == ["요약", "정정"]
    sheet = _rows(wb, "정정")
    assert sheet[0][0] == "이 보고서는 v1 공시를 정정한 v2입니다."
    assert sheet[1][:2] == ("정정 사유", "자원봉사 시간 누락분을 더했습니다")
    assert sheet[2] == ("합계 (v1 → v2)", 817_000, 1_817_000)
    assert sheet[3][:2] == ("차이", 1_000_000)
    shares = {r[0]: (r[1], r[2]) for r in sheet[6:9]}
    # 750,000 and 250,000 of a 1,000,000 difference.
    assert shares == {"데이터": (750_000, 0.75), "대리지표 값": (250_000, 0.25),
                      "산식·조정·설정": (0, 0)}  # fmt: skip
    assert any("/public/7/2024/restatements/2" in str(r[0]) for r in sheet)

    for text in (_html(restated), _pdf_text(restated)):
        assert "정정 공시" in text
        assert "이 보고서는 v1 공시를 정정한 v2입니다." in text
        assert "자원봉사 시간 누락분을 더했습니다" in text
        assert "817,000원 → 182만원" in text
        assert "+100만원" in text
        assert "+750,000원" in text and "75%" in text and "25%" in text
        assert "/public/7/2024/restatements/2" in text

    english = _html(restated, "en")
    assert "This is version 2, restating version 1." in english and "Proxy values" in english


def test_a_first_version_has_no_restatement_block() -> None:
    first = book()
    assert "정정" not in _workbook(first).sheetnames
    assert "정정 공시" not in _html(first) and 'id="restatement"' not in _html(first)
    assert "정정 공시" not in _pdf_text(first)


def test_a_restatement_that_could_not_be_attributed_says_so() -> None:
    restated = book(restated=True)
    restated["restatement"].update(factors=[], effects={}, residual=1_000_000.0)
    assert "차이를 원인별로 나누지 못했습니다" in _html(restated)
    assert "차이를 원인별로 나누지 못했습니다" in _pdf_text(restated)


# ---- names no format can hold ----------------------------------------------------------------


def test_control_characters_in_names_do_not_break_any_format() -> None:
    hostile = book(
        organisation="가온\x01협동\x0b조합",
        programmes=("멘토링\x00사업\x1f", "돌봄"),
        restated=True,
    )
    wb = _workbook(hostile)  # was openpyxl's IllegalCharacterError: a 500 on the public page
    assert wb.properties.title == "가온\ufffd협동\ufffd조합 2024년 사회적 가치 (v2)"
    cells = [c for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r]
    assert "멘토링\ufffd사업\ufffd" in cells
    assert not any(isinstance(c, str) and any(ord(ch) < 9 for ch in c) for c in cells)
    html = _html(hostile)
    assert "가온\ufffd협동\ufffd조합" in html and "\x01" not in html and "\x0b" not in html
    text = _pdf_text(hostile)
    assert "협동" in text and "\x01" not in text


# ---- through the platform ------------------------------------------------------------------


def test_a_published_name_with_control_characters_downloads(client, engine, anonymous) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    rename_org(engine, org, "가온\x01협동\x0b조합")
    add_programme(engine, org, "돌봄\x0b사업", ["my_mentoring"], {(2024, "hours"): 3})
    measure_and_publish(client, org, 2024)
    for fmt in ("xlsx", "pdf", "html"):
        response = anonymous.get(f"/public/{org}/2024/report.{fmt}")
        assert response.status_code == 200, (fmt, response.text[:300])
    wb = load_workbook(io.BytesIO(anonymous.get(f"/public/{org}/2024/report.xlsx").content))
    names = {r[0] for r in wb["결과"].iter_rows(min_row=2, values_only=True)}
    assert names == {"청소년 멘토링 사업", "돌봄\ufffd사업"}
    # The members' data export writes the same names through the same cell function.
    export = client.get(f"/orgs/{org}/data/export.xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert ("가온\ufffd협동\ufffd조합", "돌봄\ufffd사업") in {r[:2] for r in rows}


def test_the_report_dates_the_book_as_its_page_does() -> None:
    b = book()
    b["published_at"] = "2025-03-31T19:47:00+00:00"  # 04:47 on 1 April in Seoul
    assert "2025-04-01" in _html(b) and "2025-03-31" not in _html(b)
