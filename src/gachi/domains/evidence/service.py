"""Evidence files: attach (checked name, checked type, scanned, content-addressed), list, read,
delete. Services flush; the request commits once.

A file is attached to a data cell (programme, period, input) or to an indicator the
organisation measures. Its name is refused rather than changed when it holds a path or control
characters; its type is read from its bytes and must be what its extension says; it is scanned
before it is kept, and an infected file is never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from sqlalchemy import func, select

from gachi.config import Settings
from gachi.db.models import Evidence, EvidenceGrant, User
from gachi.db.tenancy import TenantRepository
from gachi.domains.audit.service import record, snapshot
from gachi.domains.data.service import columns as data_columns
from gachi.domains.evidence import grants, scan, sniff, storage
from gachi.domains.evidence.names import clean_name
from gachi.domains.evidence.scan import Scanner
from gachi.domains.programmes.service import (
    chosen_indicators,
    org_catalog,
    own_definitions,
    programme,
    programmes,
)
from gachi.errors import Conflict, GachiError, InvalidInput, NotFound
from gachi.kernel.i18n import Lang, t
from gachi.kernel.integers import parse_whole
from gachi.kernel.text import hidden_issue, normalised

MAX_NOTE = 2000
MIN_PERIOD, MAX_PERIOD = 1900, 2200
AUDITED = (
    "target",
    "programme_id",
    "period",
    "input_name",
    "indicator_id",
    "filename",
    "content_type",
    "size",
    "sha256",
    "scan_status",
)


@dataclass(frozen=True)
class Target:
    """What a file is evidence for: a data cell, or an indicator."""

    kind: str  # data_point | indicator
    programme_id: int | None = None
    period: int | None = None
    input_name: str | None = None
    indicator_id: str | None = None


@dataclass(frozen=True)
class Choice:
    value: str  # `dp:<programme id>:<input>` or `ind:<indicator id>`, for one <select>
    label: str


@dataclass(frozen=True)
class Choices:
    """What an upload can be attached to: per programme its input columns, and indicators."""

    programmes: list[tuple[str, list[Choice]]]
    indicators: list[Choice]


def scanner_of(settings: Settings) -> Scanner:
    """The virus scanner the settings name (or the one that scans nothing)."""
    return scan.from_settings(settings)


def grant_access(
    repo: TenantRepository,
    user_id: int | None,
    verifier: str,
    expires: str | date | None = None,
    note: str = "",
) -> EvidenceGrant:
    """Let the organisation named by `verifier` (business number or exact name) read this
    organisation's evidence, until `expires` (a day, or none). Flushes."""
    return grants.grant(repo, user_id, verifier, expires, note)


def noun() -> str:
    return t("evidence.noun")


# ---- targets --------------------------------------------------------------------------------


def choices(repo: TenantRepository, settings: Settings, lang: Lang) -> Choices:
    groups = []
    for prog in programmes(repo):
        try:
            cols = data_columns(repo, settings, prog.id)
        except GachiError:  # an own indicator no longer checks: the page still works
            cols = ()
        groups.append((prog.name, [Choice(f"dp:{prog.id}:{c.name}", c.label(lang)) for c in cols]))
    names = indicator_names(repo, settings, lang)
    indicators = [Choice(f"ind:{i}", names[i]) for i in sorted(names, key=lambda i: names[i])]
    return Choices(groups, indicators)


def indicator_names(repo: TenantRepository, settings: Settings, lang: Lang) -> dict[str, str]:
    """The indicators evidence can be attached to (those chosen for a programme and the
    organisation's own), with their names; ids alone when the catalogue does not load."""
    ids = {i for chosen in chosen_indicators(repo).values() for i in chosen}
    ids |= {ident for ident, _ in own_definitions(repo)}
    try:
        entries = org_catalog(repo, settings).entries
    except GachiError:
        entries = {}
    return {i: (entries[i].spec.name.get(lang) if i in entries else i) for i in ids}


def parse_choice(value: str) -> Target:
    """The target a form's `<select>` value names (`dp:<programme>:<input>`, `ind:<id>`); the
    period comes from its own field."""
    kind, _, rest = (value or "").partition(":")
    if kind == "dp":
        prog, _, name = rest.partition(":")
        ident = parse_id(prog)
        if ident is not None and name:
            return Target("data_point", programme_id=ident, input_name=name)
    elif kind == "ind" and rest:
        return Target("indicator", indicator_id=rest)
    raise InvalidInput("evidence.target-required", field="target")


def parse_id(text: str) -> int | None:
    """An id typed or sent as text (ASCII digits, at most ten), or None."""
    return parse_whole(text.strip(), low=1)


def parse_period(text: str | int | None) -> int:
    """The year of a data cell's evidence; `evidence.period-required` when none is given."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        raise InvalidInput("evidence.period-required", field="period")
    year = parse_whole(raw, low=MIN_PERIOD, high=MAX_PERIOD)
    if year is None:
        raise InvalidInput("evidence.period-invalid", field="period", text=raw)
    return year


def check_target(repo: TenantRepository, settings: Settings, target: Target, lang: Lang) -> Target:
    """`target` if it names a cell input of one of this organisation's programmes (with a
    period) or one of the indicators it measures; `InvalidInput` (or `NotFound` for another
    organisation's programme) otherwise."""
    if target.kind == "data_point":
        if target.programme_id is None or not target.input_name:
            raise InvalidInput("evidence.target-required", field="target")
        prog = programme(repo, target.programme_id)
        if target.period is None:
            raise InvalidInput("evidence.period-required", field="period")
        known = {c.name for c in data_columns(repo, settings, prog.id)}
        if target.input_name not in known:
            raise InvalidInput(
                "evidence.input-unknown",
                field="target",
                input=target.input_name,
                programme=prog.name,
            )
        return Target("data_point", prog.id, target.period, target.input_name)
    if target.kind == "indicator" and target.indicator_id:
        if target.indicator_id not in indicator_names(repo, settings, lang):
            raise InvalidInput(
                "evidence.indicator-unknown", field="target", indicator=target.indicator_id
            )
        return Target("indicator", indicator_id=target.indicator_id)
    raise InvalidInput("evidence.target-required", field="target")


# ---- upload ---------------------------------------------------------------------------------


def upload(
    repo: TenantRepository,
    settings: Settings,
    scanner: Scanner,
    user_id: int | None,
    target: Target,
    filename: str | None,
    src: IO[bytes],
    *,
    note: str = "",
    lang: Lang = "ko",
) -> Evidence:
    """Check, scan and keep one file as evidence for `target`. Refused files leave nothing
    behind: no row, no file."""
    name = clean_name(filename)
    sniff.claimed_kind(name)  # an extension off the list is refused before any byte is read
    note = normalised(note)
    if hidden := hidden_issue(note, "note", multiline=True):
        raise InvalidInput.of([hidden])
    if len(note) > MAX_NOTE:
        raise InvalidInput("evidence.note-too-long", field="note", limit=MAX_NOTE)
    target = check_target(repo, settings, target, lang)
    incoming = storage.receive(settings, src)
    try:
        detected = sniff.check(name, incoming.path)
        _not_attached_yet(repo, target, incoming.sha256, name)
        verdict = scanner.scan(incoming.path)
        if verdict == "infected":
            raise InvalidInput("evidence.infected", field="file", filename=name)
        storage.keep(settings, incoming)
    except BaseException:
        storage.discard(incoming)
        raise
    row = repo.add(
        Evidence(
            target=target.kind,
            programme_id=target.programme_id,
            period=target.period,
            input_name=target.input_name,
            indicator_id=target.indicator_id,
            filename=name,
            content_type=detected.content_type,
            size=incoming.size,
            sha256=incoming.sha256,
            note=note,
            scan_status=verdict,
            uploaded_by=user_id,
        )
    )
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user_id,
        entity="evidence",
        entity_id=row.id,
        action="upload",
        after=snapshot(row, AUDITED),
    )
    return row


def _not_attached_yet(repo: TenantRepository, target: Target, sha256: str, name: str) -> None:
    same = repo.select(Evidence).where(
        Evidence.sha256 == sha256,
        Evidence.target == target.kind,
        Evidence.programme_id.is_(None)
        if target.programme_id is None
        else Evidence.programme_id == target.programme_id,
        Evidence.period.is_(None) if target.period is None else Evidence.period == target.period,
        Evidence.input_name.is_(None)
        if target.input_name is None
        else Evidence.input_name == target.input_name,
        Evidence.indicator_id.is_(None)
        if target.indicator_id is None
        else Evidence.indicator_id == target.indicator_id,
    )
    if repo.db.scalar(same.with_only_columns(Evidence.id).limit(1)) is not None:
        raise Conflict("evidence.duplicate", field="file", filename=name)


# ---- reading --------------------------------------------------------------------------------


def evidence(repo: TenantRepository, evidence_id: object) -> Evidence:
    return repo.get(Evidence, evidence_id, noun())


def list_evidence(
    repo: TenantRepository,
    *,
    programme_id: int | None = None,
    period: int | None = None,
    indicator_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[Sequence[Evidence], int]:
    """A page of the organisation's evidence, newest first, and how many there are in all."""
    query = repo.select(Evidence)
    if programme_id is not None:
        query = query.where(Evidence.programme_id == programme_id)
    if period is not None:
        query = query.where(Evidence.period == period)
    if indicator_id is not None:
        query = query.where(Evidence.indicator_id == indicator_id)
    total = repo.db.scalar(query.with_only_columns(func.count(Evidence.id))) or 0
    rows = repo.db.scalars(
        query.order_by(Evidence.created_at.desc(), Evidence.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, total


def labels(
    repo: TenantRepository, settings: Settings, rows: Sequence[Evidence], lang: Lang
) -> dict[int, str]:
    """What each row is evidence for, as people read it: `programme · 2024 · input label` or
    the indicator's name. Nothing of the data itself (no values)."""
    out: dict[int, str] = {}
    progs = {p.id: p.name for p in programmes(repo)}
    inputs: dict[int, dict[str, str]] = {}
    indicators: dict[str, str] | None = None
    for row in rows:
        if row.target == "data_point" and row.programme_id is not None:
            pid = row.programme_id
            if pid not in inputs:
                try:
                    cols = data_columns(repo, settings, pid)
                    inputs[pid] = {c.name: c.label(lang) for c in cols}
                except GachiError:
                    inputs[pid] = {}
            name = row.input_name or ""
            label = inputs[pid].get(name, name)
            out[row.id] = t(
                "evidence.label-cell",
                programme=progs.get(pid, "—"),
                period=row.period,
                input=label,
            )
        else:
            if indicators is None:
                indicators = indicator_names(repo, settings, lang)
            ident = row.indicator_id or ""
            out[row.id] = t("evidence.label-indicator", indicator=indicators.get(ident, ident))
    return out


def uploaders(repo: TenantRepository, rows: Sequence[Evidence]) -> dict[int, str]:
    """The names of the people who uploaded `rows` (they may have left the organisation)."""
    ids = {r.uploaded_by for r in rows if r.uploaded_by is not None}
    if not ids:
        return {}
    found = repo.db.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {row[0]: row[1] for row in found}


def file_path(settings: Settings, row: Evidence) -> Path:
    """Where the row's bytes are; `NotFound` if the file has gone (an operator removed it)."""
    path = storage.path_for(settings, row.sha256)
    if not path.is_file():
        raise NotFound(noun(), row.id)
    return path


# ---- deleting -------------------------------------------------------------------------------


def delete(
    repo: TenantRepository, settings: Settings, user_id: int | None, evidence_id: object
) -> None:
    """Delete the row; its file goes too once no row of any organisation names its hash."""
    row = evidence(repo, evidence_id)
    before = snapshot(row, AUDITED)
    repo.db.delete(row)
    repo.db.flush()
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user_id,
        entity="evidence",
        entity_id=row.id,
        action="delete",
        before=before,
    )
    # Deliberately not tenant-scoped: files are shared by content across organisations.
    others = repo.db.scalar(select(func.count(Evidence.id)).where(Evidence.sha256 == row.sha256))
    if not others:
        storage.unlink_after_commit(repo.db, settings, row.sha256)


def record_verifier_download(
    repo: TenantRepository, user_id: int, row: Evidence, verifier: str
) -> None:
    """Write into the granting organisation's audit log that a verifier downloaded `row`."""
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user_id,
        entity="evidence",
        entity_id=row.id,
        action="verifier-download",
        after={"verifier": verifier, "filename": row.filename, "sha256": row.sha256},
    )
