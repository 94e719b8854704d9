"""Published formula books: one row per organisation, reporting year and version. A row is
never changed after it is written; a restatement is a new version with its reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gachi.db.base import Base, utcnow


class Publication(Base):
    """What an organisation published for one year. `book` is the public formula book, the only
    column public pages read; `inputs` and `definitions` are kept private so that a later
    restatement can attribute its difference, and are never shown outside the organisation."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("organisation_id", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    version: Mapped[int]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[float] = mapped_column(Float)
    book: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    definitions: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishingProfile(Base):
    """An organisation's choices about what it shows: whether its published books may be
    compared with other organisations' (off until it opts in)."""

    __tablename__ = "publishing_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    peer_comparison: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
