"""Sign-up, login, sessions, CSRF and rate limiting, through the pages a person uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gachi.db.models import LoginFailure, User, WebSession
from gachi.web.deps import SESSION_COOKIE
from web.helpers import PASSWORD, api, create_org, log_in, post, sign_up, token


def test_sign_up_logs_in_and_the_password_is_hashed_with_argon2(client, engine) -> None:
    response = sign_up(client, "Ga.Chi@Example.kr ")
    assert response.headers["location"] == "/orgs/new"
    me = client.get("/api/v1/me").json()
    assert me["email"] == "ga.chi@example.kr"
    with Session(engine) as db:
        stored = db.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_up_shows_every_problem_and_keeps_what_was_typed(client) -> None:
    response = post(client, "/signup", {"email": "not-mail", "name": "홍길동", "password": "short"})
    assert response.status_code == 422
    assert "not a valid e-mail" in response.text and "at least 10 characters" in response.text
    assert 'value="홍길동"' in response.text and 'value="not-mail"' in response.text


def test_the_same_email_cannot_sign_up_twice(client, other_client) -> None:
    sign_up(client, "a@example.kr")
    response = post(
        other_client, "/signup", {"email": "A@example.kr", "name": "x", "password": PASSWORD}
    )
    assert response.status_code == 409 and "already has an account" in response.text


def test_wrong_password_is_refused_without_telling_which_part_was_wrong(
    client, other_client
) -> None:
    sign_up(client, "a@example.kr")
    wrong = log_in(other_client, "a@example.kr", "wrong-password-1")
    unknown = log_in(other_client, "nobody@example.kr", "wrong-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong e-mail or password" in wrong.text and "wrong e-mail or password" in unknown.text
    assert other_client.get("/api/v1/me").status_code == 401


def test_logins_are_rate_limited_even_with_the_right_password_after_too_many_failures(
    client, other_client, engine
) -> None:
    sign_up(client, "a@example.kr")
    for _ in range(5):
        assert log_in(other_client, "a@example.kr", "wrong-password-1").status_code == 401
    blocked = log_in(other_client, "a@example.kr")
    assert blocked.status_code == 429 and "too many failed logins" in blocked.text
    # The window passes: the right password works again and clears the failures.
    with Session(engine) as db:
        db.execute(update(LoginFailure).values(at=datetime.now(UTC) - timedelta(hours=1)))
        db.commit()
    assert log_in(other_client, "a@example.kr").status_code == 303
    with Session(engine) as db:
        assert db.scalar(select(LoginFailure).where(LoginFailure.email == "a@example.kr")) is None


def test_login_redirects_only_to_this_site(client, other_client) -> None:
    sign_up(client, "a@example.kr")
    evil = post(
        other_client,
        "/login",
        {"email": "a@example.kr", "password": PASSWORD, "next": "https://evil.example/x"},
    )
    assert evil.headers["location"] == "/"
    inner = post(
        other_client,
        "/login",
        {"email": "a@example.kr", "password": PASSWORD, "next": "/orgs?all=1"},
    )
    assert inner.headers["location"] == "/orgs?all=1"


def test_logout_ends_the_session_on_the_server(client) -> None:
    sign_up(client, "a@example.kr")
    cookie = client.cookies[SESSION_COOKIE]
    assert post(client, "/logout").status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie)  # a copy of the old cookie is worth nothing
    assert client.get("/api/v1/me").status_code == 401


def test_an_expired_session_sends_pages_to_login_and_the_api_gets_401(client, engine) -> None:
    sign_up(client, "a@example.kr")
    with Session(engine) as db:
        db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.commit()
    page = client.get("/orgs?all=1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/orgs%3Fall%3D1"
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.required"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(client, engine) -> None:
    client.get("/login")
    response = client.post(
        "/signup", data={"email": "a@example.kr", "name": "x", "password": PASSWORD}
    )
    assert response.status_code == 403 and "security token" in response.text
    forged = client.post(
        "/signup",
        data={"email": "a@example.kr", "name": "x", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    with Session(engine) as db:
        assert db.scalar(select(User)) is None


def test_the_api_needs_the_csrf_header_for_changes(client) -> None:
    sign_up(client, "a@example.kr")
    body = {"name": "x", "kind": "company", "region_sido": "서울특별시"}
    assert client.post("/api/v1/orgs", json=body).status_code == 403
    assert api(client, "POST", "/api/v1/orgs", json=body).status_code == 201


def test_names_with_html_are_escaped_on_every_page(client) -> None:
    sign_up(client, "a@example.kr", name="<script>alert(1)</script>")
    create_org(client, name='<img src=x onerror="alert(2)">')
    for url in ["/orgs?all=1", "/orgs/1/members", "/orgs/1/settings", "/orgs/1/audit"]:
        html = client.get(url).text
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
    assert "&lt;img src=x" in client.get("/orgs?all=1").text


def test_pages_are_korean_by_default_and_english_on_request(client, monkeypatch) -> None:
    monkeypatch.setenv("GACHI_LANG", "ko")
    assert "로그인" in client.get("/login").text
    client.get("/lang/en?next=/login")
    assert "Log in" in client.get("/login").text


def test_every_form_carries_the_token_of_its_cookie(client) -> None:
    """The browser posts what the page rendered, not what a test helper reads from a cookie."""
    import re

    pages = ["/signup", "/login"]
    for url in pages:
        html = client.get(url).text
        tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', html))
        assert tokens == {client.cookies["gachi_csrf"]}, url
    sign_up(client, "a@example.kr")  # from now on the token is the session's
    create_org(client)
    for url in ["/orgs/1/settings", "/orgs/1/members", "/orgs/new"]:
        html = client.get(url).text
        tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', html))
        assert tokens == {token(client)} and token(client) != client.cookies["gachi_csrf"], url


def test_logging_in_again_ends_the_previous_session(client, other_client) -> None:
    sign_up(client, "a@example.kr")
    old = client.cookies[SESSION_COOKIE]
    assert log_in(client, "a@example.kr").status_code == 303
    assert client.cookies[SESSION_COOKIE] != old
    other_client.cookies.set(SESSION_COOKIE, old)
    assert other_client.get("/api/v1/me").status_code == 401


def test_a_stranger_cannot_lock_someone_out_from_elsewhere(client, other_client, engine) -> None:
    sign_up(client, "a@example.kr")
    with Session(engine) as db:  # five failures for this account from another address
        db.add_all(LoginFailure(email="a@example.kr", address="203.0.113.9") for _ in range(5))
        db.commit()
    assert log_in(other_client, "a@example.kr").status_code == 303


def test_the_production_hasher_uses_argon2id_at_owasp_strength() -> None:
    from argon2 import PasswordHasher

    from gachi.domains.accounts import passwords

    assert isinstance(passwords._hasher, PasswordHasher)  # (the quick one, in this test)
    import importlib

    fresh = importlib.reload(passwords)
    params = fresh._hasher
    assert params.time_cost >= 2 and params.memory_cost >= 19 * 1024
