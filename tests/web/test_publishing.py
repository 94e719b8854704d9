"""Publishing a year, reading it logged out, restating it with a reason, and the attribution of
the difference — against hand-worked numbers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from web.data_helpers import korean
from web.helpers import api, bearer, log_in, make_token, post, sign_up
from web.publishing_helpers import (
    measure_and_publish,
    mentoring,
    mentoring_org,
    publish,
    rename_org,
    set_definition,
)
from web.runs_helpers import run_to_end, set_point


def test_a_published_year_is_a_public_book_with_formulas_sources_and_totals(
    client, engine, anonymous
) -> None:
    org = mentoring_org(client, engine).org
    made = measure_and_publish(client, org, 2024)
    assert (made["year"], made["version"], made["total"]) == (2024, 1, 1_000_000)  # 100 h × 10,000

    book = anonymous.get(f"/api/v1/public/{org}/2024").json()
    assert book["schema"] == "gachi.formula-book/1"
    assert book["total"]["value"] == pytest.approx(1_000_000)
    assert [c["category"] for c in book["by_category"]] == ["social_contribution"]
    [indicator] = book["indicators"]
    assert indicator["formula"] == "hours * wage"
    assert indicator["source"] == "own"
    assert indicator["proxies"][0]["value"] == 10_000
    assert indicator["proxies"][0]["publisher"] == "고용노동부"
    assert [(x["programme"], x["value"]) for x in book["lines"]] == [
        ("청소년 멘토링 사업", 1_000_000)
    ]
    assert "/work" not in str(book) and "/tmp" not in str(book)  # no server paths

    page = anonymous.get(f"/public/{org}/2024")
    assert page.status_code == 200
    assert "가온협동조합 2024년 사회적 가치 산식집" in page.text
    assert "hours * wage" in page.text and "100만원" in page.text
    listing = anonymous.get("/public").text
    assert f"/public/{org}/2024" in listing


def test_restating_needs_a_reason_and_attributes_the_difference(client, engine, anonymous) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    measure_and_publish(client, org, 2024)

    # The data (100 → 150 hours) and a proxy (10,000 → 12,000 won) change: 1.0M → 1.8M won.
    set_point(engine, org, found.programme, 2024, "hours", 150)
    set_definition(engine, org, mentoring(wage=12_000, version=2))
    assert run_to_end(client, org)["status"] == "done"
    refused = publish(client, org, 2024)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "restate.reason-required"

    made = publish(client, org, 2024, "2024년 멘토링 시간 집계 누락분 반영, 임금 통계 갱신")
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 2

    book = anonymous.get(f"/api/v1/public/{org}/2024").json()
    r = book["restatement"]
    assert (r["total_before"], r["total_after"]) == (1_000_000, 1_800_000)
    # Shapley, hand-worked: v(∅)=1.0M, v(data)=1.5M, v(proxies)=1.2M, v(both)=1.8M;
    # data = ½(0.5 + 0.6) = 0.55M, proxies = ½(0.2 + 0.3) = 0.25M, method 0.
    assert r["factors"] == ["data", "proxies", "method"]
    assert r["effects"]["data"] == pytest.approx(550_000)
    assert r["effects"]["proxies"] == pytest.approx(250_000)
    assert r["effects"]["method"] == pytest.approx(0, abs=1e-6)
    assert r["residual"] == pytest.approx(0, abs=1e-6)
    [line] = r["lines"]
    assert line["delta"] == pytest.approx(800_000)
    assert r["changes"]["definitions"][0]["proxies"] == [
        {"name": "wage", "before": 10_000, "after": 12_000, "unit": "KRW/hour"}
    ]
    assert r["changes"]["data"] == [
        {"programme": "청소년 멘토링 사업", "input": "hours", "change": "changed"}
    ]
    # Both versions stay readable, with the reason.
    first = anonymous.get(f"/api/v1/public/{org}/2024?version=1").json()
    assert first["total"]["value"] == 1_000_000 and first["restatement"] is None
    diff = anonymous.get(f"/public/{org}/2024/restatements/2")
    assert diff.status_code == 200
    assert "임금 통계 갱신" in diff.text
    assert "550,000원" in diff.text and "250,000원" in diff.text  # data, proxies


def test_a_changed_formula_is_attributed_to_the_definitions(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    # Half the hours count from now on: 1.0M → 0.5M. A new formula is not mixed with the data
    # (that would publish new functions of unpublished values): the whole line goes to the
    # definitions, as the data it reads did not change.
    set_definition(engine, org, mentoring(formula="hours * wage * 0.5", version=2))
    measure_and_publish(client, org, 2024, "멘토링 시간의 절반만 인정하도록 산식 변경")
    r = anonymous.get(f"/api/v1/public/{org}/2024").json()["restatement"]
    assert r["delta"] == pytest.approx(-500_000)
    assert r["effects"]["definitions"] == pytest.approx(-500_000)
    assert r["effects"]["data"] == pytest.approx(0, abs=1e-6)
    assert r["effects"]["proxies"] == pytest.approx(0, abs=1e-6)
    assert r["residual"] == pytest.approx(0, abs=1e-6)
    changed = r["changes"]["definitions"][0]
    assert (changed["formula_before"], changed["formula_after"]) == (
        "hours * wage",
        "hours * wage * 0.5",
    )


def test_what_cannot_be_published_says_why(client, engine) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    no_run = publish(client, org, 2024)
    assert (no_run.status_code, no_run.json()["error"]["code"]) == (422, "publish.no-run")
    assert run_to_end(client, org)["status"] == "done"
    not_measured = publish(client, org, 2019)
    assert not_measured.json()["error"]["code"] == "publish.year-not-measured"
    assert "2023, 2024" in not_measured.json()["error"]["message"]
    assert publish(client, org, 2024).status_code == 201
    again = publish(client, org, 2024, "같은 측정으로 다시")
    assert again.json()["error"]["code"] == "publish.unchanged"
    set_point(engine, org, found.programme, 2024, "hours", 101)
    stale = publish(client, org, 2024, "데이터 수정")
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "publish.stale-data")
    long = publish(client, org, 2023, "가" * 2001)
    assert long.status_code == 422


def test_the_publish_form_shows_errors_in_place(client, engine) -> None:
    org = mentoring_org(korean(client), engine).org
    run_to_end(client, org)
    assert post(client, f"/orgs/{org}/publications", {"year": "2024"}).status_code == 303
    page = post(client, f"/orgs/{org}/publications", {"year": "2024", "reason": " "})
    assert page.status_code == 422
    assert "정정 공시에는 사유가 필요합니다" in page.text
    bad_year = post(client, f"/orgs/{org}/publications", {"year": "이천이십사"})
    assert bad_year.status_code == 422 and "보고 연도가 아닙니다" in bad_year.text


def test_only_editors_publish_and_only_owners_opt_in(client, other_client, engine) -> None:
    org = mentoring_org(client, engine).org
    run_to_end(client, org)
    sign_up(other_client, "viewer@example.kr")
    added = post(client, f"/orgs/{org}/members", {"email": "viewer@example.kr", "role": "viewer"})
    assert added.status_code == 303, added.text
    assert publish(other_client, org, 2024).status_code == 403
    refused = api(
        other_client,
        "PUT",
        f"/api/v1/orgs/{org}/publications/profile",
        json={"peer_comparison": True},
    )
    assert refused.status_code == 403
    assert other_client.get(f"/orgs/{org}/publications").status_code == 200


def test_a_year_or_organisation_not_published_is_404_with_the_same_words(
    client, engine, anonymous
) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    missing_year = anonymous.get(f"/public/{org}/2023")
    assert missing_year.status_code == 404
    assert "2023년 공시는 공개되지 않았습니다" in missing_year.text
    # The reader is pointed at what was published, not at a sign-in.
    assert f'href="/public/{org}"' in missing_year.text and 'href="/public"' in missing_year.text
    unknown = anonymous.get("/public/abc")
    assert unknown.status_code == 404 and "찾을 수 없습니다: 페이지" in unknown.text
    for url in (f"/public/{org + 1000}", "/public/999999999999", f"/api/v1/public/{org + 1}"):
        response = anonymous.get(url)
        assert response.status_code == 404, url
    assert anonymous.get(f"/api/v1/public/{org}/2024?version=9").status_code == 404
    assert anonymous.get(f"/public/{org}/2024/restatements/2").status_code == 404
    assert anonymous.get(f"/public/{org}/2024/report.exe").status_code == 404


def test_reports_download_from_the_public_page(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!doctype html")):
        response = anonymous.get(f"/public/{org}/2024/report.{fmt}")
        assert response.status_code == 200, (fmt, response.text[:300])
        assert response.content.lower().startswith(magic.lower()), fmt
        assert "attachment" in response.headers["content-disposition"]
    html = anonymous.get(f"/public/{org}/2024/report.html").text
    assert "청소년 멘토링" in html and "100만원" in html


def test_peer_comparison_shows_only_organisations_that_opt_in(
    client, other_client, engine, anonymous
) -> None:
    a = mentoring_org(client, engine).org
    measure_and_publish(client, a, 2024)
    b = mentoring_org(
        other_client, engine, {2024: 300}, email="b@example.kr", name="나래사회적기업"
    ).org
    measure_and_publish(other_client, b, 2024)
    assert anonymous.get("/api/v1/public/compare/2024").json()["organisations"] == []
    for c, org in ((client, a), (other_client, b)):
        on = api(
            c, "PUT", f"/api/v1/orgs/{org}/publications/profile", json={"peer_comparison": True}
        )
        assert on.status_code == 200 and on.json() == {"peer_comparison": True}
    found = anonymous.get("/api/v1/public/compare/2024").json()
    assert sorted(o["total"] for o in found["organisations"]) == [1_000_000, 3_000_000]
    [indicator] = found["indicators"]
    assert indicator["same_definition"] is True
    # B changes its definition and restates: the comparison says the versions differ.
    set_definition(engine, b, mentoring(wage=11_000, version=2))
    measure_and_publish(other_client, b, 2024, "임금 갱신")
    found = anonymous.get("/api/v1/public/compare/2024").json()
    assert found["indicators"][0]["same_definition"] is False
    page = anonymous.get("/public/compare/2024").text
    assert "나래사회적기업" in page and "그대로 비교할 수 없습니다" in page
    # Opting out removes it at once.
    api(
        other_client,
        "PUT",
        f"/api/v1/orgs/{b}/publications/profile",
        json={"peer_comparison": False},
    )
    assert len(anonymous.get("/api/v1/public/compare/2024").json()["organisations"]) == 1


def test_publishing_is_audited(client, engine) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    log = korean(client).get(f"/orgs/{org}/audit").text
    assert "공시" in log and "2024 v1" in log


def test_logged_in_people_see_the_public_pages_too(client, engine) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    log_in(client, "owner@example.kr")
    assert client.get(f"/public/{org}/2024").status_code == 200


def test_a_script_publishes_only_with_a_token_of_the_publish_scope(client, engine, app) -> None:
    org = mentoring_org(client, engine).org
    run_to_end(client, org)
    writer = make_token(client, scopes=["read", "write"])["token"]
    publisher = make_token(client, scopes=["read", "publish"])["token"]
    with TestClient(app, raise_server_exceptions=False) as script:
        url = f"/api/v1/orgs/{org}/publications"
        refused = script.post(url, json={"year": 2024}, headers=bearer(writer))
        assert refused.status_code == 403
        made = script.post(url, json={"year": 2024}, headers=bearer(publisher))
        assert made.status_code == 201, made.text
        listed = script.get(url, headers=bearer(publisher)).json()
        assert listed["total"] == 1 and listed["items"][0]["version"] == 1
        # Opting in to public comparison is a publishing decision too.
        profile = f"{url}/profile"
        body = {"peer_comparison": True}
        assert script.put(profile, json=body, headers=bearer(writer)).status_code == 403
        assert script.put(profile, json=body, headers=bearer(publisher)).status_code == 200


def test_public_pages_show_the_name_as_published_not_as_renamed_since(
    client, engine, anonymous
) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    measure_and_publish(client, org, 2024)
    rename_org(engine, org, "새이름-미공개")
    urls = ("/public", f"/public/{org}", "/api/v1/public", f"/api/v1/public/{org}")
    for url in urls:
        body = anonymous.get(url).text
        assert "가온협동조합" in body and "새이름-미공개" not in body, url
    # Published again (a restatement), the new name is public.
    set_point(engine, org, found.programme, 2024, "hours", 120)
    measure_and_publish(client, org, 2024, "시간 정정")
    for url in urls:
        assert "새이름-미공개" in anonymous.get(url).text, url


def test_a_run_made_under_other_catalogue_settings_is_not_published(
    client, engine, app, tmp_path
) -> None:
    """Same data, same definitions, but the catalogue's report year moved since the run: the
    book would carry figures at the old prices with the new settings."""
    import shutil

    from gachi.config import Settings

    org = mentoring_org(client, engine).org
    run_to_end(client, org)
    catalogue = tmp_path / "catalogue"
    shutil.copytree(app.state.settings.catalog_dir, catalogue)
    settings_file = catalogue / "catalog.yaml"
    settings_file.write_text(
        settings_file.read_text(encoding="utf-8").replace("report_year: 2024", "report_year: 2025"),
        encoding="utf-8",
    )
    old = app.state.settings
    app.state.settings = Settings(**{**old.__dict__, "catalog_dir": catalogue})
    try:
        refused = publish(client, org, 2024)
    finally:
        app.state.settings = old
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "publish.stale-settings")
    assert publish(client, org, 2024).status_code == 201


def test_a_json_field_out_of_range_is_explained_in_the_readers_language(client, engine) -> None:
    org = mentoring_org(korean(client), engine).org
    body = publish(client, org, 1800).json()["error"]
    assert body["code"] == "input.field-invalid"
    assert body["message"] == "'year' 값이 올바르지 않습니다: 1990 이상이어야 합니다"
    client.cookies.set("gachi_lang", "en")
    english = publish(client, org, "스물").json()["error"]["message"]
    assert english == "'year' is not valid: it is not a whole number"
