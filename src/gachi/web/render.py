"""Server-rendered pages: one Jinja2 environment over the base templates and every domain's.

Autoescape is on for every template: names, messages and values are always escaped. Templates
read messages through `t(code, **params)` and money through `money(value)`, in the request's
language, codes of definitions through `unit_label`, `licence_label` and `distribution_label`,
and moments through `when(moment, "date" | "minute" | "second")`, in the platform's
time zone (`zone()` names it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from gachi.errors import GachiError
from gachi.kernel.i18n import current_lang, message_codes, t
from gachi.kernel.labels import distribution_label, licence_label, unit_label
from gachi.kernel.money import format_money, format_number
from gachi.kernel.times import format_moment, zone_label
from gachi.web import csrf


@cache
def environment() -> Environment:
    root = Path(str(resources.files("gachi")))
    domains = {
        p.parent.name: FileSystemLoader(p)
        for p in sorted((root / "domains").glob("*/templates"))
        if p.is_dir()
    }
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(root / "web" / "templates"), PrefixLoader(domains)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package: checking their files' times on every render costs a
        # stat call per template per request (seen in a profile under load). GACHI_DEBUG reloads.
        auto_reload=bool(os.environ.get("GACHI_DEBUG")),
        cache_size=1000,
    )
    env.globals.update(
        t=_t, t_or=_t_or, money=_money, number=_number, when=format_moment, zone=zone_label
    )
    env.globals.update(
        unit_label=lambda unit: unit_label(unit or "", current_lang()),
        licence_label=lambda code: licence_label(code or "", current_lang()),
        distribution_label=lambda name: distribution_label(name or "", current_lang()),
    )
    return env


def _t(code: str, **params: Any) -> str:
    return t(code, current_lang(), **params)


def _t_or(code: str, fallback: str) -> str:
    """Message `code` if the catalogue has it, else `fallback` as it is."""
    return t(code, current_lang()) if code in message_codes() else fallback


def _money(value: float | None, currency: str = "KRW") -> str:
    if value is None:
        return "—"
    return format_money(value, currency, lang=current_lang())


def _number(value: float | None) -> str:
    return "—" if value is None else format_number(value)


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """Render `template` with the request's user, organisation, language and CSRF token."""
    state = request.state
    values = {
        "request": request,
        "lang": current_lang(),
        "user": getattr(state, "user", None),
        "member": getattr(state, "member", None),
        "csrf_token": csrf.request_token(request),
        "path": request.url.path,
        **(context or {}),
    }
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


def field_errors(err: GachiError) -> dict[str, list[str]]:
    """The error's messages by form field (`""` for those that belong to no field)."""
    out: dict[str, list[str]] = {}
    for issue in err.issues:
        key = str(issue.params.get("field", ""))
        out.setdefault(key, []).append(issue.message(current_lang()))
    return out
