"""The data grid: enter values per period, save, reload; two people editing the same cell get a
conflict naming it with both values, and nothing of that save is written."""

from __future__ import annotations

from web.data_helpers import (
    add_points,
    audit_count,
    data_org,
    grid_state,
    korean,
    point_count,
    save_grid,
    stored,
)
from web.helpers import log_in, post, sign_up


def test_a_new_period_saved_and_read_back(client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]
    page = client.get(f"/orgs/{org}/data?programme={pid}&add=2024")
    assert page.status_code == 200
    assert "임직원 자원봉사 시간" in page.text and "현금 기부액" in page.text
    state = grid_state(page)
    assert state == {"2024.volunteer_hours": ["", 0], "2024.cash_given": ["", 0]}

    # Korean number formats: thousands commas, spaces, full-width digits.
    response = save_grid(
        client,
        org,
        pid,
        state,
        {(2024, "volunteer_hours"): "１,２００", (2024, "cash_given"): "3 500 000.5"},
    )
    assert response.status_code == 303, response.text
    assert stored(engine, org) == {
        (pid, 2024, "volunteer_hours"): 1200.0,
        (pid, 2024, "cash_given"): 3500000.5,
    }
    assert audit_count(engine, "data_point") == 2

    again = client.get(response.headers["location"])
    assert "(바뀐 값 2개)" in again.text
    state = grid_state(again)
    assert state["2024.volunteer_hours"] == ["1,200", 1]
    assert state["2024.cash_given"] == ["3,500,000.5", 1]
    assert 'value="1,200"' in again.text


def test_change_and_clear_cells(client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]
    add_points(engine, org, {(pid, 2023, "volunteer_hours"): 10.0, (pid, 2023, "cash_given"): 5.0})
    state = grid_state(client.get(f"/orgs/{org}/data?programme={pid}"))
    response = save_grid(
        client, org, pid, state, {(2023, "volunteer_hours"): "12", (2023, "cash_given"): ""}
    )
    assert response.status_code == 303
    assert stored(engine, org) == {(pid, 2023, "volunteer_hours"): 12.0}
    # unchanged text (even written differently) is not a change: nothing more is audited
    before = audit_count(engine, "data_point")
    state = grid_state(client.get(f"/orgs/{org}/data?programme={pid}"))
    assert (
        save_grid(client, org, pid, state, {(2023, "volunteer_hours"): "12.0"}).status_code == 303
    )
    assert audit_count(engine, "data_point") == before == 2


def test_text_in_a_number_cell_names_the_cell_and_saves_nothing(client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]
    state = grid_state(client.get(f"/orgs/{org}/data?programme={pid}&add=2024"))
    response = save_grid(
        client, org, pid, state, {(2024, "volunteer_hours"): "열둘", (2024, "cash_given"): "100"}
    )
    assert response.status_code == 422
    assert "2024년 · 임직원 자원봉사 시간: &#39;열둘&#39;은(는) 숫자가 아닙니다" in response.text
    assert 'value="열둘"' in response.text and 'value="100"' in response.text  # kept as typed
    assert point_count(engine) == 0


def test_negative_values_are_refused_where_the_indicator_forbids_them(client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]
    state = grid_state(client.get(f"/orgs/{org}/data?programme={pid}&add=2024"))
    response = save_grid(client, org, pid, state, {(2024, "volunteer_hours"): "-5"})
    assert response.status_code == 422
    assert "음수" in response.text
    assert point_count(engine) == 0


def test_two_people_edit_the_same_cell(client, other_client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]
    add_points(engine, org, {(pid, 2024, "volunteer_hours"): 100.0, (pid, 2024, "cash_given"): 7.0})
    sign_up(korean(other_client), "colleague@example.kr", "이동료")
    assert (
        post(
            client, f"/orgs/{org}/members", {"email": "colleague@example.kr", "role": "editor"}
        ).status_code
        == 303
    )

    mine = grid_state(client.get(f"/orgs/{org}/data?programme={pid}"))
    theirs = grid_state(other_client.get(f"/orgs/{org}/data?programme={pid}"))
    first = save_grid(other_client, org, pid, theirs, {(2024, "volunteer_hours"): "150"})
    assert first.status_code == 303

    # I still hold version 1 of the cell: my save is refused whole, the other cell included.
    second = save_grid(
        client, org, pid, mine, {(2024, "volunteer_hours"): "120", (2024, "cash_given"): "8"}
    )
    assert second.status_code == 409
    text = second.text
    assert "자원봉사 · 2024년 · 임직원 자원봉사 시간" in text
    assert "그 사람의 값: 150" in text and "내가 입력한 값: 120" in text
    assert stored(engine, org) == {
        (pid, 2024, "volunteer_hours"): 150.0,
        (pid, 2024, "cash_given"): 7.0,
    }
    # The page now holds their version: saving again is a deliberate choice of my value.
    state = grid_state(second)
    assert state["2024.volunteer_hours"] == ["150", 2]
    assert 'value="120"' in text and 'value="8"' in text
    third = save_grid(
        client, org, pid, state, {(2024, "volunteer_hours"): "120", (2024, "cash_given"): "8"}
    )
    assert third.status_code == 303
    assert stored(engine, org)[(pid, 2024, "volunteer_hours")] == 120.0
    assert stored(engine, org)[(pid, 2024, "cash_given")] == 8.0


def test_two_people_create_the_same_cell(client, other_client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]
    sign_up(korean(other_client), "colleague@example.kr", "이동료")
    post(client, f"/orgs/{org}/members", {"email": "colleague@example.kr", "role": "editor"})
    mine = grid_state(client.get(f"/orgs/{org}/data?programme={pid}&add=2025"))
    theirs = grid_state(other_client.get(f"/orgs/{org}/data?programme={pid}&add=2025"))
    assert save_grid(other_client, org, pid, theirs, {(2025, "cash_given"): "1"}).status_code == 303
    response = save_grid(client, org, pid, mine, {(2025, "cash_given"): "2"})
    assert response.status_code == 409
    assert "그 사람의 값: 1" in response.text and "내가 입력한 값: 2" in response.text
    assert stored(engine, org) == {(pid, 2025, "cash_given"): 1.0}


def test_a_viewer_sees_values_but_cannot_save(client, other_client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]
    add_points(engine, org, {(pid, 2024, "volunteer_hours"): 100.0})
    sign_up(korean(other_client), "viewer@example.kr", "박열람")
    post(client, f"/orgs/{org}/members", {"email": "viewer@example.kr", "role": "viewer"})
    page = other_client.get(f"/orgs/{org}/data?programme={pid}")
    assert page.status_code == 200 and "100" in page.text
    assert 'name="v.2024.volunteer_hours"' not in page.text
    state = grid_state(page)
    response = save_grid(other_client, org, pid, state, {(2024, "volunteer_hours"): "1"})
    assert response.status_code == 403
    assert stored(engine, org) == {(pid, 2024, "volunteer_hours"): 100.0}


def test_programme_choice_and_bad_input(client, engine) -> None:
    org, ids = data_org(client, engine)
    page = client.get(f"/orgs/{org}/data")
    assert page.status_code == 200
    assert "자원봉사" in page.text and "취약계층 고용" in page.text
    assert client.get(f"/orgs/{org}/data?programme=abc").status_code == 404
    assert client.get(f"/orgs/{org}/data?programme=999999").status_code == 404
    bad = client.get(f"/orgs/{org}/data?programme={ids['자원봉사']}&add=내년")
    assert bad.status_code == 200 and "연도가 아닙니다" in bad.text
    tampered = post(client, f"/orgs/{org}/data", {"programme": ids["자원봉사"], "state": "{oops"})
    assert tampered.status_code == 422
    assert point_count(engine) == 0


def test_log_in_again_sees_the_same_values(client, other_client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["취약계층 고용"]
    state = grid_state(client.get(f"/orgs/{org}/data?programme={pid}&add=2022&add=2023"))
    assert set(state) == {
        "2022.vulnerable_workers",
        "2022.months_employed",
        "2023.vulnerable_workers",
        "2023.months_employed",
    }
    values = {(2022, "vulnerable_workers"): "12", (2023, "months_employed"): "10.5"}
    assert save_grid(client, org, pid, state, values).status_code == 303
    log_in(other_client, "data@example.kr")
    state = grid_state(other_client.get(f"/orgs/{org}/data?programme={pid}"))
    assert state["2022.vulnerable_workers"] == ["12", 1]
    assert state["2023.months_employed"] == ["10.5", 1]
    assert state["2022.months_employed"] == ["", 0]
