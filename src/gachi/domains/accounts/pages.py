"""Sign-up, login, logout and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gachi.domains.accounts import service
from gachi.errors import GachiError
from gachi.kernel.i18n import LANGS
from gachi.web.app import LANG_COOKIE
from gachi.web.deps import SESSION_COOKIE, AppSettings, Db
from gachi.web.proxies import client_address
from gachi.web.render import field_errors, page

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _signed_in(request: Request, settings: AppSettings, token: str, target: str) -> Response:
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=int(settings.session_hours * 3600),
    )
    return response


@router.get("/signup")
def signup_form(request: Request) -> Response:
    return page(request, "accounts/signup.html.j2", {"values": {}, "errors": {}})


@router.post("/signup")
def signup(
    request: Request,
    db: Db,
    settings: AppSettings,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    lang = request.cookies.get(LANG_COOKIE, "ko")
    try:
        user = service.sign_up(db, service.SignUp(email, name, password, lang))
    except GachiError as err:
        db.rollback()  # a form shown again with its errors writes nothing
        values = {"email": email, "name": name}
        return page(
            request,
            "accounts/signup.html.j2",
            {"values": values, "errors": field_errors(err)},
            status=err.status,
        )
    service.close_session(db, request.cookies.get(SESSION_COOKIE))
    token = service.open_session(db, settings, user)
    return _signed_in(request, settings, token, "/orgs/new")


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "accounts/login.html.j2", {"values": {}, "errors": {}, "next": next})


@router.post("/login")
def login(
    request: Request,
    db: Db,
    settings: AppSettings,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = client_address(request)
    try:
        user = service.authenticate(db, settings, email, password, address)
    except GachiError as err:
        # No rollback: the failure just recorded (for rate limiting) must be kept.
        context = {"values": {"email": email}, "errors": field_errors(err), "next": next}
        return page(request, "accounts/login.html.j2", context, status=err.status)
    # A new session, and the browser's previous one (if any) ends: no fixation, no stale login.
    service.close_session(db, request.cookies.get(SESSION_COOKIE))
    token = service.open_session(db, settings, user)
    return _signed_in(request, settings, token, next)


@router.post("/logout")
def logout(request: Request, db: Db) -> Response:
    service.close_session(db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 24 * 3600)
    return response
