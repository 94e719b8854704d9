"""Data points as JSON: list, save a batch (all or nothing, 409 naming every conflicting cell),
delete one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from gachi.domains.data import service
from gachi.domains.data.limits import BodyLimitedRoute
from gachi.domains.data.numbers import parse_number, parse_period
from gachi.domains.data.schemas import PointIn, PointOut, PointsPage, SavedOut
from gachi.errors import InvalidInput, Issue
from gachi.kernel.i18n import current_lang
from gachi.kernel.integers import MAX_ID, WholeNumber
from gachi.web.deps import AppSettings, Editor, Viewer

router = APIRouter(prefix="/api/v1/orgs/{org_id}/data", tags=["data"], route_class=BodyLimitedRoute)


@router.get("", response_model=PointsPage)
def list_points(
    member: Viewer,
    programme: WholeNumber | None = None,
    period: WholeNumber | None = None,
    limit: Annotated[WholeNumber, Query(ge=1, le=1000)] = 100,
    offset: Annotated[WholeNumber, Query(ge=0, le=MAX_ID)] = 0,
) -> PointsPage:
    rows, total = service.list_points(
        member.repo, programme_id=programme, period=period, limit=limit, offset=offset
    )
    return PointsPage(items=[PointOut.of(p) for p in rows], total=total, limit=limit, offset=offset)


@router.put("", response_model=SavedOut)
def save_points(
    member: Editor, settings: AppSettings, body: Annotated[list[PointIn], Body()]
) -> SavedOut:
    changes = _changes(body)
    saved = service.save_changes(
        member.repo, settings, member.user.id, changes, lang=current_lang()
    )
    return SavedOut(
        inserted=saved.inserted,
        updated=saved.updated,
        deleted=saved.deleted,
        unchanged=saved.unchanged,
        items=[PointOut.of(p) for p in saved.points],
    )


@router.get("/{point_id}", response_model=PointOut)
def get_point(member: Viewer, point_id: WholeNumber) -> PointOut:
    return PointOut.of(service.point(member.repo, point_id))


@router.delete("/{point_id}", status_code=204)
def delete_point(
    member: Editor, point_id: WholeNumber, version: WholeNumber | None = None
) -> Response:
    service.delete_point(member.repo, member.user.id, point_id, version)
    return Response(status_code=204)


def _changes(body: list[PointIn]) -> list[service.Change]:
    changes: list[service.Change] = []
    issues: list[Issue] = []
    for i, item in enumerate(body):
        try:
            period = parse_period(item.period)
        except InvalidInput as err:
            issues.append(Issue(err.first.code, {**err.first.params, "field": f"[{i}].period"}))
            continue
        value: float | None
        if item.value is None or (isinstance(item.value, str) and not item.value.strip()):
            value = None
        elif isinstance(item.value, str):
            try:
                value = parse_number(item.value)
            except InvalidInput as err:
                issues.append(Issue(err.first.code, {**err.first.params, "field": f"[{i}].value"}))
                continue
        else:
            value = float(item.value)
            if value != value or value in (float("inf"), float("-inf")):
                issues.append(
                    Issue("points.not-a-number", {"text": str(value), "field": f"[{i}].value"})
                )
                continue
        changes.append(service.Change(item.programme_id, period, item.name, value, item.version))
    if issues:
        raise InvalidInput.of(issues)
    return changes
