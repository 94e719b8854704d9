"""Write and read the audit log. Every service that changes tenant data calls `record`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gachi.db.models import AuditEntry, User
from gachi.db.tenancy import TenantRepository


def record(
    db: Session,
    *,
    organisation_id: int | None,
    user_id: int | None,
    entity: str,
    entity_id: object,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        organisation_id=organisation_id,
        user_id=user_id,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.add(entry)
    db.flush()
    return entry


def entries(
    repo: TenantRepository,
    *,
    limit: int = 200,
    offset: int = 0,
    entity: str | None = None,
    action: str | None = None,
) -> Sequence[AuditEntry]:
    """The organisation's audit log (of one `entity` kind or `action`, if given), newest first."""
    query = (
        _filtered(repo, entity, action)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return repo.db.scalars(query).all()


def count_entries(
    repo: TenantRepository, *, entity: str | None = None, action: str | None = None
) -> int:
    query = _filtered(repo, entity, action).with_only_columns(func.count(AuditEntry.id))
    return int(repo.db.scalar(query) or 0)


def _filtered(repo: TenantRepository, entity: str | None, action: str | None) -> Select[AuditEntry]:
    query = repo.select(AuditEntry)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return query


def authors(repo: TenantRepository, rows: Sequence[AuditEntry]) -> dict[int, str]:
    """The names of the people who made `rows` (people may have left the organisation since)."""
    ids = {r.user_id for r in rows if r.user_id is not None}
    if not ids:
        return {}
    found = repo.db.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {row[0]: row[1] for row in found}


def snapshot(row: object, fields: Sequence[str]) -> dict[str, Any]:
    """The named attributes of `row` as a dict, for `before`/`after`."""
    return {f: getattr(row, f) for f in fields}


def _jsonable(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for k, v in values.items():
        out[k] = v if v is None or isinstance(v, (str, int, float, bool)) else str(v)
    return out


__all__ = ["authors", "count_entries", "entries", "record", "snapshot"]
