"""Route classes that refuse request bodies over a limit before reading them whole.

The declared Content-Length is checked before a byte is read; a body without one (chunked) is
counted as it streams and refused as soon as it passes the limit. The CSRF check reads forms
before an endpoint runs and turns any failure into a CSRF error, so a body cut short there is
reported here as what it is: too large.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import Message

from gachi.config import Settings
from gachi.errors import GachiError
from gachi.kernel.integers import parse_whole

FORM_SLACK = 256 * 1024  # multipart framing and the small fields beside the file


def body_limited(
    limit_bytes: Callable[[Settings], int], too_large: Callable[[Request], GachiError]
) -> type[APIRoute]:
    """An `APIRoute` class whose POST/PUT/PATCH bodies may be at most `limit_bytes(settings)`
    (plus form framing); a larger one raises `too_large(request)`."""

    class BodyLimitedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def limited(request: Request) -> Response:
                if request.method not in ("POST", "PUT", "PATCH"):
                    return await handler(request)
                limit = limit_bytes(request.app.state.settings) + FORM_SLACK
                declared = request.headers.get("content-length", "")
                size = parse_whole(declared, high=2**62) if declared else 0
                if size is None or size > limit:  # a length that is no number: too large too
                    raise too_large(request)
                seen = [0]
                receive = request.receive

                async def counted() -> Message:
                    message = await receive()
                    if message["type"] == "http.request":
                        seen[0] += len(message.get("body", b""))
                        if seen[0] > limit:
                            raise too_large(request)
                    return message

                try:
                    return await handler(Request(request.scope, counted))
                except Exception:
                    # Whoever was reading (the CSRF check, FastAPI's body parser) may have
                    # turned the refusal into an error of its own.
                    if seen[0] > limit:
                        raise too_large(request) from None
                    raise

            return limited

    return BodyLimitedRoute
