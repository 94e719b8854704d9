"""The main flow in a real browser, in Korean: sign up → organisation → programme → indicator →
data by hand and by upload → measurement run → dashboard → explanation of a number.

Screenshots of every step land in out/screenshots/NN-step.png: look at them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import Problems, Shots
from browser.steps import (
    INDICATOR,
    assert_korean_font,
    assert_reads_as_table,
    choose_indicator,
    create_programme,
    enter_data,
    fill_organisation,
    ko,
    org_id_of,
    org_nav,
    sign_up,
    start_run,
    upload_preview,
    valid_brn,
    write_xlsx,
)

pytestmark = pytest.mark.browser

PROGRAMME = "임직원 돌봄 봉사단"
INDICATOR_NAME = "임직원 자원봉사"  # the name of INDICATOR (volunteering_hours)
# Hours per year: two typed in the form, the third uploaded. The catalogue values an hour at the
# average hourly wage, 25,156원 (library/indicators/volunteering_hours.yaml).
HOURS = {2022: 1200, 2023: 1500, 2024: 2000}
INPUT_LABEL = "임직원 자원봉사 시간"  # the input's Korean description in the catalogue
WAGE = 25156
ORG = {
    "name": "함께가치 사회적협동조합",
    "kind": "사회적기업",
    "brn": valid_brn("124810099"),
    "sido": "서울특별시",
    "sigungu": "성동구",
    "industry": "Q · 보건업 및 사회복지 서비스업",
}


@pytest.mark.screenshots("")
def test_main_flow_in_korean(page: Any, shot: Shots, problems: Problems, tmp_path: Path) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="로그인")).to_be_visible()
    assert_korean_font(page)
    shot("login")

    sign_up(page, "김가치", "kim@example.kr")
    expect(page.get_by_role("heading", name="새 기관 등록")).to_be_visible()
    fill_organisation(page, **ORG)
    shot("organisation-form")
    page.get_by_role("button", name="등록").click()
    # A new organisation starts on its programmes.
    expect(page).to_have_url(re.compile(r"/orgs/\d+/programmes$"))
    org = org_id_of(page)
    expect(page.locator(".orgname")).to_have_text(ORG["name"])
    shot("programmes-empty")

    # A programme, and an indicator of the shipped catalogue for it.
    programme = create_programme(
        page, org, PROGRAMME, description="임직원이 지역 돌봄 시설에서 하는 정기 봉사활동"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROGRAMME)
    choose_indicator(page, INDICATOR_NAME, INDICATOR)
    # Its input appears, ready for data: the column the formula reads.
    expect(page.locator("#inputs")).to_contain_text("volunteer_hours")
    shot("programme-with-indicator")

    # Two years typed into the grid (one with a thousands separator, as people type).
    enter_data(page, INPUT_LABEL, {2022: "1,200", 2023: "1500"})
    expect(page).to_have_url(re.compile(rf"/data\?programme={programme}&saved=2$"))
    expect(page.get_by_label(f"2022 · {INPUT_LABEL}")).to_have_value("1,200")
    expect(page.get_by_label(f"2023 · {INPUT_LABEL}")).to_have_value("1,500")
    assert_reads_as_table(page, ko("points.period"), "2022")
    shot("data-entered")

    # The third year from a spreadsheet: preview first (nothing saved), then import.
    sheet = write_xlsx(
        tmp_path / "자원봉사_2024.xlsx",
        [("사업", "연도", "항목", "값"), (PROGRAMME, 2024, INPUT_LABEL, HOURS[2024])],
    )
    upload_preview(page, sheet)
    expect(page.locator('[data-count="rows"]')).to_have_text("1")
    expect(page.locator('[data-count="insert"]')).to_have_text("1")
    expect(page.locator('[data-count="update"]')).to_have_text("0")
    expect(page.locator('[data-count="errors"]')).to_have_text("0")
    expect(page.locator("main")).to_contain_text("2,000")
    shot("upload-preview")
    page.get_by_role("button", name=ko("upload.confirm"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(ko("upload.imported"))
    shot("upload-done")
    org_nav(page, "web.nav.data")
    expect(page.get_by_label(f"2024 · {INPUT_LABEL}")).to_have_value("2,000")

    # A measurement run: the progress page, then the finished run.
    run = start_run(page, draws=ko("run.draws-option", draws="1,000"), seed="42")
    shot("run-progress")
    done = f"{ko('run.title', run=run)} · {ko('run.status.done')}"
    expect(page.get_by_role("heading", level=1)).to_have_text(done, timeout=120_000)
    shot("run-done")

    # The dashboard: the total and each year in Korean money units, worked by hand:
    # 4,700 hours × 25,156원 = 118,233,200원 ≈ 1.2억원; 2024: 2,000 × 25,156 = 50,312,000원.
    org_nav(page, "web.nav.dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ko("dashboard.title", organisation=ORG["name"])
    )
    assert sum(HOURS.values()) * WAGE == 118_233_200
    expect(page.locator(".run-total .amount")).to_have_text("1.2억원")
    by_year = page.locator("figure").filter(
        has=page.get_by_role("heading", name=ko("dashboard.by-year"))
    )
    for year, text in ((2022, "3,019만원"), (2023, "3,773만원"), (2024, "5,031만원")):
        expect(by_year.get_by_role("row").filter(has_text=str(year))).to_contain_text(text)
    shot("dashboard")

    # Click a number: the year's value, made of its indicators' values…
    by_year.get_by_role("table").get_by_role("link", name="5,031만원", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("run.explain.title"))
    main = page.locator("main")
    expect(main.locator(".lead")).to_contain_text("2024")
    expect(main.locator(".big").first).to_have_text("5,031만원")
    cells = main.locator("table").filter(has_text=PROGRAMME)
    expect(cells).to_contain_text(INDICATOR_NAME)
    shot("explanation-year")

    # …and one programme's indicator in that year: the formula, with the values put in, and
    # the proxy with its source.
    cells.get_by_role("link", name="5,031만원", exact=True).click()
    expect(main.locator(".lead")).to_contain_text(PROGRAMME)
    expect(main.locator(".big").first).to_have_text("5,031만원")
    formulas = main.locator("pre.formula")
    expect(formulas.first).to_have_text("volunteer_hours * hourly_wage")
    expect(formulas.nth(1)).to_have_text("= (2,000 [hour] * 25,156 [KRW/hour]) × 1")
    proxies = main.locator("table").filter(has_text="hourly_wage")
    expect(proxies).to_contain_text("25,156")
    expect(proxies).to_contain_text("고용형태별근로실태조사")
    expect(proxies).to_contain_text("고용노동부")
    shot("explanation")

    problems.assert_none()
