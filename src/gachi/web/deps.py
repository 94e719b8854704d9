"""Request dependencies: the database session (committed once per request), the signed-in
user, the organisation a request acts in (a member's, or 404) and its role checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import Organisation, User
from gachi.db.tenancy import MAX_ID, TenantRepository
from gachi.domains.accounts.service import session_user
from gachi.domains.organisations.service import ROLES, membership_of
from gachi.errors import Forbidden, NotFound, Unauthenticated

SESSION_COOKIE = "gachi_session"


def get_db(request: Request) -> Iterator[Session]:
    """One session per request. Services flush; the request commits here, once, on success,
    before the response is sent (`scope="function"` below): a failed commit is an error page,
    never a success the browser follows to a page that lacks what was just saved."""
    db: Session = request.app.state.sessions()
    try:
        yield db
        db.commit()
    except BaseException:
        # Detach first: rows already read (the user, the organisation) stay readable for the
        # error page, which renders after this session is gone.
        db.expunge_all()
        db.rollback()
        raise
    finally:
        db.close()


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Db = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


def optional_user(request: Request, db: Db) -> User | None:
    user = session_user(db, request.cookies.get(SESSION_COOKIE))
    request.state.user = user
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthenticated()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass(frozen=True)
class Member:
    """The signed-in user acting in one organisation they belong to."""

    user: User
    organisation: Organisation
    role: str
    repo: TenantRepository

    @property
    def org_id(self) -> int:
        return self.organisation.id

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def require(self, role: str) -> Member:
        if not self.can(role):
            raise Forbidden("auth.role-required", role=role)
        return self


def membership(org_id: int, request: Request, user: CurrentUser, db: Db) -> Member:
    """The user's membership of `org_id`; `NotFound` (404) when they are not a member, so another
    organisation's existence is not revealed."""
    if not 1 <= org_id <= MAX_ID:
        raise NotFound("organisation", org_id)
    found = membership_of(db, user, org_id)
    member = Member(user, found.organisation, found.role, TenantRepository(db, org_id))
    request.state.member = member
    return member


def editor(member: Annotated[Member, Depends(membership)]) -> Member:
    return member.require("editor")


def owner(member: Annotated[Member, Depends(membership)]) -> Member:
    return member.require("owner")


Viewer = Annotated[Member, Depends(membership)]
Editor = Annotated[Member, Depends(editor)]
Owner = Annotated[Member, Depends(owner)]
