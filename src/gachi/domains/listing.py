"""The envelope every paginated JSON list shares: the page's items, how many there are in all,
and the limit and offset that chose the page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paged(items: Sequence[T], limit: int, offset: int) -> Page[T]:
    """One page of a list held in memory whole (short lists: members, the catalogue)."""
    page = list(items[offset : offset + limit])
    return Page(items=page, total=len(items), limit=limit, offset=offset)
