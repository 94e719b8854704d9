"""Request dependencies: the database session (committed once per request), the signed-in
user (by browser session, or by API token on /api/), the organisation a request acts in (a
member's, or 404), its role checks and the bounds of paginated lists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import Organisation, User
from gachi.db.tenancy import TenantRepository
from gachi.domains.accounts.service import session_user
from gachi.domains.organisations.service import ROLES, membership_of
from gachi.domains.tokens import service as tokens
from gachi.errors import Forbidden, NotFound, Unauthenticated
from gachi.kernel.integers import MAX_ID, WholeNumber
from gachi.web.csrf import SAFE, uses_token
from gachi.web.csrf import SESSION_COOKIE as SESSION_COOKIE  # the accounts pages read it here


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


SCOPE_KEY = "x-token-scope"


def token_scope(scope: str) -> dict[str, Any]:
    """`openapi_extra` of an API route whose tokens need `scope` rather than the default (`read`
    for safe methods, `write` for the others), e.g. `@router.post(..., openapi_extra=
    token_scope("publish"))`. The schema shows it too."""
    assert scope in tokens.SCOPES, scope
    return {SCOPE_KEY: scope}


def needed_scope(request: Request) -> str:
    extra = getattr(request.scope.get("route"), "openapi_extra", None) or {}
    declared = extra.get(SCOPE_KEY)
    if isinstance(declared, str):
        return declared
    return tokens.READ if request.method in SAFE else tokens.WRITE


def _bearer_secret(header: str) -> str:
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthenticated("token.invalid")
    return secret.strip()


def optional_user(request: Request, db: Db) -> User | None:
    """The person a request acts as. An API request with an `Authorization` header is theirs by
    that token alone: its cookies are ignored, and a bad token is 401, never the cookie's user.
    Everything else (every page) goes by the browser session; pages never accept tokens."""
    request.state.api_token = None
    if uses_token(request):
        bearer = tokens.authenticate(db, _bearer_secret(request.headers["authorization"]))
        bearer.require(needed_scope(request))
        request.state.api_token = bearer.token
        user: User | None = bearer.user
    else:
        user = session_user(db, request.cookies.get(SESSION_COOKIE))
    request.state.user = user
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthenticated()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def session_user_only(request: Request, user: CurrentUser) -> User:
    """The signed-in person in a browser: refused to tokens (a token must not mint tokens)."""
    if request.state.api_token is not None:
        raise Forbidden("token.session-required")
    return user


SessionUser = Annotated[User, Depends(session_user_only)]

MAX_LIMIT = 500
# The page of a JSON list: `limit` items (1 to 500) after skipping `offset`.
Limit = Annotated[WholeNumber, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–500)")]
Offset = Annotated[WholeNumber, Query(ge=0, le=MAX_ID, description="Items to skip")]


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


def membership(org_id: WholeNumber, request: Request, user: CurrentUser, db: Db) -> Member:
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
