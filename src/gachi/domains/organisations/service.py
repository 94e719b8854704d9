"""Organisations (the tenants), their profile, and who belongs with which role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gachi.db.models import Membership, Organisation, User
from gachi.domains.audit.service import record, snapshot
from gachi.errors import Conflict, Forbidden, InvalidInput, Issue, NotFound
from gachi.kernel.brn import parse_brn
from gachi.kernel.i18n import t
from gachi.kernel.regions import check_industry, check_region
from gachi.kernel.text import hidden_issue, normalised, shows_nothing

ROLES = ("viewer", "editor", "owner")  # in increasing order of what they may do
KINDS = (
    "company",
    "public_institution",
    "cooperative",
    "social_enterprise",
    "village_enterprise",
    "self_sufficiency_enterprise",
    "intermediary",
    "local_government",
)
PROFILE = ("name", "kind", "brn", "region_sido", "region_sigungu", "industry")


@dataclass(frozen=True)
class Profile:
    """What a person fills in about an organisation (as typed; checked by `check_profile`)."""

    name: str
    kind: str
    brn: str = ""
    region_sido: str = ""
    region_sigungu: str = ""
    industry: str = ""


@dataclass(frozen=True)
class Found:
    organisation: Organisation
    role: str


def check_profile(profile: Profile) -> dict[str, str | None]:
    """The profile's canonical values, or `InvalidInput` listing every wrong field at once."""
    issues: list[Issue] = []
    out: dict[str, str | None] = {}

    def attempt(fieldname: str, fn: object) -> None:
        try:
            out[fieldname] = fn()  # type: ignore[operator]
        except InvalidInput as err:
            issues.extend(
                Issue(i.code, {**i.params, "field": fieldname}, i.where) for i in err.issues
            )

    name = normalised(profile.name)
    if hidden := hidden_issue(name, "name"):
        issues.append(hidden)
    elif not name or shows_nothing(name) or len(name) > 200:
        issues.append(Issue("org.name-invalid", {"field": "name"}))
    out["name"] = name
    if profile.kind not in KINDS:
        issues.append(Issue("org.kind-invalid", {"field": "kind", "value": profile.kind}))
    out["kind"] = profile.kind
    attempt("brn", lambda: parse_brn(profile.brn) if profile.brn.strip() else None)
    if not profile.region_sido.strip():
        issues.append(Issue("org.region-required", {"field": "region_sido"}))
    else:

        def region() -> str:
            sido, sigungu = check_region(profile.region_sido, profile.region_sigungu or None)
            out["region_sigungu"] = sigungu
            return sido

        attempt("region_sido", region)
    attempt("industry", lambda: check_industry(profile.industry) if profile.industry else None)
    if issues:
        raise InvalidInput.of(issues)
    out.setdefault("region_sigungu", None)
    return out


def create(db: Session, user: User, profile: Profile) -> Organisation:
    """A new organisation with `user` as its owner."""
    values = check_profile(profile)
    _brn_free(db, values.get("brn"), None)
    org = Organisation(**values)
    db.add(org)
    db.flush()
    db.add(Membership(organisation_id=org.id, user_id=user.id, role="owner"))
    record(
        db,
        organisation_id=org.id,
        user_id=user.id,
        entity="organisation",
        entity_id=org.id,
        action="create",
        after=snapshot(org, PROFILE),
    )
    return org


def update(
    db: Session, user: User, org: Organisation, profile: Profile, version: int
) -> Organisation:
    """Change the profile, if nobody changed it since `version` was read (else `Conflict`)."""
    if org.version_id != version:
        raise Conflict("conflict.stale", kind=t("org.noun"))
    values = check_profile(profile)
    _brn_free(db, values.get("brn"), org.id)
    before = snapshot(org, PROFILE)
    for k, v in values.items():
        setattr(org, k, v)
    try:
        db.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        raise Conflict("conflict.stale", kind=t("org.noun")) from None
    except IntegrityError:  # the same business number claimed at the same moment
        raise Conflict("org.brn-taken", field="brn") from None
    record(
        db,
        organisation_id=org.id,
        user_id=user.id,
        entity="organisation",
        entity_id=org.id,
        action="update",
        before=before,
        after=snapshot(org, PROFILE),
    )
    return org


def _brn_free(db: Session, brn: str | None, own_id: int | None) -> None:
    if brn is None:
        return
    taken = db.scalar(select(Organisation.id).where(Organisation.brn == brn))
    if taken is not None and taken != own_id:
        raise Conflict("org.brn-taken", field="brn")


def membership_of(db: Session, user: User, org_id: int) -> Found:
    """The organisation `org_id` with `user`'s role in it; `NotFound` if not a member."""
    row = db.execute(
        select(Organisation, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Organisation.id == org_id, Membership.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound("organisation", org_id)
    return Found(row[0], row[1])


def organisations_of(db: Session, user: User) -> Sequence[tuple[Organisation, str]]:
    rows = db.execute(
        select(Organisation, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
        .order_by(Organisation.name)
    ).all()
    return [(r[0], r[1]) for r in rows]


def members(db: Session, org_id: int) -> Sequence[tuple[User, str]]:
    rows = db.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == org_id)
        .order_by(User.name)
    ).all()
    return [(r[0], r[1]) for r in rows]


def set_member(db: Session, actor: User, org_id: int, email: str, role: str) -> Membership:
    """Add the registered person with `email`, or change their role (owners only)."""
    if role not in ROLES:
        raise InvalidInput("org.role-invalid", field="role", value=role)
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise InvalidInput("org.member-unknown", field="email", email=email)
    existing = db.scalar(
        select(Membership).where(
            Membership.organisation_id == org_id, Membership.user_id == user.id
        )
    )
    before = {"role": existing.role} if existing else None
    if existing is not None:
        if existing.role == "owner" and role != "owner":
            _keep_an_owner(db, org_id)
        existing.role = role
        membership = existing
    else:
        membership = Membership(organisation_id=org_id, user_id=user.id, role=role)
        db.add(membership)
    db.flush()
    record(
        db,
        organisation_id=org_id,
        user_id=actor.id,
        entity="membership",
        entity_id=user.email,
        action="update" if existing else "create",
        before=before,
        after={"role": role},
    )
    return membership


def remove_member(db: Session, actor: User, org_id: int, user_id: int) -> None:
    membership = db.scalar(
        select(Membership).where(
            Membership.organisation_id == org_id, Membership.user_id == user_id
        )
    )
    if membership is None:
        raise NotFound("member", user_id)
    if membership.role == "owner":
        _keep_an_owner(db, org_id)
    db.delete(membership)
    db.flush()
    record(
        db,
        organisation_id=org_id,
        user_id=actor.id,
        entity="membership",
        entity_id=user_id,
        action="delete",
        before={"role": membership.role},
    )


def _keep_an_owner(db: Session, org_id: int) -> None:
    owners = db.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organisation_id == org_id, Membership.role == "owner")
    )
    if (owners or 0) <= 1:
        raise Forbidden("org.last-owner")
