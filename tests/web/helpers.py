"""Acting as a person in the browser: forms carry the CSRF token the page set in its cookie."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from gachi.web.csrf import COOKIE, SESSION_COOKIE, session_token

PASSWORD = "correct-horse-battery"


def token(client: TestClient) -> str:
    """The CSRF token the client's pages carry: its session's once signed in, before that the
    cookie's (a GET of any page sets it first)."""
    session = client.cookies.get(SESSION_COOKIE)
    if session:
        return session_token(session)
    if COOKIE not in client.cookies:
        client.get("/login")
    return client.cookies[COOKIE]


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Response:
    """A form POST as the browser sends it, with the CSRF field; redirects not followed."""
    return client.post(
        url, data={"csrf_token": token(client), **(data or {})}, follow_redirects=False, **kw
    )


def api(client: TestClient, method: str, url: str, **kw: Any) -> Response:
    """A JSON API call as a script on our pages makes it, with the CSRF header."""
    headers = {"X-CSRF-Token": token(client), **kw.pop("headers", {})}
    return client.request(method, url, headers=headers, **kw)


def sign_up(client: TestClient, email: str, name: str = "김가치") -> Response:
    response = post(client, "/signup", {"email": email, "name": name, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return response


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return post(client, "/login", {"email": email, "password": password})


def create_org(client: TestClient, name: str = "가온텔레콤", **fields: str) -> int:
    """Create an organisation as the signed-in person; returns its id."""
    data = {
        "name": name,
        "kind": "company",
        "brn": "",
        "region_sido": "서울특별시",
        "region_sigungu": "중구",
        "industry": "J",
        **fields,
    }
    response = post(client, "/orgs", data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2])


def person_with_org(client: TestClient, email: str, org: str) -> int:
    sign_up(client, email)
    return create_org(client, org)


def make_token(client: TestClient, **body: Any) -> dict[str, Any]:
    """A personal API token of the client's person, made through the JSON API with the browser
    session (the secret is in `["token"]`)."""
    response = api(client, "POST", "/api/v1/account/tokens", json={"name": "스크립트", **body})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def bearer(secret: str) -> dict[str, str]:
    """The header a script sends with its token."""
    return {"Authorization": f"Bearer {secret}"}
