"""The application factory: settings, database, routers of every domain, errors, static files."""

from __future__ import annotations

import importlib
import io
import pkgutil
from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import gachi.domains
from gachi import __version__
from gachi.config import Settings
from gachi.db.session import make_engine, session_factory
from gachi.errors import NotFound
from gachi.kernel.i18n import LANGS, Lang, default_lang, set_lang
from gachi.kernel.times import default_zone, zone
from gachi.web import apidocs, csrf, errors, openapi
from gachi.web.etags import ETags
from gachi.web.headers import SECURITY_HEADERS
from gachi.web.limits import BodyLimit

LANG_COOKIE = "gachi_lang"


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """A new app over `settings` (default: from the environment). The database must already be
    migrated (`gachi db upgrade`); nothing is created here."""
    settings = settings or Settings.from_env()
    zone(default_zone())  # a mistyped GACHI_TIMEZONE stops the start, not the first page
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="gachi",
        version=__version__,
        description="Social value measurement platform · 사회적 가치 측정 플랫폼",
        docs_url=None,  # our own page: Swagger UI's files from the package, not a CDN
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        dependencies=[Depends(csrf.csrf_protect)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    errors.install(app)
    openapi.install(app)
    apidocs.install(app, "/api/v1/openapi.json")
    # Inside PerRequest: a 304 and a 413 get the security headers too.
    app.add_middleware(BodyLimit)
    app.add_middleware(ETags)
    app.add_middleware(PerRequest)
    static = Path(str(resources.files("gachi") / "web" / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    _asset_routes(app)
    for router in domain_routers():
        app.include_router(router)
    return app


def domain_routers() -> list[APIRouter]:
    """Every `router` of `gachi.domains.<name>.api` and `.pages`, in a stable order."""
    found: list[APIRouter] = []
    for info in sorted(pkgutil.iter_modules(gachi.domains.__path__), key=lambda i: i.name):
        for part in ("api", "pages"):
            name = f"gachi.domains.{info.name}.{part}"
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as ex:
                if ex.name == name:
                    continue
                raise
            found.append(module.router)
    return found


def request_lang(request: Request) -> Lang:
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in LANGS:
        return chosen
    return default_lang()  # Korean unless the server sets GACHI_LANG


class PerRequest:
    """Pure ASGI middleware (no extra task per request): sets the request's language, adds the
    security headers, and sets the CSRF cookie when a page made a new token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        set_lang(request_lang(request))
        had_csrf = bool(request.cookies.get(csrf.COOKIE))

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS:
                    if key.decode() not in headers:
                        headers.raw.append((key, value))
                new = scope.get("state", {}).get("new_csrf")
                if new and not had_csrf:
                    cookie = Response()
                    cookie.set_cookie(
                        csrf.COOKIE,
                        new,
                        httponly=True,
                        samesite="strict",
                        secure=scope["app"].state.settings.cookie_secure,
                    )
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, wrapped)


@cache
def _web_font(bold: bool) -> bytes:
    """NanumGothic without its TSI0–TSI5 tables (hinting sources of a font editor): Chromium's
    font sanitiser rejects the font whole because of them, and Korean then shows as boxes."""
    from fontTools.ttLib import TTFont

    from gachi.report.fonts import korean_font

    font = TTFont(korean_font(bold=bold))
    for tag in [t for t in font.keys() if t.startswith("TSI")]:  # noqa: SIM118 - TTFont is no dict
        del font[tag]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _asset_routes(app: FastAPI) -> None:
    """The icon, and NanumGothic (SIL OFL) served from the installed package: Korean renders the
    same on every machine, offline, with no font fetched from elsewhere."""

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        # Asked for by browsers on pages without a <link rel="icon"> (JSON, downloads).
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/fonts/nanum-{weight}.ttf", include_in_schema=False)
    def font(weight: str) -> Response:
        if weight not in ("regular", "bold"):
            raise NotFound("font", weight)
        return Response(
            _web_font(weight == "bold"),
            media_type="font/ttf",
            headers={"Cache-Control": "public, max-age=604800"},
        )
