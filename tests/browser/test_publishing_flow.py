"""Publishing in a real browser, in Korean: publish a year → read it logged out (and download its
report) → correct the data, measure again and restate it with a reason → read what changed.

Screenshots land in out/screenshots/publish-NN-step.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import LiveApp, Problems, Shots
from browser.steps import (
    fill_organisation,
    ko,
    measured_by_api,
    org_id_of,
    org_nav,
    sign_up,
    start_run,
    valid_brn,
)

pytestmark = pytest.mark.browser

PROGRAMME = "임직원 돌봄 봉사단"
INPUT_LABEL = "임직원 자원봉사 시간"
WAGE = 25156  # won an hour: the catalogue's volunteering proxy
ORG = {
    "name": "가치나눔 주식회사",
    "kind": "기업",
    "brn": valid_brn("124810077"),
    "sido": "부산광역시",
    "sigungu": "해운대구",
    "industry": "J · 정보통신업",
}
REASON = "12월 봉사 시간 400시간이 집계에서 빠져 바로잡았습니다"


def publish_year(page: Any, org: int, year: int, reason: str = "") -> None:
    page.goto(f"/orgs/{org}/publications")
    page.get_by_label(ko("publish.field.year")).select_option(value=str(year))
    if reason:
        page.get_by_label(ko("publish.field.reason")).fill(reason)
    page.get_by_role("button", name=ko("publish.submit"), exact=True).click()


@pytest.mark.screenshots("publish-")
def test_publish_read_logged_out_restate_and_see_the_difference(
    page: Any, browser: Any, live_app: LiveApp, shot: Shots, problems: Problems
) -> None:
    sign_up(page, "박공시", "park@example.kr")
    fill_organisation(page, **ORG)
    page.get_by_role("button", name="등록").click()
    expect(page).to_have_url(re.compile(r"/orgs/\d+/programmes$"))
    org = org_id_of(page)
    measured_by_api(page, org, PROGRAMME, {2023: 1000, 2024: 2000})

    # Publish 2024 from the organisation's publishing page.
    org_nav(page, "publish.nav")
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("publish.title"))
    shot("publications")
    publish_year(page, org, 2024)
    expect(page).to_have_url(re.compile(rf"/public/{org}/2024\?published=1$"))
    expect(page.get_by_role("status")).to_contain_text(ko("publish.done", year=2024, version=1))

    # Anyone, signed out, reads the book: total, formula, proxy source; downloads the report.
    reader = browser.new_context(base_url=live_app.url, locale="ko-KR", accept_downloads=True)
    public = reader.new_page()
    public_shot = Shots(public, "publish-public-")
    public.goto(f"/public/{org}/2024")
    title = ko("public.book-title", organisation=ORG["name"], year=2024)
    expect(public.get_by_role("heading", level=1)).to_have_text(title)
    expect(public.get_by_role("link", name=ko("web.login"))).to_be_visible()  # not signed in
    total = public.locator("section.card .big").first
    expect(total).to_have_text("5,031만원")  # 2,000 h × 25,156 won = 50,312,000 won
    expect(public.locator(".formula").first).to_contain_text("volunteer_hours * hourly_wage")
    expect(public.get_by_text("고용형태별근로실태조사", exact=False).first).to_be_visible()
    public_shot("book")
    with public.expect_download() as download:
        public.get_by_role("link", name="PDF", exact=True).click()
    assert download.value.suggested_filename.endswith(".pdf")
    # 2023 was not published: nothing to see, a clear message.
    missing = public.goto(f"/public/{org}/2023")
    assert missing is not None and missing.status == 404
    expect(public.get_by_text(ko("public.year-not-published", year="2023"))).to_be_visible()

    # Correct 2024 (2,000 → 2,400 hours) in the grid and measure again.
    page.goto(f"/orgs/{org}")
    org_nav(page, "web.nav.data")
    page.get_by_label(f"2024 · {INPUT_LABEL}").fill("2400")
    page.get_by_role("button", name=ko("web.save"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(ko("points.saved", count=1))
    run = start_run(page, draws=ko("run.draws-option.none"), seed="1")
    done = f"{ko('run.title', run=run)} · {ko('run.status.done')}"
    expect(page.get_by_role("heading", level=1)).to_have_text(done, timeout=120_000)

    # A restatement without a reason is refused in place; with one, it is published.
    publish_year(page, org, 2024)
    expect(page.get_by_text(ko("restate.reason-required", year=2024))).to_be_visible()
    shot("reason-required")
    publish_year(page, org, 2024, REASON)
    expect(page).to_have_url(re.compile(rf"/public/{org}/2024/restatements/2\?published=1$"))

    # Signed out again: the book is v2 with its reason, and says what moved the total.
    public.goto(f"/public/{org}/2024")
    expect(public.locator(".badge")).to_contain_text("v2")
    expect(public.locator(".reason")).to_contain_text(REASON)
    expect(public.locator("section.card .big").first).to_have_text("6,037만원")  # 2,400 h
    public.get_by_role("link", name=ko("restate.what-changed")).first.click()
    expect(public).to_have_url(re.compile(r"/restatements/2$"))
    factors = public.locator("#factors")
    expect(factors).to_contain_text(ko("restate.factor.data"))
    expect(factors).to_contain_text("1,006만원")  # 400 h × 25,156 won, all of it the data's
    expect(public.locator("#restated-lines")).to_contain_text(PROGRAMME)
    public_shot("restatement")
    # The first version stays readable as it was.
    public.goto(f"/public/{org}/2024?version=1")
    expect(public.locator("section.card .big").first).to_have_text("5,031만원")
    reader.close()
    assert not problems.failed, problems.failed
