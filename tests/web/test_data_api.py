"""The JSON API over data points: list with filters and paging, save a batch all or nothing
(409 naming every conflicting cell), delete one."""

from __future__ import annotations

from web.data_helpers import add_points, audit_count, data_org, point_count, stored
from web.helpers import api, post, sign_up


def _cell(pid: int, period: int, name: str, value, version: int = 0) -> dict:
    return {"programme_id": pid, "period": period, "name": name, "value": value, "version": version}


def test_list_with_filters_and_paging(client, engine) -> None:
    org, ids = data_org(client, engine)
    vol, jobs = ids["자원봉사"], ids["취약계층 고용"]
    add_points(
        engine,
        org,
        {
            (vol, 2023, "cash_given"): 1.0,
            (vol, 2024, "cash_given"): 2.0,
            (vol, 2024, "volunteer_hours"): 3.0,
            (jobs, 2024, "vulnerable_workers"): 4.0,
        },
    )
    url = f"/api/v1/orgs/{org}/data"
    everything = api(client, "GET", url).json()
    assert everything["total"] == 4 and len(everything["items"]) == 4
    by_programme = api(client, "GET", url, params={"programme": vol}).json()
    assert by_programme["total"] == 3
    both = api(client, "GET", url, params={"programme": vol, "period": 2024}).json()
    assert [(i["name"], i["value"]) for i in both["items"]] == [
        ("cash_given", 2.0),
        ("volunteer_hours", 3.0),
    ]
    page = api(client, "GET", url, params={"limit": 3, "offset": 3}).json()
    assert page["total"] == 4 and len(page["items"]) == 1 and page["offset"] == 3
    assert api(client, "GET", url, params={"limit": 0}).status_code == 422
    one = everything["items"][0]
    assert api(client, "GET", f"{url}/{one['id']}").json()["value"] == one["value"]


def test_put_a_batch_then_a_conflict_names_every_cell(client, other_client, engine) -> None:
    org, ids = data_org(client, engine)
    vol = ids["자원봉사"]
    url = f"/api/v1/orgs/{org}/data"
    created = api(
        client,
        "PUT",
        url,
        json=[_cell(vol, 2024, "cash_given", "1,000"), _cell(vol, 2024, "volunteer_hours", 5)],
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert (body["inserted"], body["updated"]) == (2, 0)
    versions = {i["name"]: i["version"] for i in body["items"]}
    assert versions == {"cash_given": 1, "volunteer_hours": 1}

    sign_up(other_client, "colleague@example.kr")
    post(client, f"/orgs/{org}/members", {"email": "colleague@example.kr", "role": "editor"})
    theirs = api(other_client, "PUT", url, json=[_cell(vol, 2024, "cash_given", 1500, 1)])
    assert theirs.status_code == 200

    mine = api(
        client,
        "PUT",
        url,
        json=[_cell(vol, 2024, "cash_given", 1200, 1), _cell(vol, 2024, "volunteer_hours", 6, 1)],
    )
    assert mine.status_code == 409
    error = mine.json()["error"]
    assert error["code"] == "points.conflict"
    assert [i["field"] for i in error["issues"]] == [f"{vol}:2024:cash_given"]
    message = error["issues"][0]["message"]
    assert "그 사람의 값: 1,500, 내가 입력한 값: 1,200" in message
    assert stored(engine, org) == {
        (vol, 2024, "cash_given"): 1500.0,
        (vol, 2024, "volunteer_hours"): 5.0,
    }


def test_bad_cells_are_refused_whole(client, engine) -> None:
    org, ids = data_org(client, engine)
    vol = ids["자원봉사"]
    url = f"/api/v1/orgs/{org}/data"
    response = api(
        client,
        "PUT",
        url,
        json=[
            _cell(vol, 2024, "cash_given", 1),
            _cell(vol, 2024, "volunteer_hours", "많음"),
            _cell(vol, "작년", "cash_given", 1),
        ],
    )
    assert response.status_code == 422
    fields = [i["field"] for i in response.json()["error"]["issues"]]
    assert fields == ["[1].value", "[2].period"]
    unknown = api(client, "PUT", url, json=[_cell(vol, 2024, "tonnes", 1)])
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "points.unknown-input"
    twice = api(client, "PUT", url, json=[_cell(vol, 2024, "cash_given", 1)] * 2)
    assert twice.status_code == 422
    other = api(client, "PUT", url, json=[_cell(999999, 2024, "cash_given", 1)])
    assert other.status_code == 404
    assert point_count(engine) == 0


def test_clear_with_null_and_delete(client, engine) -> None:
    org, ids = data_org(client, engine)
    vol = ids["자원봉사"]
    url = f"/api/v1/orgs/{org}/data"
    add_points(engine, org, {(vol, 2024, "cash_given"): 1.0, (vol, 2024, "volunteer_hours"): 2.0})
    items = {i["name"]: i for i in api(client, "GET", url).json()["items"]}
    cleared = api(client, "PUT", url, json=[_cell(vol, 2024, "cash_given", None, 1)])
    assert cleared.json()["deleted"] == 1
    point = items["volunteer_hours"]
    stale = api(client, "DELETE", f"{url}/{point['id']}", params={"version": 7})
    assert stale.status_code == 409
    assert api(client, "DELETE", f"{url}/{point['id']}", params={"version": 1}).status_code == 204
    assert api(client, "DELETE", f"{url}/{point['id']}").status_code == 404
    assert point_count(engine) == 0
    assert audit_count(engine, "data_point") == 2


def test_viewers_read_but_do_not_write(client, other_client, engine) -> None:
    org, ids = data_org(client, engine)
    add_points(engine, org, {(ids["자원봉사"], 2024, "cash_given"): 1.0})
    sign_up(other_client, "viewer@example.kr")
    post(client, f"/orgs/{org}/members", {"email": "viewer@example.kr", "role": "viewer"})
    url = f"/api/v1/orgs/{org}/data"
    assert api(other_client, "GET", url).json()["total"] == 1
    put = api(other_client, "PUT", url, json=[_cell(ids["자원봉사"], 2024, "cash_given", 2, 1)])
    assert put.status_code == 403
    point = api(other_client, "GET", url).json()["items"][0]
    assert api(other_client, "DELETE", f"{url}/{point['id']}").status_code == 403
    assert stored(engine, org) == {(ids["자원봉사"], 2024, "cash_given"): 1.0}


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, engine) -> None:
    org, _ = data_org(client, engine)
    url = f"/api/v1/orgs/{org}/data"
    huge = b"[" + b" " * (21 * 2**20) + b"]"
    response = api(client, "PUT", url, content=huge, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload.too-large"
    assert point_count(engine) == 0
