"""Every state-changing route refuses a request without its CSRF token: generated from the
route table, so a new form or API route is covered the day it is added."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.base import Base
from gachi.db.session import make_engine
from gachi.web.app import create_app
from gachi.web.routes import route_table
from web.helpers import person_with_org
from web.test_tenancy import _fill, _victim_objects

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
APP = create_app(Settings(database_url="sqlite://"), engine=make_engine("sqlite://"))
ROUTES = sorted({(e.method, e.path) for e in route_table(APP.routes) if e.method in UNSAFE})


def _rows(engine) -> dict[str, int]:
    with Session(engine) as db:
        return {
            t.name: db.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
            if t.name not in ("login_failures",)
        }


def test_the_table_has_the_forms_and_api_changes() -> None:
    paths = {p for _, p in ROUTES}
    assert {"/signup", "/login", "/logout", "/orgs"} <= paths
    assert len(ROUTES) >= 20


def test_no_token_no_change(client, engine) -> None:
    """One setup, every state-changing route: the failures are listed together."""
    org = person_with_org(client, "owner@example.kr", "가온")
    me = client.get("/api/v1/me").json()["id"]
    objects = _victim_objects(engine, org, me)
    before = _rows(engine)
    failures = []
    for method, path in ROUTES:
        url = _fill(path, org, objects)
        if url.startswith("/api/"):
            response = client.request(method, url, json={})
        else:
            response = client.request(method, url, data={"name": "x"}, follow_redirects=False)
        if response.status_code != 403:
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert _rows(engine) == before
