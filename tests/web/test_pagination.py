"""Every JSON list of the API is one envelope (items, total, limit, offset) with bounded paging
and its obvious filters; a wrong bound or filter is a 422 that names the field."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from gachi.db.models import Run
from web.helpers import api, person_with_org, post, sign_up

LISTS = [
    "/api/v1/orgs",
    "/api/v1/orgs/{org}/members",
    "/api/v1/orgs/{org}/programmes",
    "/api/v1/orgs/{org}/indicators",
    "/api/v1/orgs/{org}/indicators/custom",
    "/api/v1/orgs/{org}/audit",
    "/api/v1/orgs/{org}/runs",
    "/api/v1/orgs/{org}/data",
    "/api/v1/account/tokens",
]


@pytest.fixture
def org(client) -> int:
    return person_with_org(client, "kim@example.kr", "가온")


def test_every_list_is_one_envelope(client, org) -> None:
    for path in LISTS:
        url = path.format(org=org)
        body = client.get(url).json()
        assert set(body) == {"items", "total", "limit", "offset"}, url
        assert body["offset"] == 0 and 1 <= body["limit"] <= 1000, url
        one = client.get(url, params={"limit": 1, "offset": 0}).json()
        assert len(one["items"]) == min(1, body["total"]) and one["limit"] == 1, url


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=-1", "limit=501", "limit=x", "offset=-1", f"offset={2**31}", "offset=1.5"],
)
def test_bounds_are_checked(client, org, query) -> None:
    for path in LISTS:
        url = path.format(org=org)
        if query == "limit=501" and path.endswith(("/runs", "/data")):
            continue  # these two allow up to 1000 (as before)
        response = client.get(f"{url}?{query}")
        assert response.status_code == 422, (url, query, response.status_code)
        issue = response.json()["error"]["issues"][0]
        assert issue["code"] == "input.field-invalid" and issue["field"] == query.split("=")[0]
    assert client.get(f"/api/v1/orgs/{org}/programmes?limit=500").status_code == 200


def test_programmes_page_and_filter_by_kind(client, org) -> None:
    url = f"/api/v1/orgs/{org}/programmes"
    for name, kind in [
        ("가", "programme"),
        ("나", "activity"),
        ("다", "activity"),
        ("라", "product"),
    ]:
        assert api(client, "POST", url, json={"name": name, "kind": kind}).status_code == 201
    page = client.get(url, params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 4 and [p["name"] for p in page["items"]] == ["나", "다"]
    activities = client.get(url, params={"kind": "activity"}).json()
    assert activities["total"] == 2 and {p["kind"] for p in activities["items"]} == {"activity"}
    past_the_end = client.get(url, params={"offset": 10}).json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 4
    assert client.get(url, params={"kind": "nope"}).status_code == 422


def test_indicators_filter_by_category_and_own(client, org) -> None:
    url = f"/api/v1/orgs/{org}/indicators"
    everything = client.get(url, params={"limit": 500}).json()
    assert everything["total"] == 32 and len(everything["items"]) == 32
    social = client.get(url, params={"category": "social_contribution", "limit": 500}).json()
    assert 0 < social["total"] < 32
    assert {i["category"] for i in social["items"]} == {"social_contribution"}
    assert client.get(url, params={"own": "true"}).json()["total"] == 0
    assert client.get(url, params={"own": "false"}).json()["total"] == 32
    second = client.get(url, params={"limit": 5, "offset": 5}).json()["items"]
    assert [i["id"] for i in second] == [i["id"] for i in everything["items"][5:10]]
    assert client.get(url, params={"category": "nope"}).status_code == 422


def test_audit_filters_by_entity_and_action(client, org) -> None:
    url = f"/api/v1/orgs/{org}/programmes"
    made = api(client, "POST", url, json={"name": "가"}).json()
    api(client, "PATCH", f"{url}/{made['id']}", json={"name": "나", "version": made["version"]})
    audit = f"/api/v1/orgs/{org}/audit"
    everything = client.get(audit).json()
    assert everything["total"] >= 3  # the organisation, its owner, the programme twice
    programme = client.get(audit, params={"entity": "programme"}).json()
    assert [e["action"] for e in programme["items"]] == ["update", "create"]
    updates = client.get(audit, params={"entity": "programme", "action": "update"}).json()
    assert updates["total"] == 1
    assert client.get(audit, params={"action": "x" * 21}).status_code == 422


def test_members_and_organisations_filter_by_role(client, other_client, org) -> None:
    sign_up(other_client, "lee@example.kr")
    added = post(client, f"/orgs/{org}/members", {"email": "lee@example.kr", "role": "viewer"})
    assert added.status_code == 303
    members = f"/api/v1/orgs/{org}/members"
    assert client.get(members).json()["total"] == 2
    viewers = client.get(members, params={"role": "viewer"}).json()
    assert [m["email"] for m in viewers["items"]] == ["lee@example.kr"]
    assert client.get(members, params={"role": "admin"}).status_code == 422
    assert client.get("/api/v1/orgs", params={"role": "owner"}).json()["total"] == 1
    assert other_client.get("/api/v1/orgs", params={"role": "owner"}).json()["total"] == 0
    assert other_client.get("/api/v1/orgs", params={"role": "viewer"}).json()["total"] == 1


def test_runs_filter_by_status(client, org, engine) -> None:
    with Session(engine) as db:
        for number, status in enumerate(("done", "failed", "done"), start=1):
            db.add(
                Run(
                    organisation_id=org,
                    number=number,
                    status=status,
                    stage=status,
                    progress=1.0,
                    seed=1,
                )
            )
        db.commit()
    url = f"/api/v1/orgs/{org}/runs"
    assert client.get(url).json()["total"] == 3
    done = client.get(url, params={"status": "done"}).json()
    assert done["total"] == 2 and {r["status"] for r in done["items"]} == {"done"}
    assert client.get(url, params={"status": "failed"}).json()["total"] == 1
    assert client.get(url, params={"status": "lost"}).status_code == 422
