"""CSRF protection for every state-changing request, bound to the browser's session.

Every form carries a token in a hidden field and every script request in the `X-CSRF-Token`
header; a POST, PUT, PATCH or DELETE whose token is missing or wrong is refused with 403 before
its endpoint runs. Applied to the whole app, so no route can forget it.

A signed-in browser's token is an HMAC keyed by its session's secret (the session cookie, which
only that browser and the server know): it cannot be computed without the session, so a cookie
planted by someone else (a sibling subdomain, a network on plain HTTP) forges nothing — the
pair that worked in the attacker's own session is wrong in the victim's. It changes with every
new session (log-in rotates it) and needs nothing stored.

Before signing in (sign-up, log-in) there is no session to bind to: a random token in a cookie
(SameSite=Strict) must match the form's (double submit), and a browser that says the form came
from another site (`Sec-Fetch-Site: cross-site` or `same-site`) is refused, signed in or not.

A JSON API request with an `Authorization` header is the exception: it is authenticated by that
header alone, never by a cookie (web/deps.py), and a browser sends no such header on its own to
another site, so there is no ambient authority for a forged request to borrow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request

from gachi.errors import Forbidden

COOKIE = "gachi_csrf"  # the token of a browser that is not signed in
SESSION_COOKIE = "gachi_session"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def session_token(session: str) -> str:
    """The token of the browser session whose cookie is `session`."""
    mac = hmac.new(session.encode(), b"gachi csrf v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def request_token(request: Request) -> str:
    """The token pages render into forms: the session's; before signing in, the cookie's or a
    new one the response will set."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return session_token(session)
    token = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = new_token()
        request.state.new_csrf = token
    return token


def _expected(request: Request) -> str | None:
    session = request.cookies.get(SESSION_COOKIE)
    return session_token(session) if session else request.cookies.get(COOKIE)


def uses_token(request: Request) -> bool:
    """An API request that carries an `Authorization` header: its only credential is that."""
    return request.url.path.startswith(API_PREFIX) and "authorization" in request.headers


async def csrf_protect(request: Request) -> None:
    if request.method in SAFE or uses_token(request):
        return
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise Forbidden("auth.csrf")
    expected = _expected(request)
    given = request.headers.get(HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                form = await request.form()
            except Exception:
                form = None
            value = form.get(FIELD) if form is not None else None
            given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("auth.csrf")
