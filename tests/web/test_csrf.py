"""Every state-changing route refuses a request without its CSRF token: generated from the
route table, so a new form or API route is covered the day it is added."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.base import Base
from gachi.db.session import make_engine
from gachi.web.app import create_app
from gachi.web.csrf import COOKIE
from gachi.web.routes import route_table
from web.helpers import PASSWORD, api, log_in, person_with_org, post, token
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


def test_a_planted_cookie_and_form_pair_forges_nothing_once_signed_in(client, other_client):
    """Someone who can set a cookie in the victim's browser (a sibling subdomain, plain HTTP)
    plants a token and posts a form carrying the same: the token is the session's, so 403."""
    org = person_with_org(client, "victim@example.kr", "가온")
    person_with_org(other_client, "attacker@example.kr", "나래")
    attackers = token(other_client)  # a pair that works in the attacker's own session
    for planted in (attackers, "planted-by-someone-else"):
        client.cookies.set(COOKIE, planted)
        form = {"csrf_token": planted, "name": "빼앗긴 이름"}
        refused = client.post(f"/orgs/{org}/programmes", data=form, follow_redirects=False)
        assert refused.status_code == 403, planted
        script = client.post(
            f"/api/v1/orgs/{org}/programmes",
            json={"name": "빼앗긴 이름"},
            headers={"X-CSRF-Token": planted},
        )
        assert script.status_code == 403, planted
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes").json()["total"] == 0
    made = post(client, f"/orgs/{org}/programmes", {"name": "내 사업", "kind": "programme"})
    assert made.status_code == 303  # the token its own pages carry still works


def test_a_new_session_makes_the_old_token_worthless(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    before = token(client)
    assert log_in(client, "kim@example.kr").status_code == 303
    assert token(client) != before
    form = {"csrf_token": before, "name": "예전 토큰", "kind": "programme"}
    old = client.post(f"/orgs/{org}/programmes", data=form, follow_redirects=False)
    assert old.status_code == 403


def test_a_form_the_browser_says_came_from_another_site_is_refused(client) -> None:
    """Before signing in there is no session to bind to: the browser's word decides too."""
    token(client)
    data = {"email": "kim@example.kr", "name": "김가치", "password": PASSWORD}
    for site in ("cross-site", "same-site"):
        response = post(client, "/signup", data, headers={"Sec-Fetch-Site": site})
        assert response.status_code == 403, site
    assert (
        post(client, "/signup", data, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 303
    )
