"""The JSON API's reference page at /api/v1/docs: Swagger UI over /api/v1/openapi.json, its files
served from the installed `fastapi-offline` package (never a CDN: the platform runs offline) and
started by a script file of ours (the CSP allows no inline script)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from gachi import __version__
from gachi.errors import NotFound
from gachi.kernel.i18n import current_lang, t

ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
}


@cache
def _asset(name: str) -> bytes:
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


def install(app: FastAPI, schema_url: str) -> None:
    @app.get("/api/v1/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        lang = current_lang()
        title = escape(t("web.api-docs", lang))
        return HTMLResponse(
            f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · gachi {escape(__version__)}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css">
<link rel="stylesheet" href="/static/api-docs.css">
</head><body>
<div id="swagger-ui" data-schema="{escape(schema_url)}"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body></html>"""
        )

    @app.get("/api/v1/docs/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in ASSETS:
            raise NotFound("page", f"/api/v1/docs/{name}")
        return Response(
            _asset(name),
            media_type=ASSETS[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )
