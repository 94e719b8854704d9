"""Pages: an organisation's evidence (list, upload, delete, who may verify it) and, for
verifiers, the evidence other organisations share with theirs."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from gachi.domains.evidence import grants, service, sniff
from gachi.domains.evidence.download import file_response, scanner, sent_filename
from gachi.domains.evidence.limits import EvidenceLimitedRoute
from gachi.errors import GachiError, InvalidInput
from gachi.kernel.i18n import current_lang
from gachi.kernel.integers import WholeNumber
from gachi.web.deps import AppSettings, Db, Editor, Member, Owner, Viewer
from gachi.web.render import field_errors, page

router = APIRouter(route_class=EvidenceLimitedRoute)

PER_PAGE = 50
Offset = Annotated[WholeNumber, Query(ge=0, le=2**31 - 1)]
Text = Annotated[str, Form()]


async def _form(request: Request) -> FormData:
    return await request.form()


Fields = Annotated[FormData, Depends(_form)]


@dataclasses.dataclass
class _Filters:
    programme: int | None = None
    period: int | None = None
    indicator: str | None = None
    offset: int = 0

    def query(self) -> str:
        chosen = {k: v for k, v in dataclasses.asdict(self).items() if v and k != "offset"}
        return urlencode(chosen)


def _context(
    request: Request,
    member: Member,
    db: Db,
    settings: AppSettings,
    filters: _Filters,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    grant_values: dict[str, Any] | None = None,
    grant_errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    lang = current_lang()
    rows, total = service.list_evidence(
        member.repo,
        programme_id=filters.programme,
        period=filters.period,
        indicator_id=filters.indicator,
        limit=PER_PAGE,
        offset=filters.offset,
    )
    return {
        "rows": rows,
        "total": total,
        "labels": service.labels(member.repo, settings, rows, lang),
        "uploaders": service.uploaders(member.repo, rows),
        "filters": filters,
        "per_page": PER_PAGE,
        "choices": service.choices(member.repo, settings, lang) if member.can("editor") else None,
        "values": values or _preselected(filters, request),
        "errors": errors or {},
        "limit": settings.evidence_max_mb,
        "accept": ",".join(f".{e}" for e in sniff.EXTENSIONS),
        "kind_of": sniff.kind_of_type,
        "grants": grants.grants_of(member.repo),
        "grant_values": grant_values or {},
        "grant_errors": grant_errors or {},
        "is_active": grants.is_active,
        "expires_on": grants.expires_on,
        "shared_with_us": len(grants.granted_to(db, member.org_id)),
    }


def _preselected(filters: _Filters, request: Request) -> dict[str, Any]:
    """The upload form's starting values: the cell the data grid's link names, if any."""
    values: dict[str, Any] = {}
    name = request.query_params.get("input")
    if filters.programme is not None and name:
        values["target"] = f"dp:{filters.programme}:{name}"
    elif filters.indicator:
        values["target"] = f"ind:{filters.indicator}"
    if filters.period is not None:
        values["period"] = str(filters.period)
    return values


# ---- the organisation's own evidence ---------------------------------------------------------


@router.get("/orgs/{org_id}/evidence")
def evidence_page(
    request: Request,
    member: Viewer,
    db: Db,
    settings: AppSettings,
    programme: WholeNumber | None = None,
    period: WholeNumber | None = None,
    indicator: str | None = None,
    offset: Offset = 0,
) -> Response:
    filters = _Filters(programme, period, indicator or None, offset)
    return page(request, "evidence/list.html.j2", _context(request, member, db, settings, filters))


@router.post("/orgs/{org_id}/evidence")
def upload(
    request: Request, member: Editor, db: Db, settings: AppSettings, form: Fields
) -> Response:
    values: dict[str, str] = {}
    for key in ("target", "period", "note"):
        sent_value = form.get(key)
        values[key] = sent_value if isinstance(sent_value, str) else ""
    sent = form.get("file")
    try:
        target = service.parse_choice(values["target"])
        if target.kind == "data_point":
            target = dataclasses.replace(target, period=service.parse_period(values["period"]))
        if not isinstance(sent, UploadFile) or not sent.filename:
            raise InvalidInput("evidence.no-file", field="file")
        row = service.upload(
            member.repo,
            settings,
            scanner(request),
            member.user.id,
            target,
            sent_filename(sent),
            sent.file,
            note=values["note"],
            lang=current_lang(),
        )
    except GachiError as err:
        db.rollback()
        context = _context(
            request, member, db, settings, _Filters(), values=values, errors=field_errors(err)
        )
        return page(request, "evidence/list.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/evidence?uploaded={row.id}", 303)


@router.get("/orgs/{org_id}/evidence/{evidence_id}")
def download(member: Viewer, settings: AppSettings, evidence_id: WholeNumber) -> Response:
    return file_response(settings, service.evidence(member.repo, evidence_id))


@router.post("/orgs/{org_id}/evidence/{evidence_id}/delete")
def delete(member: Editor, settings: AppSettings, evidence_id: WholeNumber) -> Response:
    service.delete(member.repo, settings, member.user.id, evidence_id)
    return RedirectResponse(f"/orgs/{member.org_id}/evidence?deleted=1", 303)


@router.post("/orgs/{org_id}/evidence/grants")
def grant(
    request: Request,
    member: Owner,
    db: Db,
    settings: AppSettings,
    verifier: Text = "",
    expires: Text = "",
    note: Text = "",
) -> Response:
    try:
        grants.grant(member.repo, member.user.id, verifier, expires, note)
    except GachiError as err:
        db.rollback()
        values = {"verifier": verifier, "expires": expires, "note": note}
        context = _context(
            request,
            member,
            db,
            settings,
            _Filters(),
            grant_values=values,
            grant_errors=field_errors(err),
        )
        return page(request, "evidence/list.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/evidence?granted=1#grants", 303)


@router.post("/orgs/{org_id}/evidence/grants/{grant_id}/revoke")
def revoke(member: Owner, grant_id: WholeNumber) -> Response:
    grants.revoke(member.repo, member.user.id, grant_id)
    return RedirectResponse(f"/orgs/{member.org_id}/evidence?revoked=1#grants", 303)


# ---- as a verifier of other organisations ----------------------------------------------------


@router.get("/orgs/{org_id}/verify")
def verify_page(request: Request, member: Viewer, db: Db) -> Response:
    context = {
        "granted": grants.granted_to(db, member.org_id),
        "expires_on": grants.expires_on,
    }
    return page(request, "evidence/verify.html.j2", context)


@router.get("/orgs/{org_id}/verify/{grantor_id}")
def verify_grantor(
    request: Request,
    member: Viewer,
    db: Db,
    settings: AppSettings,
    grantor_id: WholeNumber,
    offset: Offset = 0,
) -> Response:
    repo, grantor = grants.grantor_repo(db, member.org_id, grantor_id)
    rows, total = service.list_evidence(repo, limit=PER_PAGE, offset=offset)
    context = {
        "grantor": grantor,
        "rows": rows,
        "total": total,
        "offset": offset,
        "per_page": PER_PAGE,
        "labels": service.labels(repo, settings, rows, current_lang()),
        "kind_of": sniff.kind_of_type,
    }
    return page(request, "evidence/verify_grantor.html.j2", context)


@router.get("/orgs/{org_id}/verify/{grantor_id}/evidence/{evidence_id}")
def verify_download(
    member: Viewer, db: Db, settings: AppSettings, grantor_id: WholeNumber, evidence_id: WholeNumber
) -> Response:
    repo, _ = grants.grantor_repo(db, member.org_id, grantor_id)
    row = service.evidence(repo, evidence_id)
    response = file_response(settings, row)
    service.record_verifier_download(repo, member.user.id, row, member.organisation.name)
    return response
