"""Every route limits its request body (uploads to their own setting, everything else to a
small limit): generated from the route table, so a new route is covered the day it is added.
A declared length over the limit is refused with 413 before a byte is read, a chunked body as
soon as it passes the limit; and a zip bomb is refused with a message before it is inflated."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import Evidence
from gachi.web.limits import DEFAULT_LIMIT, FORM_SLACK
from gachi.web.routes import route_table
from web.data_helpers import (
    add_points,
    data_org,
    make_programme,
    point_count,
    upload,
    upload_count,
)
from web.evidence_helpers import upload_api
from web.helpers import person_with_org
from web.test_tenancy import _fill, _victim_objects

MB = 1 << 20
# Routes whose bodies are files, and the message of each when one is too large (the other
# routes of their routers share the class, and so the limit).
UPLOADS = {
    "/orgs/{org_id}/data/upload": "upload.too-large",
    "/api/v1/orgs/{org_id}/data": "upload.too-large",
    "/orgs/{org_id}/evidence": "evidence.too-large",
    "/api/v1/orgs/{org_id}/evidence": "evidence.too-large",
}


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Uploads of 2 MB at most, so that "too large" is quick to send."""
    return Settings(
        database_url="unused", data_dir=tmp_path / "var", upload_max_mb=2, evidence_max_mb=2
    )


def _call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
):
    """The app called straight over ASGI (the test client would read the whole body first):
    (status, body, how many chunks the app asked for)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    read = [0]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if read[0] < len(chunks):
            read[0] += 1
            more = read[0] < len(chunks)
            return {"type": "http.request", "body": chunks[read[0] - 1], "more_body": more}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # A thread of its own: this worker may already run an event loop (the browser tests').
    worker = threading.Thread(target=anyio.run, args=(app, scope, receive, send))
    worker.start()
    worker.join(timeout=60)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body.decode("utf-8", "replace"), read[0]


def _routes(app: Any, org: int, objects: dict[str, Any]) -> list[tuple[str, str, Any]]:
    found = []
    fixed = {"year": 2024, "version": 1, "name": "x", "weight": "regular", "code": "ko"}
    for e in route_table(app.routes):
        url = _fill(e.path, org, {**objects, **fixed, "fmt": "html"})
        found.append((e.method, url, e.route))
    found.append(("POST", "/no/such/page", None))  # an address that names no route
    return sorted(found, key=lambda r: (r[1], r[0]))


def _expected(app: Any, route: Any) -> tuple[int, str]:
    """The route's own limit if its class has one (uploads), else the small one for all."""
    limit = getattr(route, "body_limit", None)
    if limit is None:
        return DEFAULT_LIMIT, "web.body-too-large"
    code = route.body_too_large(SimpleNamespace(app=app)).first.code
    return limit(app.state.settings) + FORM_SLACK, code


def test_the_uploads_have_their_own_limits_and_nothing_else_is_unlimited(app) -> None:
    by_path = {(e.method, e.path): e.route for e in route_table(app.routes)}
    for path, code in UPLOADS.items():
        method = "PUT" if path.endswith("/data") else "POST"
        assert _expected(app, by_path[(method, path)]) == (2 * MB + FORM_SLACK, code), path
    assert _expected(app, by_path[("POST", "/orgs/{org_id}/programmes")]) == (
        DEFAULT_LIMIT,
        "web.body-too-large",
    )


def test_every_route_refuses_a_declared_length_over_its_limit_unread(client, app, engine):
    org = person_with_org(client, "kim@example.kr", "가온")
    objects = _victim_objects(engine, org, client.get("/api/v1/me").json()["id"])
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items()).encode()
    failures = []
    for method, url, route in _routes(app, org, objects):
        limit, code = _expected(app, route)
        headers = [
            (b"content-length", str(limit + 1).encode()),
            (b"content-type", b"application/json"),
            (b"cookie", cookie),
        ]
        status, body, read = _call(app, method, url, headers, [b"{}"])
        if status != 413 or read != 0:
            failures.append(f"{method} {url}: {status}, {read} chunks read")
        elif url.startswith("/api/") and json.loads(body)["error"]["code"] != code:
            failures.append(f"{method} {url}: {body[:200]}")
    assert not failures, "\n".join(failures)
    assert len(_routes(app, org, objects)) >= 100


def test_a_chunked_body_is_cut_off_once_past_the_limit(client, app, engine):
    """Without a Content-Length: counted as it streams; the app asks for no more than the
    chunks that reach the limit and one past it, and answers 413 with the route's message."""
    org = person_with_org(client, "kim@example.kr", "가온")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items()).encode()
    chunk = b" " * (64 * 1024)
    by_path = {(e.method, e.path): e.route for e in route_table(app.routes)}
    for method, path in [
        ("POST", "/api/v1/orgs/{org_id}/programmes"),
        ("PUT", "/api/v1/orgs/{org_id}/data"),
        ("POST", "/orgs/{org_id}/programmes"),
    ]:
        url = path.replace("{org_id}", str(org))
        limit, code = _expected(app, by_path[(method, path)])
        enough = limit // len(chunk) + 1
        chunks = [chunk] * (enough + 40)
        kind = (
            b"application/json" if url.startswith("/api/") else b"application/x-www-form-urlencoded"
        )
        headers = [(b"content-type", kind), (b"cookie", cookie)]
        status, body, read = _call(app, method, url, headers, chunks)
        assert status == 413, (url, body[:300])
        assert read <= enough, (url, read, enough)
        if url.startswith("/api/"):
            assert json.loads(body)["error"]["code"] == code
        else:
            assert "너무 큽니다" in body or "too large" in body


def _sheet_bomb() -> bytes:
    """About 70 KB of workbook whose sheet inflates to 66 MB of rows (a ratio near 1,000)."""
    rows = b"<row></row>" * 6_000_000
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    sheet += b"<sheetData>" + rows + b"</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def test_a_workbook_bomb_is_refused_with_a_message_before_it_is_inflated(client, engine):
    org, ids = data_org(client, engine)
    add_points(engine, org, {(ids["자원봉사"], 2020, "cash_given"): 1.0})
    client.cookies.set("gachi_lang", "ko")
    bomb = _sheet_bomb()
    assert len(bomb) < 200_000
    response = upload(client, org, "자료.xlsx", bomb)
    assert response.status_code == 422, response.text[:500]
    assert "압축 폭탄" in response.text and "xl/worksheets/sheet1.xml" in response.text
    assert point_count(engine) == 1 and upload_count(engine) == 0


def test_an_evidence_bomb_is_refused_with_a_message(client, engine, settings) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    make_programme(engine, org, "자원봉사", ["volunteering_hours"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", bytes(50 * MB))
    response = upload_api(client, org, "증빙.docx", out.getvalue())
    assert response.status_code == 422, response.text
    issue = response.json()["error"]["issues"][0]
    assert issue["code"] == "archive.ratio" and issue["field"] == "file"
    with Session(engine) as db:
        assert db.scalar(select(func.count(Evidence.id))) == 0
