"""The OpenAPI document at /api/v1/openapi.json: the JSON API only (pages are not an API), with
how to authenticate and the one error body every failure has, so clients and the schemathesis
run in CI can hold the API to it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from gachi.web.csrf import API_PREFIX, HEADER

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "issues"],
            "properties": {
                "code": {"type": "string", "description": "stable message code"},
                "message": {"type": "string", "description": "in the request's language"},
                "issues": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "field": {"type": "string"},
                            "row": {"type": "integer"},
                        },
                    },
                },
            },
        }
    },
}

_ERRORS = {
    "401": "No valid session or API token",
    "403": "The role, the token's scope or the CSRF token does not allow this",
    "404": "Not found, or not visible to this person",
    "422": "The request's input is not valid",
}
_CHANGE_ERRORS = {"409": "Someone changed it first, or the name is taken"}
_SAFE = {"get", "head", "options"}
# Managing tokens needs the browser session: a token cannot list, make or revoke tokens.
SESSION_ONLY = ("/api/v1/account/tokens",)
# Published pages' JSON: for anyone, signed in or not.
PUBLIC = ("/api/v1/public",)

SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (gachi_…) made on the account's API tokens page",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "gachi_session",
        "description": f"The browser session; changes also need the {HEADER} header",
    },
}


def api_only(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (FastAPI's) with the API paths only, the error responses and the security."""
    ref = {"$ref": "#/components/schemas/Error"}
    paths: dict[str, Any] = {}
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        paths[path] = operations
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = _ERRORS if method in _SAFE else {**_ERRORS, **_CHANGE_ERRORS}
            for status, text in errors.items():
                responses[status] = {
                    "description": text,
                    "content": {"application/json": {"schema": ref}},
                }
            if path.startswith(SESSION_ONLY):
                operation["security"] = [{"session": []}]
            elif path == PUBLIC[0] or path.startswith(tuple(p + "/" for p in PUBLIC)):
                operation["security"] = []
                for status in ("401", "403"):
                    responses.pop(status, None)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    return {**schema, "paths": paths, "security": [{"bearer": []}, {"session": []}]}


def install(app: FastAPI) -> None:
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = api_only(default())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
