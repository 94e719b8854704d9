"""Spreadsheet uploads: bodies over GACHI_UPLOAD_MAX_MB are refused before they are read whole
(see `gachi.web.limits`)."""

from __future__ import annotations

from fastapi import Request

from gachi.domains.data.store import limit_bytes
from gachi.errors import TooLarge
from gachi.web.limits import FORM_SLACK, body_limited

__all__ = ["FORM_SLACK", "BodyLimitedRoute", "too_large"]


def too_large(request: Request) -> TooLarge:
    return TooLarge("upload.too-large", limit=request.app.state.settings.upload_max_mb)


BodyLimitedRoute = body_limited(limit_bytes, too_large)
