"""Organisations and members, as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gachi.domains.listing import Page, paged
from gachi.domains.organisations import service
from gachi.domains.organisations.schemas import MemberOut, OrganisationIn, OrganisationOut
from gachi.web.deps import CurrentUser, Db, Limit, Offset, Viewer

router = APIRouter(prefix="/api/v1/orgs", tags=["organisations"])

RoleFilter = Annotated[
    str | None, Query(pattern="^(" + "|".join(service.ROLES) + ")$", description="One role")
]


@router.get("", response_model=Page[OrganisationOut])
def list_organisations(
    user: CurrentUser, db: Db, limit: Limit = 100, offset: Offset = 0, role: RoleFilter = None
) -> Page[OrganisationOut]:
    """The organisations the person belongs to (with `role`, if given), by name."""
    mine = service.organisations_of(db, user)
    return paged(
        [OrganisationOut.of(o, r) for o, r in mine if role is None or r == role], limit, offset
    )


@router.post("", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, user: CurrentUser, db: Db) -> OrganisationOut:
    org = service.create(db, user, service.Profile(**body.model_dump()))
    return OrganisationOut.of(org, "owner")


@router.get("/{org_id}", response_model=OrganisationOut)
def get_organisation(member: Viewer) -> OrganisationOut:
    return OrganisationOut.of(member.organisation, member.role)


@router.get("/{org_id}/members", response_model=Page[MemberOut])
def list_members(
    member: Viewer, db: Db, limit: Limit = 100, offset: Offset = 0, role: RoleFilter = None
) -> Page[MemberOut]:
    """The organisation's members (with `role`, if given), by name."""
    found = [
        MemberOut(user_id=u.id, name=u.name, email=u.email, role=r)
        for u, r in service.members(db, member.org_id)
        if role is None or r == role
    ]
    return paged(found, limit, offset)
