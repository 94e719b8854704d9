"""The one place tenant-owned queries start from.

Every table an organisation owns has an `organisation_id`. A `TenantRepository` is bound to one
organisation; `select` is the only way services read tenant rows, so a row of another
organisation is never returned, and `get` of such a row is `NotFound`, not a different error
that would tell its existence.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gachi.errors import NotFound
from gachi.kernel.integers import parse_id


class TenantOwned(Protocol):
    id: Any
    organisation_id: Any


T = TypeVar("T")


class TenantRepository:
    def __init__(self, db: Session, organisation_id: int) -> None:
        self.db = db
        self.organisation_id = organisation_id

    def select(self, model: type[T]) -> Select[T]:
        """`SELECT model … WHERE organisation_id = this tenant`; add filters to it."""
        column: InstrumentedAttribute[int] = model.organisation_id  # type: ignore[attr-defined]
        return select(model).where(column == self.organisation_id)

    def get(self, model: type[T], ident: object, kind: str) -> T:
        """The row `ident` of this tenant, or `NotFound(kind, ident)`."""
        key = parse_id(ident)
        if key is None:
            raise NotFound(kind, ident)
        column: InstrumentedAttribute[int] = model.id  # type: ignore[attr-defined]
        row: T | None = self.db.scalar(self.select(model).where(column == key))
        if row is None:
            raise NotFound(kind, ident)
        return row

    def add(self, row: T) -> T:
        """Add `row` as this tenant's and flush (the request commits)."""
        row.organisation_id = self.organisation_id  # type: ignore[attr-defined]
        self.db.add(row)
        self.db.flush()
        return row
