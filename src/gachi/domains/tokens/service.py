"""Personal API tokens: made, listed and revoked by their person in the browser; checked on each
JSON API request that carries one.

A token is `gachi_` + 43 random URL-safe characters (256 bits). Only its SHA-256 is stored, so
the database never holds a usable secret; the secret is returned once, by `create_token`. A token
acts as its person, with their memberships and roles, within its scopes.

The page's form carries a one-time key (`form_key`): a browser that sends the same form again
(reloading the page that showed the new secret) makes no second token. The token keeps the key's
SHA-256, unique per person, so even two sends at the same moment make one token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import overload

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gachi.db.models import ApiToken, User
from gachi.domains.audit.service import record
from gachi.errors import Conflict, Forbidden, InvalidInput, Issue, NotFound, Unauthenticated
from gachi.kernel.i18n import t
from gachi.kernel.integers import parse_id

# What a token may do on /api/v1. A route names the scope it needs (`publish`, say); otherwise
# safe methods need `read` and every other method `write`. Add a scope here and in tokens.yaml.
SCOPES: tuple[str, ...] = ("read", "write", "publish")
READ, WRITE = "read", "write"
EXPIRY_DAYS: tuple[int | None, ...] = (30, 90, 365, None)  # None: the token does not expire
DEFAULT_EXPIRY = 90
MAX_NAME = 100
MAX_ACTIVE = 50  # live tokens per person: enough for every script, not a pile nobody watches
SECRET_PREFIX = "gachi_"  # noqa: S105 - the public start of every token, not a secret
PREFIX_CHARS = 8
# `last_used_at` is written at most this often per token: no write on every request.
TOUCH_EVERY = timedelta(minutes=1)

_SECRET = re.compile(r"^gachi_[A-Za-z0-9_-]{43}$")
_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 128 random bits


@dataclass(frozen=True)
class TokenForm:
    name: str
    scopes: Sequence[str]
    expires_days: int | None = DEFAULT_EXPIRY
    form_key: str | None = None  # the page form's one-time key; None from the JSON API


class FormUsed(Conflict):
    """The form (its one-time key) already made a token: sending it again makes no other. The
    token is known when it was committed before; a send at the same moment learns only that
    (the caller rolls back, then finds it with `made_with`)."""

    code = "token.form-used"

    def __init__(self, token: ApiToken | None) -> None:
        super().__init__(self.code, name=token.name if token else "")
        self.token = token


@dataclass(frozen=True)
class Made:
    """A new token and its secret: the only time the secret exists outside its owner's hands."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class Bearer:
    """An API request's token and the person it acts as."""

    token: ApiToken
    user: User

    def require(self, scope: str) -> None:
        if scope not in self.token.scopes:
            raise Forbidden("token.scope-missing", scope=scope)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """`moment` in UTC with its zone (SQLite hands back datetimes without one)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def status(token: ApiToken, now: datetime | None = None) -> str:
    """`active`, `expired` or `revoked`."""
    now = now or datetime.now(UTC)
    if token.revoked_at is not None:
        return "revoked"
    expires = aware(token.expires_at)
    if expires is not None and expires <= now:
        return "expired"
    return "active"


def check_form(form: TokenForm) -> list[Issue]:
    issues: list[Issue] = []
    name = form.name.strip()
    if not name or len(name) > MAX_NAME:
        issues.append(Issue("token.name-invalid", {"field": "name", "n": MAX_NAME}))
    unknown = [s for s in form.scopes if s not in SCOPES]
    if unknown or not form.scopes:
        known = ", ".join(t(f"token.scope-name.{s}") for s in SCOPES)
        issues.append(Issue("token.scopes-invalid", {"field": "scopes", "known": known}))
    if form.expires_days not in EXPIRY_DAYS:
        days = ", ".join(str(d) for d in EXPIRY_DAYS if d is not None)
        issues.append(Issue("token.expiry-invalid", {"field": "expires_days", "days": days}))
    if form.form_key is not None and not _FORM_KEY.match(form.form_key):
        issues.append(Issue("token.form-stale"))
    return issues


def form_key() -> str:
    """A new one-time key for one token form."""
    return secrets.token_urlsafe(16)


def made_with(db: Session, user: User, key: str) -> ApiToken | None:
    """`user`'s token that the form with one-time `key` made, if it made one."""
    if not _FORM_KEY.match(key):
        return None
    query = select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.form_key_hash == digest(key)
    )
    return db.scalar(query)


def create_token(db: Session, user: User, form: TokenForm, *, now: datetime | None = None) -> Made:
    """A new token for `user`; the secret is in the result and nowhere else. `FormUsed` if
    `form.form_key` made a token already. Flushes."""
    issues = check_form(form)
    if issues:
        raise InvalidInput.of(issues)
    if form.form_key is not None:
        earlier = made_with(db, user, form.form_key)
        if earlier is not None:
            raise FormUsed(earlier)
    now = now or datetime.now(UTC)
    live = sum(1 for row in _all_of(db, user) if status(row, now) == "active")
    if live >= MAX_ACTIVE:
        raise InvalidInput("token.too-many", n=MAX_ACTIVE)
    body = secrets.token_urlsafe(32)
    secret = SECRET_PREFIX + body
    token = ApiToken(
        user_id=user.id,
        name=form.name.strip(),
        prefix=body[:PREFIX_CHARS],
        token_hash=digest(secret),
        scopes=[s for s in SCOPES if s in form.scopes],  # known order, no repeats
        created_at=now,
        expires_at=now + timedelta(days=form.expires_days) if form.expires_days else None,
        form_key_hash=digest(form.form_key) if form.form_key else None,
    )
    db.add(token)
    try:
        db.flush()
    except IntegrityError:
        if form.form_key is None:
            raise  # not the form's key: a fault of ours, not the person's
        raise FormUsed(None) from None  # the same form sent twice at once: the other made it
    record(
        db,
        organisation_id=None,
        user_id=user.id,
        entity="api_token",
        entity_id=token.id,
        action="create",
        after=_snapshot(token),
    )
    return Made(token, secret)


def _all_of(db: Session, user: User) -> Sequence[ApiToken]:
    return db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()


def tokens_of(
    db: Session, user: User, *, limit: int = 100, offset: int = 0
) -> tuple[Sequence[ApiToken], int]:
    """A page of `user`'s tokens, newest first, and how many they have in all."""
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    total = db.scalar(query.with_only_columns(func.count(ApiToken.id))) or 0
    rows = db.scalars(
        query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, total


def token_of(db: Session, user: User, token_id: object) -> ApiToken:
    """`user`'s token `token_id`; `NotFound` for anyone else's, so its existence is not told."""
    key = parse_id(token_id)
    row = None
    if key is not None:
        row = db.scalar(select(ApiToken).where(ApiToken.id == key, ApiToken.user_id == user.id))
    if row is None:
        raise NotFound(t("token.noun"), token_id)
    return row


def revoke(db: Session, user: User, token_id: object, *, now: datetime | None = None) -> ApiToken:
    """Revoke `user`'s token for good (revoking it again changes nothing). Flushes."""
    token = token_of(db, user, token_id)
    if token.revoked_at is None:
        before = _snapshot(token)
        token.revoked_at = now or datetime.now(UTC)
        db.flush()
        record(
            db,
            organisation_id=None,
            user_id=user.id,
            entity="api_token",
            entity_id=token.id,
            action="revoke",
            before=before,
            after=_snapshot(token),
        )
    return token


def authenticate(db: Session, secret: str, *, now: datetime | None = None) -> Bearer:
    """The live token `secret` and its person; `Unauthenticated` with `token.invalid` (malformed
    or unknown), `token.revoked` or `token.expired`. Notes the use at most once a minute."""
    if not _SECRET.match(secret):
        raise Unauthenticated("token.invalid")
    found = db.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret))
    ).first()
    if found is None:
        raise Unauthenticated("token.invalid")
    token, user = found
    now = now or datetime.now(UTC)
    state = status(token, now)
    if state == "revoked":
        raise Unauthenticated("token.revoked")
    if state == "expired":
        raise Unauthenticated("token.expired")
    last = aware(token.last_used_at)
    if last is None or now - last >= TOUCH_EVERY:
        token.last_used_at = now
    return Bearer(token, user)


def _snapshot(token: ApiToken) -> dict[str, object]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scopes": " ".join(token.scopes),
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }
