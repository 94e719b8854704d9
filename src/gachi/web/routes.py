"""The route table, flattened: every (method, path, endpoint) the app answers.

Tests generated from the route table (tenancy, CSRF) read it from here. FastAPI (0.120 and
later) keeps included routers as lazy branches instead of copying their routes into the app, so
`app.routes` alone misses them; this walks those branches too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute


@dataclass(frozen=True)
class Entry:
    method: str
    path: str
    route: APIRoute


def route_table(routes: Iterable[Any], prefix: str = "") -> Iterator[Entry]:
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield Entry(method, prefix + route.path_format, route)
            continue
        branch = getattr(route, "original_router", None)
        if branch is not None:  # an included router, kept lazily
            context = getattr(route, "include_context", None)
            inner = getattr(context, "prefix", "") or ""
            yield from route_table(branch.routes, prefix + inner)
