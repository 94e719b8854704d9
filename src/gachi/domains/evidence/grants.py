"""Verifier grants: an organisation lets another organisation's members see its evidence.

Choosing the verifier reveals as little as choosing needs: the owner types the verifier's
business registration number or its exact name; nothing is listed, suggested or matched in
part. Every miss gets one answer (`verify.org-not-found`, without the text typed): no
organisation has it, or an exact name is shared by several (the number then chooses). Only a
grant that is made tells that the organisation exists — the design lets any owner grant to any
organisation, with no step where the verifier accepts.

Every read by a verifier goes through `grantor_repo`, which checks an active grant (not
revoked, not expired) from the grantor to the verifier's organisation and otherwise answers
`NotGranted` (404) — the same for an organisation that exists and for one that does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gachi.db.models import EvidenceGrant, Organisation
from gachi.db.tenancy import TenantRepository
from gachi.domains.audit.service import record
from gachi.errors import GachiError, InvalidInput
from gachi.kernel.brn import parse_brn
from gachi.kernel.i18n import t
from gachi.kernel.integers import parse_id
from gachi.kernel.text import hidden_issue, normalised
from gachi.kernel.times import default_zone, local, zone

MAX_NOTE = 500


class NotGranted(GachiError):
    """No grant in force from that organisation to the verifier's (or no such organisation:
    the answer does not say which)."""

    code = "verify.not-granted"
    status = 404


def now() -> datetime:
    return datetime.now(UTC)


def active(at: datetime | None = None) -> ColumnElement[bool]:
    """The condition of a grant in force at `at` (default now)."""
    moment = at or now()
    return (EvidenceGrant.revoked_at.is_(None)) & or_(
        EvidenceGrant.expires_at.is_(None), EvidenceGrant.expires_at > moment
    )


def is_active(grant: EvidenceGrant, at: datetime | None = None) -> bool:
    moment = at or now()
    return grant.revoked_at is None and (
        grant.expires_at is None or _utc(grant.expires_at) > moment
    )


def expires_on(grant: EvidenceGrant) -> date | None:
    """The last day (Korean time) the grant is in force."""
    if grant.expires_at is None:
        return None
    return (local(_utc(grant.expires_at)) - timedelta(seconds=1)).date()


def end_of(day: date) -> datetime:
    """The instant (UTC) a grant that lasts through `day`, Korean time, ends."""
    # Midnight starting the next day where the platform is (GACHI_TIMEZONE, Seoul by default).
    return datetime.combine(day + timedelta(days=1), time(0), zone(default_zone())).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# ---- the granting organisation (owners) -----------------------------------------------------


def find_verifier(db: Session, own_org_id: int, text: str) -> Organisation:
    """The organisation with this business registration number, or with exactly this name."""
    wanted = (text or "").strip()
    if not wanted:
        raise InvalidInput("verify.org-required", field="verifier")
    looks_like_number = all(c in "0123456789 -" for c in wanted)
    # Not tenant data: the one lookup across organisations, by an exact key only.
    if looks_like_number:
        try:
            brn = parse_brn(wanted)
        except InvalidInput as err:
            raise InvalidInput(err.first.code, field="verifier", **err.first.params) from None
        found = db.scalars(select(Organisation).where(Organisation.brn == brn)).all()
    else:
        found = db.scalars(select(Organisation).where(Organisation.name == wanted).limit(2)).all()
    if len(found) != 1:  # none, or a name several share: one answer for both
        raise InvalidInput("verify.org-not-found", field="verifier")
    if found[0].id == own_org_id:
        raise InvalidInput("verify.org-self", field="verifier")
    return found[0]


def parse_expiry(text: str | date | None, today: date | None = None) -> date | None:
    """The last day of the grant (`YYYY-MM-DD`), or None for no end; not a day in the past."""
    if text is None or text == "":
        return None
    if isinstance(text, date):
        day = text
    else:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidInput("verify.expiry-invalid", field="expires", text=text) from None
    if day < (today or local(now()).date()):
        raise InvalidInput("verify.expiry-past", field="expires", day=day.isoformat())
    return day


def grant(
    repo: TenantRepository,
    user_id: int | None,
    verifier: str,
    expires: str | date | None = None,
    note: str = "",
) -> EvidenceGrant:
    """Let the verifier organisation see this organisation's evidence (until `expires`, a
    day). Granting again while a grant is in force changes its end and note."""
    db = repo.db
    org = find_verifier(db, repo.organisation_id, verifier)
    day = parse_expiry(expires)
    note = normalised(note)
    if hidden := hidden_issue(note, "note", multiline=True):
        raise InvalidInput.of([hidden])
    if len(note) > MAX_NOTE:
        raise InvalidInput("verify.note-too-long", field="note", limit=MAX_NOTE)
    ends = end_of(day) if day else None
    current = db.scalar(
        repo.select(EvidenceGrant)
        .where(EvidenceGrant.verifier_org_id == org.id, active())
        .order_by(EvidenceGrant.id.desc())
        .limit(1)
    )
    after = {"verifier": org.name, "expires_on": day.isoformat() if day else None, "note": note}
    if current is not None:
        before = {
            "verifier": org.name,
            "expires_on": _iso(expires_on(current)),
            "note": current.note,
        }
        current.expires_at = ends
        current.note = note
        db.flush()
        row, action = current, "update"
    else:
        before = None
        row = repo.add(
            EvidenceGrant(verifier_org_id=org.id, granted_by=user_id, expires_at=ends, note=note)
        )
        action = "grant-access"
    record(
        db,
        organisation_id=repo.organisation_id,
        user_id=user_id,
        entity="evidence_grant",
        entity_id=row.id,
        action=action,
        before=before,
        after=after,
    )
    return row


def revoke(repo: TenantRepository, user_id: int | None, grant_id: object) -> EvidenceGrant:
    """End the grant now (kept, marked revoked, for the record). Revoking twice is harmless."""
    row = repo.get(EvidenceGrant, grant_id, t("verify.grant-noun"))
    if row.revoked_at is None:
        row.revoked_at = now()
        row.revoked_by = user_id
        repo.db.flush()
        name = repo.db.scalar(
            select(Organisation.name).where(Organisation.id == row.verifier_org_id)
        )
        record(
            repo.db,
            organisation_id=repo.organisation_id,
            user_id=user_id,
            entity="evidence_grant",
            entity_id=row.id,
            action="revoke-access",
            before={"verifier": name, "expires_on": _iso(expires_on(row))},
        )
    return row


def grants_of(repo: TenantRepository) -> Sequence[tuple[EvidenceGrant, str]]:
    """Every grant this organisation gave, newest first, with the verifier's name."""
    rows = repo.db.execute(
        repo.select(EvidenceGrant)
        .add_columns(Organisation.name)
        .join(Organisation, Organisation.id == EvidenceGrant.verifier_org_id)
        .order_by(EvidenceGrant.created_at.desc(), EvidenceGrant.id.desc())
    ).all()
    return [(r[0], r[1]) for r in rows]


# ---- the verifier organisation ----------------------------------------------------------------


def granted_to(db: Session, verifier_org_id: int) -> Sequence[tuple[EvidenceGrant, Organisation]]:
    """The grants in force to this (verifier) organisation, with the granting organisations."""
    rows = db.execute(
        select(EvidenceGrant, Organisation)
        .join(Organisation, Organisation.id == EvidenceGrant.organisation_id)
        .where(EvidenceGrant.verifier_org_id == verifier_org_id, active())
        .order_by(Organisation.name, EvidenceGrant.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def grantor_repo(
    db: Session, verifier_org_id: int, grantor_id: object
) -> tuple[TenantRepository, Organisation]:
    """The granting organisation's repository, for reading its evidence only, if it has a
    grant in force to `verifier_org_id`; `NotGranted` otherwise, whether or not the organisation
    exists."""
    key = parse_id(grantor_id)
    if key is None:
        raise NotGranted()
    row = db.execute(
        select(EvidenceGrant, Organisation)
        .join(Organisation, Organisation.id == EvidenceGrant.organisation_id)
        .where(
            EvidenceGrant.organisation_id == key,
            EvidenceGrant.verifier_org_id == verifier_org_id,
            active(),
        )
        .limit(1)
    ).first()
    if row is None:
        raise NotGranted()
    return TenantRepository(db, key), row[1]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
