"""One renderer per channel for the one error hierarchy: JSON under /api, a page elsewhere.

No channel ever shows a traceback: a bug of ours becomes a 500 with a short reference that is
also written to the server log with the details.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError as SQLAlchemyDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from gachi.errors import GachiError, InvalidInput, Issue, NotFound, Unauthenticated
from gachi.kernel.i18n import current_lang, t
from gachi.web.headers import add_security_headers
from gachi.web.render import page
from gachi.web.routes import route_table

log = logging.getLogger("gachi.web")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


# Pydantic's error types, said in the reader's language (its own messages are English only);
# a type not listed here keeps Pydantic's message.
_REASONS = {
    "missing": "input.reason.missing",
    "extra_forbidden": "input.reason.extra",
    "int_parsing": "input.reason.not-a-whole-number",
    "int_type": "input.reason.not-a-whole-number",
    "int_from_float": "input.reason.not-a-whole-number",
    "float_parsing": "input.reason.not-a-number",
    "float_type": "input.reason.not-a-number",
    "bool_parsing": "input.reason.not-true-or-false",
    "bool_type": "input.reason.not-true-or-false",
    "string_type": "input.reason.not-text",
    "list_type": "input.reason.not-a-list",
    "dict_type": "input.reason.not-an-object",
    "model_attributes_type": "input.reason.not-an-object",
    "greater_than_equal": "input.reason.at-least",
    "greater_than": "input.reason.more-than",
    "less_than_equal": "input.reason.at-most",
    "less_than": "input.reason.less-than",
    "string_too_long": "input.reason.too-long",
    "string_too_short": "input.reason.too-short",
    "too_long": "input.reason.too-many",
    "too_short": "input.reason.too-few",
    "literal_error": "input.reason.one-of",
    "enum": "input.reason.one-of",
    "json_invalid": "input.reason.json",
    "date_parsing": "input.reason.date",
    "date_from_datetime_parsing": "input.reason.date",
    "datetime_parsing": "input.reason.date",
    "datetime_from_date_parsing": "input.reason.date",
}


def _reason(problem: Any, lang: Any) -> str:
    code = _REASONS.get(str(problem.get("type", "")))
    if code is None:
        return str(problem.get("msg", ""))
    ctx = {k: str(v) for k, v in (problem.get("ctx") or {}).items()}
    return t(code, lang, **ctx)


def render(request: Request, err: GachiError) -> Response:
    lang = current_lang()
    if wants_json(request):
        body: dict[str, Any] = {
            "error": {
                "code": err.first.code,
                "message": err.first.message(lang),
                "issues": [_issue(i, lang) for i in err.issues],
            }
        }
        headers = None
        if err.status == 401 or err.first.code == "token.scope-missing":
            # RFC 6750: say how to authenticate; a rejected or too narrow token says so too.
            headers = {"WWW-Authenticate": _challenge(err)}
        return JSONResponse(body, status_code=err.status, headers=headers)
    if isinstance(err, Unauthenticated) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return page(
        request,
        "error.html.j2",
        {"status": err.status, "issues": [i.message(lang) for i in err.issues]},
        status=err.status,
    )


def _challenge(err: GachiError) -> str:
    code = err.first.code
    if code == "token.scope-missing":
        return (
            f'Bearer realm="gachi", error="insufficient_scope", scope="{err.first.params["scope"]}"'
        )
    if code.startswith("token."):
        return f'Bearer realm="gachi", error="invalid_token", error_description="{code}"'
    return 'Bearer realm="gachi"'


def _issue(issue: Issue, lang: Any) -> dict[str, Any]:
    out = issue.to_dict(lang)
    if "field" in issue.params:
        out["field"] = issue.params["field"]
    if "row" in issue.params:
        out["row"] = issue.params["row"]
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(GachiError)
    async def _gachi(request: Request, err: GachiError) -> Response:
        return render(request, err)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> Response:
        problems = err.errors()
        # A malformed id in the path names nothing that exists: that is a 404, not a 422.
        if any(p.get("loc", ("",))[0] == "path" for p in problems):
            return render(request, NotFound("page", request.url.path))
        lang = current_lang()
        issues = [
            Issue(
                "input.field-invalid",
                {
                    "field": ".".join(str(x) for x in p.get("loc", ())[1:]),
                    "reason": _reason(p, lang),
                },
            )
            for p in problems
        ]
        return render(request, InvalidInput.of(issues))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        if err.status_code == 404:
            return render(request, NotFound("page", request.url.path))
        if err.status_code == 400 and wants_json(request):
            # FastAPI's answer to a JSON body it cannot decode at all (not UTF-8, say): bad input
            # like any other, with the same status and a message that says what is wrong.
            return render(request, InvalidInput("input.body-unreadable"))
        if err.status_code == 405:
            response = render(request, _MethodNotAllowed("web.method-not-allowed"))
            # RFC 9110: a 405 says which methods the address does accept (all of them: the
            # router names only those of the first route whose path matched).
            allowed = allowed_methods(request.app, request.url.path)
            if allowed:
                response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return render(request, _Status(err.status_code))

    @app.exception_handler(OverflowError)
    @app.exception_handler(SQLAlchemyDataError)
    async def _out_of_range(request: Request, err: Exception) -> Response:
        # A number too large for the database (an id or offset typed by hand): the request's
        # fault, not a bug — and nothing was written.
        return render(request, InvalidInput("input.out-of-range"))

    @app.exception_handler(Exception)
    async def _bug(request: Request, err: Exception) -> Response:
        ref = secrets.token_hex(4)
        log.exception("internal error %s on %s %s", ref, request.method, request.url.path)
        # Starlette answers an unhandled error outside every middleware: the headers the
        # per-request middleware adds must be added here.
        return add_security_headers(render(request, _Internal("web.internal-error", ref=ref)))


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """The methods of the routes of `app` whose path template fits `path` most closely (the
    fewest parameters: `/indicators/check` rather than `/indicators/{indicator_id}`)."""
    table: list[tuple[re.Pattern[str], int, str]] | None = getattr(app.state, "methods", None)
    if table is None:
        table = [
            (compile_path(e.path)[0], e.path.count("{"), e.method) for e in route_table(app.routes)
        ]
        app.state.methods = table
    fits = [(params, method) for pattern, params, method in table if pattern.match(path)]
    closest = min((params for params, _ in fits), default=0)
    return {method for params, method in fits if params == closest}


class _Internal(GachiError):
    code = "web.internal-error"
    status = 500


class _MethodNotAllowed(GachiError):
    code = "web.method-not-allowed"
    status = 405


class _Status(GachiError):
    code = "web.http-error"

    def __init__(self, status: int) -> None:
        super().__init__("web.http-error", status=status)
        self.status = status  # type: ignore[misc]
