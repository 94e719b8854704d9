"""Data points: read them as a grid or as the engine's records, change them cell by cell with
optimistic locking, delete them. Services flush; the request commits once.

A cell is (programme, period, input name). Whoever changes one says which version of it they saw
(0: they saw it empty); if it moved since, the whole save is refused with every conflicting cell
named, and nothing of that save is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from gachi.config import Settings
from gachi.db.models import DataPoint, Organisation, Programme, Upload
from gachi.db.tenancy import TenantRepository
from gachi.domains.audit.service import record
from gachi.domains.programmes.service import programme_inputs
from gachi.errors import Conflict, InvalidInput, Issue
from gachi.kernel.i18n import t
from gachi.kernel.money import format_number

MAX_BATCH = 5000  # cells in one form or API save; spreadsheets go through the upload instead
AUDITED = ("programme_id", "period", "name", "value")


@dataclass(frozen=True)
class Column:
    """One input column of a programme's grid (an input of its indicators, or a name that only
    stored data still uses)."""

    name: str
    unit: str
    label_ko: str
    label_en: str
    in_use: bool = True
    allow_negative: bool = True

    def label(self, lang: str) -> str:
        return self.label_ko if lang == "ko" else self.label_en


@dataclass(frozen=True)
class Grid:
    """A programme's data as rows of periods and columns of inputs."""

    programme: Programme
    columns: tuple[Column, ...]
    periods: tuple[int, ...]
    cells: dict[tuple[int, str], DataPoint] = field(default_factory=dict)

    def cell(self, period: int, name: str) -> DataPoint | None:
        return self.cells.get((period, name))


@dataclass(frozen=True)
class Change:
    """A cell to set (`value`) or clear (`value is None`), with the version its author saw."""

    programme_id: int
    period: int
    name: str
    value: float | None
    version: int = 0

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.programme_id, self.period, self.name)


@dataclass(frozen=True)
class Saved:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    points: tuple[DataPoint, ...] = ()


def cell_field(programme_id: int, period: int, name: str) -> str:
    """The stable name of a cell in errors (`field`): `programme_id:period:name`."""
    return f"{programme_id}:{period}:{name}"


# ---- reading -------------------------------------------------------------------------------


def programmes_by_id(repo: TenantRepository) -> dict[int, Programme]:
    return {p.id: p for p in repo.db.scalars(repo.select(Programme).order_by(Programme.name))}


def columns(repo: TenantRepository, settings: Settings, programme_id: int) -> tuple[Column, ...]:
    """The programme's input columns: its indicators' inputs, then names only stored data uses."""
    out = [
        Column(f.name, f.unit, f.label_ko, f.label_en, allow_negative=f.allow_negative)
        for f in programme_inputs(repo, settings, programme_id)
    ]
    known = {c.name for c in out}
    stored = repo.select(DataPoint).where(DataPoint.programme_id == programme_id)
    names = repo.db.scalars(stored.with_only_columns(DataPoint.name).distinct()).all()
    out += [Column(n, "", n, n, in_use=False) for n in sorted(set(names) - known)]
    return tuple(out)


def grid(
    repo: TenantRepository, settings: Settings, programme_id: int, extra_periods: Iterable[int] = ()
) -> Grid:
    programme = repo.get(Programme, programme_id, t("audit.entity.programme"))
    points = repo.db.scalars(
        repo.select(DataPoint).where(DataPoint.programme_id == programme.id)
    ).all()
    cells = {(p.period, p.name): p for p in points}
    periods = sorted({p.period for p in points} | set(extra_periods))
    return Grid(programme, columns(repo, settings, programme.id), tuple(periods), cells)


def point(repo: TenantRepository, point_id: object) -> DataPoint:
    return repo.get(DataPoint, point_id, t("points.noun"))


def recent_uploads(repo: TenantRepository, limit: int = 20) -> Sequence[Upload]:
    query = repo.select(Upload).order_by(Upload.created_at.desc(), Upload.id.desc()).limit(limit)
    return repo.db.scalars(query).all()


def upload_record(repo: TenantRepository, upload_id: object) -> Upload:
    return repo.get(Upload, upload_id, t("audit.entity.upload"))


def list_points(
    repo: TenantRepository,
    *,
    programme_id: int | None = None,
    period: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[Sequence[DataPoint], int]:
    """A page of the organisation's points (by programme, period, name) and how many there are."""
    query = repo.select(DataPoint)
    if programme_id is not None:
        query = query.where(DataPoint.programme_id == programme_id)
    if period is not None:
        query = query.where(DataPoint.period == period)
    total = repo.db.scalar(query.with_only_columns(func.count(DataPoint.id))) or 0
    rows = repo.db.scalars(
        query.order_by(DataPoint.programme_id, DataPoint.period, DataPoint.name, DataPoint.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def records_frame(repo: TenantRepository) -> pd.DataFrame:
    """The organisation's record-level data for the engine: one row per (programme, period) with
    columns `organisation`, `programme`, `programme_id`, `period` and one float column per input
    name (NaN where no value was entered)."""
    org = repo.db.get(Organisation, repo.organisation_id)
    names = dict(
        repo.db.execute(
            repo.select(Programme).with_only_columns(Programme.id, Programme.name)
        ).all()
    )
    rows = repo.db.execute(
        repo.select(DataPoint).with_only_columns(
            DataPoint.programme_id, DataPoint.period, DataPoint.name, DataPoint.value
        )
    )
    long = pd.DataFrame(rows.all(), columns=["programme_id", "period", "name", "value"])
    keys = ["organisation", "programme", "programme_id", "period"]
    if long.empty:
        return pd.DataFrame({k: pd.Series(dtype=t) for k, t in zip(keys, _KEY_TYPES, strict=True)})
    wide = long.pivot_table(
        index=["programme_id", "period"], columns="name", values="value", aggfunc="first"
    )
    wide = wide.reindex(columns=sorted(wide.columns)).astype("float64").reset_index()
    wide.columns.name = None
    wide.insert(0, "programme", wide["programme_id"].map(names).astype(object))
    wide.insert(0, "organisation", org.name if org else "")
    wide["organisation"] = wide["organisation"].astype(object)
    wide["programme_id"] = wide["programme_id"].astype("int64")
    wide["period"] = wide["period"].astype("int64")
    inputs = [c for c in wide.columns if c not in keys]
    wide = wide[keys + inputs].sort_values(["programme", "period"], kind="stable")
    return wide.reset_index(drop=True)


_KEY_TYPES = ("object", "object", "int64", "int64")


def data_version(repo: TenantRepository) -> str:
    """A hash of every point's id and version: changes whenever any point is added, changed or
    deleted (runs record it as their data version)."""
    digest = hashlib.sha256()
    query = repo.select(DataPoint).with_only_columns(DataPoint.id, DataPoint.version_id)
    for ident, version in repo.db.execute(query.order_by(DataPoint.id)):
        digest.update(f"{ident}:{version};".encode())
    return digest.hexdigest()


# ---- changing ------------------------------------------------------------------------------


def save_changes(
    repo: TenantRepository,
    settings: Settings,
    user_id: int | None,
    changes: Sequence[Change],
    *,
    lang: str = "ko",
) -> Saved:
    """Apply every change or none. `Conflict` lists each cell someone else changed since its
    version was read (with their value and this one); `InvalidInput` lists cells that name no
    input of their programme or repeat another cell of the same save."""
    if len(changes) > MAX_BATCH:
        raise InvalidInput("points.batch-too-large", count=len(changes), limit=MAX_BATCH)
    programmes = {
        c.programme_id: repo.get(Programme, c.programme_id, t("audit.entity.programme"))
        for c in changes
    }
    labels = _check_names(repo, settings, changes, programmes, lang)
    current = _current(repo, changes)
    conflicts: list[Issue] = []
    for c in changes:
        now = current.get(c.key)
        same = (now.value if now else None) == c.value
        if (now.version_id if now else 0) != c.version and not same:
            conflicts.append(_conflict(c, now, programmes[c.programme_id], labels))
    if conflicts:
        raise Conflict.of(conflicts)
    return _write(repo, user_id, changes, current)


def _check_names(
    repo: TenantRepository,
    settings: Settings,
    changes: Sequence[Change],
    programmes: dict[int, Programme],
    lang: str,
) -> dict[tuple[int, str], str]:
    """Labels of the changed cells' inputs; unknown inputs and repeated cells are refused."""
    cols = {(pid, c.name): c for pid in programmes for c in columns(repo, settings, pid)}
    labels = {key: c.label(lang) for key, c in cols.items()}
    issues: list[Issue] = []
    seen: set[tuple[int, int, str]] = set()
    for c in changes:
        where = cell_field(*c.key)
        if (c.programme_id, c.name) not in labels:
            known = ", ".join(n for (p, n) in labels if p == c.programme_id)
            issues.append(
                Issue(
                    "points.unknown-input",
                    {
                        "field": where,
                        "name": c.name,
                        "programme": programmes[c.programme_id].name,
                        "known": known or "—",
                    },
                )
            )
        elif (
            c.value is not None
            and c.value < 0
            and not cols[(c.programme_id, c.name)].allow_negative
        ):
            issues.append(
                Issue(
                    "points.negative",
                    {
                        "field": where,
                        "input": labels[(c.programme_id, c.name)],
                        "value": _shown(c.value),
                    },
                )
            )
        if c.key in seen:
            issues.append(Issue("points.repeated-cell", {"field": where, "period": c.period}))
        seen.add(c.key)
    if issues:
        raise InvalidInput.of(issues)
    return labels


def _current(
    repo: TenantRepository, changes: Sequence[Change]
) -> dict[tuple[int, int, str], DataPoint]:
    if not changes:
        return {}
    wanted = {c.key for c in changes}
    query = repo.select(DataPoint).where(
        DataPoint.programme_id.in_({c.programme_id for c in changes}),
        DataPoint.period.in_({c.period for c in changes}),
        DataPoint.name.in_({c.name for c in changes}),
    )
    found = {(p.programme_id, p.period, p.name): p for p in repo.db.scalars(query)}
    return {k: v for k, v in found.items() if k in wanted}


def _conflict(
    c: Change,
    now: DataPoint | None,
    programme: Programme,
    labels: dict[tuple[int, str], str],
) -> Issue:
    return Issue(
        "points.conflict",
        {
            "field": cell_field(*c.key),
            "programme": programme.name,
            "period": c.period,
            "input": labels.get((c.programme_id, c.name), c.name),
            "theirs": _shown(now.value if now else None),
            "yours": _shown(c.value),
            "current": now.value if now else None,
            "version": now.version_id if now else 0,
        },
    )


def _shown(value: float | None) -> str:
    return "—" if value is None else format_number(value)


def _write(
    repo: TenantRepository,
    user_id: int | None,
    changes: Sequence[Change],
    current: dict[tuple[int, int, str], DataPoint],
) -> Saved:
    db = repo.db
    inserted, updated, deleted, unchanged = 0, 0, 0, 0
    # (action, point, before): `after` is read once the flush has given new points their ids.
    audits: list[tuple[str, DataPoint, dict[str, Any] | None]] = []
    touched: list[DataPoint] = []
    for c in changes:
        now = current.get(c.key)
        if now is None and c.value is None:
            unchanged += 1
        elif now is None:
            point = DataPoint(
                programme_id=c.programme_id,
                period=c.period,
                name=c.name,
                value=c.value,
                updated_by=user_id,
            )
            point.organisation_id = repo.organisation_id
            db.add(point)
            touched.append(point)
            inserted += 1
            audits.append(("create", point, None))
        elif c.value is None:
            audits.append(("delete", now, _snapshot(now)))
            db.delete(now)
            deleted += 1
        elif now.value == c.value:
            unchanged += 1
            touched.append(now)
        else:
            audits.append(("update", now, _snapshot(now)))
            now.value = c.value
            now.updated_by = user_id
            touched.append(now)
            updated += 1
    try:
        db.flush()
    except (StaleDataError, IntegrityError):
        # Someone else wrote one of these cells between our read and our write; the caller
        # rolls back, so nothing of this save stays.
        raise Conflict("points.conflict-race") from None
    for action, point, before in audits:
        record(
            db,
            organisation_id=repo.organisation_id,
            user_id=user_id,
            entity="data_point",
            entity_id=point.id,
            action=action,
            before=before,
            after=None if action == "delete" else _snapshot(point),
        )
    return Saved(inserted, updated, deleted, unchanged, tuple(touched))


def _snapshot(point: DataPoint) -> dict[str, Any]:
    return {f: getattr(point, f) for f in AUDITED}


def delete_point(
    repo: TenantRepository, user_id: int | None, point_id: object, version: int | None = None
) -> None:
    """Delete one point; with `version`, only if nobody changed it since (else `Conflict`)."""
    point = repo.get(DataPoint, point_id, t("points.noun"))
    if version is not None and point.version_id != version:
        raise Conflict("points.stale")
    before = _snapshot(point)
    repo.db.delete(point)
    try:
        repo.db.flush()
    except StaleDataError:
        raise Conflict("points.conflict-race") from None
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user_id,
        entity="data_point",
        entity_id=point.id,
        action="delete",
        before=before,
    )
