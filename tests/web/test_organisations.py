"""Organisations: profile checks, roles, members, optimistic locking, and the JSON API."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gachi.db.models import AuditEntry, Organisation
from gachi.kernel.brn import check_digit
from web.helpers import api, create_org, person_with_org, post, sign_up

VALID_BRN = "123-45-6789" + str(check_digit("123456789"))


def _count(engine, model) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_organisation_makes_its_creator_owner_and_is_audited(client, engine) -> None:
    sign_up(client, "a@example.kr")
    org = create_org(
        client,
        "늘봄 사회적협동조합",
        kind="cooperative",
        brn=VALID_BRN,
        region_sido="전북",
        region_sigungu="전주시",
    )
    body = client.get(f"/api/v1/orgs/{org}").json()
    assert body["role"] == "owner" and body["brn"] == VALID_BRN
    assert body["region_sido"] == "전북특별자치도" and body["region_sigungu"] == "전주시"
    with Session(engine) as db:
        entry = db.scalar(select(AuditEntry))
    assert entry.action == "create" and entry.after["name"] == "늘봄 사회적협동조합"


def test_every_wrong_field_is_shown_at_once_and_nothing_is_created(client, engine) -> None:
    sign_up(client, "a@example.kr")
    bad_brn = VALID_BRN[:-1] + str((int(VALID_BRN[-1]) + 1) % 10)
    response = post(
        client,
        "/orgs",
        {
            "name": "가온",
            "kind": "spaceship",
            "brn": bad_brn,
            "region_sido": "아틀란티스",
            "industry": "ZZ",
        },
    )
    assert response.status_code == 422
    text = response.text
    assert "check digit" in text and "organisation kind" in text and "아틀란티스" in text
    assert 'value="가온"' in text and f'value="{bad_brn}"' in text  # nothing typed is lost
    assert _count(engine, Organisation) == 0


def test_a_business_number_belongs_to_one_organisation(client) -> None:
    sign_up(client, "a@example.kr")
    create_org(client, "가온", brn=VALID_BRN)
    again = post(
        client,
        "/orgs",
        {
            "name": "나온",
            "kind": "company",
            "brn": VALID_BRN.replace("-", ""),
            "region_sido": "서울",
        },
    )
    assert again.status_code == 409 and "already registered" in again.text


def test_roles_decide_who_may_change_what(client, other_client) -> None:
    org = person_with_org(client, "owner@example.kr", "가온")
    sign_up(other_client, "viewer@example.kr")
    assert (
        post(
            client, f"/orgs/{org}/members", {"email": "viewer@example.kr", "role": "viewer"}
        ).status_code
        == 303
    )
    # The viewer sees the organisation but may not change it.
    assert other_client.get(f"/orgs/{org}/settings").status_code == 200
    denied = post(
        other_client,
        f"/orgs/{org}/settings",
        {"version": 1, "name": "x", "kind": "company", "region_sido": "서울"},
    )
    assert denied.status_code == 403
    assert (
        post(
            other_client, f"/orgs/{org}/members", {"email": "owner@example.kr", "role": "viewer"}
        ).status_code
        == 403
    )


def test_the_last_owner_cannot_leave_or_be_demoted(client) -> None:
    org = person_with_org(client, "owner@example.kr", "가온")
    me = client.get("/api/v1/me").json()["id"]
    demote = post(client, f"/orgs/{org}/members", {"email": "owner@example.kr", "role": "viewer"})
    assert demote.status_code == 403 and "at least one owner" in demote.text
    assert post(client, f"/orgs/{org}/members/{me}/remove").status_code == 403


def test_two_people_saving_the_same_settings_get_a_conflict_not_an_overwrite(
    client, other_client
) -> None:
    org = person_with_org(client, "a@example.kr", "가온")
    sign_up(other_client, "b@example.kr")
    post(client, f"/orgs/{org}/members", {"email": "b@example.kr", "role": "owner"})
    form = {
        "version": 1,
        "kind": "company",
        "region_sido": "서울특별시",
        "region_sigungu": "중구",
        "industry": "J",
    }
    assert post(client, f"/orgs/{org}/settings", {**form, "name": "가온 (A)"}).status_code == 303
    late = post(other_client, f"/orgs/{org}/settings", {**form, "name": "가온 (B)"})
    assert late.status_code == 409 and "someone else changed" in late.text
    assert 'value="가온 (B)"' in late.text  # B's typing is kept for them
    assert client.get(f"/api/v1/orgs/{org}").json()["name"] == "가온 (A)"


def test_adding_an_unknown_person_says_so(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온")
    response = post(client, f"/orgs/{org}/members", {"email": "ghost@example.kr", "role": "editor"})
    assert (
        response.status_code == 422
        and "nobody has signed up with ghost@example.kr" in response.text
    )


def test_the_api_lists_only_my_organisations_and_explains_bad_input(client, other_client) -> None:
    person_with_org(client, "a@example.kr", "가온")
    person_with_org(other_client, "b@example.kr", "나온")
    assert [o["name"] for o in client.get("/api/v1/orgs").json()["items"]] == ["가온"]
    bad = api(client, "POST", "/api/v1/orgs", json={"name": "", "kind": "company", "brn": "12"})
    assert bad.status_code == 422
    codes = {i["code"] for i in bad.json()["error"]["issues"]}
    assert codes == {"org.name-invalid", "brn.format", "org.region-required"}
    fields = {i["field"] for i in bad.json()["error"]["issues"]}
    assert fields == {"name", "brn", "region_sido"}


def test_a_malformed_id_in_a_path_is_404_not_a_validation_error(client) -> None:
    sign_up(client, "a@example.kr")
    assert client.get("/orgs/abc/settings").status_code == 404
    assert client.get("/api/v1/orgs/abc").json()["error"]["code"] == "not-found"


def test_an_unexpected_error_is_a_short_page_with_a_reference_not_a_traceback(app, client) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "secret internals" not in response.text
    assert "reference" in response.text


def test_numbers_too_large_for_the_database_are_not_found_or_refused(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온")
    huge = 10**20
    assert client.get(f"/orgs/{huge}/settings").status_code == 404
    assert client.get(f"/api/v1/orgs/{2**31}").status_code == 404
    assert client.get(f"/orgs/{org}/audit?offset={huge}").status_code == 422
    assert client.get(f"/api/v1/orgs/{org}/audit?offset={huge}").status_code == 422
    assert post(client, f"/orgs/{org}/members/{huge}/remove").status_code in (404, 422)


def test_a_commit_that_fails_is_an_error_page_not_a_success(client, engine) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    sign_up(client, "a@example.kr")

    def refuse(session) -> None:
        raise RuntimeError("disk full")

    event.listen(OrmSession, "before_commit", refuse)
    try:
        response = post(client, "/orgs", {"name": "가온", "kind": "company", "region_sido": "서울"})
    finally:
        event.remove(OrmSession, "before_commit", refuse)
    assert response.status_code == 500
    assert client.get("/api/v1/orgs").json()["items"] == []
