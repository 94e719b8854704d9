"""The API tokens page of the signed-in person: make one (its secret shown once), see them all,
revoke one. Each rendering of the form carries a new one-time key, so a browser that sends the
form again (a reload of the page that showed the secret) makes no second token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gachi.db.models import User
from gachi.domains.tokens import service
from gachi.errors import GachiError
from gachi.kernel.integers import WholeNumber, parse_whole
from gachi.web.deps import CurrentUser, Db
from gachi.web.render import field_errors, page

router = APIRouter()
SHOWN = 200  # the newest tokens listed; revoked ones stay for the record


def _expiry(text: str) -> int | None:
    if text == "never":
        return None
    days = parse_whole(text, high=9999)
    return -1 if days is None else days  # -1: refused by the service


def _page(
    request: Request, db: Db, user: User, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    rows, _total = service.tokens_of(db, user, limit=SHOWN)
    context = {
        "tokens": [(row, service.status(row)) for row in rows],
        "scopes": service.SCOPES,
        "expiries": service.EXPIRY_DAYS,
        "values": {"expires": str(service.DEFAULT_EXPIRY), "scopes": ["read"]},
        "errors": {},
        "secret_prefix": service.SECRET_PREFIX,
        "form_key": service.form_key(),
        **(extra or {}),
    }
    return page(request, "tokens/list.html.j2", context, status=status)


@router.get("/account/tokens")
def tokens_page(request: Request, user: CurrentUser, db: Db) -> Response:
    return _page(request, db, user, {"revoked": request.query_params.get("revoked") == "1"})


@router.post("/account/tokens")
def create_token(
    request: Request,
    user: CurrentUser,
    db: Db,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    expires: Annotated[str, Form()] = str(service.DEFAULT_EXPIRY),
    form_key: Annotated[str | None, Form()] = None,
) -> Response:
    form = service.TokenForm(name, scopes or [], _expiry(expires), form_key)
    try:
        made = service.create_token(db, user, form)
    except service.FormUsed as err:
        # Sent again (a reload): the secret was shown once and is not kept, so it cannot be
        # shown again; say so, and mark the token this form made.
        db.rollback()
        earlier = err.token or service.made_with(db, user, form_key or "")
        again = {"id": earlier.id if earlier else None, "name": earlier.name if earlier else ""}
        return _page(request, db, user, {"again": again}, status=err.status)
    except GachiError as err:
        db.rollback()
        values = {"name": name, "scopes": scopes or [], "expires": expires}
        extra = {"values": values, "errors": field_errors(err)}
        return _page(request, db, user, extra, status=err.status)
    # The secret is in this response only: not in a redirect's URL, not in any cache.
    response = _page(request, db, user, {"made": made})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(user: CurrentUser, db: Db, token_id: WholeNumber) -> Response:
    service.revoke(db, user, token_id)
    return RedirectResponse("/account/tokens?revoked=1", status_code=303)
