"""A limit on the body of every request, refused with 413 before it is read whole.

Uploads have their own (`body_limited` route classes: spreadsheets GACHI_UPLOAD_MAX_MB, evidence
GACHI_EVIDENCE_MAX_MB, plus the multipart framing); every other route — forms, JSON, and any
address that names no route — takes at most `DEFAULT_LIMIT`. A declared Content-Length over the
limit is refused before a byte is read; a body without one (chunked) is counted as it streams
and refused as soon as it passes the limit. Whoever was reading when it passed (the CSRF check,
FastAPI's body parser) may have made an error of its own of it: the answer is replaced by the
route's "too large" message, as a page or as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gachi.config import Settings
from gachi.errors import GachiError, TooLarge
from gachi.kernel.integers import parse_whole
from gachi.web.errors import render
from gachi.web.routes import route_table

FORM_SLACK = 256 * 1024  # multipart framing and the small fields beside the file
# Forms and JSON: an own indicator's definition (20,000 characters, up to 9 bytes each once
# form-encoded) is the largest thing a page sends.
DEFAULT_LIMIT = 1 << 20

Limit = tuple[int, Callable[[Request], GachiError]]


def _default_too_large(request: Request) -> GachiError:
    return TooLarge("web.body-too-large", limit=f"{DEFAULT_LIMIT // 1024:,}")


def body_limited(
    limit_bytes: Callable[[Settings], int], too_large: Callable[[Request], GachiError]
) -> type[APIRoute]:
    """An `APIRoute` class whose request bodies may be `limit_bytes(settings)` (plus form
    framing) instead of `DEFAULT_LIMIT`; a larger one is refused with `too_large(request)`."""

    class BodyLimitedRoute(APIRoute):
        body_limit = staticmethod(limit_bytes)
        body_too_large = staticmethod(too_large)

    return BodyLimitedRoute


def _routes(app: Any) -> list[tuple[re.Pattern[str], str, APIRoute]]:
    table: list[tuple[re.Pattern[str], str, APIRoute]] | None = getattr(
        app.state, "body_limits", None
    )
    if table is None:
        table = [(compile_path(e.path)[0], e.method, e.route) for e in route_table(app.routes)]
        app.state.body_limits = table
    return table


def limit_of(scope: Scope) -> Limit:
    """The body limit of the route the request goes to, and the error that says so."""
    app = scope["app"]
    path, method = scope["path"], scope["method"]
    for pattern, wanted, route in _routes(app):
        if wanted == method and pattern.match(path):
            limit = getattr(route, "body_limit", None)
            if limit is not None:
                return limit(app.state.settings) + FORM_SLACK, route.body_too_large  # type: ignore[attr-defined]
            break
    return DEFAULT_LIMIT, _default_too_large


class BodyLimit:
    """Pure ASGI middleware enforcing `limit_of` on every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, too_large = limit_of(scope)
        declared = Request(scope).headers.get("content-length", "")
        size = parse_whole(declared, high=2**62) if declared else 0
        if size is None or size > limit:  # a length that is no number: too large too
            await _refuse(scope, receive, send, too_large)
            return
        seen = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise too_large(Request(scope))
            return message

        async def answered(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the app's own answer to a body cut short: replaced below
            started = True
            await send(message)

        try:
            await self.app(scope, counted, answered)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await _refuse(scope, receive, send, too_large)


async def _refuse(
    scope: Scope, receive: Receive, send: Send, too_large: Callable[[Request], GachiError]
) -> None:
    request = Request(scope, receive)
    await render(request, too_large(request))(scope, receive, send)
