"""Personal API tokens: a person's scripts call the JSON API as that person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gachi.db.base import Base, utcnow


class ApiToken(Base):
    """A token acts as its user (with their memberships and roles) within its scopes. Only the
    SHA-256 of the secret is stored: the secret is shown once, when the token is made; `prefix`
    (the first characters of its random part) lets the person tell their tokens apart."""

    __tablename__ = "api_tokens"
    # A page form's one-time key makes at most one token (a reload sends the form again).
    __table_args__ = (UniqueConstraint("user_id", "form_key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    form_key_hash: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the form's key
