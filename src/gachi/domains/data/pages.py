"""Pages: the data grid of a programme (periods × inputs), spreadsheet upload with a preview,
and the export."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from gachi.domains.data import export, importing, service, store
from gachi.domains.data import upload as uploads
from gachi.domains.data.limits import BodyLimitedRoute
from gachi.domains.data.numbers import (
    MAX_PERIOD,
    MIN_PERIOD,
    edit_text,
    parse_number,
    parse_period,
)
from gachi.domains.programmes.service import programmes
from gachi.errors import Conflict, GachiError, InvalidInput, Issue, NotFound
from gachi.kernel.i18n import current_lang, t
from gachi.kernel.integers import WholeNumber, parse_whole
from gachi.web.deps import AppSettings, Db, Editor, Member, Viewer
from gachi.web.render import page

router = APIRouter(route_class=BodyLimitedRoute)

MAX_CELLS = 320  # cells on one page of the grid: each is a form field (Starlette allows 1000)


async def _form(request: Request) -> FormData:
    return await request.form()


Fields = Annotated[FormData, Depends(_form)]


# ---- the grid ------------------------------------------------------------------------------


@router.get("/orgs/{org_id}/data")
def data_page(
    request: Request,
    member: Viewer,
    settings: AppSettings,
    programme: str | None = None,
    add: Annotated[list[str] | None, Query()] = None,
    before: WholeNumber | None = None,
) -> Response:
    progs = programmes(member.repo)
    if programme is None:
        if len(progs) == 1:
            return RedirectResponse(f"{request.url.path}?programme={progs[0].id}", 303)
        return page(request, "data/choose.html.j2", {"programmes": progs})
    extra, problems = [], []
    for text in add or []:
        try:
            extra.append(parse_period(text))
        except InvalidInput as err:
            problems.append(err.first.message(current_lang()))
    view = _GridView(member, settings, programme, extra, before)
    return page(request, "data/grid.html.j2", view.context(progs, problems))


@router.post("/orgs/{org_id}/data")
def save_grid(
    request: Request, member: Editor, db: Db, settings: AppSettings, form: Fields
) -> Response:
    programme = str(form.get("programme") or "")
    state = _state(form.get("state"))
    view = _GridView(member, settings, programme, [p for p, _ in state], None)
    changes, problems = view.read(form, state)
    if problems:
        db.rollback()
        return page(request, "data/grid.html.j2", view.context(programmes(member.repo)), status=422)
    try:
        saved = service.save_changes(
            member.repo, settings, member.user.id, changes, lang=current_lang()
        )
    except GachiError as err:
        db.rollback()
        view = _GridView(member, settings, programme, [p for p, _ in state], None)
        view.read(form, state)
        view.show_error(err)
        context = view.context(programmes(member.repo))
        return page(request, "data/grid.html.j2", context, status=err.status)
    done = saved.inserted + saved.updated + saved.deleted
    target = f"/orgs/{member.org_id}/data?programme={view.grid.programme.id}&saved={done}"
    return RedirectResponse(target, status_code=303)


def _state(raw: object) -> dict[tuple[int, str], tuple[str, int]]:
    """The cells the form showed: (period, input) → (text shown, version). Sent back by the form;
    anything malformed is refused as a whole."""
    try:
        data = json.loads(str(raw or "{}"))
        out = {}
        for key, (text, version) in data.items():
            period, name = str(key).split(".", 1)
            year = parse_whole(period, low=MIN_PERIOD, high=MAX_PERIOD)
            seen = version if isinstance(version, int) else parse_whole(str(version))
            if year is None or seen is None or isinstance(seen, bool) or seen < 0:
                raise ValueError(key)
            out[(year, name)] = (str(text), seen)
        return out
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput("points.bad-form") from None


class _GridView:
    """A programme's grid as the page shows it: stored values, or what the person typed."""

    def __init__(
        self,
        member: Member,
        settings: Any,
        programme: str,
        extra: list[int],
        before: int | None,
    ) -> None:
        self.member = member
        self.grid = service.grid(member.repo, settings, _programme_id(programme), extra)
        self.typed: dict[tuple[int, str], str] = {}
        self.state: dict[tuple[int, str], tuple[str, int]] = {}
        self.invalid: dict[tuple[int, str], str] = {}
        self.messages: list[str] = []
        self.extra = sorted(set(extra) - {p.period for p in self.grid.cells.values()})
        self.before = before
        for period in self.grid.periods:
            for col in self.grid.columns:
                point = self.grid.cell(period, col.name)
                shown = edit_text(point.value if point else None)
                self.state[(period, col.name)] = (shown, point.version_id if point else 0)

    def read(
        self, form: FormData, sent: dict[tuple[int, str], tuple[str, int]]
    ) -> tuple[list[service.Change], list[str]]:
        """The cells the person changed, as changes with the version they saw; a cell whose text
        is not a number is an error naming its period and input."""
        lang = current_lang()
        labels = {c.name: c.label(lang) for c in self.grid.columns}
        changes: list[service.Change] = []
        for (period, name), (shown, version) in sent.items():
            raw = form.get(f"v.{period}.{name}")
            text = raw.strip() if isinstance(raw, str) else shown
            if text == shown.strip():
                continue
            self.typed[(period, name)] = text
            self.state[(period, name)] = (shown, version)
            try:
                new = parse_number(text) if text else None
                old = parse_number(shown) if shown.strip() else None
            except InvalidInput as err:
                reason = err.first.message(lang)
                self.invalid[(period, name)] = reason
                issue = Issue(
                    "points.cell-error",
                    {"period": period, "input": labels.get(name, name), "reason": reason},
                )
                self.messages.append(issue.message(lang))
                continue
            if new != old:
                changes.append(service.Change(self.grid.programme.id, period, name, new, version))
        return changes, list(self.messages)

    def show_error(self, err: GachiError) -> None:
        """Conflicts mark their cells and take the other person's value and version as the new
        starting point, so saving again is a deliberate choice of one's own value."""
        lang = current_lang()
        for issue in err.issues:
            self.messages.append(issue.message(lang))
            where = str(issue.params.get("field", ""))
            parts = where.split(":", 2)
            period = parse_whole(parts[1]) if len(parts) == 3 else None
            if period is None:
                continue
            key = (period, parts[2])
            self.invalid[key] = issue.message(lang)
            if isinstance(err, Conflict) and "version" in issue.params:
                current = issue.params.get("current")
                self.state[key] = (edit_text(current), int(issue.params["version"]))

    def context(self, progs: Any, problems: list[str] | None = None) -> dict[str, Any]:
        lang = current_lang()
        periods = sorted(set(self.grid.periods) | {p for p, _ in self.typed})
        if self.before is not None:
            periods = [p for p in periods if p < self.before]
        per_page = max(1, MAX_CELLS // max(1, len(self.grid.columns)))
        earlier = len(periods) > per_page
        periods = periods[-per_page:]
        rows = []
        for period in periods:
            cells = []
            for col in self.grid.columns:
                key = (period, col.name)
                shown, _ = self.state.get(key, ("", 0))
                cells.append(
                    {
                        "name": f"v.{period}.{col.name}",
                        "text": self.typed.get(key, shown),
                        "error": self.invalid.get(key),
                        "label": f"{period} · {col.label(lang)}",
                    }
                )
            rows.append({"period": period, "cells": cells})
        state = {f"{p}.{n}": list(v) for (p, n), v in self.state.items() if p in periods}
        latest = max([*periods, date.today().year - 1])
        return {
            "programmes": progs,
            "programme": self.grid.programme,
            "columns": self.grid.columns,
            "rows": rows,
            "state": json.dumps(state, ensure_ascii=False),
            "messages": [*(problems or []), *self.messages],
            "extra": self.extra,
            "next_period": latest + 1,
            "earlier": periods[0] if earlier and periods else None,
            "paged": self.before is not None,
            "lang": lang,
        }


def _programme_id(text: str) -> int:
    """The programme asked for; anything but an id names nothing (404)."""
    ident = parse_whole(text, low=1)
    if ident is None:
        raise NotFound(t("audit.entity.programme"), text)
    return ident


# ---- upload --------------------------------------------------------------------------------


@router.get("/orgs/{org_id}/data/upload")
def upload_page(request: Request, member: Viewer, settings: AppSettings) -> Response:
    context = {
        "uploads": service.recent_uploads(member.repo),
        "limit": settings.upload_max_mb,
        "issues": [],
    }
    return page(request, "data/upload.html.j2", context)


@router.post("/orgs/{org_id}/data/upload")
def receive_upload(
    request: Request, member: Editor, db: Db, settings: AppSettings, form: Fields
) -> Response:
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return _upload_error(request, member, settings, InvalidInput("upload.no-file"))
    try:
        kept = store.keep(settings, member.org_id, sent.file, sent.filename)
    except GachiError as err:
        return _upload_error(request, member, settings, err)
    return _preview(request, member, db, settings, kept)


@router.post("/orgs/{org_id}/data/upload/confirm")
def confirm_upload(
    request: Request,
    member: Editor,
    db: Db,
    settings: AppSettings,
    token: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    kept = store.stored(settings, member.org_id, token)
    if service.data_version(member.repo) != version:
        notice = InvalidInput("upload.changed-since-preview")
        return _preview(request, member, db, settings, kept, notice=notice, status=409)
    try:
        parsed = uploads.parse(kept.path, uploads.known(member.repo, settings))
        todo = importing.plan(member.repo, parsed)
        done = importing.import_plan(member.repo, member.user.id, todo, kept.filename, kept.token)
    except GachiError as err:
        db.rollback()
        return _preview(request, member, db, settings, kept, notice=err, status=err.status)
    store.forget(settings, member.org_id, kept.token)
    return RedirectResponse(f"/orgs/{member.org_id}/data/uploads/{done.id}?done=1", 303)


@router.get("/orgs/{org_id}/data/uploads/{upload_id}")
def upload_record(request: Request, member: Viewer, upload_id: WholeNumber) -> Response:
    found = service.upload_record(member.repo, upload_id)
    return page(request, "data/upload_done.html.j2", {"upload": found})


def _preview(
    request: Request,
    member: Member,
    db: Db,
    settings: AppSettings,
    kept: store.Stored,
    *,
    notice: GachiError | None = None,
    status: int = 200,
) -> Response:
    lang = current_lang()
    try:
        parsed = uploads.parse(kept.path, uploads.known(member.repo, settings))
    except GachiError as err:
        db.rollback()
        store.forget(settings, member.org_id, kept.token)
        return _upload_error(request, member, settings, err, filename=kept.filename)
    todo = importing.plan(member.repo, parsed)
    names = todo.names
    context = {
        "kept": kept,
        "parsed": parsed,
        "plan": todo,
        "version": service.data_version(member.repo),
        "notice": notice.first.message(lang) if notice else None,
        "issues": [_issue_row(i, lang) for i in parsed.issues],
        "by_programme": [
            (names.get(pid, str(pid)), *counts) for pid, counts in sorted(todo.by_programme.items())
        ],
        "updates": [
            (names.get(e.programme_id, ""), e.period, e.name, edit_text(old), edit_text(e.value))
            for _, _, old, e in todo.updates[:50]
        ],
        "inserts": [
            (names.get(e.programme_id, ""), e.period, e.name, edit_text(e.value))
            for e in todo.inserts[:20]
        ],
    }
    if not todo.ok:
        store.forget(settings, member.org_id, kept.token)
        status = 422
    return page(request, "data/preview.html.j2", context, status=status)


def _upload_error(
    request: Request,
    member: Member,
    settings: AppSettings,
    err: GachiError,
    *,
    filename: str | None = None,
) -> Response:
    lang = current_lang()
    context = {
        "uploads": service.recent_uploads(member.repo),
        "limit": settings.upload_max_mb,
        "issues": [_issue_row(i, lang) for i in err.issues],
        "filename": filename,
    }
    return page(request, "data/upload.html.j2", context, status=err.status)


def _issue_row(issue: Issue, lang: Any) -> dict[str, Any]:
    p = issue.params
    return {
        "sheet": p.get("sheet", ""),
        "row": p.get("row", ""),
        "column": p.get("column", ""),
        "message": issue.message(lang),
    }


# ---- export --------------------------------------------------------------------------------


@router.get("/orgs/{org_id}/data/export.xlsx")
def export_xlsx(member: Viewer) -> Response:
    return _download(
        export.to_xlsx(member.repo),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"gachi-data-{member.org_id}.xlsx",
    )


@router.get("/orgs/{org_id}/data/export.csv")
def export_csv(member: Viewer) -> Response:
    return _download(
        export.to_csv(member.repo), "text/csv; charset=utf-8", f"gachi-data-{member.org_id}.csv"
    )


def _download(content: bytes, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=media_type, headers=headers)
