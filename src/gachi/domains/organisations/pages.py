"""Pages: my organisations, a new organisation, its settings and its members."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gachi.domains.organisations import service
from gachi.errors import GachiError
from gachi.kernel.brn import format_brn
from gachi.kernel.i18n import current_lang
from gachi.kernel.integers import WholeNumber
from gachi.kernel.regions import industries, regions
from gachi.web.deps import CurrentUser, Db, Owner, Viewer, optional_user
from gachi.web.render import field_errors, page

router = APIRouter()


def _choices() -> dict[str, Any]:
    ko = current_lang() == "ko"
    return {
        "kinds": service.KINDS,
        "regions": regions(),
        "industries": [(i.code, f"{i.code} · {i.ko if ko else i.en}") for i in industries()],
    }


def _profile(
    name: str, kind: str, brn: str, region_sido: str, region_sigungu: str, industry: str
) -> service.Profile:
    return service.Profile(name, kind, brn, region_sido, region_sigungu, industry)


Text = Annotated[str, Form()]


@router.get("/")
def home(request: Request, db: Db) -> Response:
    user = optional_user(request, db)
    return RedirectResponse("/orgs" if user else "/login", status_code=303)


@router.get("/orgs")
def my_organisations(request: Request, user: CurrentUser, db: Db) -> Response:
    orgs = service.organisations_of(db, user)
    if len(orgs) == 1 and request.query_params.get("all") is None:
        return RedirectResponse(f"/orgs/{orgs[0][0].id}", status_code=303)
    return page(request, "organisations/list.html.j2", {"organisations": orgs})


@router.get("/orgs/new")
def new_organisation(request: Request, user: CurrentUser) -> Response:
    context = {"values": {"kind": "company"}, "errors": {}, **_choices()}
    return page(request, "organisations/new.html.j2", context)


@router.post("/orgs")
def create_organisation(
    request: Request,
    user: CurrentUser,
    db: Db,
    name: Text = "",
    kind: Text = "",
    brn: Text = "",
    region_sido: Text = "",
    region_sigungu: Text = "",
    industry: Text = "",
) -> Response:
    profile = _profile(name, kind, brn, region_sido, region_sigungu, industry)
    try:
        org = service.create(db, user, profile)
    except GachiError as err:
        db.rollback()
        context = {"values": vars(profile), "errors": field_errors(err), **_choices()}
        return page(request, "organisations/new.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{org.id}/programmes", status_code=303)


def _settings_values(member: Viewer) -> dict[str, Any]:
    org = member.organisation
    return {
        "name": org.name,
        "kind": org.kind,
        "brn": format_brn(org.brn) if org.brn else "",
        "region_sido": org.region_sido,
        "region_sigungu": org.region_sigungu or "",
        "industry": org.industry or "",
        "version": org.version_id,
    }


@router.get("/orgs/{org_id}/settings")
def settings_form(request: Request, member: Viewer) -> Response:
    context = {"values": _settings_values(member), "errors": {}, **_choices()}
    return page(request, "organisations/settings.html.j2", context)


@router.post("/orgs/{org_id}/settings")
def save_settings(
    request: Request,
    member: Owner,
    db: Db,
    version: Annotated[WholeNumber, Form()],
    name: Text = "",
    kind: Text = "",
    brn: Text = "",
    region_sido: Text = "",
    region_sigungu: Text = "",
    industry: Text = "",
) -> Response:
    profile = _profile(name, kind, brn, region_sido, region_sigungu, industry)
    try:
        service.update(db, member.user, member.organisation, profile, version)
    except GachiError as err:
        db.rollback()
        values = {**vars(profile), "version": version}
        context = {"values": values, "errors": field_errors(err), **_choices()}
        return page(request, "organisations/settings.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/settings?saved=1", status_code=303)


@router.get("/orgs/{org_id}/members")
def members_page(request: Request, member: Viewer, db: Db) -> Response:
    context = {
        "members": service.members(db, member.org_id),
        "roles": service.ROLES,
        "values": {"role": "editor"},
        "errors": {},
    }
    return page(request, "organisations/members.html.j2", context)


@router.post("/orgs/{org_id}/members")
def add_member(
    request: Request, member: Owner, db: Db, email: Text = "", role: Text = "editor"
) -> Response:
    try:
        service.set_member(db, member.user, member.org_id, email, role)
    except GachiError as err:
        db.rollback()
        context = {
            "members": service.members(db, member.org_id),
            "roles": service.ROLES,
            "values": {"email": email, "role": role},
            "errors": field_errors(err),
        }
        return page(request, "organisations/members.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/members", status_code=303)


@router.post("/orgs/{org_id}/members/{user_id}/remove")
def remove_member(member: Owner, db: Db, user_id: WholeNumber) -> Response:
    service.remove_member(db, member.user, member.org_id, user_id)
    return RedirectResponse(f"/orgs/{member.org_id}/members", status_code=303)
