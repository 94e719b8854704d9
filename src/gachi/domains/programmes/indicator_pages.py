"""Pages: the indicator catalogue (shipped and own) and the editor of an own indicator.

The editor works without JavaScript (the definition is checked when saved, every issue shown
with its line and column); with it, `indicators.js` checks as the person types.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from gachi.db.models import CustomIndicator
from gachi.domains.programmes import own, service
from gachi.domains.programmes.catalogue import shipped_catalog
from gachi.domains.programmes.deps import OwnRow, form_version
from gachi.domains.programmes.schemas import IssueOut, check_out
from gachi.domains.programmes.views import catalogue_state, category_groups
from gachi.errors import GachiError
from gachi.kernel.i18n import current_lang
from gachi.web.deps import AppSettings, Db, Editor, Viewer
from gachi.web.render import field_errors, page

router = APIRouter()

Text = Annotated[str, Form()]
_FIRST_ID = re.compile(r"^id:[ \t]*\S+", re.MULTILINE)


@router.get("/orgs/{org_id}/indicators")
def catalogue_page(request: Request, member: Viewer, settings: AppSettings) -> Response:
    lang = current_lang()
    state = catalogue_state(member.repo, settings, lang)
    using: dict[str, list[str]] = {}
    names = {p.id: p.name for p in service.programmes(member.repo)}
    for programme_id, ids in service.chosen_indicators(member.repo).items():
        for ident in ids:
            using.setdefault(ident, []).append(names[programme_id])
    context = {
        "groups": category_groups(state.catalog, lang, exclude=state.own_ids),
        "own_rows": sorted(state.own_rows.values(), key=lambda r: r.indicator_id),
        "entries": state.catalog.entries,
        "problems": state.problems,
        "using": using,
    }
    return page(request, "programmes/indicators.html.j2", context)


def _editor(
    request: Request,
    member: Viewer,
    settings: AppSettings,
    *,
    row: CustomIndicator | None,
    values: dict[str, Any],
    issues: list[IssueOut] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    shipped = shipped_catalog(Path(settings.catalog_dir))
    lang = current_lang()
    context = {
        "row": row,
        "values": values,
        "issues": issues or [],
        "errors": errors or {},
        "starters": sorted(
            ((i, e.spec.name.get(lang)) for i, e in shipped.entries.items()), key=lambda p: p[1]
        ),
    }
    return page(request, "programmes/own.html.j2", context, status=status)


def _failed(err: GachiError) -> tuple[list[IssueOut], dict[str, list[str]]]:
    """A definition's issues go under the editor; anything else (a conflict) above the form."""
    if isinstance(err, own.DefinitionInvalid):
        return check_out(err.checked, current_lang()).issues, {}
    return [], field_errors(err)


@router.get("/orgs/{org_id}/indicators/new")
def new_own(request: Request, member: Editor, settings: AppSettings, start: str = "") -> Response:
    """The editor, starting from the example or from a copy of a shipped definition."""
    text = own.EXAMPLE
    entry = shipped_catalog(Path(settings.catalog_dir)).entries.get(start)
    if entry is not None:
        copied = Path(entry.file).read_text(encoding="utf-8")
        text = _FIRST_ID.sub("id: " + f"my_{start}"[:64], copied, count=1)
    return _editor(request, member, settings, row=None, values={"definition": text})


@router.post("/orgs/{org_id}/indicators/new")
def create_own(
    request: Request, member: Editor, db: Db, settings: AppSettings, definition: Text = ""
) -> Response:
    try:
        row = own.create_own(member.repo, settings, member.user, definition)
    except GachiError as err:
        db.rollback()
        issues, errors = _failed(err)
        values = {"definition": definition}
        return _editor(
            request, member, settings, row=None, values=values, issues=issues, errors=errors,
            status=err.status,
        )  # fmt: skip
    return RedirectResponse(
        f"/orgs/{member.org_id}/indicators/custom/{row.id}?saved=1", status_code=303
    )


@router.get("/orgs/{org_id}/indicators/custom/{custom_id}")
def own_page(request: Request, row: OwnRow, member: Viewer, settings: AppSettings) -> Response:
    values = {"definition": row.definition, "version": row.version_id}
    issues = own.check_own(member.repo, settings, row.definition, editing=row)
    shown = check_out(issues, current_lang()).issues
    return _editor(request, member, settings, row=row, values=values, issues=shown)


def _reload(db: Session, member: Viewer, custom_id: int) -> CustomIndicator:
    db.rollback()
    db.expire_all()
    return own.own_indicator(member.repo, custom_id)


@router.post("/orgs/{org_id}/indicators/custom/{custom_id}")
def save_own(
    request: Request,
    row: OwnRow,
    member: Editor,
    db: Db,
    settings: AppSettings,
    version: Text = "",
    definition: Text = "",
) -> Response:
    try:
        own.update_own(member.repo, settings, member.user, row, definition, form_version(version))
    except GachiError as err:
        fresh = _reload(db, member, row.id)
        issues, errors = _failed(err)
        values: dict[str, Any] = {"definition": definition, "version": version}
        if err.first.code == "conflict.stale":
            values["version"] = fresh.version_id
            values["current"] = fresh.definition
        return _editor(
            request, member, settings, row=fresh, values=values, issues=issues, errors=errors,
            status=err.status,
        )  # fmt: skip
    return RedirectResponse(
        f"/orgs/{member.org_id}/indicators/custom/{row.id}?saved=1", status_code=303
    )


@router.get("/orgs/{org_id}/indicators/custom/{custom_id}/delete")
def confirm_delete_own(request: Request, row: OwnRow, member: Editor) -> Response:
    return page(request, "programmes/own_delete.html.j2", {"row": row, "errors": {}})


@router.post("/orgs/{org_id}/indicators/custom/{custom_id}/delete")
def delete_own(
    request: Request,
    row: OwnRow,
    member: Editor,
    db: Db,
    settings: AppSettings,
    version: Text = "",
) -> Response:
    try:
        own.delete_own(member.repo, settings, member.user, row, form_version(version))
    except GachiError as err:
        fresh = _reload(db, member, row.id)
        context = {"row": fresh, "errors": field_errors(err)}
        return page(request, "programmes/own_delete.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/indicators?deleted=1", status_code=303)
