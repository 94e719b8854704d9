"""Publishing as JSON: an organisation publishes and restates (signed in), anyone reads what was
published (no sign-in: `/api/v1/public/…`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from gachi.db.models import Publication
from gachi.domains.listing import Page, paged
from gachi.domains.publishing import public, service
from gachi.domains.publishing.compare import comparison
from gachi.domains.publishing.public import Published
from gachi.domains.publishing.schemas import (
    BookOut,
    ComparisonOut,
    ProfileIn,
    ProfileOut,
    PublishedOut,
    PublishIn,
)
from gachi.kernel.integers import WholeNumber
from gachi.web.deps import AppSettings, Db, Editor, Limit, Offset, Owner, Viewer, token_scope

router = APIRouter(prefix="/api/v1", tags=["publishing"])
Version = Annotated[WholeNumber | None, Query(ge=1, le=2**31 - 1)]
Year = Annotated[WholeNumber, Path(ge=1990, le=2100)]


def _out(p: Published | Publication, name: str | None = None) -> PublishedOut:
    org_id = p.organisation_id
    return PublishedOut(
        organisation_id=org_id,
        organisation=name if name is not None else getattr(p, "organisation", ""),
        year=p.year,
        version=p.version,
        total=p.total,
        reason=p.reason,
        published_at=p.published_at,
        url=f"/public/{org_id}/{p.year}?version={p.version}",
        json_url=f"/api/v1/public/{org_id}/{p.year}?version={p.version}",
    )


@router.get("/orgs/{org_id}/publications", response_model=Page[PublishedOut])
def list_publications(
    member: Viewer, limit: Limit = 100, offset: Offset = 0, year: WholeNumber | None = None
) -> Page[PublishedOut]:
    """Every version the organisation published (optionally of one `year`), newest first."""
    name = member.organisation.name
    found = [p for p in service.publications(member.repo) if year is None or p.year == year]
    return paged([_out(p, name) for p in found], limit, offset)


@router.post(
    "/orgs/{org_id}/publications",
    response_model=PublishedOut,
    status_code=201,
    openapi_extra=token_scope("publish"),
)
def publish(body: PublishIn, member: Editor, settings: AppSettings) -> PublishedOut:
    """Publish a year from the latest finished run (a restatement if it was published before:
    `reason` is then required)."""
    found = service.publish(member.repo, member.user, settings, year=body.year, reason=body.reason)
    return _out(found, member.organisation.name)


# Choosing to be compared in public is a publishing decision: a token needs the publish scope.
@router.put(
    "/orgs/{org_id}/publications/profile",
    response_model=ProfileOut,
    openapi_extra=token_scope("publish"),
)
def set_profile(body: ProfileIn, member: Owner) -> ProfileOut:
    found = service.set_peer_comparison(member.repo, member.user, body.peer_comparison)
    return ProfileOut(peer_comparison=found.peer_comparison)


@router.get("/orgs/{org_id}/publications/profile", response_model=ProfileOut)
def get_profile(member: Viewer) -> ProfileOut:
    found = service.profile(member.repo)
    return ProfileOut(peer_comparison=bool(found and found.peer_comparison))


# ---- public ---------------------------------------------------------------------------------


@router.get("/public", response_model=Page[PublishedOut])
def list_public(
    db: Db, limit: Limit = 100, offset: Offset = 0, year: WholeNumber | None = None
) -> Page[PublishedOut]:
    """The latest version of every published year of every organisation (optionally of one
    `year`), by organisation and year."""
    found = [p for p in public.publishers(db) if year is None or p.year == year]
    return paged([_out(p) for p in found], limit, offset)


@router.get("/public/compare/{year}", response_model=ComparisonOut)
def compare(year: Year, db: Db) -> Any:
    """Organisations that chose to be compared, for one year, by category and indicator."""
    return comparison(year, public.peers(db, year))


@router.get("/public/{org_id}", response_model=Page[PublishedOut])
def organisation_public(
    org_id: WholeNumber, db: Db, limit: Limit = 100, offset: Offset = 0
) -> Page[PublishedOut]:
    """Every version an organisation published, newest year and version first."""
    return paged([_out(p) for p in public.organisation_books(db, org_id)], limit, offset)


@router.get("/public/{org_id}/{year}", response_model=BookOut, response_model_by_alias=True)
def book(org_id: WholeNumber, year: WholeNumber, db: Db, version: Version = None) -> JSONResponse:
    """The published formula book of the year (its latest version unless `version`)."""
    found = public.book(db, org_id, year, version)
    return JSONResponse(found)
