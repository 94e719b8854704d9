"""The audit log as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from gachi.db.tenancy import MAX_ID
from gachi.domains.audit.service import entries
from gachi.web.deps import Viewer

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


@router.get("/audit", response_model=list[AuditOut])
def audit_log(
    member: Viewer,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> list[AuditOut]:
    return [
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
        for e in entries(member.repo, limit=limit, offset=offset)
    ]
