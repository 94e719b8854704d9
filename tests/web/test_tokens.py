"""Personal API tokens: made once in the browser, then the only credential of the API requests
that carry them, within their scopes and their person's roles; never on pages; refused
expired, revoked or unknown with a clear 401; kept to their person."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gachi.db.models import ApiToken, AuditEntry, User
from gachi.domains.tokens import service
from gachi.errors import Unauthenticated
from gachi.kernel.i18n import t
from gachi.web.deps import CurrentUser, token_scope
from web.helpers import (
    api,
    bearer,
    create_org,
    make_token,
    person_with_org,
    post,
    sign_up,
    token,
)

PROGRAMME = {"name": "행복나눔 봉사단"}


@pytest.fixture
def script(app: FastAPI) -> Iterator[TestClient]:
    """A script: no browser, no cookies, only what it sends."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _set(engine: Any, token_id: int, **values: Any) -> None:
    with Session(engine) as db:
        row = db.get(ApiToken, token_id)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)
        db.commit()


def _row(engine: Any, token_id: int) -> ApiToken:
    with Session(engine) as db:
        row = db.get(ApiToken, token_id)
        assert row is not None
        db.expunge(row)
        return row


# ------------------------------------------------------------------------------ making tokens


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(client, engine) -> None:
    sign_up(client, "kim@example.kr")
    made = make_token(client, scopes=["read", "write"], expires_days=30)
    secret = made["token"]
    assert secret.startswith("gachi_") and len(secret) == 6 + 43
    assert made["prefix"] == secret[:14] and made["scopes"] == ["read", "write"]
    assert made["status"] == "active" and made["last_used_at"] is None
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    row = _row(engine, made["id"])
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    with engine.connect() as con:
        dump = repr(con.execute(text("SELECT * FROM api_tokens")).all())
        dump += repr(con.execute(text("SELECT * FROM audit_log")).all())
    assert secret not in dump and secret[6:] not in dump
    listed = api(client, "GET", "/api/v1/account/tokens").json()
    assert listed["total"] == 1 and "token" not in listed["items"][0]
    assert api(client, "GET", f"/api/v1/account/tokens/{made['id']}").json()["name"] == "스크립트"


def test_the_page_makes_a_token_shows_it_once_and_lists_it(client) -> None:
    sign_up(client, "kim@example.kr")
    empty = client.get("/account/tokens")
    assert empty.status_code == 200 and 'name="scopes"' in empty.text
    assert 'href="/account/tokens"' in empty.text  # the account menu links here
    made = post(
        client,
        "/account/tokens",
        {"name": "월간 적재", "scopes": ["read", "write"], "expires": "365"},
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    secret = made.text.split('id="new-token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("gachi_") and len(secret) == 49
    again = client.get("/account/tokens").text
    assert secret not in again and secret[:14] in again and "월간 적재" in again
    row = api(client, "GET", "/api/v1/account/tokens").json()["items"][0]
    assert row["scopes"] == ["read", "write"]
    assert datetime.fromisoformat(row["expires_at"]) - datetime.now(UTC) > timedelta(days=364)


def test_a_token_that_never_expires(client, script) -> None:
    sign_up(client, "kim@example.kr")
    made = make_token(client, scopes=["read"], expires_days=None)
    assert made["expires_at"] is None
    assert script.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    page = post(client, "/account/tokens", {"name": "영구", "scopes": ["read"], "expires": "never"})
    assert page.status_code == 200
    assert api(client, "GET", "/api/v1/account/tokens").json()["items"][0]["expires_at"] is None


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": " "}, "name", "token.name-invalid"),
        ({"name": "x" * 101}, "name", "token.name-invalid"),
        ({"scopes": []}, "scopes", "token.scopes-invalid"),
        ({"scopes": ["read", "admin"]}, "scopes", "token.scopes-invalid"),
        ({"expires_days": 7}, "expires_days", "token.expiry-invalid"),
        ({"expires_days": -30}, "expires_days", "token.expiry-invalid"),
    ],
)
def test_a_wrong_form_is_refused_field_by_field(client, engine, body, field, code) -> None:
    sign_up(client, "kim@example.kr")
    response = api(client, "POST", "/api/v1/account/tokens", json={"name": "ok", **body})
    assert response.status_code == 422
    issues = response.json()["error"]["issues"]
    assert [(i["code"], i["field"]) for i in issues] == [(code, field)]
    with engine.connect() as con:
        assert con.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 0


def test_the_page_shows_the_form_again_with_its_errors(client) -> None:
    sign_up(client, "kim@example.kr")
    response = post(client, "/account/tokens", {"name": "", "expires": "12"})
    assert response.status_code == 422
    assert response.text.count('class="field-error"') == 3
    assert 'id="new-token"' not in response.text


def _form_key(page_text: str) -> str:
    return page_text.split('name="form_key" value="', 1)[1].split('"', 1)[0]


def _secret_in(page_text: str) -> str:
    return page_text.split('id="new-token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def _count(engine) -> int:
    with engine.connect() as con:
        return int(con.execute(text("SELECT count(*) FROM api_tokens")).scalar() or 0)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_sending_the_form_again_makes_no_second_token(client, engine, lang) -> None:
    """A reload of the page that showed the secret sends the form again: no second token, and
    a message that says why the secret cannot be shown again."""
    sign_up(client, "kim@example.kr")
    client.cookies.set("gachi_lang", lang)
    key = _form_key(client.get("/account/tokens").text)
    form = {"name": "월간 적재", "scopes": ["read", "write"], "expires": "30", "form_key": key}
    made = post(client, "/account/tokens", form)
    assert made.status_code == 200 and _count(engine) == 1
    secret = _secret_in(made.text)
    again = post(client, "/account/tokens", form)
    assert again.status_code == 409 and _count(engine) == 1
    shown = html.unescape(again.text)
    assert t("token.form-used", lang, name="월간 적재") in shown
    assert t("token.made-by-this-form", lang) in shown
    assert 'id="new-token"' not in again.text and secret not in again.text
    # The page hands out a new key: making another token on purpose still works.
    fresh = _form_key(again.text)
    assert fresh != key
    another = post(client, "/account/tokens", {**form, "form_key": fresh})
    assert another.status_code == 200 and _count(engine) == 2
    assert post(client, "/account/tokens", {**form, "form_key": fresh}).status_code == 409
    assert _count(engine) == 2


def test_each_page_has_its_own_form_key_and_a_made_up_one_is_refused(client, engine) -> None:
    sign_up(client, "kim@example.kr")
    keys = {_form_key(client.get("/account/tokens").text) for _ in range(3)}
    assert len(keys) == 3
    for bad in ("abc", "1.2", "9" * 12 + "." + "A" * 22, "1." + "A" * 21 + "/"):
        refused = post(
            client, "/account/tokens", {"name": "x", "scopes": ["read"], "form_key": bad}
        )
        assert refused.status_code == 422, bad
        assert t("token.form-stale", "en") in html.unescape(refused.text)
    assert _count(engine) == 0


def test_a_form_key_is_one_persons(person, engine) -> None:
    """Another person's use of the same key does not stop mine (keys are looked up per person)."""
    db, user = person
    other = User(email="lee@example.kr", name="이가치", password_hash="x")
    db.add(other)
    db.flush()
    key = service.form_key()
    form = service.TokenForm("ci", ["read"], 30, key)
    first = service.create_token(db, user, form)
    assert service.create_token(db, other, form).token.user_id == other.id
    with pytest.raises(service.FormUsed) as err:
        service.create_token(db, user, form)
    assert err.value.token.id == first.token.id and err.value.status == 409
    assert service.made_with(db, user, service.form_key()) is None


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_scopes_are_shown_by_their_names(client, lang) -> None:
    sign_up(client, "kim@example.kr")
    client.cookies.set("gachi_lang", lang)
    post(
        client, "/account/tokens", {"name": "적재", "scopes": ["read", "publish"], "expires": "30"}
    )
    page = html.unescape(client.get("/account/tokens").text)
    names = f"{t('token.scope-name.read', lang)}, {t('token.scope-name.publish', lang)}"
    assert f"<td>{names}</td>" in page
    refused = post(client, "/account/tokens", {"name": "적재", "expires": "30"})
    message = html.unescape(refused.text)
    known = ", ".join(t(f"token.scope-name.{s}", lang) for s in service.SCOPES)
    assert t("token.scopes-invalid", lang, known=known) in message
    if lang == "ko":
        assert "<td>read, publish</td>" not in page and "(read, write, publish)" not in message
        assert "읽기, 공개" in page and "읽기, 쓰기, 공개" in message


def test_the_form_card_is_aligned_like_the_other_forms(client) -> None:
    sign_up(client, "kim@example.kr")
    page = client.get("/account/tokens").text
    assert '<section class="card form-card" id="new">' in page
    assert "narrow" not in page


def test_there_is_a_limit_of_live_tokens(client, monkeypatch) -> None:
    monkeypatch.setattr(service, "MAX_ACTIVE", 2)
    sign_up(client, "kim@example.kr")
    first = make_token(client)
    make_token(client)
    refused = api(client, "POST", "/api/v1/account/tokens", json={"name": "셋째"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "token.too-many"
    api(client, "POST", f"/api/v1/account/tokens/{first['id']}/revoke")
    make_token(client)  # a revoked token no longer counts


def test_making_and_revoking_are_in_the_audit_log(client, engine) -> None:
    sign_up(client, "kim@example.kr")
    made = make_token(client, scopes=["read"])
    api(client, "POST", f"/api/v1/account/tokens/{made['id']}/revoke")
    api(client, "POST", f"/api/v1/account/tokens/{made['id']}/revoke")  # again: no new entry
    with Session(engine) as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.entity == "api_token")).all()
        user = db.scalar(select(User))
        assert user is not None
        assert [(r.action, r.entity_id, r.user_id, r.organisation_id) for r in rows] == [
            ("create", str(made["id"]), user.id, None),
            ("revoke", str(made["id"]), user.id, None),
        ]
        assert rows[0].after is not None and rows[0].after["scopes"] == "read"
        assert rows[1].after is not None and rows[1].after["revoked_at"]


# ------------------------------------------------------------------------------ using tokens


def test_a_token_acts_as_its_person_without_cookies(client, script, engine) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    made = make_token(client, scopes=["read", "write"])
    me = script.get("/api/v1/me", headers=bearer(made["token"]))
    assert me.status_code == 200 and me.json()["email"] == "kim@example.kr"
    assert not script.cookies
    listed = script.get(f"/api/v1/orgs/{org}/programmes", headers=bearer(made["token"]))
    assert listed.status_code == 200 and listed.json()["total"] == 0
    assert _row(engine, made["id"]).last_used_at is not None


def test_a_bearer_request_needs_no_csrf_token(client, script) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    secret = make_token(client, scopes=["read", "write"])["token"]
    created = script.post(f"/api/v1/orgs/{org}/programmes", json=PROGRAMME, headers=bearer(secret))
    assert created.status_code == 201, created.text
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes").json()["total"] == 1


def test_a_cookie_request_without_csrf_is_still_refused(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    refused = client.post(f"/api/v1/orgs/{org}/programmes", json=PROGRAMME)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "auth.csrf"
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes").json()["total"] == 0


@pytest.mark.parametrize(
    "header",
    [
        "Bearer gachi_" + "A" * 43,  # well formed, unknown
        "Bearer not-a-token",
        "Bearer ",
        "Basic a2ltOnB3",
        "gachi_" + "A" * 43,
        "",
    ],
)
def test_a_bad_token_with_a_good_session_cookie_is_401_not_the_cookie_person(
    client, header
) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    headers = {"Authorization": header, "X-CSRF-Token": token(client)}
    assert client.get("/api/v1/me").status_code == 200  # the cookie alone works
    for method, url, body in [
        ("GET", "/api/v1/me", None),
        ("GET", f"/api/v1/orgs/{org}/programmes", None),
        ("POST", f"/api/v1/orgs/{org}/programmes", PROGRAMME),
    ]:
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == 401, (method, url, response.text)
        assert response.json()["error"]["code"] == "token.invalid"
        assert response.headers["www-authenticate"].startswith("Bearer ")
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes").json()["total"] == 0


def test_expired_and_revoked_tokens_are_refused_with_their_reason(client, script, engine) -> None:
    sign_up(client, "kim@example.kr")
    old = make_token(client, scopes=["read"])
    gone = make_token(client, scopes=["read"])
    _set(engine, old["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    revoked = api(client, "POST", f"/api/v1/account/tokens/{gone['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    messages = {}
    for lang in ("ko", "en"):
        script.cookies.set("gachi_lang", lang)
        for made, code in [(old, "token.expired"), (gone, "token.revoked")]:
            response = script.get("/api/v1/me", headers=bearer(made["token"]))
            assert response.status_code == 401
            assert response.json()["error"]["code"] == code
            assert "invalid_token" in response.headers["www-authenticate"]
            messages[(lang, code)] = response.json()["error"]["message"]
    assert "만료" in messages[("ko", "token.expired")]
    assert "expired" in messages[("en", "token.expired")]
    assert "폐기" in messages[("ko", "token.revoked")]
    assert "revoked" in messages[("en", "token.revoked")]
    listed = {
        t["id"]: t["status"] for t in api(client, "GET", "/api/v1/account/tokens").json()["items"]
    }
    assert listed == {old["id"]: "expired", gone["id"]: "revoked"}


def test_no_session_and_no_token_says_how_to_authenticate(script) -> None:
    response = script.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "auth.required"
    assert response.headers["www-authenticate"] == 'Bearer realm="gachi"'


def test_scopes_limit_what_a_token_may_do(client, script) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    reader = make_token(client, scopes=["read"])["token"]
    writer = make_token(client, scopes=["write"])["token"]
    url = f"/api/v1/orgs/{org}/programmes"
    refused = script.post(url, json=PROGRAMME, headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "token.scope-missing"
    assert "'write'" in refused.json()["error"]["message"]
    challenge = refused.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="write"' in challenge
    assert script.get(url, headers=bearer(reader)).status_code == 200
    assert script.post(url, json=PROGRAMME, headers=bearer(writer)).status_code == 201
    blind = script.get(url, headers=bearer(writer))
    assert blind.status_code == 403 and "'read'" in blind.json()["error"]["message"]
    assert api(client, "GET", url).json()["total"] == 1


def test_a_route_may_name_the_scope_its_tokens_need(app, client, script) -> None:
    @app.post("/api/v1/test-publish", openapi_extra=token_scope("publish"))
    def publish(user: CurrentUser) -> dict[str, str]:
        return {"by": user.email}

    sign_up(client, "kim@example.kr")
    writer = make_token(client, scopes=["read", "write"])["token"]
    publisher = make_token(client, scopes=["publish"])["token"]
    refused = script.post("/api/v1/test-publish", headers=bearer(writer))
    assert refused.status_code == 403 and "'publish'" in refused.json()["error"]["message"]
    done = script.post("/api/v1/test-publish", headers=bearer(publisher))
    assert done.status_code == 200 and done.json() == {"by": "kim@example.kr"}
    assert app.openapi()["paths"]["/api/v1/test-publish"]["post"]["x-token-scope"] == "publish"


def test_roles_still_apply_to_a_token(client, other_client, script) -> None:
    org = person_with_org(client, "owner@example.kr", "가온")
    sign_up(other_client, "viewer@example.kr")
    added = post(client, f"/orgs/{org}/members", {"email": "viewer@example.kr", "role": "viewer"})
    assert added.status_code == 303
    viewer = make_token(other_client, scopes=["read", "write"])["token"]
    url = f"/api/v1/orgs/{org}/programmes"
    assert script.get(url, headers=bearer(viewer)).status_code == 200
    refused = script.post(url, json=PROGRAMME, headers=bearer(viewer))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "auth.role-required"
    stranger = person_with_org(script, "stranger@example.kr", "남의기관")
    assert script.get(f"/api/v1/orgs/{stranger}", headers=bearer(viewer)).status_code == 404


def test_pages_never_accept_a_token(client, script) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    secret = make_token(client, scopes=["read", "write"])["token"]
    page = script.get(f"/orgs/{org}/programmes", headers=bearer(secret), follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    tokens_page = script.get("/account/tokens", headers=bearer(secret), follow_redirects=False)
    assert tokens_page.status_code == 303
    form = script.post(
        f"/orgs/{org}/programmes", data=PROGRAMME, headers=bearer(secret), follow_redirects=False
    )
    assert form.status_code == 403  # no CSRF exemption off the API either
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes").json()["total"] == 0


def test_a_token_cannot_list_make_or_revoke_tokens(client, script, engine) -> None:
    sign_up(client, "kim@example.kr")
    made = make_token(client, scopes=["read", "write", "publish"])
    headers = bearer(made["token"])
    for method, url in [
        ("GET", "/api/v1/account/tokens"),
        ("POST", "/api/v1/account/tokens"),
        ("GET", f"/api/v1/account/tokens/{made['id']}"),
        ("POST", f"/api/v1/account/tokens/{made['id']}/revoke"),
    ]:
        response = script.request(method, url, headers=headers, json={"name": "더"})
        assert response.status_code == 403, (method, url)
        assert response.json()["error"]["code"] == "token.session-required"
    with engine.connect() as con:
        assert con.execute(text("SELECT count(*), max(revoked_at) FROM api_tokens")).one() == (
            1,
            None,
        )


def test_another_person_cannot_see_or_revoke_my_token(client, other_client, script) -> None:
    sign_up(client, "kim@example.kr")
    sign_up(other_client, "lee@example.kr")
    mine = make_token(client, scopes=["read"])
    for method, url in [
        ("GET", f"/api/v1/account/tokens/{mine['id']}"),
        ("POST", f"/api/v1/account/tokens/{mine['id']}/revoke"),
    ]:
        response = api(other_client, method, url)
        assert response.status_code == 404 and "스크립트" not in response.text
    page = post(other_client, f"/account/tokens/{mine['id']}/revoke")
    assert page.status_code == 404
    assert api(other_client, "GET", "/api/v1/account/tokens").json()["total"] == 0
    assert "스크립트" not in other_client.get("/account/tokens").text
    assert script.get("/api/v1/me", headers=bearer(mine["token"])).status_code == 200
    assert api(client, "GET", f"/api/v1/account/tokens/{mine['id']}").json()["status"] == "active"
    # Ids that name nothing, or nothing of an integer's size, are 404 too.
    for bad in ("0", "-1", "99999", str(2**31), str(2**70), "abc"):
        assert api(client, "GET", f"/api/v1/account/tokens/{bad}").status_code == 404


def test_revoking_on_the_page_takes_effect_at_once(client, script) -> None:
    sign_up(client, "kim@example.kr")
    made = make_token(client, scopes=["read"])
    assert script.get("/api/v1/me", headers=bearer(made["token"])).status_code == 200
    revoked = post(client, f"/account/tokens/{made['id']}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/account/tokens?revoked=1"
    refused = script.get("/api/v1/me", headers=bearer(made["token"]))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token.revoked"
    shown = client.get("/account/tokens?revoked=1").text
    assert "폐기됨" in shown or "revoked" in shown


def test_a_deleted_person_takes_their_tokens_along(client, script, engine) -> None:
    sign_up(client, "kim@example.kr")
    made = make_token(client)
    with engine.begin() as con:
        con.execute(text("DELETE FROM users"))
        assert con.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 0
    assert script.get("/api/v1/me", headers=bearer(made["token"])).status_code == 401


# ------------------------------------------------------------------------------ the service


@pytest.fixture
def person(engine) -> Iterator[tuple[Session, User]]:
    with Session(engine) as db:
        user = User(email="kim@example.kr", name="김가치", password_hash="x")
        db.add(user)
        db.flush()
        yield db, user


def test_the_last_use_is_written_at_most_once_a_minute(person) -> None:
    db, user = person
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    made = service.create_token(db, user, service.TokenForm("ci", ["read"]), now=start)
    db.commit()

    def used_at(now: datetime) -> datetime | None:
        service.authenticate(db, made.secret, now=now)
        db.commit()
        db.refresh(made.token)
        last = made.token.last_used_at
        return last.replace(tzinfo=UTC) if last and last.tzinfo is None else last

    first = start + timedelta(hours=1)
    assert used_at(first) == first
    assert used_at(first + timedelta(seconds=30)) == first  # no write within the minute
    assert used_at(first + timedelta(seconds=59)) == first
    later = first + timedelta(seconds=61)
    assert used_at(later) == later


def test_a_token_expires_at_its_moment(person) -> None:
    db, user = person
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    made = service.create_token(db, user, service.TokenForm("ci", ["read"], 30), now=start)
    end = start + timedelta(days=30)
    assert service.authenticate(db, made.secret, now=end - timedelta(seconds=1)).user is user
    with pytest.raises(Unauthenticated) as err:
        service.authenticate(db, made.secret, now=end)
    assert err.value.first.code == "token.expired"


@settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(secret=st.one_of(st.text(max_size=80), st.from_regex(r"\Agachi_[A-Za-z0-9_-]{43}\Z")))
def test_no_guess_authenticates_and_none_crashes(person, secret: str) -> None:
    db, user = person
    if not db.scalar(select(ApiToken.id).limit(1)):
        service.create_token(db, user, service.TokenForm("ci", ["read"]))
    with pytest.raises(Unauthenticated) as err:
        service.authenticate(db, secret)
    assert err.value.first.code == "token.invalid"


def test_scopes_are_one_list_with_messages(client) -> None:
    from gachi.kernel.i18n import message_codes

    assert service.SCOPES == ("read", "write", "publish")
    assert {f"token.scope.{s}" for s in service.SCOPES} <= message_codes()
    sign_up(client, "kim@example.kr")
    page = client.get("/account/tokens").text
    assert all(f'name="scopes" value="{s}"' in page for s in service.SCOPES)
    assert page.count('name="scopes"') == len(service.SCOPES)


def test_create_org_through_a_token(client, script) -> None:
    """Creating an organisation is a write: a write token may, a read token may not."""
    sign_up(client, "kim@example.kr")
    create_org(client, "가온")
    reader = make_token(client, scopes=["read"])["token"]
    writer = make_token(client, scopes=["read", "write"])["token"]
    body = {
        "name": "토큰기관",
        "kind": "company",
        "region_sido": "서울특별시",
        "region_sigungu": "중구",
    }
    assert script.post("/api/v1/orgs", json=body, headers=bearer(reader)).status_code == 403
    made = script.post("/api/v1/orgs", json=body, headers=bearer(writer))
    assert made.status_code == 201, made.text
    names = [o["name"] for o in script.get("/api/v1/orgs", headers=bearer(reader)).json()["items"]]
    assert names == ["가온", "토큰기관"]


def test_two_sends_of_one_form_at_the_same_moment_make_one_token(person, monkeypatch) -> None:
    """The second send does not see the first's token yet: the unique key still stops it."""
    db, user = person
    key = service.form_key()
    form = service.TokenForm("ci", ["read"], 30, key)
    first = service.create_token(db, user, form)
    monkeypatch.setattr(service, "made_with", lambda *_: None)  # as if not yet visible
    with pytest.raises(service.FormUsed) as err:
        service.create_token(db, user, form)
    assert err.value.token is None and err.value.status == 409
    assert first.token.form_key_hash == service.digest(key)
