"""CSRF protection for every state-changing request (double-submit token).

A random token lives in a cookie that pages cannot be framed into reading (SameSite=Strict);
every form carries it in a hidden field and every script request in the `X-CSRF-Token` header.
A POST, PUT, PATCH or DELETE whose token is missing or differs is refused with 403 before its
endpoint runs. Applied to the whole app, so no route can forget it.

A JSON API request with an `Authorization` header is the exception: it is authenticated by that
header alone, never by a cookie (web/deps.py), and a browser sends no such header on its own to
another site, so there is no ambient authority for a forged request to borrow.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from gachi.errors import Forbidden

COOKIE = "gachi_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def request_token(request: Request) -> str:
    """The token pages render into forms: the cookie's, or a new one the response will set."""
    token = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = new_token()
        request.state.new_csrf = token
    return token


def uses_token(request: Request) -> bool:
    """An API request that carries an `Authorization` header: its only credential is that."""
    return request.url.path.startswith(API_PREFIX) and "authorization" in request.headers


async def csrf_protect(request: Request) -> None:
    if request.method in SAFE or uses_token(request):
        return
    expected = request.cookies.get(COOKIE)
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
