"""API tokens as the JSON API shows and accepts them. The body's fields are all optional: the
service checks them and names each wrong field in Korean or English."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from gachi.db.models import ApiToken
from gachi.domains.tokens.service import DEFAULT_EXPIRY, SECRET_PREFIX, aware, status


class TokenIn(BaseModel):
    name: str = ""
    scopes: list[str] = Field(default_factory=lambda: ["read"], description="read, write, publish")
    expires_days: int | None = Field(
        DEFAULT_EXPIRY, description="30, 90 or 365 days; null: the token does not expire"
    )


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    scopes: list[str]
    status: str = Field(description="active, expired or revoked")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenOut:
        return cls(
            id=row.id,
            name=row.name,
            prefix=SECRET_PREFIX + row.prefix,
            scopes=list(row.scopes),
            status=status(row),
            created_at=aware(row.created_at),
            expires_at=aware(row.expires_at),
            last_used_at=aware(row.last_used_at),
            revoked_at=aware(row.revoked_at),
        )


class TokenMade(TokenOut):
    token: str = Field(description="The secret: shown this once, never stored")
