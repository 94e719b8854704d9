"""JSON shapes of publishing. A book is returned as it was published (its own schema,
`gachi.formula-book/1`, documented by its fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1990, le=2100, description="The reporting year to publish")
    reason: str = Field(
        "",
        max_length=2000,
        description="Why the year is published again (required for a restatement)",
    )


class PublishedOut(BaseModel):
    organisation_id: int
    organisation: str
    year: int
    version: int
    total: float
    reason: str
    published_at: datetime
    url: str = Field(description="The public page of this version")
    json_url: str


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    peer_comparison: bool


class ProfileOut(BaseModel):
    peer_comparison: bool


class BookOut(BaseModel):
    """A published formula book (`schema`: gachi.formula-book/1)."""

    model_config = ConfigDict(extra="allow")

    schema_: str = Field(alias="schema")
    organisation: dict[str, Any]
    year: int
    version: int
    published_at: str
    reason: str
    currency: str
    total: dict[str, Any]
    by_category: list[dict[str, Any]]
    by_programme: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    restatement: dict[str, Any] | None


class ComparisonOut(BaseModel):
    year: int
    organisations: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
