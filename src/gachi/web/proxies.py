"""The address a request came from, for the login limit and nothing that trusts it more.

The peer of the connection, unless it is one of the reverse proxies named in
GACHI_TRUSTED_PROXIES (none by default): then the nearest address in `X-Forwarded-For` that is
not itself a trusted proxy, read from the right, since each proxy appends the address it saw
and everything to the left of the first one may be whatever the client wrote. `gachi serve`
turns uvicorn's own reading of these headers off, so this is the only one.
"""

from __future__ import annotations

import ipaddress

from fastapi import Request

from gachi.config import Network

UNKNOWN = "unknown"


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in proxies)


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else UNKNOWN
    proxies: tuple[Network, ...] = request.app.state.settings.trusted_proxies
    if not _trusted(peer, proxies):
        return peer
    hops = [h for v in request.headers.getlist("x-forwarded-for") for h in v.split(",")]
    nearest = peer
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            break  # not an address: the hops before it are no more believable
        nearest = str(ip)
        if not _trusted(nearest, proxies):
            break
    return nearest
