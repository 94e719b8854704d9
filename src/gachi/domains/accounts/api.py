"""The signed-in person, as JSON."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from gachi.domains.organisations.service import organisations_of
from gachi.web.deps import CurrentUser, Db

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class MembershipOut(BaseModel):
    organisation_id: int
    name: str
    role: str


class MeOut(BaseModel):
    id: int
    email: str
    name: str
    lang: str
    organisations: list[MembershipOut]


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser, db: Db) -> MeOut:
    orgs = organisations_of(db, user)
    return MeOut(
        id=user.id,
        email=user.email,
        name=user.name,
        lang=user.lang,
        organisations=[MembershipOut(organisation_id=o.id, name=o.name, role=r) for o, r in orgs],
    )
