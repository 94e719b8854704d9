"""Helpers for the data tests: programmes made directly in the database, files built in memory,
uploads and confirmations as a browser sends them, and the grid form's hidden state."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from gachi.db.models import AuditEntry, DataPoint, Programme, ProgrammeIndicator
from gachi.db.tenancy import TenantRepository
from web.helpers import person_with_org, post, token

# Two programmes with hand-picked indicators; their inputs (from the shipped catalogue):
# 자원봉사: volunteer_hours (volunteering_hours), cash_given (cash_donations)
# 취약계층 고용: vulnerable_workers, months_employed (vulnerable_jobs)
PROGRAMMES = {
    "자원봉사": ("volunteering_hours", "cash_donations"),
    "취약계층 고용": ("vulnerable_jobs",),
}


def make_programme(engine: Engine, org_id: int, name: str, indicators: Iterable[str]) -> int:
    with Session(engine) as db:
        repo = TenantRepository(db, org_id)
        programme = repo.add(Programme(name=name, kind="programme"))
        for ident in indicators:
            repo.add(ProgrammeIndicator(programme_id=programme.id, indicator_id=ident))
        db.commit()
        return programme.id


def korean(client: TestClient) -> TestClient:
    """Pages in Korean for this browser (tests otherwise run in English)."""
    client.cookies.set("gachi_lang", "ko")
    return client


def data_org(
    client: TestClient, engine: Engine, email: str = "data@example.kr", org: str = "가온텔레콤"
) -> tuple[int, dict[str, int]]:
    """A signed-in owner (reading Korean) of a new organisation with the two `PROGRAMMES`."""
    korean(client)
    org_id = person_with_org(client, email, org)
    ids = {name: make_programme(engine, org_id, name, inds) for name, inds in PROGRAMMES.items()}
    return org_id, ids


def stored(engine: Engine, org_id: int) -> dict[tuple[int, int, str], float]:
    with Session(engine) as db:
        rows = db.execute(
            TenantRepository(db, org_id)
            .select(DataPoint)
            .with_only_columns(
                DataPoint.programme_id, DataPoint.period, DataPoint.name, DataPoint.value
            )
        )
        return {(p, y, n): v for p, y, n, v in rows}


def point_count(engine: Engine) -> int:
    with Session(engine) as db:
        return int(db.scalar(select(func.count(DataPoint.id))) or 0)


def audit_count(engine: Engine, entity: str) -> int:
    with Session(engine) as db:
        query = select(func.count(AuditEntry.id)).where(AuditEntry.entity == entity)
        return int(db.scalar(query) or 0)


def add_points(engine: Engine, org_id: int, values: dict[tuple[int, int, str], float]) -> None:
    with Session(engine) as db:
        repo = TenantRepository(db, org_id)
        for (pid, period, name), value in values.items():
            repo.add(DataPoint(programme_id=pid, period=period, name=name, value=value))
        db.commit()


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    merge: str | None = None,
    extra_sheet: str | None = None,
) -> bytes:
    """A workbook whose first sheet holds `rows` (strings starting with `=` become formulas that
    openpyxl saves without a result, as a program-written file has)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "데이터"
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    if extra_sheet:
        book.create_sheet(extra_sheet).append(["메모"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: TestClient, org_id: int, filename: str, content: bytes, **kw: Any) -> Response:
    return client.post(
        f"/orgs/{org_id}/data/upload",
        data={"csrf_token": token(client)},
        files={"file": (filename, content, "application/octet-stream")},
        follow_redirects=False,
        **kw,
    )


def confirm_fields(preview: Response) -> dict[str, str]:
    text = preview.text
    fields = {}
    for name in ("token", "version"):
        found = re.search(rf'name="{name}" value="([^"]*)"', text)
        assert found, f"no {name} in the preview"
        fields[name] = html.unescape(found.group(1))
    return fields


def confirm(client: TestClient, org_id: int, preview: Response) -> Response:
    return post(client, f"/orgs/{org_id}/data/upload/confirm", confirm_fields(preview))


def counts(preview: Response) -> dict[str, int]:
    """The preview's numbers: rows, insert, update, unchanged, errors."""
    found = re.findall(r'data-count="(\w+)">([\d,]+)<', preview.text)
    return {k: int(v.replace(",", "")) for k, v in found}


def grid_state(page: Response) -> dict[str, list[Any]]:
    found = re.search(r'name="state" value="([^"]*)"', page.text)
    assert found, "no grid state in the page"
    return dict(json.loads(html.unescape(found.group(1))))


def save_grid(
    client: TestClient,
    org_id: int,
    programme_id: int,
    state: dict[str, list[Any]],
    values: dict[tuple[int, str], str],
) -> Response:
    """Submit the grid as the browser would: every shown cell with its text, `values` changed."""
    data: dict[str, Any] = {"programme": programme_id, "state": json.dumps(state)}
    for key, (shown, _) in state.items():
        data[f"v.{key}"] = shown
    for (period, name), text in values.items():
        data[f"v.{period}.{name}"] = text
    return post(client, f"/orgs/{org_id}/data", data)


def cache_formula_results(xlsx: bytes, results: dict[str, str]) -> bytes:
    """`xlsx` with a saved result for each formula (`"1+1": "2"`), as Excel leaves a file."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for formula, value in results.items():
                    data = data.replace(
                        f"<f>{formula}</f><v />".encode(),
                        f"<f>{formula}</f><v>{value}</v>".encode(),
                    )
            dst.writestr(item, data)
    return out.getvalue()


def upload_count(engine: Engine) -> int:
    from gachi.db.models import Upload

    with Session(engine) as db:
        return int(db.scalar(select(func.count(Upload.id))) or 0)
