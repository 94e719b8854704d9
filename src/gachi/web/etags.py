"""ETags for the JSON API: a script that asks again for what it already has gets 304 and no body.

Pure ASGI middleware. A successful GET (or HEAD) under /api/ whose response is JSON of a known
length is buffered (such answers are built whole in memory anyway), hashed into a weak ETag and
compared with the request's `If-None-Match`. Anything else (files, streams, errors, other
methods) passes through untouched. `Cache-Control: private, no-cache`: only the person's own
client may keep a copy, and it must ask again each time, so a change is seen at once.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api/"
CACHE_CONTROL = "private, no-cache"
VARY = "Authorization, Cookie"
_MAX_IF_NONE_MATCH = 4096  # a longer header is not from a client that got its tags from us


def etag_of(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """`If-None-Match` names `etag` (weak comparison: `W/` is ignored) or is `*`."""
    if not if_none_match or len(if_none_match) > _MAX_IF_NONE_MATCH:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


class ETags:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(API_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def buffered(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                content_type = headers.get("content-type", "")
                if (
                    message["status"] != 200
                    or not content_type.startswith("application/json")
                    or "content-encoding" in headers
                    or "content-length" not in headers  # a stream: its size is not known
                ):
                    passing = True
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            etag = etag_of(body)
            headers = MutableHeaders(scope=start)
            headers["etag"] = etag
            headers.setdefault("cache-control", CACHE_CONTROL)
            headers["vary"] = VARY
            if matches(if_none_match, etag):
                del headers["content-length"]
                del headers["content-type"]
                await send({**start, "status": 304})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)
