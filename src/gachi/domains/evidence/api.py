"""Evidence as JSON: list (filters, pages), upload (multipart), read, download, delete; grants;
and what verifiers of another organisation may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from gachi.db.models import Evidence
from gachi.db.tenancy import TenantRepository
from gachi.domains.evidence import grants, service
from gachi.domains.evidence.download import file_response, scanner, sent_filename
from gachi.domains.evidence.limits import EvidenceLimitedRoute
from gachi.domains.evidence.schemas import (
    EvidenceOut,
    EvidencePage,
    GrantIn,
    GrantorOut,
    GrantOut,
)
from gachi.errors import InvalidInput
from gachi.kernel.i18n import current_lang
from gachi.kernel.integers import WholeNumber
from gachi.web.deps import AppSettings, Db, Editor, Owner, Viewer

router = APIRouter(
    prefix="/api/v1/orgs/{org_id}", tags=["evidence"], route_class=EvidenceLimitedRoute
)

Limit = Annotated[WholeNumber, Query(ge=1, le=500)]
Offset = Annotated[WholeNumber, Query(ge=0, le=2**31 - 1)]


def _page(
    repo: TenantRepository,
    settings: AppSettings,
    rows: list[Evidence],
    total: int,
    limit: int,
    offset: int,
    base: str,
    *,
    uploader: bool = True,
) -> EvidencePage:
    names = service.labels(repo, settings, rows, current_lang())
    items = [EvidenceOut.of(r, names[r.id], f"{base}/{r.id}/file", uploader=uploader) for r in rows]
    return EvidencePage(items=items, total=total, limit=limit, offset=offset)


# ---- the organisation's own evidence ---------------------------------------------------------


@router.get("/evidence", response_model=EvidencePage)
def list_evidence(
    member: Viewer,
    settings: AppSettings,
    programme: WholeNumber | None = None,
    period: WholeNumber | None = None,
    indicator: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> EvidencePage:
    rows, total = service.list_evidence(
        member.repo,
        programme_id=programme,
        period=period,
        indicator_id=indicator,
        limit=limit,
        offset=offset,
    )
    base = f"/api/v1/orgs/{member.org_id}/evidence"
    return _page(member.repo, settings, list(rows), total, limit, offset, base)


@router.post("/evidence", response_model=EvidenceOut, status_code=201)
def upload_evidence(
    request: Request,
    member: Editor,
    settings: AppSettings,
    file: Annotated[UploadFile | None, File()] = None,
    target: Annotated[str, Form(description="data_point | indicator")] = "",
    programme_id: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    input_name: Annotated[str, Form(alias="input", description="The data input (column)")] = "",
    indicator_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> EvidenceOut:
    lang = current_lang()
    chosen = _target(target, programme_id, period, input_name, indicator_id)
    if file is None:
        raise InvalidInput("evidence.no-file", field="file")
    row = service.upload(
        member.repo,
        settings,
        scanner(request),
        member.user.id,
        chosen,
        sent_filename(file),
        file.file,
        note=note,
        lang=lang,
    )
    label = service.labels(member.repo, settings, [row], lang)[row.id]
    return EvidenceOut.of(row, label, f"/api/v1/orgs/{member.org_id}/evidence/{row.id}/file")


def _target(
    target: str, programme_id: str, period: str, input_name: str, indicator_id: str
) -> service.Target:
    if target == "data_point":
        ident = service.parse_id(programme_id)
        if ident is None:
            raise InvalidInput("evidence.target-required", field="programme_id")
        return service.Target(
            "data_point",
            programme_id=ident,
            period=service.parse_period(period),
            input_name=input_name.strip(),
        )
    if target == "indicator":
        return service.Target("indicator", indicator_id=indicator_id.strip())
    raise InvalidInput("evidence.target-required", field="target")


@router.get("/evidence/grants", response_model=list[GrantOut])
def list_grants(member: Viewer) -> list[GrantOut]:
    return [GrantOut.of(g, name) for g, name in grants.grants_of(member.repo)]


@router.post("/evidence/grants", response_model=GrantOut, status_code=201)
def create_grant(member: Owner, body: GrantIn) -> GrantOut:
    row = grants.grant(member.repo, member.user.id, body.verifier, body.expires_on, body.note)
    name = dict((g.id, n) for g, n in grants.grants_of(member.repo))[row.id]
    return GrantOut.of(row, name)


@router.post("/evidence/grants/{grant_id}/revoke", response_model=GrantOut)
def revoke_grant(member: Owner, grant_id: WholeNumber) -> GrantOut:
    row = grants.revoke(member.repo, member.user.id, grant_id)
    name = dict((g.id, n) for g, n in grants.grants_of(member.repo))[row.id]
    return GrantOut.of(row, name)


@router.get("/evidence/{evidence_id:int}", response_model=EvidenceOut)
def get_evidence(member: Viewer, settings: AppSettings, evidence_id: WholeNumber) -> EvidenceOut:
    row = service.evidence(member.repo, evidence_id)
    label = service.labels(member.repo, settings, [row], current_lang())[row.id]
    return EvidenceOut.of(row, label, f"/api/v1/orgs/{member.org_id}/evidence/{row.id}/file")


@router.get("/evidence/{evidence_id:int}/file", response_class=Response)
def download_evidence(member: Viewer, settings: AppSettings, evidence_id: WholeNumber) -> Response:
    return file_response(settings, service.evidence(member.repo, evidence_id))


@router.delete("/evidence/{evidence_id:int}", status_code=204, response_class=Response)
def delete_evidence(member: Editor, settings: AppSettings, evidence_id: WholeNumber) -> Response:
    service.delete(member.repo, settings, member.user.id, evidence_id)
    return Response(status_code=204)


# ---- as a verifier of other organisations ----------------------------------------------------


@router.get("/verify", response_model=list[GrantorOut])
def list_grantors(member: Viewer, db: Db) -> list[GrantorOut]:
    return [
        GrantorOut(
            organisation_id=org.id,
            name=org.name,
            expires_on=grants.expires_on(g),
            evidence=f"/api/v1/orgs/{member.org_id}/verify/{org.id}/evidence",
        )
        for g, org in grants.granted_to(db, member.org_id)
    ]


@router.get("/verify/{grantor_id}/evidence", response_model=EvidencePage)
def list_granted_evidence(
    member: Viewer,
    db: Db,
    settings: AppSettings,
    grantor_id: WholeNumber,
    programme: WholeNumber | None = None,
    period: WholeNumber | None = None,
    indicator: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> EvidencePage:
    repo, _ = grants.grantor_repo(db, member.org_id, grantor_id)
    rows, total = service.list_evidence(
        repo,
        programme_id=programme,
        period=period,
        indicator_id=indicator,
        limit=limit,
        offset=offset,
    )
    base = f"/api/v1/orgs/{member.org_id}/verify/{grantor_id}/evidence"
    return _page(repo, settings, list(rows), total, limit, offset, base, uploader=False)


@router.get("/verify/{grantor_id}/evidence/{evidence_id}/file", response_class=Response)
def download_granted_evidence(
    member: Viewer, db: Db, settings: AppSettings, grantor_id: WholeNumber, evidence_id: WholeNumber
) -> Response:
    repo, _ = grants.grantor_repo(db, member.org_id, grantor_id)
    row = service.evidence(repo, evidence_id)
    response = file_response(settings, row)
    service.record_verifier_download(repo, member.user.id, row, member.organisation.name)
    return response
