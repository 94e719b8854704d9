"""The security headers of every response: set by the per-request middleware, and by the
renderer of a 500 (which Starlette runs outside every middleware)."""

from __future__ import annotations

from starlette.responses import Response

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        # Style sheets only from files; style attributes (a bar's width) stay allowed.
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
        b"style-src-attr 'unsafe-inline'; "
        b"script-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        b"base-uri 'none'; object-src 'none'",
    ),
    # No page needs a camera, a microphone, the position or payment: nothing embedded may ask.
    (
        b"permissions-policy",
        b"camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def add_security_headers(response: Response) -> Response:
    for key, value in SECURITY_HEADERS:
        if key.decode() not in response.headers:
            response.headers.raw.append((key, value))
    return response
