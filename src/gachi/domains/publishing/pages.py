"""Pages: an organisation's publications (publish, restate, opt in to comparison) and the public
formula books anyone can read without signing in."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from gachi.config import Settings
from gachi.db.models import User
from gachi.domains.publishing import public, reports, service
from gachi.domains.publishing.compare import comparison, scale
from gachi.errors import GachiError, NotFound
from gachi.kernel.i18n import current_lang
from gachi.web.deps import AppSettings, Db, Editor, Member, Owner, Viewer, optional_user
from gachi.web.render import field_errors, page

router = APIRouter()
# Read by `public.book`, which answers a version that is not a number, or names nothing,
# with the same clear "not published" as a version that was never published.
Version = Annotated[str | None, Query(max_length=40)]
Visitor = Annotated[User | None, Depends(optional_user)]


# ---- the organisation's side ----------------------------------------------------------------


def _org_context(member: Member, settings: Settings) -> dict[str, Any]:
    run, years = service.publishable_years(member.repo)
    stale = service.freshness(member.repo, settings, run) if run is not None else []
    lang = current_lang()
    published = service.publications(member.repo)
    latest_years = {p.year for p in published}
    profile = service.profile(member.repo)
    return {
        "run": run,
        "years": years,
        "stale": [i.message(lang) for i in stale],
        "published": published,
        "published_years": latest_years,
        "peer_comparison": bool(profile and profile.peer_comparison),
        "form": {"values": {"year": str(years[-1]) if years else "", "reason": ""}, "errors": {}},
    }


@router.get("/orgs/{org_id}/publications")
def publications_page(request: Request, member: Viewer, settings: AppSettings) -> Response:
    return page(request, "publishing/org.html.j2", _org_context(member, settings))


@router.post("/orgs/{org_id}/publications")
def publish(
    request: Request,
    member: Editor,
    db: Db,
    settings: AppSettings,
    year: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        found = service.publish(member.repo, member.user, settings, year=year, reason=reason)
    except GachiError as err:
        db.rollback()
        context = _org_context(member, settings)
        context["form"] = {
            "values": {"year": year, "reason": reason},
            "errors": field_errors(err),
        }
        return page(request, "publishing/org.html.j2", context, status=err.status)
    target = f"/public/{member.org_id}/{found.year}"
    if found.version > 1:
        target += f"/restatements/{found.version}"
    return RedirectResponse(target, status_code=303)


@router.post("/orgs/{org_id}/publications/profile")
def set_profile(member: Owner, peer_comparison: Annotated[str, Form()] = "") -> Response:
    service.set_peer_comparison(member.repo, member.user, peer_comparison in ("on", "1", "true"))
    return RedirectResponse(f"/orgs/{member.org_id}/publications", status_code=303)


# ---- public ---------------------------------------------------------------------------------


@router.get("/public")
def public_index(request: Request, db: Db, visitor: Visitor) -> Response:
    books = public.publishers(db)
    organisations: dict[int, dict[str, Any]] = {}
    for p in books:
        organisations.setdefault(
            p.organisation_id, {"id": p.organisation_id, "name": p.organisation, "years": []}
        )["years"].append(p)
    context = {
        "organisations": list(organisations.values()),
        "comparable": public.comparable_years(db),
    }
    return page(request, "publishing/index.html.j2", context)


@router.get("/public/compare")
def compare_latest(db: Db) -> Response:
    years = public.comparable_years(db)
    if not years:
        return RedirectResponse("/public", status_code=303)
    return RedirectResponse(f"/public/compare/{years[0]}", status_code=303)


@router.get("/public/compare/{year}")
def compare_page(
    request: Request,
    db: Db,
    visitor: Visitor,
    year: Annotated[int, Path(ge=1990, le=2100)],
) -> Response:
    found = comparison(year, public.peers(db, year))
    context = {
        "cmp": found,
        "years": public.comparable_years(db),
        "scale": scale,
    }
    return page(request, "publishing/compare.html.j2", context)


@router.get("/public/{org_id}")
def organisation_page(request: Request, org_id: int, db: Db, visitor: Visitor) -> Response:
    books = public.organisation_books(db, org_id)
    return page(
        request,
        "publishing/organisation.html.j2",
        {"books": books, "organisation": books[0].organisation, "org_id": org_id},
    )


@router.get("/public/{org_id}/{year}")
def book_page(
    request: Request, org_id: int, year: int, db: Db, visitor: Visitor, version: Version = None
) -> Response:
    found = public.book(db, org_id, year, version)
    history = public.versions(db, org_id, year)
    context = {
        "book": found,
        "history": history,
        "latest": history[0].version if history else found["version"],
        "scale": scale,
        "base": f"/public/{org_id}/{year}",
        "names": {i["id"]: i["name"] for i in found["indicators"]},
    }
    return page(request, "publishing/book.html.j2", context)


@router.get("/public/{org_id}/{year}/restatements/{version}")
def restatement_page(
    request: Request,
    org_id: int,
    year: int,
    version: Annotated[int, Path(ge=2, le=2**31 - 1)],
    db: Db,
    visitor: Visitor,
) -> Response:
    found = public.book(db, org_id, year, version)
    if not found.get("restatement"):
        raise public.NotPublished(year, version)
    context = {
        "book": found,
        "r": found["restatement"],
        "scale": scale,
        "base": f"/public/{org_id}/{year}",
        "names": {i["id"]: i["name"] for i in found["indicators"]},
    }
    return page(request, "publishing/restatement.html.j2", context)


@router.get("/public/{org_id}/{year}/report.{fmt}")
def report(
    org_id: int,
    year: int,
    fmt: str,
    db: Db,
    settings: AppSettings,
    version: Version = None,
) -> Response:
    """The book's report as HTML, XLSX or PDF (a download: made once per book and language)."""
    if fmt not in reports.MEDIA:
        raise NotFound("report", fmt)
    found = public.book(db, org_id, year, version)
    lang = current_lang()
    body = _cached_report(settings, found, fmt, lang)
    name = f"gachi-{org_id}-{year}-v{found['version']}-{lang}.{fmt}"
    label = quote(f"{found['organisation']['name']} {year} v{found['version']}.{fmt}", safe="")
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{label}"
    return Response(
        body,
        media_type=reports.MEDIA[fmt],
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "public, max-age=300",
        },
    )


def _cached_report(settings: Settings, book: dict[str, Any], fmt: str, lang: str) -> bytes:
    """A published book never changes: its reports are kept on disk by the book's hash."""
    digest = hashlib.sha256(json.dumps(book, sort_keys=True).encode()).hexdigest()[:32]
    folder = FilePath(settings.data_dir) / "reports"
    path = folder / f"{digest}-{lang}.{fmt}"
    if path.exists():
        return path.read_bytes()
    body = reports.render(book, fmt, lang)  # type: ignore[arg-type]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
    except OSError:
        pass  # a cache only: the next request makes it again
    return body
