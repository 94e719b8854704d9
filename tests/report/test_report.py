"""Reports: the three formats open, say what the result says, in Korean, and are safe."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from pypdf import PdfReader

from conftest import DEMO  # type: ignore[import-not-found]
from gachi.cli.main import run
from gachi.engine.catalog import load_catalog
from gachi.engine.data import open_dataset
from gachi.engine.plan import compile_plan
from gachi.engine.result import Result
from gachi.engine.run import data_rules, measure
from gachi.errors import InvalidInput
from gachi.report import Report, build_report, write_report
from gachi.report.html import render_html
from gachi.report.pdf import build_pdf
from gachi.report.xlsx import build_workbook


@pytest.fixture(scope="module")
def result() -> Result:
    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        return measure(plan, ds, draws=1000, seed=3, ranges_per_group=True, indicator_ranges=True)


def test_html_is_self_contained_and_has_every_chart(result: Result) -> None:
    page = render_html(build_report(result, lang="ko"))
    # Nothing fetched: no scripts, no external style sheets, images or fonts.
    assert "<script" not in page
    assert not re.search(
        r"""(src|href)=["']?(https?:)?//""", page.split('<section id="details"')[0]
    )
    assert not re.search(r"url\((?!data:|#)", page)
    assert "@font-face" in page and "data:font/woff;base64," in page
    # The trend of every organisation, then each organisation's latest year in charts.
    assert 'id="chart-trend"' in page
    for n in (1, 2, 3):
        for key in ("waterfall", "ranges", "tornado"):
            assert f'id="chart-{key}-{n}"' in page
    assert page.count("<svg") >= 10
    assert "4,445.3억원" not in page or "억원" in page  # money in Korean units
    assert "억원" in page
    assert "보이스피싱 피해 예방" in page
    assert "calls * cases_per_call * loss_per_case" in page.replace("blocked_", "")
    # Distributions, units and licences read in Korean.
    assert "균등분포(" in page and "uniform(" not in page
    assert "원/건" in page and "KRW/case" not in page


def test_no_figure_adds_organisations_or_years_unless_asked(result: Result) -> None:
    """The demo has three organisations over three years: its report shows each organisation's
    year, and the sum of everything only when asked for, labelled as a sum."""
    report = build_report(result, lang="ko")
    everything = report.money(result.total())
    pages = {"html": render_html(report), "pdf": _pdf_text(report)}
    for shown in pages.values():
        assert everything not in shown
        for scope in result.slices():
            assert report.money(result.total(scope)) in shown
    assert [s.label for s in report.sections] == sorted(
        {dict(s)["organisation"] for s in result.slices()}
    )
    asked = build_report(result, lang="ko", across=("organisation", "period"))
    page = render_html(asked)
    assert everything in page
    assert "기관 3곳 합계" in page and "2022~2024년 합계 (3개 연도)" in page
    assert asked.sections[-1].summed and asked.sections[-1].columns[-1].summed


def _pdf_text(report: Report) -> str:
    reader = PdfReader(io.BytesIO(build_pdf(report)))
    return "".join(page.extract_text() for page in reader.pages)


def test_html_in_english(result: Result) -> None:
    page = render_html(build_report(result, lang="en"))
    assert "Social value report 2022–2024" in page
    assert "at 2024 prices" in page
    assert "₩" in page and "bn" in page
    assert "Voice-phishing" in page or "voice-phishing" in page.lower()


def _demo_named(tmp_path: Path, name: str) -> Result:
    """The demo measured with the AI-care indicator's Korean name replaced by `name` (YAML)."""
    folder = tmp_path / "c"
    folder.mkdir()
    for f in (DEMO / "indicators").iterdir():
        text = f.read_text(encoding="utf-8")
        if f.name == "ai_care_rescues.yaml":
            text = text.replace("ko: AI 돌봄 응급 구조", f"ko: {name}")
        (folder / f.name).write_text(text, encoding="utf-8")
    plan = compile_plan(load_catalog(folder))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        return measure(plan, ds)


def test_html_escapes_text_from_the_catalogue(tmp_path: Path, result: Result) -> None:
    hostile = _demo_named(tmp_path, '"<script>alert(1)</script> 돌봄"')
    page = render_html(build_report(hostile, lang="ko"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 돌봄" in page


def test_xlsx_reads_back_with_the_same_numbers(result: Result) -> None:
    book = build_workbook(build_report(result, lang="ko"))
    buf = io.BytesIO()
    book.save(buf)
    back = load_workbook(io.BytesIO(buf.getvalue()))
    assert back.sheetnames == ["요약", "결과", "입력", "대리지표", "수식", "가치 지도", "불확실성"]
    summary = back["요약"]
    assert [c.value for c in summary[1]][:4] == [
        "기관",
        "기간",
        "범주",
        "추정값 (원, 2024년 가격 기준)",
    ]
    u = result.uncertainty
    assert u is not None
    # One total per organisation and year, each with its own range; no sum over them.
    totals = {
        (row[0], row[1]): row[3:6]
        for row in summary.iter_rows(min_row=2, values_only=True)
        if row[2] == "합계"
    }
    assert len(totals) == len(result.slices()) == 9
    for scope in result.slices():
        org, period = dict(scope)["organisation"], dict(scope)["period"]
        value, p5, _p50 = totals[(org, f"{period}년")]
        assert value == pytest.approx(result.total(scope), rel=1e-12)
        assert p5 == pytest.approx(u.scopes[scope].total.p5, rel=1e-12)
    values = [row[3] for row in summary.iter_rows(min_row=2, values_only=True)]
    assert not any(v == pytest.approx(result.total(), rel=1e-9) for v in values if v)
    results = back["결과"]
    header = [c.value for c in results[1]]
    assert header[:5] == ["기관", "사업", "기간", "지표 ID", "지표명"]
    value_at = header.index("값 (원, 2024년 가격 기준)")
    values = [row[value_at] for row in results.iter_rows(min_row=2, values_only=True)]
    assert sum(v for v in values if v is not None) == pytest.approx(
        sum(result.by_indicator().values()), rel=1e-12
    )
    # Only the groups with a value of the indicator (or records that could not have one).
    measured = [r for r in result.rows if r.value is not None or r.undefined]
    assert len(measured) < len(result.rows)
    assert results.max_row - 1 == len(measured)
    p5_at = header.index("P5")
    assert all(
        row[p5_at] is not None
        for row in results.iter_rows(min_row=2, values_only=True)
        if row[value_at]
    )
    formulas = back["수식"]
    texts = [row[3] for row in formulas.iter_rows(min_row=2, values_only=True)]
    assert "blocked_calls * cases_per_call * loss_per_case" in texts
    value_map = back["가치 지도"]
    assert [c.value for c in value_map[1]][:4] == [
        "기관",
        "기간",
        "이해관계자 (범주)",
        "성과 (지표)",
    ]
    uncertainty = back["불확실성"]
    # Each organisation's latest year, with the assumptions that move it.
    focused = {
        row[0] for row in uncertainty.iter_rows(min_row=2, values_only=True) if " · " in str(row[0])
    }
    organisations = {dict(s)["organisation"] for s in result.slices()}
    assert focused == {f"{org} · 2024년" for org in organisations}


def _cells_read_back(report: Report) -> list[Cell]:
    buf = io.BytesIO()
    build_workbook(report).save(buf)
    back = load_workbook(io.BytesIO(buf.getvalue()))
    return [c for ws in back.worksheets for row in ws.iter_rows() for c in row]


def test_xlsx_neutralises_formula_text(tmp_path: Path) -> None:
    hostile = _demo_named(tmp_path, '"=HYPERLINK(\\"http://x\\")"')
    cells = _cells_read_back(build_report(hostile, lang="ko"))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # Stored as text with the quote-prefix style: it reads as written, no apostrophe in it.
    named = [c for c in cells if c.value == '=HYPERLINK("http://x")']
    assert named and all(c.data_type == "s" and c.quotePrefix for c in named)
    assert not any(isinstance(c.value, str) and c.value.startswith("'") for c in cells)


def test_pdf_has_pages_and_korean_text(result: Result) -> None:
    data = build_pdf(build_report(result, lang="ko"))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    text = "".join(page.extract_text() for page in reader.pages)
    assert "사회적 가치 측정 보고서" in text
    assert "보이스피싱 피해 예방" in text
    assert "억원" in text
    fonts = {
        str(f["/BaseFont"])
        for page in reader.pages
        for f in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("NanumGothic" in f for f in fonts)


def test_pdf_in_english(result: Result) -> None:
    reader = PdfReader(io.BytesIO(build_pdf(build_report(result, lang="en"))))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Social value report 2022–2024" in text
    assert "₩" in text


def test_report_without_uncertainty(tmp_path: Path) -> None:
    plan = compile_plan(load_catalog(DEMO / "indicators"))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        plain = measure(plan, ds)
    report = build_report(plain, lang="ko")
    page = render_html(report)
    assert "chart-tornado" not in page and 'id="chart-waterfall-1"' in page
    write_report(report, tmp_path / "r.pdf")
    write_report(report, tmp_path / "r.xlsx")
    assert "불확실성" not in load_workbook(tmp_path / "r.xlsx").sheetnames


def test_unknown_format_is_refused(tmp_path: Path, result: Result) -> None:
    with pytest.raises(InvalidInput) as err:
        write_report(build_report(result, lang="ko"), tmp_path / "r.docx")
    assert err.value.first.code == "report.unknown-format"
    assert not (tmp_path / "r.docx").exists()


def test_cli_writes_all_three(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outs = [tmp_path / "r.html", tmp_path / "r.xlsx", tmp_path / "r.pdf"]
    args = [
        "report",
        "-c",
        str(DEMO / "indicators"),
        "-d",
        str(DEMO / "records.csv"),
        "--draws",
        "500",
    ]
    for o in outs:
        args += ["-o", str(o)]
    assert run(args) == 0
    for o in outs:
        assert o.stat().st_size > 1000
    assert "r.pdf" in capsys.readouterr().err


def test_cli_refuses_a_report_with_no_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "empty.csv"
    data.write_text(
        "organisation,programme,period,blocked_calls\n기관,사업,2024,\n", encoding="utf-8"
    )
    out = tmp_path / "r.html"
    code = run(
        ["report", "-c", str(DEMO / "indicators"), "-d", str(data), "-o", str(out), "--draws", "0"]
    )
    assert code == 1
    assert "report.no-results" in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_an_unknown_format_before_measuring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        ["report", "-c", str(tmp_path / "missing"), "-d", "x.csv", "-o", str(tmp_path / "r.doc")]
    )
    assert code == 1
    assert "report.unknown-format" in capsys.readouterr().err


def test_the_whole_library_reports_in_every_format(tmp_path: Path) -> None:
    # 32 indicators: the ranges chart is tall and must still fit a PDF page.
    root = DEMO.parents[1]
    plan = compile_plan(load_catalog(root / "library" / "indicators"))
    with open_dataset(root / "library" / "sample" / "records.csv", data_rules(plan)) as ds:
        result = measure(plan, ds, draws=300, seed=1)
    report = build_report(result, lang="ko")
    for ext in ("html", "xlsx", "pdf"):
        write_report(report, tmp_path / f"r.{ext}")
    reader = PdfReader(tmp_path / "r.pdf")
    assert len(reader.pages) >= 5
    assert "지표 정의와 출처" in "".join(p.extract_text() for p in reader.pages)


def test_estimate_outside_its_range_and_many_indicators_still_draw(tmp_path: Path) -> None:
    # A proxy whose estimate is its range's low end puts the total's estimate below its P5.
    root = DEMO.parents[1]
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "catalog.yaml").write_text("report_year: 2024\nprice_index: none\n")
    data = ["organisation,programme,period," + ",".join(f"n{i}" for i in range(45))]
    for i in range(45):
        (folder / f"ind_{i:02d}.yaml").write_text(
            f"""id: ind_{i:02d}
version: 1
name: {{ko: 지표 {i}}}
description: {{ko: 시험}}
frameworks: {{sk: social_contribution}}
inputs: [{{name: n{i}, unit: case, description: {{ko: 건수}}}}]
proxies:
  - name: p
    value: 100
    unit: KRW/case
    currency: KRW
    base_year: 2024
    source: {{title: 시험, publisher: gachi, year: 2024}}
    licence: CC0-1.0
    uncertainty: {{distribution: triangular, low: 100, mode: 100, high: 300}}
formula: n{i} * p
""",
            encoding="utf-8",
        )
    data.append("기관,사업,2024," + ",".join("10" for _ in range(45)))
    (tmp_path / "d.csv").write_text("\n".join(data) + "\n", encoding="utf-8")
    plan = compile_plan(load_catalog(folder))
    with open_dataset(tmp_path / "d.csv", data_rules(plan)) as ds:
        result = measure(plan, ds, draws=500, seed=1)
    assert result.uncertainty is not None
    assert result.uncertainty.total.p5 > result.total()
    report = build_report(result, lang="ko")
    page = render_html(report)
    assert 'id="chart-ranges"' in page and 'id="chart-ranges-2"' in page  # 45 = 40 + 5
    assert page.count('class="mark"') >= 45  # every estimate below its range is marked
    assert "※ 추정값이 90% 범위 밖에 있습니다" in page and "p의 기준값이" in page
    assert len(PdfReader(io.BytesIO(build_pdf(report))).pages) >= 3
    del root


def test_the_period_column_of_the_catalogue_makes_the_trend(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    for f in (DEMO / "indicators").iterdir():
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "catalog.yaml").write_text("report_year: 2024\nperiod_column: year\n")
    data = (
        (DEMO / "records.csv")
        .read_text(encoding="utf-8")
        .replace("organisation,programme,period,", "organisation,programme,year,", 1)
    )
    (tmp_path / "d.csv").write_text(data, encoding="utf-8")
    plan = compile_plan(load_catalog(folder), group_by=("organisation", "programme", "year"))
    with open_dataset(tmp_path / "d.csv", data_rules(plan)) as ds:
        result = measure(plan, ds, draws=200)
    report = build_report(result, lang="en")
    assert [c.label for c in report.periods] == ["2022", "2023", "2024"]
    assert [c.label for c in report.sections[0].columns] == ["2022", "2023", "2024"]
    assert 'id="chart-trend"' in render_html(report)


def test_title_cannot_inject_a_formula(result: Result) -> None:
    cells = _cells_read_back(build_report(result, lang="ko", title='=HYPERLINK("http://x")'))
    titles = [c for c in cells if c.value == '=HYPERLINK("http://x")']
    assert titles and all(c.data_type == "s" and c.quotePrefix for c in titles)
    assert not [c.coordinate for c in cells if c.data_type == "f"]


def test_method_text_says_whether_prices_were_adjusted(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    for f in (DEMO / "indicators").iterdir():
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "catalog.yaml").write_text("report_year: 2024\nprice_index: none\n")
    plan = compile_plan(load_catalog(folder))
    with open_dataset(DEMO / "records.csv", data_rules(plan)) as ds:
        nominal = measure(plan, ds)
    page = render_html(build_report(nominal, lang="en"))
    assert "does not adjust for prices" in page and "consumer price index" not in page
