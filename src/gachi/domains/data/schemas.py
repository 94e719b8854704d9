"""Data points as the JSON API reads and writes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from gachi.db.models import DataPoint
from gachi.domains.listing import Page


class PointOut(BaseModel):
    id: int
    programme_id: int
    period: int
    name: str = Field(description="The input column the value feeds")
    value: float
    version: int = Field(description="Send it back when changing the point (optimistic locking)")
    updated_at: datetime

    @classmethod
    def of(cls, point: DataPoint) -> PointOut:
        return cls(
            id=point.id,
            programme_id=point.programme_id,
            period=point.period,
            name=point.name,
            value=point.value,
            version=point.version_id,
            updated_at=point.updated_at,
        )


PointsPage = Page[PointOut]


class PointIn(BaseModel):
    """One cell to set or clear. `version` is the version last read (0 for a cell read empty);
    `value` is a number, a number as Korean spreadsheets write it (`"1,234.5"`), or `null` to
    clear the cell."""

    programme_id: int
    period: int | str
    name: str = Field(min_length=1, max_length=64)
    value: float | str | None
    version: int = Field(default=0, ge=0)


class SavedOut(BaseModel):
    inserted: int
    updated: int
    deleted: int
    unchanged: int
    items: list[PointOut]
