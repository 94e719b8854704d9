"""The audit log as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from gachi.domains.audit.service import count_entries, entries
from gachi.domains.listing import Page
from gachi.web.deps import Limit, Offset, Viewer

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/audit", response_model=Page[AuditOut])
def audit_log(
    member: Viewer,
    limit: Limit = 100,
    offset: Offset = 0,
    entity: Annotated[
        str | None, Query(max_length=40, description="One kind of thing: programme, run…")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=20, description="create, update, delete, upload, run…")
    ] = None,
) -> Page[AuditOut]:
    """The organisation's audit log, newest first."""
    items = [
        AuditOut(
            id=e.id,
            at=e.at,
            user_id=e.user_id,
            entity=e.entity,
            entity_id=e.entity_id,
            action=e.action,
            before=e.before,
            after=e.after,
        )
        for e in entries(member.repo, limit=limit, offset=offset, entity=entity, action=action)
    ]
    total = count_entries(member.repo, entity=entity, action=action)
    return Page(items=items, total=total, limit=limit, offset=offset)
