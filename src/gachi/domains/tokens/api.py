"""The signed-in person's API tokens as JSON. Only with a browser session (and its CSRF token):
a token cannot list, make or revoke tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gachi.domains.listing import Page
from gachi.domains.tokens import service
from gachi.domains.tokens.schemas import TokenIn, TokenMade, TokenOut
from gachi.kernel.integers import WholeNumber
from gachi.web.deps import Db, Limit, Offset, SessionUser

router = APIRouter(prefix="/api/v1/account/tokens", tags=["tokens"])


@router.get("", response_model=Page[TokenOut])
def list_tokens(
    user: SessionUser, db: Db, limit: Limit = 100, offset: Offset = 0
) -> Page[TokenOut]:
    rows, total = service.tokens_of(db, user, limit=limit, offset=offset)
    return Page(items=[TokenOut.of(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("", response_model=TokenMade, status_code=201)
def create_token(body: TokenIn, user: SessionUser, db: Db, response: Response) -> TokenMade:
    form = service.TokenForm(body.name, body.scopes, body.expires_days)
    made = service.create_token(db, user, form)
    response.headers["Cache-Control"] = "no-store"  # the secret must not sit in any cache
    return TokenMade(**TokenOut.of(made.token).model_dump(), token=made.secret)


@router.get("/{token_id}", response_model=TokenOut)
def get_token(token_id: WholeNumber, user: SessionUser, db: Db) -> TokenOut:
    return TokenOut.of(service.token_of(db, user, token_id))


@router.post("/{token_id}/revoke", response_model=TokenOut)
def revoke_token(token_id: WholeNumber, user: SessionUser, db: Db) -> TokenOut:
    return TokenOut.of(service.revoke(db, user, token_id))
