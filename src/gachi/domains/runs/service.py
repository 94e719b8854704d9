"""Runs: start one, read them and their values, store what the runner measured (explaining a
number is `explaining`). Services flush; the request (or the runner's own short transaction)
commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from gachi.config import Settings
from gachi.db.base import utcnow
from gachi.db.models import Programme, Run, RunValue, User
from gachi.db.models.runs import ACTIVE_STATUSES
from gachi.db.tenancy import TenantRepository
from gachi.domains.audit.service import record
from gachi.domains.runs.compute import Measurement
from gachi.engine.catalog import Catalog
from gachi.errors import Conflict, GachiError, InvalidInput, Issue

ALLOWED_DRAWS = (0, 1000, 10_000)
MAX_SEED = 2**31 - 1
ACTIVE = ACTIVE_STATUSES  # the statuses the database keeps to one run per organisation
STATUSES = ("queued", "running", "done", "failed")
SHOWN_CELLS = 200  # cells listed under an explanation


def draw_choices(settings: Settings) -> list[int]:
    """The numbers of Monte-Carlo draws a person may pick (0: no ranges)."""
    return sorted({*ALLOWED_DRAWS, settings.draws})


def start_run(
    repo: TenantRepository,
    user: User,
    settings: Settings,
    *,
    draws: int | None = None,
    seed: int | None = None,
) -> Run:
    """A queued run of the organisation's data, numbered after its last (the caller commits,
    then hands it to the runner). `Conflict` while another run of the organisation is still
    queued or running — kept by the database too: of two starts at the same moment, the second
    insert fails on its one-active-run index (or on the number the first took), whatever it
    read before."""
    draws = settings.draws if draws is None else draws
    seed = 1 if seed is None else seed
    issues = []
    if draws not in draw_choices(settings):
        choices = ", ".join(f"{d:,}" for d in draw_choices(settings))
        issues.append(
            Issue("run.draws-invalid", {"field": "draws", "value": draws, "choices": choices})
        )
    if not 0 <= seed <= MAX_SEED:
        issues.append(Issue("run.seed-invalid", {"field": "seed", "value": seed, "high": MAX_SEED}))
    if issues:
        raise InvalidInput.of(issues)
    busy = active_run(repo)
    if busy is not None:
        raise Conflict("run.busy", run=busy.number)
    # Counted in the INSERT itself, so the number and the guard are one statement.
    number: Any = (
        select(func.coalesce(func.max(Run.number), 0) + 1)
        .where(Run.organisation_id == repo.organisation_id)
        .scalar_subquery()
    )
    run = Run(
        status="queued",
        stage="queued",
        progress=0.0,
        draws=draws,
        seed=seed,
        created_by=user.id,
        number=number,
    )
    try:
        repo.add(run)
    except IntegrityError:
        # Another start won the race; this transaction is done for (the request rolls back).
        raise Conflict("run.started-meanwhile") from None
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user.id,
        entity="run",
        entity_id=run.id,
        action="run",
        after={"draws": draws, "seed": seed},
    )
    return run


def active_run(repo: TenantRepository) -> Run | None:
    query = repo.select(Run).where(Run.status.in_(ACTIVE)).order_by(Run.id.desc()).limit(1)
    return repo.db.scalar(query.options(defer(Run.summary)))


def runs(
    repo: TenantRepository, *, limit: int = 50, offset: int = 0, status: str | None = None
) -> list[tuple[Run, float | None]]:
    """The organisation's runs (of one `status`, if given), newest first, each with its total
    (the summary itself, which may be large, is not read)."""
    total = Run.summary["total"].as_float()
    query = (
        _of_status(repo, status)
        .options(defer(Run.summary), defer(Run.indicator_versions))
        .add_columns(total)
        .order_by(Run.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(row[0], row[1]) for row in repo.db.execute(query).all()]


def count_runs(repo: TenantRepository, status: str | None = None) -> int:
    query = _of_status(repo, status).with_only_columns(func.count(Run.id))
    return int(repo.db.scalar(query) or 0)


def _of_status(repo: TenantRepository, status: str | None) -> Select[Run]:
    query = repo.select(Run)
    return query if status is None else query.where(Run.status == status)


def get_run(repo: TenantRepository, run_id: object) -> Run:
    return repo.get(Run, run_id, "run")


def latest_done(repo: TenantRepository) -> Run | None:
    """The organisation's latest successful run (what its dashboard shows)."""
    query = repo.select(Run).where(Run.status == "done").order_by(Run.id.desc()).limit(1)
    return repo.db.scalar(query)


def values(
    repo: TenantRepository,
    run: Run,
    *,
    limit: int = 500,
    offset: int = 0,
    indicator: str | None = None,
    programme_id: int | None = None,
    period: int | None = None,
    category: str | None = None,
) -> Sequence[RunValue]:
    """The run's values (programme × period × indicator), filtered, in a stable order."""
    query = values_query(repo, run, indicator, programme_id, period, category)
    query = query.order_by(RunValue.programme, RunValue.period, RunValue.indicator_id, RunValue.id)
    return repo.db.scalars(query.limit(limit).offset(offset)).all()


def count_values(
    repo: TenantRepository,
    run: Run,
    *,
    indicator: str | None = None,
    programme_id: int | None = None,
    period: int | None = None,
    category: str | None = None,
) -> int:
    query = values_query(repo, run, indicator, programme_id, period, category)
    return int(repo.db.scalar(query.with_only_columns(func.count(RunValue.id))) or 0)


def values_query(
    repo: TenantRepository,
    run: Run,
    indicator: str | None,
    programme_id: int | None,
    period: int | None,
    category: str | None,
) -> Any:
    """`SELECT run_values` of the run with the filters that are given."""
    query = repo.select(RunValue).where(RunValue.run_id == run.id)
    if indicator is not None:
        query = query.where(RunValue.indicator_id == indicator)
    if programme_id is not None:
        query = query.where(RunValue.programme_id == programme_id)
    if period is not None:
        query = query.where(RunValue.period == period)
    if category is not None:
        query = query.where(RunValue.category == category)
    return query


# ---- the runner's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """Everything a run reads, loaded in one short transaction."""

    catalog: Catalog
    chosen: dict[int, list[str]]
    frame: pd.DataFrame
    programmes: dict[int, str]
    data_version: str


def load_inputs(repo: TenantRepository, settings: Settings) -> Inputs:
    # Other domains are read through their services, imported here so that this module (and
    # the app) load even where they are not installed.
    from gachi.domains.data.service import data_version, records_frame
    from gachi.domains.programmes.service import chosen_indicators, org_catalog

    names = repo.select(Programme).with_only_columns(Programme.id, Programme.name)
    return Inputs(
        catalog=org_catalog(repo, settings),
        chosen=chosen_indicators(repo),
        frame=records_frame(repo),
        programmes={pid: name for pid, name in repo.db.execute(names)},
        data_version=data_version(repo),
    )


def store(
    repo: TenantRepository,
    run: Run,
    measured: Measurement,
    programmes: Mapping[int, str],
    data_version: str,
) -> None:
    """Write the run's values and lineage and mark it done."""
    categories = {i: v["category"] for i, v in measured.indicator_versions.items()}
    rows = [
        RunValue(
            organisation_id=repo.organisation_id,
            run_id=run.id,
            programme_id=c.programme_id,
            programme=programmes.get(c.programme_id, str(c.programme_id))[:200],
            period=c.period,
            indicator_id=c.indicator,
            category=categories[c.indicator],
            value=c.value,
            records=c.records,
            p5=c.band.p5 if c.band else None,
            p50=c.band.p50 if c.band else None,
            p95=c.band.p95 if c.band else None,
        )
        for c in measured.cells
    ]
    repo.db.add_all(rows)
    run.status = "done"
    run.stage = "done"
    run.progress = 1.0
    run.finished_at = utcnow()
    run.plan_fingerprint = measured.plan_fingerprint
    run.data_version = data_version
    run.indicator_versions = measured.indicator_versions
    run.summary = measured.summary
    run.error = None
    repo.db.flush()


def error_of(err: GachiError) -> dict[str, Any]:
    """A failure as stored on the run: codes and parameters, rendered in the reader's language."""
    issues = [{"code": i.code, "params": _plain(i.params)} for i in err.issues]
    return {"code": issues[0]["code"], "params": issues[0]["params"], "issues": issues}


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: v if v is None or isinstance(v, (str, int, float, bool)) else str(v)
        for k, v in params.items()
    }


def fail_interrupted(db: Session) -> int:
    """Mark every run still queued or running as failed: called when the server starts, when no
    worker of this process can be running them (a run does not outlive its process)."""
    # A maintenance statement over every organisation: no tenant's request runs it.
    result = db.execute(
        update(Run)
        .where(Run.status.in_(ACTIVE))
        .values(
            status="failed",
            stage="failed",
            finished_at=utcnow(),
            error={"code": "run.interrupted", "params": {}, "issues": []},
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def measure_values(
    catalog: Catalog,
    chosen: Mapping[int, Sequence[str]],
    frame: pd.DataFrame,
    programmes: Mapping[int, str],
) -> dict[tuple[int, int, str], float] | None:
    """Point values (no ranges) of every chosen programme × period × indicator of `frame`,
    computed now: what a restatement recomputes under mixed versions of data and definitions.
    Indicators `catalog` lacks are skipped and inputs `frame` lacks count as not entered;
    `{}` when nothing can be measured, `None` when the definitions cannot measure this data."""
    from gachi.domains.runs.compute import measure_organisation
    from gachi.engine.plan import columns_of

    known = {pid: [i for i in inds if i in catalog.entries] for pid, inds in chosen.items()}
    if not any(known.values()):
        return {}
    frame = frame.copy()
    for inds in known.values():
        for ident in inds:
            for column in columns_of(catalog, catalog.entries[ident]):
                if column not in frame.columns:
                    frame[column] = float("nan")
    try:
        measured = measure_organisation(catalog, known, frame, programmes)
    except InvalidInput as err:
        if err.first.code in ("run.nothing-measured", "run.no-data"):
            return {}
        return None
    except GachiError:
        return None
    return {(c.programme_id, c.period, c.indicator): c.value for c in measured.cells}


def plan_fingerprint_now(catalog: Catalog, run: Run) -> str | None:
    """The fingerprint `run`'s plan would have with `catalog` as it is now (its indicators'
    versions and definitions and the catalogue's settings); None when it no longer compiles."""
    from gachi.domains.runs.compute import KEYS
    from gachi.engine.plan import compile_plan

    ids = [i for i in catalog.order if i in (run.indicator_versions or {})]
    try:
        return compile_plan(catalog, ids, group_by=KEYS).fingerprint()
    except GachiError:
        return None
