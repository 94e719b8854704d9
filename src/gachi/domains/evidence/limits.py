"""Evidence uploads: bodies over GACHI_EVIDENCE_MAX_MB are refused before they are read whole
(see `gachi.web.limits`); the service counts the file itself again, exactly."""

from __future__ import annotations

from fastapi import Request

from gachi.domains.evidence.storage import limit_bytes
from gachi.errors import TooLarge
from gachi.web.limits import FORM_SLACK, body_limited

__all__ = ["FORM_SLACK", "EvidenceLimitedRoute", "too_large"]


def too_large(request: Request) -> TooLarge:
    return TooLarge(
        "evidence.too-large", field="file", limit=request.app.state.settings.evidence_max_mb
    )


EvidenceLimitedRoute = body_limited(limit_bytes, too_large)
