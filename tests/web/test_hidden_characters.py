"""Names and reasons that others read (on public pages, in reports and spreadsheets) refuse
control and direction characters, and a reason that would look empty is no reason: each with a
message that names the field and the characters, and nothing written."""

from __future__ import annotations

import pytest

from web.data_helpers import korean
from web.helpers import PASSWORD, api, person_with_org, post, sign_up
from web.publishing_helpers import measure_and_publish, mentoring_org, publish
from web.runs_helpers import run_to_end, set_point

HIDDEN = "보이지 않는 제어 문자나 글자 방향을 바꾸는 문자"


@pytest.mark.parametrize("name", ["가온\x01협동조합", "가온\u202e조합", "가온\u200b조합"])
def test_an_organisation_name_with_hidden_characters_is_refused(client, name) -> None:
    sign_up(korean(client), "kim@example.kr")
    data = {"name": name, "kind": "company", "brn": "", "region_sido": "서울특별시"}
    data |= {"region_sigungu": "중구", "industry": "J"}
    response = post(client, "/orgs", data)
    assert response.status_code == 422
    assert HIDDEN in response.text
    assert f"U+{ord(name[2]):04X}" in response.text
    assert api(client, "GET", "/api/v1/orgs").json()["items"] == []


@pytest.mark.parametrize("name", ["사업\x0b이름", "\u3164", " \u200b "])
def test_a_programme_name_with_hidden_characters_or_nothing_visible_is_refused(
    client, name
) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    response = api(client, "POST", f"/api/v1/orgs/{org}/programmes", json={"name": name})
    assert response.status_code == 422, response.text
    [issue] = response.json()["error"]["issues"]
    assert issue["field"] == "name"
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes").json()["total"] == 0


def test_a_person_named_with_a_direction_character_is_refused(client) -> None:
    data = {"email": "kim@example.kr", "name": "김\u202e가치", "password": PASSWORD}
    response = post(korean(client), "/signup", data)
    assert response.status_code == 422
    assert HIDDEN in response.text


@pytest.mark.parametrize("reason", ["\u200b", "\ufeff", "\u3164", "\u2800", "\u115f", " \u200b "])
def test_a_reason_that_shows_nothing_is_no_reason(client, engine, reason) -> None:
    found = mentoring_org(client, engine)
    measure_and_publish(client, found.org, 2024)
    set_point(engine, found.org, found.programme, 2024, "hours", 120)
    assert run_to_end(client, found.org)["status"] == "done"
    response = publish(client, found.org, 2024, reason)
    assert response.status_code == 422
    assert response.json()["error"]["issues"][0]["code"] == "restate.reason-required"
    versions = api(client, "GET", f"/api/v1/orgs/{found.org}/publications").json()["items"]
    assert [v["version"] for v in versions] == [1]


def test_a_reason_with_a_direction_character_is_refused_but_lines_are_kept(client, engine) -> None:
    found = mentoring_org(client, engine)
    measure_and_publish(client, found.org, 2024)
    set_point(engine, found.org, found.programme, 2024, "hours", 120)
    assert run_to_end(client, found.org)["status"] == "done"
    refused = publish(client, found.org, 2024, "정정\u202e사유")
    assert refused.status_code == 422 and "U+202E" in refused.text
    made = publish(client, found.org, 2024, "첫 줄\n둘째 줄")
    assert made.status_code == 201, made.text


def test_descriptions_and_notes_others_read_refuse_direction_characters(
    client, other_client
) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    person_with_org(other_client, "lee@example.kr", "나래검증")
    made = api(
        client,
        "POST",
        f"/api/v1/orgs/{org}/programmes",
        json={"name": "돌봄", "description": "설명\u202e끝"},
    )
    assert made.status_code == 422 and "U+202E" in made.text
    grant = api(
        client,
        "POST",
        f"/api/v1/orgs/{org}/evidence/grants",
        json={"verifier": "나래검증", "note": "검증\u200b메모"},
    )
    assert grant.status_code == 422 and "U+200B" in grant.text
    fine = api(
        client,
        "POST",
        f"/api/v1/orgs/{org}/evidence/grants",
        json={"verifier": "나래검증", "note": "2024년 공시\n검증용"},
    )
    assert fine.status_code == 201, fine.text
