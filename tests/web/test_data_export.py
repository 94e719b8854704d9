"""Export: the wide layout, formula-like text neutralised, and an export uploads back unchanged.
The engine's records (`records_frame`) and the data version, on a hand-made set."""

from __future__ import annotations

import csv
import io
import math

import openpyxl
from sqlalchemy.orm import Session

from gachi.db.tenancy import TenantRepository
from gachi.domains.data.service import data_version, records_frame
from web.data_helpers import (
    add_points,
    counts,
    data_org,
    make_programme,
    stored,
    upload,
)
from web.helpers import api


def _hand_made(client, engine):
    org, ids = data_org(client, engine)
    odd = make_programme(engine, org, "=cmd()|' /C calc'!A0", ["cash_donations"])
    add_points(
        engine,
        org,
        {
            (ids["자원봉사"], 2023, "volunteer_hours"): 1200.0,
            (ids["자원봉사"], 2024, "volunteer_hours"): 1500.5,
            (ids["자원봉사"], 2024, "cash_given"): 3000000.0,
            (ids["취약계층 고용"], 2024, "vulnerable_workers"): 12.0,
            (odd, 2024, "cash_given"): 0.25,
        },
    )
    return org, ids, odd


def test_records_frame_on_a_hand_made_set(client, engine) -> None:
    org, ids, odd = _hand_made(client, engine)
    with Session(engine) as db:
        frame = records_frame(TenantRepository(db, org))
    assert list(frame.columns) == [
        "organisation",
        "programme",
        "programme_id",
        "period",
        "cash_given",
        "volunteer_hours",
        "vulnerable_workers",
    ]
    rows = [
        (
            r.programme,
            r.programme_id,
            r.period,
            r.cash_given,
            r.volunteer_hours,
            r.vulnerable_workers,
        )
        for r in frame.itertuples()
    ]
    nan = float("nan")
    expected = [
        ("=cmd()|' /C calc'!A0", odd, 2024, 0.25, nan, nan),
        ("자원봉사", ids["자원봉사"], 2023, nan, 1200.0, nan),
        ("자원봉사", ids["자원봉사"], 2024, 3000000.0, 1500.5, nan),
        ("취약계층 고용", ids["취약계층 고용"], 2024, nan, nan, 12.0),
    ]
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert got[:3] == want[:3]
        for g, w in zip(got[3:], want[3:], strict=True):
            assert (math.isnan(g) and math.isnan(w)) or g == w
    assert set(frame["organisation"]) == {"가온텔레콤"}
    assert str(frame["period"].dtype) == "int64" and str(frame["cash_given"].dtype) == "float64"


def test_records_frame_of_an_organisation_without_data(client, engine) -> None:
    org, _ = data_org(client, engine)
    with Session(engine) as db:
        frame = records_frame(TenantRepository(db, org))
    assert frame.empty
    assert list(frame.columns) == ["organisation", "programme", "programme_id", "period"]


def test_data_version_changes_with_any_point(client, engine) -> None:
    org, ids = data_org(client, engine)
    pid = ids["자원봉사"]

    def version() -> str:
        with Session(engine) as db:
            return data_version(TenantRepository(db, org))

    empty = version()
    add_points(engine, org, {(pid, 2024, "cash_given"): 1.0})
    one = version()
    assert one != empty and version() == one  # stable while nothing changes
    listed = api(client, "GET", f"/api/v1/orgs/{org}/data").json()["items"][0]
    changed = api(
        client,
        "PUT",
        f"/api/v1/orgs/{org}/data",
        json=[
            {
                "programme_id": pid,
                "period": 2024,
                "name": "cash_given",
                "value": 2,
                "version": listed["version"],
            }
        ],
    )
    assert changed.status_code == 200, changed.text
    two = version()
    assert two not in (one, empty)
    assert api(client, "DELETE", f"/api/v1/orgs/{org}/data/{listed['id']}").status_code == 204
    assert version() == empty


def test_csv_export_neutralises_formula_text_and_uploads_back_unchanged(client, engine) -> None:
    org, _ids, _odd = _hand_made(client, engine)
    response = client.get(f"/orgs/{org}/data/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "organisation",
        "programme",
        "period",
        "cash_given",
        "volunteer_hours",
        "vulnerable_workers",
    ]
    assert rows[1] == ["가온텔레콤", "'=cmd()|' /C calc'!A0", "2024", "0.25", "", ""]
    assert rows[3] == ["가온텔레콤", "자원봉사", "2024", "3000000", "1500.5", ""]
    before = stored(engine, org)
    preview = upload(client, org, "export.csv", response.content)
    assert counts(preview) == {"rows": 4, "insert": 0, "update": 0, "unchanged": 5, "errors": 0}
    assert stored(engine, org) == before


def test_xlsx_export_is_data_not_formulas_and_uploads_back_unchanged(client, engine) -> None:
    org, _ids, _odd = _hand_made(client, engine)
    response = client.get(f"/orgs/{org}/data/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), data_only=False)
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:4] == ["가온텔레콤", "'=cmd()|' /C calc'!A0", 2024, 0.25]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert values[2][:5] == ["가온텔레콤", "자원봉사", 2023, None, 1200]
    preview = upload(client, org, "export.xlsx", response.content)
    assert counts(preview) == {"rows": 4, "insert": 0, "update": 0, "unchanged": 5, "errors": 0}


def test_an_edited_export_updates_only_what_changed(client, engine) -> None:
    org, _ids, _odd = _hand_made(client, engine)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/orgs/{org}/data/export.xlsx").content))
    sheet = book.worksheets[0]
    sheet["E3"] = 1300  # 자원봉사 2023 volunteer_hours: 1200 → 1300
    sheet["F5"] = 13  # 취약계층 고용 2024 vulnerable_workers: 12 → 13
    sheet["D3"] = "1,000"  # 자원봉사 2023 cash_given: new
    out = io.BytesIO()
    book.save(out)
    preview = upload(client, org, "edited.xlsx", out.getvalue())
    assert counts(preview) == {"rows": 4, "insert": 1, "update": 2, "unchanged": 3, "errors": 0}
    assert "1,200" in preview.text and "1,300" in preview.text  # old → new shown
