"""Pages: an organisation's publications (publish, restate, opt in to comparison) and the public
formula books anyone can read without signing in."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from gachi import __version__
from gachi.config import Settings
from gachi.db.models import User
from gachi.domains.organisations import service as organisations
from gachi.domains.publishing import public, reports, service
from gachi.domains.publishing.book import SK_ORDER
from gachi.domains.publishing.compare import comparison, scale
from gachi.errors import GachiError, NotFound
from gachi.kernel.i18n import current_lang
from gachi.kernel.integers import WholeNumber
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
    latest: dict[int, Any] = {}
    for p in published:  # newest version first
        latest.setdefault(p.year, p)
    profile = service.profile(member.repo)
    # What publishing would show, year by year: the run's total beside what is public now.
    totals = ((run.summary or {}).get("years") or {}) if run is not None else {}
    preview = [
        {
            "year": y,
            "total": (totals.get(str(y)) or {}).get("total"),
            "published": latest.get(y),
        }
        for y in reversed(years)
    ]
    unpublished = [y for y in years if y not in latest]
    default = unpublished[-1] if unpublished else (years[-1] if years else "")
    return {
        "run": run,
        "years": years,
        "preview": preview,
        "currency": (run.summary or {}).get("currency", "KRW") if run is not None else "KRW",
        "stale": [i.message(lang) for i in stale],
        "published": published,
        "published_years": set(latest),
        "peer_comparison": bool(profile and profile.peer_comparison),
        "form": {"values": {"year": str(default), "reason": ""}, "errors": {}},
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
    return RedirectResponse(f"{target}?published=1", status_code=303)


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
    year: Annotated[WholeNumber, Path(ge=1990, le=2100)],
) -> Response:
    found = comparison(year, public.peers(db, year))
    context = {
        "cmp": found,
        "years": public.comparable_years(db),
        "scale": scale,
    }
    return page(request, "publishing/compare.html.j2", context)


@router.get("/public/{org_id}")
def organisation_page(request: Request, org_id: WholeNumber, db: Db, visitor: Visitor) -> Response:
    books = public.organisation_books(db, org_id)
    return page(
        request,
        "publishing/organisation.html.j2",
        {"books": books, "organisation": books[0].organisation, "org_id": org_id},
    )


@router.get("/public/{org_id}/{year}")
def book_page(
    request: Request,
    org_id: WholeNumber,
    year: WholeNumber,
    db: Db,
    visitor: Visitor,
    version: Version = None,
) -> Response:
    found = public.book(db, org_id, year, version)
    history = public.versions(db, org_id, year)
    measured: list[dict[str, Any]] = [i for i in found["indicators"] if i["value"] is not None]
    context = {
        "book": found,
        "published_at": datetime.fromisoformat(found["published_at"]),
        "history": history,
        "latest": history[0].version if history else found["version"],
        # The version that restated this one (the next), which is what its notice explains.
        "next": next((h for h in reversed(history) if h.version > found["version"]), None),
        "ordered": sorted(measured, key=_reading_order),
        "outside": any(_outside(x) for x in [found["total"], *measured, *found["lines"]]),
        "outside_of": _outside,
        "scale": scale,
        "base": f"/public/{org_id}/{year}",
        "names": {i["id"]: i["name"] for i in found["indicators"]},
        "just_published": _just_published(request, db, visitor, org_id),
    }
    return page(request, "publishing/book.html.j2", context)


def _just_published(request: Request, db: Db, visitor: User | None, org_id: int) -> bool:
    """Whether to tell the reader they just published this: only one of its members (a link
    with ?published=1 says nothing to anyone else)."""
    if visitor is None or not request.query_params.get("published"):
        return False
    try:
        organisations.membership_of(db, visitor, org_id)
    except NotFound:
        return False
    return True


def _reading_order(indicator: dict[str, Any]) -> tuple[int, float]:
    """By SK category, as the totals are, then the largest amounts (either sign) first."""
    category = indicator["category"]
    rank = SK_ORDER.index(category) if category in SK_ORDER else len(SK_ORDER)
    return rank, -abs(indicator["value"] or 0.0)


def _outside(item: dict[str, Any]) -> bool:
    """Whether an estimate lies outside its own 90% range (said once on the page); a band
    equal to the estimate but for rounding is not."""
    band, value = item.get("band"), item.get("value")
    if not band or value is None:
        return False
    slack = 1e-9 * max(abs(value), abs(band["p5"]), abs(band["p95"]))
    return not band["p5"] - slack <= value <= band["p95"] + slack


@router.get("/public/{org_id}/{year}/restatements/{version}")
def restatement_page(
    request: Request,
    org_id: WholeNumber,
    year: WholeNumber,
    version: Annotated[WholeNumber, Path(ge=1, le=2**31 - 1)],
    db: Db,
    visitor: Visitor,
) -> Response:
    if version == 1:  # the first version restates nothing: show the version itself
        public.book(db, org_id, year, version)
        return RedirectResponse(f"/public/{org_id}/{year}?version=1", status_code=303)
    found = public.book(db, org_id, year, version)
    if not found.get("restatement"):
        raise public.NotPublished(year, version)
    context = {
        "book": found,
        "r": found["restatement"],
        "scale": scale,
        "base": f"/public/{org_id}/{year}",
        "names": {i["id"]: i["name"] for i in found["indicators"]},
        "just_published": _just_published(request, db, visitor, org_id),
    }
    return page(request, "publishing/restatement.html.j2", context)


@router.get("/public/{org_id}/{year}/report.{fmt}")
def report(
    org_id: WholeNumber,
    year: WholeNumber,
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
    # A named version never changes; the latest may be restated at any moment. The language
    # comes from a cookie, so a cache must keep one copy per cookie.
    fixed = version not in (None, "")
    return Response(
        body,
        media_type=reports.MEDIA[fmt],
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "public, max-age=86400, immutable" if fixed else "no-cache",
            "Vary": "Cookie",
        },
    )


# Bump when the report writers change what a book's report looks like.
REPORT_WRITER = f"{__version__}/2"
_making: dict[str, threading.Lock] = {}
_making_lock = threading.Lock()


def _cached_report(settings: Settings, book: dict[str, Any], fmt: str, lang: str) -> bytes:
    """A published book never changes: its reports are kept on disk by the book's hash. Anyone
    may ask for them, so one report is made once even when many ask at the same moment."""
    # The writers' version is part of the key: a report kept before they changed is made anew.
    key = json.dumps({"book": book, "writer": REPORT_WRITER}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    folder = FilePath(settings.data_dir) / "reports"
    path = folder / f"{digest}-{lang}.{fmt}"
    if path.exists():
        return path.read_bytes()
    with _making_lock:
        lock = _making.setdefault(path.name, threading.Lock())
    try:
        with lock:
            if path.exists():  # made by the request this one waited for
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
    finally:
        with _making_lock:
            _making.pop(path.name, None)
