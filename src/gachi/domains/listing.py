"""The envelope every paginated JSON list shares: the page's items, how many there are in all,
and the limit and offset that chose the page."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
