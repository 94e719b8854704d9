"""Bad input in the browser: a clear message in Korean, the typed values kept, no HTML run."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import Problems, Shots
from browser.steps import (
    PASSWORD,
    create_programme,
    fill_organisation,
    log_in,
    org_id_of,
    sign_up,
    valid_brn,
)
from gachi.kernel.i18n import t

pytestmark = pytest.mark.browser


@pytest.mark.screenshots("bad-")
def test_bad_input_is_explained_and_kept(page: Any, shot: Shots, problems: Problems) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    sign_up(page, "박검증", "park@example.kr")
    page.get_by_role("button", name="로그아웃").click()
    expect(page).to_have_url(re.compile(r"/login$"))

    # A wrong password: the message, the e-mail still typed, the password field empty.
    log_in(page, "park@example.kr", "not the password")
    expect(page.get_by_role("alert")).to_have_text(t("auth.wrong-credentials", "ko"))
    expect(page.get_by_label("이메일")).to_have_value("park@example.kr")
    expect(page.get_by_label("비밀번호")).to_have_value("")
    shot("wrong-password")
    log_in(page, "park@example.kr", PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login"))

    # A business registration number whose check digit is wrong (…998 is right, …997 is not).
    good = valid_brn("124810099")
    bad = good[:-1] + str((int(good[-1]) + 9) % 10)
    page.goto("/orgs/new")
    typed = {
        "name": "바른가게 <b>협동조합</b>",
        "kind": "협동조합",
        "brn": bad,
        "sido": "부산광역시",
        "sigungu": "해운대구",
        "industry": "G · 도매 및 소매업",
    }
    fill_organisation(page, **typed)
    page.get_by_role("button", name="등록").click()
    error = page.locator("#brn-error")
    expect(error).to_have_text(t("brn.checksum", "ko", value=bad))
    expect(page.get_by_label("사업자등록번호")).to_have_attribute("aria-invalid", "true")
    # Everything typed is still there, as typed.
    expect(page.get_by_label("기관명")).to_have_value(typed["name"])
    expect(page.get_by_label("사업자등록번호")).to_have_value(bad)
    expect(page.get_by_label("기관 유형").locator("option:checked")).to_have_text("협동조합")
    expect(page.get_by_label("지역 (시도 / 시군구)").locator("option:checked")).to_have_text(
        "부산광역시"
    )
    expect(page.get_by_label("시·군·구").locator("option:checked")).to_have_text("해운대구")
    expect(page.get_by_label("업종 (한국표준산업분류)").locator("option:checked")).to_have_text(
        "G · 도매 및 소매업"
    )
    shot("bad-brn")

    # Corrected, it is created — and its name, with HTML in it, shows as the text typed.
    page.get_by_label("사업자등록번호").fill(good)
    page.get_by_role("button", name="등록").click()
    org = org_id_of(page)
    page.goto(f"/orgs/{org}/settings")
    expect(page.locator(".orgname")).to_have_text(typed["name"])
    assert page.locator(".orgname b").count() == 0

    name = '<script>alert("xss")</script><img src=x onerror=alert(1)> 돌봄 <b>일자리</b>'
    create_programme(page, org, name)
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page).to_have_title(re.compile(re.escape(name)))
    assert page.locator("main b, main img[src=x], main script").count() == 0
    shot("html-in-programme-name")
    page.goto(f"/orgs/{org}/programmes")
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert page.locator("main b, main img[src=x], main script").count() == 0
    assert dialogs == [], f"a script ran from a name: {dialogs}"
    problems.assert_none()
