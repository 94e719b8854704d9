"""Runs and the dashboard as JSON; and the app's run queue, started with the first run and shut
down with the app (this router's lifespan, merged into the app's when it is included)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Query, Request
from sqlalchemy.orm import Session

from gachi.domains.runs import dashboard, explaining, service
from gachi.domains.runs.explaining import Selection
from gachi.domains.runs.runner import RunQueue, fail_interrupted
from gachi.domains.runs.schemas import (
    DashboardOut,
    RunIn,
    RunOut,
    RunPage,
    RunValueOut,
    RunValuePage,
    problems_of,
)
from gachi.kernel.i18n import current_lang
from gachi.kernel.integers import MAX_ID, WholeNumber
from gachi.web.deps import AppSettings, Db, Editor, Member, Viewer

_queue_lock = threading.Lock()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await to_thread.run_sync(fail_interrupted, app.state.sessions)
    try:
        yield
    finally:
        queue: RunQueue | None = getattr(app.state, "run_queue", None)
        app.state.run_queue = None
        if queue is not None:
            await to_thread.run_sync(queue.shutdown)


router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["runs"], lifespan=lifespan)


def run_queue(app: FastAPI) -> RunQueue:
    """The app's queue of runs, made on first use (nothing is started at import or start-up)."""
    with _queue_lock:
        queue: RunQueue | None = getattr(app.state, "run_queue", None)
        if queue is None:
            queue = RunQueue(app.state.sessions, app.state.settings)
            app.state.run_queue = queue
        return queue


def start(
    request: Request, member: Member, db: Session, draws: int | None, seed: int | None
) -> Any:
    """Queue a run of the member's organisation and hand it to the worker."""
    run = service.start_run(
        member.repo, member.user, request.app.state.settings, draws=draws, seed=seed
    )
    # The worker reads the run in a session of its own: it must be committed before it is
    # queued (the request's own commit would come only after the response).
    db.commit()
    run_queue(request.app).submit(member.org_id, run.id)
    return run


Limit = Annotated[WholeNumber, Query(ge=1, le=1000)]
Offset = Annotated[WholeNumber, Query(ge=0, le=MAX_ID)]


StatusFilter = Annotated[
    str | None,
    Query(pattern="^(" + "|".join(service.STATUSES) + ")$", description="Runs of one status"),
]


@router.get("/runs", response_model=RunPage)
def list_runs(
    member: Viewer, limit: Limit = 50, offset: Offset = 0, status: StatusFilter = None
) -> RunPage:
    lang = current_lang()
    rows = service.runs(member.repo, limit=limit, offset=offset, status=status)
    return RunPage(
        items=[RunOut.of(run, lang, total=total) for run, total in rows],
        total=service.count_runs(member.repo, status),
        limit=limit,
        offset=offset,
    )


@router.post("/runs", response_model=RunOut, status_code=202)
def create_run(request: Request, body: RunIn, member: Editor, db: Db) -> RunOut:
    run = start(request, member, db, body.draws, body.seed)
    return RunOut.of(run, current_lang(), detail=True)


@router.get("/runs/{run_id}", response_model=RunOut)
def get_run(run_id: WholeNumber, member: Viewer) -> RunOut:
    return RunOut.of(service.get_run(member.repo, run_id), current_lang(), detail=True)


@router.get("/runs/{run_id}/values", response_model=RunValuePage)
def run_values(
    run_id: WholeNumber,
    member: Viewer,
    limit: Limit = 500,
    offset: Offset = 0,
    indicator: str | None = None,
    programme: WholeNumber | None = None,
    period: WholeNumber | None = None,
) -> RunValuePage:
    run = service.get_run(member.repo, run_id)
    filters: dict[str, Any] = {"indicator": indicator, "programme_id": programme, "period": period}
    rows = service.values(member.repo, run, limit=limit, offset=offset, **filters)
    return RunValuePage(
        items=[RunValueOut.of(r) for r in rows],
        total=service.count_values(member.repo, run, **filters),
        limit=limit,
        offset=offset,
    )


@router.get("/runs/{run_id}/explain")
def explain_number(
    run_id: WholeNumber,
    member: Viewer,
    settings: AppSettings,
    indicator: str | None = None,
    programme: WholeNumber | None = None,
    period: WholeNumber | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """A number of the run, what it is made of and, for one indicator, its formula with the
    values, proxies and sources (from the current data: `data_changed` says if it moved on)."""
    run = service.get_run(member.repo, run_id)
    selection = Selection(indicator, programme, period, category)
    found = explaining.explain_number(member.repo, settings, run, selection)
    lang = current_lang()
    return {
        "selection": asdict(found.selection),
        "programme": found.programme,
        "value": found.value,
        "band": dict(zip(("p5", "p50", "p95"), found.band, strict=True)) if found.band else None,
        "cells": found.cells,
        "parts": [asdict(p) for p in found.parts],
        "explanation": asdict(found.explanation) if found.explanation else None,
        "problem": [p.model_dump() for p in problems_of(found.problem, lang)] or None,
        "data_changed": found.data_changed,
        "definition_changed": found.definition_changed,
    }


@router.get("/dashboard", response_model=DashboardOut)
def get_dashboard(member: Viewer) -> DashboardOut:
    lang = current_lang()
    run = service.latest_done(member.repo)
    if run is None:
        return DashboardOut(run=None, numbers=None)
    view = dashboard.build(member.org_id, run.id, run.summary or {}, lang)
    return DashboardOut(run=RunOut.of(run, lang, detail=True), numbers=dashboard.to_json(view))
