"""The application factory: settings, database, routers of every domain, errors, static files."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import gachi.domains
from gachi import __version__
from gachi.config import Settings
from gachi.db.session import make_engine, session_factory
from gachi.errors import NotFound
from gachi.kernel.i18n import LANGS, Lang, default_lang, set_lang
from gachi.web import csrf, errors

LANG_COOKIE = "gachi_lang"


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """A new app over `settings` (default: from the environment). The database must already be
    migrated (`gachi db upgrade`); nothing is created here."""
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="gachi",
        version=__version__,
        description="Social value measurement platform · 사회적 가치 측정 플랫폼",
        docs_url="/api/v1/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        dependencies=[Depends(csrf.csrf_protect)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    errors.install(app)
    app.middleware("http")(_per_request)
    static = Path(str(resources.files("gachi") / "web" / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    _font_routes(app)
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


async def _per_request(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    set_lang(request_lang(request))
    response = await call_next(request)
    new = getattr(request.state, "new_csrf", None)
    if new and not request.cookies.get(csrf.COOKIE):
        response.set_cookie(
            csrf.COOKIE,
            new,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.cookie_secure,
        )
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'",
    )
    return response


def _font_routes(app: FastAPI) -> None:
    """NanumGothic (SIL OFL), served from the installed package: Korean renders the same on every
    machine, offline, with no font fetched from elsewhere."""
    from fastapi.responses import FileResponse

    from gachi.report.fonts import korean_font

    @app.get("/fonts/nanum-{weight}.ttf", include_in_schema=False)
    def font(weight: str) -> Response:
        if weight not in ("regular", "bold"):
            raise NotFound("font", weight)
        return FileResponse(
            korean_font(bold=weight == "bold"),
            media_type="font/ttf",
            headers={"Cache-Control": "public, max-age=604800"},
        )
