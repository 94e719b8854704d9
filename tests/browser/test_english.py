"""English too: one click switches the language, and the pages and the dashboard follow it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import Problems, Shots
from browser.steps import fill_organisation, measured_by_api, org_id_of, sign_up, valid_brn

pytestmark = pytest.mark.browser

HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.mark.screenshots("en-")
def test_english_pages(page: Any, shot: Shots, problems: Problems) -> None:
    sign_up(page, "Jane Kim", "jane@example.org")
    fill_organisation(
        page,
        name="Open Value Lab",
        kind="중간지원조직",
        brn=valid_brn("220810123"),
        sido="경기도",
        sigungu="수원시",
        industry="M · 전문, 과학 및 기술 서비스업",
    )
    page.get_by_role("button", name="등록").click()
    org = org_id_of(page)

    page.goto(f"/orgs/{org}/settings")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(rf"/orgs/{org}/settings$"))  # the same page, in English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.get_by_label("Kind").locator("option:checked")).to_have_text("Intermediary")
    expect(
        page.get_by_label("Region (province / district)").locator("option:checked")
    ).to_have_text("Gyeonggi-do")
    nav = page.get_by_role("navigation", name="Organisation menu")
    for label in ("Dashboard", "Programmes", "Data", "Indicators", "Runs", "Members"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    _no_korean_but_names(page, allowed=("가치",))
    shot("settings")

    # A finished run (set up through the API), then the dashboard: English words, and money
    # in English units: 4,700 hours × 25,156원 = ₩118.2 m; 2024: 2,000 × 25,156 = ₩50.3 m.
    measured_by_api(page, org, "Care volunteering", {2022: 1200, 2023: 1500, 2024: 2000})
    nav.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open Value Lab: social value")
    expect(page.locator(".run-total .amount")).to_have_text("₩118.2 m")
    expect(page.get_by_role("heading", name="Trend by year")).to_be_visible()
    expect(page.locator("main")).to_contain_text("₩50.3 m")
    expect(page.locator("main")).to_contain_text("Employee volunteering")
    _no_korean_but_names(page, allowed=("가치",))
    shot("dashboard")

    page.get_by_role("link", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    korean_nav = page.get_by_role("navigation", name="기관 메뉴")
    expect(korean_nav.get_by_role("link", name="대시보드", exact=True)).to_be_visible()
    problems.assert_none()


def _no_korean_but_names(page: Any, allowed: tuple[str, ...]) -> None:
    """An English page shows no Korean text besides the brand and the link back to Korean."""
    text = page.locator("body").inner_text()
    for word in (*allowed, "한국어"):
        text = text.replace(word, "")
    found = HANGUL.findall(text)
    assert not found, f"Korean on an English page: {''.join(found)[:80]!r}"
