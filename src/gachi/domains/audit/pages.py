"""The organisation's audit log page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gachi.domains.audit.service import authors, entries
from gachi.kernel.integers import MAX_ID, WholeNumber
from gachi.web.deps import Viewer
from gachi.web.render import page

router = APIRouter()
Offset = Annotated[WholeNumber, Query(ge=0, le=MAX_ID)]

PAGE = 100


@router.get("/orgs/{org_id}/audit")
def audit_page(
    request: Request, member: Viewer, offset: Annotated[WholeNumber, Query(ge=0, le=MAX_ID)] = 0
) -> Response:
    rows = entries(member.repo, limit=PAGE + 1, offset=max(0, offset))
    shown = rows[:PAGE]
    context = {
        "entries": shown,
        "authors": authors(member.repo, shown),
        "more": len(rows) > PAGE,
        "offset": offset,
        "size": PAGE,
    }
    return page(request, "audit/log.html.j2", context)
