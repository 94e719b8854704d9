"""Spreadsheet upload: preview with hand-counted inserts, updates and unchanged values, then
import; long and wide layouts, Korean headers, CSV and XLSX; the file stays on the server,
scoped to its organisation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gachi.db.models import AuditEntry, DataPoint, Upload
from web.data_helpers import (
    add_points,
    audit_count,
    cache_formula_results,
    confirm,
    confirm_fields,
    counts,
    csv_bytes,
    data_org,
    korean,
    point_count,
    stored,
    upload,
    upload_count,
    xlsx_bytes,
)
from web.helpers import person_with_org, post


def test_long_csv_with_korean_headers_preview_then_import(client, engine, settings) -> None:
    org, ids = data_org(client, engine)
    vol, jobs = ids["자원봉사"], ids["취약계층 고용"]
    add_points(
        engine, org, {(vol, 2023, "volunteer_hours"): 10.0, (jobs, 2024, "months_employed"): 3.0}
    )
    content = csv_bytes(
        [
            ["사업", "연도", "항목", "값"],
            ["자원봉사", "2023", "volunteer_hours", "10"],  # unchanged
            ["자원봉사", "2023", "cash_given", "1,000"],  # new
            ["자원봉사", "2024년", "임직원 자원봉사 시간", "１２"],  # new, by its Korean label
            ["취약계층 고용", "2024", "vulnerable_workers", " 5 "],  # new
            ["취약계층 고용", "2024", "months_employed", "4"],  # changed 3 → 4
        ]
    )
    preview = upload(client, org, "입력.csv", content)
    assert preview.status_code == 200, preview.text
    assert counts(preview) == {"rows": 5, "insert": 3, "update": 1, "unchanged": 1, "errors": 0}
    assert "세로형" in preview.text
    assert point_count(engine) == 2  # a preview writes nothing
    kept = list((settings.data_dir / "uploads" / str(org)).iterdir())
    assert len([p for p in kept if not p.name.endswith(".json")]) == 1
    assert kept and all("입력" not in p.name for p in kept)  # named by hash, not by the person

    done = confirm(client, org, preview)
    assert done.status_code == 303, done.text
    assert stored(engine, org) == {
        (vol, 2023, "volunteer_hours"): 10.0,
        (vol, 2023, "cash_given"): 1000.0,
        (vol, 2024, "volunteer_hours"): 12.0,
        (jobs, 2024, "vulnerable_workers"): 5.0,
        (jobs, 2024, "months_employed"): 4.0,
    }
    # one audit entry for the whole upload, none per cell
    assert audit_count(engine, "upload") == 1 and audit_count(engine, "data_point") == 0
    with Session(engine) as db:
        record = db.query(Upload).one()
        assert (record.filename, record.rows, record.values) == ("입력.csv", 5, 5)
        entry = db.query(AuditEntry).filter(AuditEntry.entity == "upload").one()
        assert entry.after is not None
        assert (entry.after["inserted"], entry.after["updated"], entry.after["unchanged"]) == (
            3,
            1,
            1,
        )
        assert entry.after["sha256"] == record.sha256
        points = {(p.programme_id, p.period, p.name): p for p in db.query(DataPoint)}
        changed, new = points[(jobs, 2024, "months_employed")], points[(vol, 2023, "cash_given")]
        assert (changed.version_id, new.version_id) == (2, 1)
        assert changed.updated_by == new.updated_by == record.created_by is not None
        assert points[(vol, 2023, "volunteer_hours")].version_id == 1  # unchanged: not touched
        assert new.updated_at is not None
    page = client.get(done.headers["location"])
    assert page.status_code == 200 and "입력.csv" in page.text and record.sha256 in page.text
    assert not [p for p in (settings.data_dir / "uploads" / str(org)).iterdir()]  # forgotten
    # confirming the same preview twice: the file is gone, nothing more happens
    again = confirm(client, org, preview)
    assert again.status_code == 422 and "다시 올려" in again.text
    assert upload_count(engine) == 1


def test_wide_xlsx_like_the_sample_records(client, engine) -> None:
    org, ids = data_org(client, engine)
    vol, jobs = ids["자원봉사"], ids["취약계층 고용"]
    header = [
        "organisation",
        "programme",
        "period",
        "volunteer_hours",
        "cash_given",
        "vulnerable_workers",
        "months_employed",
    ]
    content = xlsx_bytes(
        [
            header,
            ["가온텔레콤", "자원봉사", 2022, 100, None, None, None],
            [None, "자원봉사", 2023, 200, "50", None, None],
            ["가온텔레콤", "취약계층 고용", 2022, None, None, 7, 12.5],
        ],
        extra_sheet="작성요령",
    )
    preview = upload(client, org, "records.xlsx", content)
    assert preview.status_code == 200, preview.text
    assert counts(preview) == {"rows": 3, "insert": 5, "update": 0, "unchanged": 0, "errors": 0}
    assert "가로형" in preview.text and "작성요령" in preview.text  # the sheet not read is named
    assert confirm(client, org, preview).status_code == 303
    assert stored(engine, org) == {
        (vol, 2022, "volunteer_hours"): 100.0,
        (vol, 2023, "volunteer_hours"): 200.0,
        (vol, 2023, "cash_given"): 50.0,
        (jobs, 2022, "vulnerable_workers"): 7.0,
        (jobs, 2022, "months_employed"): 12.5,
    }


def test_formulas_with_saved_results_are_read_by_their_results(client, engine) -> None:
    org, ids = data_org(client, engine)
    content = cache_formula_results(
        xlsx_bytes(
            [["programme", "period", "input", "value"], ["자원봉사", 2024, "cash_given", "=1+1"]]
        ),
        {"1+1": "2"},
    )
    preview = upload(client, org, "f.xlsx", content)
    assert counts(preview)["insert"] == 1, preview.text
    confirm(client, org, preview)
    assert stored(engine, org) == {(ids["자원봉사"], 2024, "cash_given"): 2.0}


def test_cp949_csv_and_formula_like_text_is_data(client, engine) -> None:
    org, ids = data_org(client, engine)
    from web.data_helpers import make_programme

    odd = make_programme(engine, org, "=HYPERLINK(1)", ["cash_donations"])
    content = csv_bytes(
        [
            ["사업", "기간", "항목", "값"],
            ["=HYPERLINK(1)", "2024", "cash_given", "-0"],
            ["자원봉사", "2024", "cash_given", "3"],
        ],
        encoding="cp949",
    )
    preview = upload(client, org, "cp949.csv", content)
    assert counts(preview)["insert"] == 2, preview.text
    assert confirm(client, org, preview).status_code == 303
    assert stored(engine, org) == {
        (odd, 2024, "cash_given"): 0.0,
        (ids["자원봉사"], 2024, "cash_given"): 3.0,
    }


def test_data_changed_after_the_preview(client, engine) -> None:
    org, ids = data_org(client, engine)
    vol = ids["자원봉사"]
    add_points(engine, org, {(vol, 2024, "cash_given"): 1.0})
    content = csv_bytes(
        [["programme", "period", "input", "value"], ["자원봉사", 2024, "cash_given", 5]]
    )
    preview = upload(client, org, "a.csv", content)
    assert counts(preview)["update"] == 1
    add_points(engine, org, {(vol, 2025, "cash_given"): 9.0})  # someone else, meanwhile
    response = confirm(client, org, preview)
    assert response.status_code == 409
    assert "미리 본 뒤에 데이터가 바뀌었습니다" in response.text
    assert stored(engine, org)[(vol, 2024, "cash_given")] == 1.0
    assert upload_count(engine) == 0
    # the new preview can be confirmed
    assert confirm(client, org, response).status_code == 303
    assert stored(engine, org)[(vol, 2024, "cash_given")] == 5.0


def test_another_organisation_cannot_confirm_my_file(client, other_client, engine) -> None:
    org, _ = data_org(client, engine)
    content = csv_bytes(
        [["programme", "period", "input", "value"], ["자원봉사", 2024, "cash_given", 5]]
    )
    fields = confirm_fields(upload(client, org, "a.csv", content))
    theirs = person_with_org(korean(other_client), "other@example.kr", "다른기관")
    response = post(other_client, f"/orgs/{theirs}/data/upload/confirm", fields)
    assert response.status_code == 422
    # nor can a token name a path
    traversal = post(client, f"/orgs/{org}/data/upload/confirm", {**fields, "token": "../../x"})
    assert traversal.status_code == 422
    assert point_count(engine) == 0 and upload_count(engine) == 0


def test_viewers_cannot_upload(client, other_client, engine) -> None:
    org, _ = data_org(client, engine)
    from web.helpers import sign_up

    sign_up(other_client, "viewer@example.kr")
    post(client, f"/orgs/{org}/members", {"email": "viewer@example.kr", "role": "viewer"})
    content = csv_bytes(
        [["programme", "period", "input", "value"], ["자원봉사", 2024, "cash_given", 5]]
    )
    assert upload(other_client, org, "a.csv", content).status_code == 403
    assert other_client.get(f"/orgs/{org}/data/upload").status_code == 200


def test_a_cell_changed_between_the_plan_and_the_write(client, engine, settings, tmp_path) -> None:
    """The version-checked bulk UPDATE notices a cell written after the plan was made (a race
    the preview's data version cannot see): the whole import is refused."""
    import pytest
    from sqlalchemy import update

    from gachi.db.models import DataPoint
    from gachi.db.tenancy import TenantRepository
    from gachi.domains.data import importing
    from gachi.domains.data import upload as uploads
    from gachi.errors import Conflict

    org, ids = data_org(client, engine)
    vol = ids["자원봉사"]
    add_points(engine, org, {(vol, 2024, "cash_given"): 1.0, (vol, 2024, "volunteer_hours"): 1.0})
    path = tmp_path / "f.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["programme", "period", "cash_given", "volunteer_hours"],
                ["자원봉사", 2024, 5, 6],
                ["자원봉사", 2025, 7, 8],
            ]
        )
    )
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        todo = importing.plan(repo, uploads.parse(path, uploads.known(repo, settings)))
        assert (len(todo.inserts), len(todo.updates)) == (2, 2)
        with Session(engine) as other:  # someone else, between the plan and the write
            other.execute(
                update(DataPoint)
                .where(DataPoint.name == "cash_given")
                .values(value=9.0, version_id=DataPoint.version_id + 1)
            )
            other.commit()
        with pytest.raises(Conflict):
            importing.import_plan(repo, None, todo, "f.csv", "0" * 64)
        db.rollback()
    assert stored(engine, org) == {
        (vol, 2024, "cash_given"): 9.0,
        (vol, 2024, "volunteer_hours"): 1.0,
    }
    assert upload_count(engine) == 0
