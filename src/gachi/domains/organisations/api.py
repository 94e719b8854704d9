"""Organisations and members, as JSON."""

from __future__ import annotations

from fastapi import APIRouter

from gachi.domains.organisations import service
from gachi.domains.organisations.schemas import MemberOut, OrganisationIn, OrganisationOut
from gachi.web.deps import CurrentUser, Db, Viewer

router = APIRouter(prefix="/api/v1/orgs", tags=["organisations"])


@router.get("", response_model=list[OrganisationOut])
def list_organisations(user: CurrentUser, db: Db) -> list[OrganisationOut]:
    return [OrganisationOut.of(o, role) for o, role in service.organisations_of(db, user)]


@router.post("", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, user: CurrentUser, db: Db) -> OrganisationOut:
    org = service.create(db, user, service.Profile(**body.model_dump()))
    return OrganisationOut.of(org, "owner")


@router.get("/{org_id}", response_model=OrganisationOut)
def get_organisation(member: Viewer) -> OrganisationOut:
    return OrganisationOut.of(member.organisation, member.role)


@router.get("/{org_id}/members", response_model=list[MemberOut])
def list_members(member: Viewer, db: Db) -> list[MemberOut]:
    return [
        MemberOut(user_id=u.id, name=u.name, email=u.email, role=role)
        for u, role in service.members(db, member.org_id)
    ]
