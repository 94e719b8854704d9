"""Programmes, the indicators chosen for them and own indicators, as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gachi.db.models import Programme
from gachi.domains.listing import Page, paged
from gachi.domains.programmes import own, service
from gachi.domains.programmes.deps import OwnRow, ProgrammeRow
from gachi.domains.programmes.schemas import (
    CheckOut,
    ChoiceIn,
    DefinitionIn,
    IndicatorOut,
    InputOut,
    OwnOut,
    ProgrammeDetail,
    ProgrammeIn,
    ProgrammeOut,
    ProgrammePatch,
    check_out,
)
from gachi.engine.spec import SKCategory
from gachi.errors import NotFound
from gachi.kernel.i18n import current_lang
from gachi.kernel.integers import WholeNumber
from gachi.web.deps import AppSettings, Editor, Limit, Offset, Viewer

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["programmes"])


def _out(member: Viewer, row: Programme) -> ProgrammeOut:
    return ProgrammeOut.of(row, service.chosen_for(member.repo, row.id))


KindFilter = Annotated[
    str | None, Query(pattern="^(" + "|".join(service.KINDS) + ")$", description="One kind")
]
CategoryFilter = Annotated[SKCategory | None, Query(description="One SK DBL category")]


@router.get("/programmes", response_model=Page[ProgrammeOut])
def list_programmes(
    member: Viewer, limit: Limit = 100, offset: Offset = 0, kind: KindFilter = None
) -> Page[ProgrammeOut]:
    """The organisation's programmes by name, with the indicators chosen for each."""
    rows, total = service.programme_page(member.repo, kind=kind, limit=limit, offset=offset)
    chosen = service.chosen_indicators(member.repo)
    items = [ProgrammeOut.of(p, chosen.get(p.id, [])) for p in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/programmes", response_model=ProgrammeOut, status_code=201)
def create_programme(body: ProgrammeIn, member: Editor) -> ProgrammeOut:
    form = service.ProgrammeForm(body.name, body.kind, body.description)
    return _out(member, service.create_programme(member.repo, member.user, form))


@router.get("/programmes/{programme_id}", response_model=ProgrammeDetail)
def get_programme(row: ProgrammeRow, member: Viewer, settings: AppSettings) -> ProgrammeDetail:
    lang = current_lang()
    inputs = [
        InputOut(name=f.name, unit=f.unit, label=f.label(lang), indicator_ids=list(f.indicator_ids))
        for f in service.programme_inputs(member.repo, settings, row.id)
    ]
    return ProgrammeDetail(**_out(member, row).model_dump(), inputs=inputs)


@router.patch("/programmes/{programme_id}", response_model=ProgrammeOut)
def update_programme(row: ProgrammeRow, body: ProgrammePatch, member: Editor) -> ProgrammeOut:
    form = service.ProgrammeForm(
        row.name if body.name is None else body.name,
        row.kind if body.kind is None else body.kind,
        row.description if body.description is None else body.description,
    )
    service.update_programme(member.repo, member.user, row, form, body.version)
    return _out(member, row)


@router.delete("/programmes/{programme_id}", status_code=204, response_class=Response)
def delete_programme(row: ProgrammeRow, member: Editor, version: WholeNumber | None = None) -> None:
    service.delete_programme(member.repo, member.user, row, version)


@router.post("/programmes/{programme_id}/indicators", response_model=ProgrammeOut, status_code=201)
def choose_indicator(
    row: ProgrammeRow, body: ChoiceIn, member: Editor, settings: AppSettings
) -> ProgrammeOut:
    service.choose_indicator(member.repo, settings, member.user, row, body.indicator_id)
    return _out(member, row)


@router.delete(
    "/programmes/{programme_id}/indicators/{indicator_id}", status_code=204, response_class=Response
)
def remove_indicator(row: ProgrammeRow, indicator_id: str, member: Editor) -> None:
    service.remove_indicator(member.repo, member.user, row, indicator_id)


# ------------------------------------------------------------------------------ indicators


@router.get("/indicators", response_model=Page[IndicatorOut])
def list_indicators(
    member: Viewer,
    settings: AppSettings,
    limit: Limit = 100,
    offset: Offset = 0,
    category: CategoryFilter = None,
    own_only: Annotated[
        bool | None, Query(alias="own", description="Only own indicators (true) or shipped (false)")
    ] = None,
) -> Page[IndicatorOut]:
    """The shipped catalogue and the organisation's own indicators, by id."""
    catalog = service.org_catalog(member.repo, settings)
    mine = {row.indicator_id: row for row in own.own_indicators(member.repo)}
    lang = current_lang()
    ids = [
        i
        for i in sorted(catalog.entries)
        if (category is None or catalog.entries[i].spec.frameworks.sk == category)
        and (own_only is None or (i in mine) == own_only)
    ]
    shown = ids[offset : offset + limit]
    items = [IndicatorOut.of(catalog.entries[i], lang, mine.get(i)) for i in shown]
    return Page(items=items, total=len(ids), limit=limit, offset=offset)


@router.post("/indicators/check", response_model=CheckOut)
def check_definition(body: DefinitionIn, member: Editor, settings: AppSettings) -> CheckOut:
    """Check a definition as typed: `ok` and every issue with its line and column."""
    editing = own.own_indicator(member.repo, body.custom_id) if body.custom_id else None
    checked = own.check_own(member.repo, settings, body.definition, editing)
    return check_out(checked, current_lang())


@router.get("/indicators/custom", response_model=Page[OwnOut])
def list_own(member: Viewer, limit: Limit = 100, offset: Offset = 0) -> Page[OwnOut]:
    return paged([OwnOut.of(row) for row in own.own_indicators(member.repo)], limit, offset)


@router.post("/indicators/custom", response_model=OwnOut, status_code=201)
def create_own(body: DefinitionIn, member: Editor, settings: AppSettings) -> OwnOut:
    return OwnOut.of(own.create_own(member.repo, settings, member.user, body.definition))


@router.get("/indicators/custom/{custom_id}", response_model=OwnOut)
def get_own(row: OwnRow) -> OwnOut:
    return OwnOut.of(row)


@router.patch("/indicators/custom/{custom_id}", response_model=OwnOut)
def update_own(row: OwnRow, body: DefinitionIn, member: Editor, settings: AppSettings) -> OwnOut:
    own.update_own(member.repo, settings, member.user, row, body.definition, body.version)
    return OwnOut.of(row)


@router.delete("/indicators/custom/{custom_id}", status_code=204, response_class=Response)
def delete_own(
    row: OwnRow, member: Editor, settings: AppSettings, version: WholeNumber | None = None
) -> None:
    own.delete_own(member.repo, settings, member.user, row, version)


@router.get("/indicators/{indicator_id}", response_model=IndicatorOut)
def get_indicator(indicator_id: str, member: Viewer, settings: AppSettings) -> IndicatorOut:
    catalog = service.org_catalog(member.repo, settings)
    entry = catalog.entries.get(indicator_id)
    if entry is None:
        raise NotFound("indicator", indicator_id)
    mine = {row.indicator_id: row for row in own.own_indicators(member.repo)}
    return IndicatorOut.of(entry, current_lang(), mine.get(indicator_id))
