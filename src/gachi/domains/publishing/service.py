"""Publishing a reporting year, restating it, and the organisation's own view of what it has
published. Services flush; the request commits. Public reading is in `public`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from gachi.config import Settings
from gachi.db.base import utcnow
from gachi.db.models import Organisation, Publication, PublishingProfile, Run, User
from gachi.db.tenancy import TenantRepository
from gachi.domains.audit.service import record
from gachi.domains.programmes.service import own_definitions
from gachi.domains.publishing.attribution import Version
from gachi.domains.publishing.book import Line, formula_book
from gachi.domains.publishing.restatement import restatement
from gachi.domains.runs import service as runs
from gachi.engine.catalog import SETTINGS_FILE, Catalog
from gachi.engine.plan import compile_plan
from gachi.engine.result import lineage_of
from gachi.errors import Conflict, InvalidInput, Issue
from gachi.kernel.integers import parse_whole
from gachi.kernel.text import hidden_issue, normalised, shows_nothing

MAX_REASON = 2000
MIN_YEAR, MAX_YEAR = 1990, 2100


def publications(repo: TenantRepository) -> Sequence[Publication]:
    """Every version the organisation published, newest year and version first (the books
    themselves are not read)."""
    query = repo.select(Publication).order_by(Publication.year.desc(), Publication.version.desc())
    return repo.db.scalars(query).all()


def latest(repo: TenantRepository, year: int) -> Publication | None:
    query = (
        repo.select(Publication)
        .where(Publication.year == year)
        .order_by(Publication.version.desc())
        .limit(1)
    )
    return repo.db.scalar(query)


def publishable_years(repo: TenantRepository) -> tuple[Run | None, list[int]]:
    """The latest finished run and the years it measured (what can be published now)."""
    run = runs.latest_done(repo)
    if run is None or not run.summary:
        return run, []
    return run, [int(p) for p in run.summary.get("periods", [])]


def freshness(repo: TenantRepository, settings: Settings, run: Run) -> list[Issue]:
    """Why `run` no longer shows the organisation's data and definitions (empty: it does)."""
    inputs = runs.load_inputs(repo, settings)
    return _stale(run, inputs.catalog, inputs.data_version)


def _stale(run: Run, catalog: Catalog, data_version: str) -> list[Issue]:
    issues = []
    if run.data_version != data_version:
        issues.append(Issue("publish.stale-data", {"run": run.number}))
    for ident, seen in sorted((run.indicator_versions or {}).items()):
        entry = catalog.entries.get(ident)
        if entry is None or entry.spec.spec_hash() != seen.get("spec_hash"):
            issues.append(
                Issue("publish.stale-definition", {"run": run.number, "indicator": ident})
            )
    if not issues and runs.plan_fingerprint_now(catalog, run) != run.plan_fingerprint:
        # Same data, same definitions: the catalogue's settings (report year, currency, price
        # index, discount rate) changed since the run.
        issues.append(Issue("publish.stale-settings", {"run": run.number}))
    return issues


def publish(
    repo: TenantRepository,
    user: User,
    settings: Settings,
    *,
    year: object,
    reason: str = "",
) -> Publication:
    """Publish `year` from the latest finished run: its first version, or a restatement of the
    version published before, which needs a reason and records what moved the figures."""
    year = _year(year)
    reason = normalised(reason)
    if shows_nothing(reason):
        reason = ""  # zero-width spaces or fillers say nothing: no reason given
    if hidden := hidden_issue(reason, "reason", multiline=True):
        raise InvalidInput.of([hidden])
    run, years = publishable_years(repo)
    if run is None:
        raise InvalidInput("publish.no-run")
    if year not in years:
        raise InvalidInput(
            "publish.year-not-measured",
            field="year",
            year=year,
            years=", ".join(str(y) for y in years) or "—",
        )
    inputs = runs.load_inputs(repo, settings)
    stale = _stale(run, inputs.catalog, inputs.data_version)
    if stale:
        raise Conflict.of(stale)
    previous = latest(repo, year)
    if previous is not None:
        if not reason:
            raise InvalidInput("restate.reason-required", field="reason", year=year)
        if previous.run_id == run.id:
            raise InvalidInput("publish.unchanged", year=year, version=previous.version)
    if len(reason) > MAX_REASON:
        raise InvalidInput("publish.reason-too-long", field="reason", limit=MAX_REASON)

    lines = _lines(repo, run, year)
    if not lines:
        raise InvalidInput("publish.year-not-measured", field="year", year=year, years="—")
    chosen: dict[int, list[str]] = {}
    for line in lines:
        chosen.setdefault(line.programme_id, []).append(line.indicator)
    used = sorted({line.indicator for line in lines})
    catalog = inputs.catalog
    plan = compile_plan(catalog, used)
    lineage = {p.id: lineage_of(catalog, catalog.entries[p.id], p.factor) for p in plan.indicators}
    lineage = {k: _public_lineage(v) for k, v in lineage.items()}
    version = previous.version + 1 if previous else 1
    now = utcnow()
    org = repo.db.get(Organisation, repo.organisation_id)
    assert org is not None
    book = formula_book(
        organisation={
            "id": org.id,
            "name": org.name,
            "kind": org.kind,
            "region_sido": org.region_sido,
            "region_sigungu": org.region_sigungu,
            "industry": org.industry,
        },
        year=year,
        version=version,
        published_at=now.isoformat(timespec="seconds"),
        reason=reason,
        summary=run.summary or {},
        lines=lines,
        catalog=catalog,
        lineage=lineage,
        data_version=run.data_version or "",
        plan_fingerprint=run.plan_fingerprint or "",
    )
    private_inputs = _inputs_of(inputs.frame, year, chosen, inputs.programmes)
    definitions = _definitions(repo, settings, catalog, list(lineage))
    if previous is not None:
        book["restatement"] = restatement(previous, book, Version(definitions, private_inputs))
    try:
        publication = repo.add(
            Publication(
                year=year,
                version=version,
                run_id=run.id,
                reason=reason,
                total=book["total"]["value"],
                book=book,
                inputs=private_inputs,
                definitions=definitions,
                published_by=user.id,
                published_at=now,
            )
        )
    except IntegrityError:  # the same year published a moment ago, by another request
        raise Conflict("publish.conflict", year=year, version=version) from None
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user.id,
        entity="publication",
        entity_id=f"{year} v{version}",
        action="restate" if previous else "publish",
        before={"version": previous.version, "total": previous.total} if previous else None,
        after={"version": version, "total": publication.total, "reason": reason},
    )
    return publication


def _year(raw: object) -> int:
    year = raw if isinstance(raw, int) else parse_whole(str(raw).strip())
    if isinstance(year, bool) or year is None:
        raise InvalidInput("publish.year-invalid", field="year", value=str(raw)[:20])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput("publish.year-invalid", field="year", value=str(year))
    return year


def _lines(repo: TenantRepository, run: Run, year: int) -> list[Line]:
    count = runs.count_values(repo, run, period=year)
    rows = runs.values(repo, run, period=year, limit=max(count, 1))
    return [
        Line(
            programme_id=r.programme_id or 0,
            programme=r.programme,
            indicator=r.indicator_id,
            value=float(r.value or 0.0),
            records=r.records,
            p5=r.p5,
            p50=r.p50,
            p95=r.p95,
        )
        for r in rows
        if r.value is not None
    ]


def _public_lineage(lin: Any) -> Any:
    """Lineage without the server's file paths: a shipped indicator is named by its file in
    the catalogue, an own one as `own/<id>.yaml`."""
    from dataclasses import replace

    name = lin.file if lin.file.startswith("own/") else f"catalogue/{Path(lin.file).name}"
    return replace(lin, file=name)


def _inputs_of(
    frame: pd.DataFrame, year: int, chosen: Mapping[int, list[str]], programmes: Mapping[int, str]
) -> dict[str, Any]:
    """The year's records of the programmes the book shows, and which indicators each of them
    published (kept private: what a later restatement measures again)."""
    if not frame.empty:
        mine = frame[(frame["period"] == year) & frame["programme_id"].isin(list(chosen))]
    else:
        mine = frame
    rows = [
        [None if isinstance(v, float) and math.isnan(v) else _plain(v) for v in row]
        for row in mine.itertuples(index=False, name=None)
    ]
    return {
        "columns": [str(c) for c in mine.columns],
        "rows": rows,
        "chosen": {str(pid): ids for pid, ids in chosen.items()},
        "programmes": {str(pid): programmes.get(pid, str(pid)) for pid in chosen},
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return value


def _definitions(
    repo: TenantRepository, settings: Settings, catalog: Catalog, ids: Sequence[str]
) -> dict[str, Any]:
    """The YAML text of every indicator the book uses, and the catalogue's settings."""
    own = dict(own_definitions(repo))
    texts = {}
    for ident in catalog.closure(ids):
        if ident in own:
            texts[ident] = own[ident]
        else:
            texts[ident] = Path(catalog.entries[ident].file).read_text(encoding="utf-8")
    settings_file = Path(settings.catalog_dir) / SETTINGS_FILE
    return {
        "settings": settings_file.read_text(encoding="utf-8") if settings_file.exists() else None,
        "indicators": texts,
    }


# ---- the organisation's choices -------------------------------------------------------------


def profile(repo: TenantRepository) -> PublishingProfile | None:
    return repo.db.scalar(repo.select(PublishingProfile))


def set_peer_comparison(repo: TenantRepository, user: User, enabled: bool) -> PublishingProfile:
    found = profile(repo)
    before = found.peer_comparison if found else False
    if found is None:
        try:
            found = repo.add(PublishingProfile(peer_comparison=enabled))
        except IntegrityError:  # the first choice made twice at once
            raise Conflict("conflict") from None
    else:
        found.peer_comparison = enabled
        repo.db.flush()
    if before != enabled:
        record(
            repo.db,
            organisation_id=repo.organisation_id,
            user_id=user.id,
            entity="publishing",
            entity_id=repo.organisation_id,
            action="peer-comparison",
            before={"peer_comparison": before},
            after={"peer_comparison": enabled},
        )
    return found


def count_published(repo: TenantRepository) -> int:
    query = repo.select(Publication).with_only_columns(func.count(Publication.id))
    return int(repo.db.scalar(query) or 0)
