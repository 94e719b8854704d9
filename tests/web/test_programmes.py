"""Programmes: the service functions other domains build on, and create / edit / delete through
the pages and the JSON API, with roles, optimistic locking, audit and escaping."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gachi.db.models import AuditEntry, Programme
from gachi.db.tenancy import TenantRepository
from gachi.domains.programmes import service
from gachi.errors import NotFound
from web.helpers import api, person_with_org, post, token
from web.programmes_helpers import choose, columns_of, new_programme, org_with_member, shipped


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "the form has no version field"
    return found.group(1)


# ------------------------------------------------------------------ service functions


def test_programmes_and_chosen_indicators_as_other_domains_read_them(client, engine) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    b = new_programme(client, org, "나 사업")
    a = new_programme(client, org, "가 사업", kind="product")
    assert choose(client, org, b["id"], "volunteering_hours").status_code == 201
    assert choose(client, org, b["id"], "cash_donations").status_code == 201
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        assert [p.name for p in service.programmes(repo)] == ["가 사업", "나 사업"]
        assert service.chosen_indicators(repo) == {
            a["id"]: [],
            b["id"]: ["volunteering_hours", "cash_donations"],  # in the order chosen
        }


def test_programme_inputs_are_the_columns_the_shipped_yaml_declares(
    client, engine, settings
) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    p = new_programme(client, org)
    choose(client, org, p["id"], "energy_saving_ghg")
    definition = shipped("energy_saving_ghg")["inputs"][0]
    with Session(engine) as db:
        fields = service.programme_inputs(TenantRepository(db, org), settings, p["id"])
    # The data column is the input's `column:` (electricity_saved_mwh), not its formula name.
    assert [f.name for f in fields] == columns_of("energy_saving_ghg") == ["electricity_saved_mwh"]
    (field,) = fields
    assert field.unit == definition["unit"] == "MWh"
    assert field.label_ko == definition["description"]["ko"]
    assert field.label_en == definition["description"]["en"]
    assert field.indicator_ids == ("energy_saving_ghg",)


def test_programme_inputs_follow_dependencies_and_count_a_shared_column_once(
    client, engine, settings
) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    net = new_programme(client, org, "태양광")
    jobs = new_programme(client, org, "일자리")
    # The net figure reads no input itself: its inputs are those of the two it adds up.
    choose(client, org, net["id"], "net_ghg_renewable_project")
    choose(client, org, jobs["id"], "vulnerable_jobs")
    choose(client, org, jobs["id"], "wage_above_market")
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        net_fields = service.programme_inputs(repo, settings, net["id"])
        job_fields = service.programme_inputs(repo, settings, jobs["id"])
        again = service.programme_inputs(repo, settings, jobs["id"])
    assert "inputs" not in shipped("net_ghg_renewable_project")
    assert (
        {f.name for f in net_fields}
        == {
            *columns_of("renewable_ghg_avoided"),
            *columns_of("direct_emissions"),
        }
        == {"generation_mwh", "scope1_tco2e"}
    )
    assert {i for f in net_fields for i in f.indicator_ids} == {
        "renewable_ghg_avoided",
        "direct_emissions",
    }
    names = [f.name for f in job_fields]
    expected = list(dict.fromkeys(columns_of("vulnerable_jobs") + columns_of("wage_above_market")))
    assert names == expected and names.count("months_employed") == 1
    shared = next(f for f in job_fields if f.name == "months_employed")
    assert shared.indicator_ids == ("vulnerable_jobs", "wage_above_market")
    assert again == job_fields  # a stable order


def test_programme_inputs_of_another_organisations_programme_is_not_found(
    client, other_client, engine, settings
) -> None:
    mine = person_with_org(client, "a@example.kr", "가온텔레콤")
    theirs = person_with_org(other_client, "b@example.kr", "다른기관")
    p = new_programme(other_client, theirs)
    with Session(engine) as db, pytest.raises(NotFound):
        service.programme_inputs(TenantRepository(db, mine), settings, p["id"])


def test_an_organisation_without_own_indicators_reuses_the_cached_shipped_catalogue(
    client, engine, settings
) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        first = service.org_catalog(repo, settings)
        assert service.org_catalog(repo, settings) is first
    assert len(first.entries) == 32


# --------------------------------------------------------------------------------- pages


def test_create_through_the_page_then_see_it_listed_and_open_it(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    response = post(
        client,
        f"/orgs/{org}/programmes",
        {"name": " 행복나눔 봉사단 ", "kind": "activity", "description": "임직원 봉사"},
    )
    assert response.status_code == 303
    detail_url = response.headers["location"]
    assert re.fullmatch(rf"/orgs/{org}/programmes/\d+", detail_url)
    listing = client.get(f"/orgs/{org}/programmes")
    assert "행복나눔 봉사단" in listing.text and "Activity" in listing.text
    detail = client.get(detail_url)
    assert detail.status_code == 200 and "임직원 봉사" in detail.text
    programme_id = detail_url.rsplit("/", 1)[1]
    assert f"/orgs/{org}/data?programme={programme_id}" in detail.text


def test_every_form_carries_the_csrf_token_a_browser_will_send(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    p = new_programme(client, org)
    for url in (
        f"/orgs/{org}/programmes",
        f"/orgs/{org}/programmes/{p['id']}",
        f"/orgs/{org}/programmes/{p['id']}/delete",
        f"/orgs/{org}/indicators/new",
    ):
        html = client.get(url).text
        fields = re.findall(r'name="csrf_token" value="([^"]*)"', html)
        assert fields and set(fields) == {token(client)}, url
    # Sent as the browser sends it: the token from the page, not from the test's cookie jar.
    page = client.get(f"/orgs/{org}/programmes").text
    form_token = re.findall(r'name="csrf_token" value="([^"]*)"', page)[-1]
    response = client.post(
        f"/orgs/{org}/programmes",
        data={"csrf_token": form_token, "name": "브라우저", "kind": "programme"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_a_wrong_form_shows_every_problem_and_keeps_what_was_typed(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    response = post(
        client, f"/orgs/{org}/programmes", {"name": "  ", "kind": "nonsense", "description": "메모"}
    )
    assert response.status_code == 422
    assert "enter a name of 1 to 200 characters" in response.text
    assert "there is no kind &#39;nonsense&#39;" in response.text
    assert ">메모</textarea>" in response.text


def test_pages_speak_korean(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    client.cookies.set("gachi_lang", "ko")
    page = client.get(f"/orgs/{org}/programmes")
    assert "새 사업 등록" in page.text and "사업명" in page.text
    taken = post(client, f"/orgs/{org}/programmes", {"name": "", "kind": "programme"})
    assert "사업명을 1~200자로 입력해 주세요" in taken.text


def test_the_same_name_twice_in_one_organisation_is_refused_but_not_across_organisations(
    client, other_client
) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    other = person_with_org(other_client, "b@example.kr", "다른기관")
    new_programme(client, org, "봉사단")
    again = api(client, "POST", f"/api/v1/orgs/{org}/programmes", json={"name": "봉사단"})
    assert again.status_code == 409
    issue = again.json()["error"]["issues"][0]
    assert issue["code"] == "programme.name-taken" and issue["field"] == "name"
    page = post(client, f"/orgs/{org}/programmes", {"name": "봉사단", "kind": "programme"})
    assert page.status_code == 409 and "already a programme called" in page.text
    new_programme(other_client, other, "봉사단")


def test_edit_and_delete_through_the_pages(client, engine) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    p = new_programme(client, org, "옛 이름")
    url = f"/orgs/{org}/programmes/{p['id']}"
    version = _version(client.get(url).text)
    saved = post(
        client, url, {"version": version, "name": "새 이름", "kind": "product", "description": ""}
    )
    assert saved.status_code == 303
    assert "새 이름" in client.get(url).text
    confirm = client.get(f"{url}/delete")
    assert "cannot be undone" in confirm.text
    stale = post(client, f"{url}/delete", {"version": version})  # read before the edit
    assert stale.status_code == 409
    deleted = post(client, f"{url}/delete", {"version": _version(confirm.text)})
    assert deleted.status_code == 303
    assert client.get(url).status_code == 404
    with Session(engine) as db:
        assert db.scalar(select(Programme).where(Programme.id == p["id"])) is None


def test_two_people_save_the_same_programme_and_the_second_gets_the_conflict_with_their_values(
    client, other_client
) -> None:
    org = org_with_member(client, other_client, "editor")
    p = new_programme(client, org, "원래 이름")
    url = f"/orgs/{org}/programmes/{p['id']}"
    mine, theirs = client.get(url).text, other_client.get(url).text
    assert _version(mine) == _version(theirs) == "1"
    first = post(client, url, {"version": "1", "name": "첫 번째 저장", "kind": "programme"})
    assert first.status_code == 303
    second = post(
        other_client,
        url,
        {"version": "1", "name": "두 번째 저장", "kind": "activity", "description": "내 설명"},
    )
    assert second.status_code == 409
    assert "someone else changed this programme first" in second.text
    assert 'value="두 번째 저장"' in second.text and ">내 설명</textarea>" in second.text
    assert "첫 번째 저장" in second.text  # what is stored now is shown beside it
    # Nothing was overwritten; after looking, saving again (with the new version) works.
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes/{p['id']}").json()["name"] == (
        "첫 번째 저장"
    )
    assert _version(second.text) == "2"
    again = post(other_client, url, {"version": "2", "name": "두 번째 저장", "kind": "activity"})
    assert again.status_code == 303


# ----------------------------------------------------------------------------------- API


def test_crud_through_the_api(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    base = f"/api/v1/orgs/{org}/programmes"
    created = new_programme(client, org, "스마트 돌봄", kind="product", description="AI 돌봄")
    assert created["version"] == 1 and created["indicators"] == []
    assert [p["name"] for p in api(client, "GET", base).json()["items"]] == ["스마트 돌봄"]
    one = api(client, "GET", f"{base}/{created['id']}").json()
    assert one["kind"] == "product" and one["inputs"] == []
    patched = api(
        client, "PATCH", f"{base}/{created['id']}", json={"version": 1, "description": "바뀜"}
    )
    assert patched.status_code == 200
    assert patched.json()["description"] == "바뀜" and patched.json()["version"] == 2
    assert patched.json()["name"] == "스마트 돌봄"  # fields not sent stay as they were
    no_version = api(client, "PATCH", f"{base}/{created['id']}", json={"name": "x"})
    assert no_version.status_code == 422
    assert api(client, "DELETE", f"{base}/{created['id']}").status_code == 204
    assert api(client, "GET", f"{base}/{created['id']}").status_code == 404
    assert api(client, "GET", base).json()["items"] == []


def test_two_api_clients_patch_with_the_same_version_and_the_second_gets_409(
    client, other_client
) -> None:
    org = org_with_member(client, other_client, "editor")
    p = new_programme(client, org, "원래")
    url = f"/api/v1/orgs/{org}/programmes/{p['id']}"
    v1 = api(client, "GET", url).json()["version"]
    assert api(other_client, "GET", url).json()["version"] == v1
    assert api(client, "PATCH", url, json={"version": v1, "name": "A"}).status_code == 200
    late = api(other_client, "PATCH", url, json={"version": v1, "name": "B"})
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "conflict.stale"
    assert api(client, "GET", url).json()["name"] == "A"
    assert api(other_client, "DELETE", f"{url}?version={v1}").status_code == 409


def test_a_viewer_reads_but_cannot_change_anything(client, other_client) -> None:
    org = org_with_member(client, other_client, "viewer")
    p = new_programme(client, org, "봉사단")
    base = f"/api/v1/orgs/{org}/programmes"
    url = f"/orgs/{org}/programmes/{p['id']}"
    assert api(other_client, "GET", base).status_code == 200
    page = other_client.get(url)
    assert page.status_code == 200 and "봉사단" in page.text
    assert 'name="indicator_id"' not in page.text and "/delete" not in page.text
    listing = other_client.get(f"/orgs/{org}/programmes").text
    assert f'action="/orgs/{org}/programmes"' not in listing  # no create form
    refused = [
        post(other_client, f"/orgs/{org}/programmes", {"name": "몰래", "kind": "programme"}),
        post(other_client, url, {"version": "1", "name": "몰래", "kind": "programme"}),
        post(other_client, f"{url}/delete", {"version": "1"}),
        post(other_client, f"{url}/indicators", {"indicator_id": "volunteering_hours"}),
        api(other_client, "POST", base, json={"name": "몰래"}),
        api(other_client, "PATCH", f"{base}/{p['id']}", json={"version": 1, "name": "몰래"}),
        api(other_client, "DELETE", f"{base}/{p['id']}"),
        choose(other_client, org, p["id"], "volunteering_hours"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert [x["name"] for x in api(client, "GET", base).json()["items"]] == ["봉사단"]


def test_every_change_is_in_the_audit_log_with_before_and_after(client, engine) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    p = new_programme(client, org, "처음")
    url = f"/api/v1/orgs/{org}/programmes/{p['id']}"
    api(client, "PATCH", url, json={"version": 1, "name": "나중"})
    choose(client, org, p["id"], "volunteering_hours")
    api(client, "DELETE", f"{url}/indicators/volunteering_hours")
    api(client, "DELETE", url)
    with Session(engine) as db:
        rows = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.organisation_id == org, AuditEntry.entity != "organisation")
            .order_by(AuditEntry.id)
        ).all()
    assert [(r.entity, r.action) for r in rows] == [
        ("programme", "create"),
        ("programme", "update"),
        ("programme_indicator", "create"),
        ("programme_indicator", "delete"),
        ("programme", "delete"),
    ]
    assert rows[1].before["name"] == "처음" and rows[1].after["name"] == "나중"
    assert rows[2].after == {"programme": "나중", "indicator_id": "volunteering_hours"}
    assert rows[4].before["name"] == "나중" and rows[4].after is None
    log = client.get(f"/orgs/{org}/audit").text
    assert "Programme indicator" in log


def test_html_in_a_programme_name_is_shown_as_text_everywhere(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    evil = '<script>alert("x")</script><b>굵게</b>'
    p = new_programme(client, org, evil, description="<img src=x onerror=alert(1)>")
    choose(client, org, p["id"], "volunteering_hours")
    pages = [
        client.get(f"/orgs/{org}/programmes").text,
        client.get(f"/orgs/{org}/programmes/{p['id']}").text,
        client.get(f"/orgs/{org}/programmes/{p['id']}/delete").text,
        client.get(f"/orgs/{org}/indicators").text,  # "used by" names the programme
        client.get(f"/orgs/{org}/audit").text,
    ]
    for html in pages:
        assert "<script>alert" not in html and "<b>굵게" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html or "&lt;b&gt;" in html
