"""Accounts: sign-up, authentication with rate limiting, and browser sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import LoginFailure, User, WebSession
from gachi.domains.accounts.passwords import hash_password, verify_password
from gachi.errors import Conflict, InvalidInput, TooManyRequests, Unauthenticated
from gachi.kernel.text import hidden_issue, normalised, shows_nothing

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SignUp:
    email: str
    name: str
    password: str
    lang: str = "ko"


def normal_email(email: str) -> str:
    return email.strip().lower()


def sign_up(db: Session, form: SignUp) -> User:
    email = normal_email(form.email)
    issues = []
    if not _EMAIL.match(email) or len(email) > 254:
        issues.append(InvalidInput("auth.email-invalid", field="email").first)
    name = normalised(form.name)
    if hidden := hidden_issue(name, "name"):
        issues.append(hidden)
    elif not name or shows_nothing(name) or len(name) > 100:
        issues.append(InvalidInput("auth.name-invalid", field="name").first)
    if len(form.password) < MIN_PASSWORD:
        issues.append(InvalidInput("auth.password-short", field="password", n=MIN_PASSWORD).first)
    if issues:
        raise InvalidInput.of(issues)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("auth.email-taken", field="email", email=email)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(form.password),
        lang=form.lang if form.lang in ("ko", "en") else "ko",
    )
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, settings: Settings, email: str, password: str, address: str) -> User:
    """The user with this e-mail and password. After `settings.login_attempts` failures for this
    account from this address within the window (or ten times as many from the address, for any
    account), every attempt is refused until the window passes, right password or not, so
    guessing cannot continue. Counting per account *and* address keeps a stranger from locking
    someone out of their own account from elsewhere."""
    email = normal_email(email)
    now = datetime.now(UTC)
    since = now - timedelta(minutes=settings.login_window_minutes)
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    pair = db.scalar(recent.where(LoginFailure.email == email, LoginFailure.address == address))
    anywhere = db.scalar(recent.where(LoginFailure.address == address))
    if (pair or 0) >= settings.login_attempts or (anywhere or 0) >= 10 * settings.login_attempts:
        raise TooManyRequests("auth.too-many-attempts", minutes=settings.login_window_minutes)
    user = db.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        db.add(LoginFailure(email=email, address=address, at=now))
        db.flush()
        raise Unauthenticated("auth.wrong-credentials")
    db.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, settings: Settings, user: User) -> str:
    """A new session for `user`; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=settings.session_hours)
    db.add(WebSession(token_hash=_digest(token), user_id=user.id, expires_at=expires))
    db.flush()
    return token


def session_user(db: Session, token: str | None) -> User | None:
    """The user of a live session, or None (no cookie, unknown token or expired)."""
    if not token:
        return None
    row = db.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    web_session, user = row
    expires = web_session.expires_at
    if expires.tzinfo is None:  # SQLite returns naive datetimes
        expires = expires.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        return None
    return user


def close_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
