"""The organisation as the JSON API shows and accepts it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gachi.db.models import Organisation
from gachi.kernel.brn import format_brn


class OrganisationIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str
    brn: str = ""
    region_sido: str = ""
    region_sigungu: str = ""
    industry: str = ""


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: str
    brn: str | None
    region_sido: str
    region_sigungu: str | None
    industry: str | None
    version: int
    role: str | None = None

    @classmethod
    def of(cls, org: Organisation, role: str | None = None) -> OrganisationOut:
        return cls(
            id=org.id,
            name=org.name,
            kind=org.kind,
            brn=format_brn(org.brn) if org.brn else None,
            region_sido=org.region_sido,
            region_sigungu=org.region_sigungu,
            industry=org.industry,
            version=org.version_id,
            role=role,
        )


class MemberOut(BaseModel):
    user_id: int
    name: str
    email: str
    role: str
