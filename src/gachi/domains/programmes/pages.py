"""Pages: the programmes of an organisation, one programme with its indicators and inputs, and
(from `indicator_pages`) the indicator catalogue and the organisation's own indicators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import Programme
from gachi.domains.programmes import indicator_pages, service
from gachi.domains.programmes.deps import ProgrammeRow, form_version
from gachi.domains.programmes.views import catalogue_state, category_groups
from gachi.errors import GachiError
from gachi.kernel.i18n import current_lang
from gachi.web.deps import AppSettings, Db, Editor, Viewer
from gachi.web.render import field_errors, page

router = APIRouter()
# The routes themselves, not an included router: the tenancy test reads `router.routes`.
router.routes.extend(indicator_pages.router.routes)

Text = Annotated[str, Form()]


def _list(
    request: Request,
    member: Viewer,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "programmes": service.programmes(member.repo),
        "chosen": service.chosen_indicators(member.repo),
        "kinds": service.KINDS,
        "values": values or {"kind": "programme"},
        "errors": errors or {},
    }
    return page(request, "programmes/list.html.j2", context, status=status)


@router.get("/orgs/{org_id}/programmes")
def programmes_page(request: Request, member: Viewer) -> Response:
    return _list(request, member)


@router.post("/orgs/{org_id}/programmes")
def create_programme(
    request: Request,
    member: Editor,
    db: Db,
    name: Text = "",
    kind: Text = "programme",
    description: Text = "",
) -> Response:
    form = service.ProgrammeForm(name, kind, description)
    try:
        row = service.create_programme(member.repo, member.user, form)
    except GachiError as err:
        db.rollback()
        return _list(request, member, vars(form), field_errors(err), err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/programmes/{row.id}", status_code=303)


def _detail(
    request: Request,
    member: Viewer,
    settings: Settings,
    row: Programme,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    choice_errors: dict[str, list[str]] | None = None,
    current: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    lang = current_lang()
    state = catalogue_state(member.repo, settings, lang)
    catalog = state.catalog
    chosen_ids = service.chosen_for(member.repo, row.id)
    chosen = []
    for ident in chosen_ids:
        entry = catalog.entries.get(ident)
        chosen.append(
            {
                "id": ident,
                "known": entry is not None,
                "name": entry.spec.name.get(lang) if entry else ident,
                "category": entry.spec.frameworks.sk.value if entry else None,
                "own": ident in state.own_ids,
            }
        )
    inputs = service.programme_inputs(member.repo, settings, row.id) if state.ok else []
    names = {i: e.spec.name.get(lang) for i, e in catalog.entries.items()}
    options = category_groups(catalog, lang, exclude=set(chosen_ids))
    context = {
        "programme": row,
        "kinds": service.KINDS,
        "values": values
        or {
            "name": row.name,
            "kind": row.kind,
            "description": row.description,
            "version": row.version_id,
        },
        "errors": errors or {},
        "choice_errors": choice_errors or {},
        "chosen": chosen,
        "inputs": inputs,
        "indicator_names": names,
        "options": options,
        "problems": state.problems,
        "current": current,
    }
    return page(request, "programmes/detail.html.j2", context, status=status)


@router.get("/orgs/{org_id}/programmes/{programme_id}")
def programme_page(
    request: Request, row: ProgrammeRow, member: Viewer, settings: AppSettings
) -> Response:
    return _detail(request, member, settings, row)


@router.post("/orgs/{org_id}/programmes/{programme_id}")
def save_programme(
    request: Request,
    row: ProgrammeRow,
    member: Editor,
    db: Db,
    settings: AppSettings,
    version: Text = "",
    name: Text = "",
    kind: Text = "programme",
    description: Text = "",
) -> Response:
    form = service.ProgrammeForm(name, kind, description)
    try:
        service.update_programme(member.repo, member.user, row, form, form_version(version))
    except GachiError as err:
        fresh = _reload(db, member, row.id)
        typed: dict[str, Any] = {**vars(form), "version": version}
        current = None
        if err.first.code == "conflict.stale":
            # Keep what they typed, show what is stored now; saving again is their choice.
            typed["version"] = fresh.version_id
            current = {k: getattr(fresh, k) for k in service.FIELDS}
        return _detail(
            request, member, settings, fresh, values=typed, errors=field_errors(err),
            current=current, status=err.status,
        )  # fmt: skip
    return RedirectResponse(f"/orgs/{member.org_id}/programmes/{row.id}?saved=1", status_code=303)


def _reload(db: Session, member: Viewer, programme_id: int) -> Programme:
    """After a failed save: nothing half-written, and the programme as it is now stored (the
    person's typed values are shown over it; a stale version stays stale until they reload)."""
    db.rollback()
    db.expire_all()
    return service.programme(member.repo, programme_id)


@router.get("/orgs/{org_id}/programmes/{programme_id}/delete")
def confirm_delete(request: Request, row: ProgrammeRow, member: Editor) -> Response:
    return page(request, "programmes/delete.html.j2", {"programme": row, "errors": {}})


@router.post("/orgs/{org_id}/programmes/{programme_id}/delete")
def delete_programme(
    request: Request, row: ProgrammeRow, member: Editor, db: Db, version: Text = ""
) -> Response:
    try:
        service.delete_programme(member.repo, member.user, row, form_version(version))
    except GachiError as err:
        fresh = _reload(db, member, row.id)
        context = {"programme": fresh, "errors": field_errors(err)}
        return page(request, "programmes/delete.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/programmes?deleted=1", status_code=303)


@router.post("/orgs/{org_id}/programmes/{programme_id}/indicators")
def choose_indicator(
    request: Request,
    row: ProgrammeRow,
    member: Editor,
    db: Db,
    settings: AppSettings,
    indicator_id: Text = "",
) -> Response:
    try:
        service.choose_indicator(member.repo, settings, member.user, row, indicator_id)
    except GachiError as err:
        fresh = _reload(db, member, row.id)
        errors = field_errors(err)
        return _detail(request, member, settings, fresh, choice_errors=errors, status=err.status)
    return RedirectResponse(
        f"/orgs/{member.org_id}/programmes/{row.id}#indicators", status_code=303
    )


@router.post("/orgs/{org_id}/programmes/{programme_id}/indicators/{indicator_id}/remove")
def remove_indicator(row: ProgrammeRow, member: Editor, indicator_id: str) -> Response:
    service.remove_indicator(member.repo, member.user, row, indicator_id)
    return RedirectResponse(
        f"/orgs/{member.org_id}/programmes/{row.id}#indicators", status_code=303
    )
