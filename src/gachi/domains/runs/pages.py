"""Pages: the organisation's dashboard (its home page), its runs, one run's progress and
results, and the explanation of any number."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from gachi.config import Settings
from gachi.db.models import Run
from gachi.domains.runs import dashboard, explaining, service
from gachi.domains.runs.api import start
from gachi.domains.runs.explaining import Selection
from gachi.domains.runs.schemas import problems_of
from gachi.errors import GachiError, InvalidInput
from gachi.kernel.i18n import Lang, current_lang
from gachi.kernel.integers import MAX_ID, WholeNumber, parse_whole
from gachi.web.deps import AppSettings, Db, Editor, Member, Viewer
from gachi.web.render import environment, field_errors, page

router = APIRouter()
Offset = Annotated[WholeNumber, Query(ge=0, le=MAX_ID)]

PAGE_SIZE = 50


@router.get("/orgs/{org_id}")
def dashboard_page(request: Request, member: Viewer) -> Response:
    lang = current_lang()
    run = service.latest_done(member.repo)
    context: dict[str, Any] = {"run": run, "active": service.active_run(member.repo)}
    if run is not None:
        context["dash"] = True
        context["results_html"] = _results_html(request.app.state, member.org_id, run, lang)
    else:
        context["form"] = _form(request.app.state.settings)
        context["last"] = next(iter(service.runs(member.repo, limit=1)), (None, None))[0]
        if context["last"] is not None and context["last"].error:
            context["problems"] = problems_of(context["last"].error, lang)
    return page(request, "runs/dashboard.html.j2", context)


# A finished run never changes, so its rendered numbers and charts are kept per run and language
# (the dashboard is the most visited page: this leaves it the cost of the layout around them).
# The cache belongs to the app, which belongs to one database: run ids are unique within it.
_RESULTS_LOCK = threading.Lock()
_RESULTS_KEPT = 2048


def _results_html(state: Any, org_id: int, run: Run, lang: Lang) -> Markup:
    key = (org_id, run.id, lang)
    with _RESULTS_LOCK:
        cache: OrderedDict[tuple[int, int, str], Markup] | None = getattr(
            state, "dashboard_cache", None
        )
        if cache is None:
            cache = state.dashboard_cache = OrderedDict()
        html = cache.get(key)
        if html is not None:
            cache.move_to_end(key)
            return html
    dash = dashboard.build(org_id, run.id, run.summary or {}, lang)
    template = environment().get_template("runs/_results.html.j2")
    html = Markup(template.render(dash=dash, run=run, lang=lang))  # noqa: S704 - autoescaped
    with _RESULTS_LOCK:
        cache[key] = html
        while len(cache) > _RESULTS_KEPT:
            cache.popitem(last=False)
    return html


def _form(settings: Settings, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "choices": service.draw_choices(settings),
        "values": values or {"draws": str(settings.draws), "seed": "1"},
        "errors": {},
    }


def _list_context(member: Member, offset: int) -> dict[str, Any]:
    rows = service.runs(member.repo, limit=PAGE_SIZE + 1, offset=offset)
    return {
        "runs": rows[:PAGE_SIZE],
        "more": len(rows) > PAGE_SIZE,
        "offset": offset,
        "size": PAGE_SIZE,
        "active": service.active_run(member.repo),
    }


@router.get("/orgs/{org_id}/runs")
def runs_page(
    request: Request,
    member: Viewer,
    settings: AppSettings,
    offset: Annotated[WholeNumber, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    context = {**_list_context(member, max(0, offset)), "form": _form(settings)}
    return page(request, "runs/list.html.j2", context)


@router.post("/orgs/{org_id}/runs")
def start_run(
    request: Request,
    member: Editor,
    db: Db,
    settings: AppSettings,
    draws: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
) -> Response:
    values = {"draws": draws, "seed": seed}
    try:
        run = start(request, member, db, _int(draws, "draws"), _int(seed, "seed"))
    except GachiError as err:
        db.rollback()
        form = {**_form(settings, values), "errors": field_errors(err)}
        context = {**_list_context(member, 0), "form": form}
        return page(request, "runs/list.html.j2", context, status=err.status)
    return RedirectResponse(f"/orgs/{member.org_id}/runs/{run.id}", status_code=303)


def _int(text: str, field: str) -> int | None:
    """A number typed in the form (thousands separated by commas, a minus the service then
    refuses with its range), or None when nothing was typed."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    # The service says what range it accepts; the bound here only keeps int() small.
    number = parse_whole(text.removeprefix("-"), high=10**12)
    if number is None:
        raise InvalidInput("run.not-a-whole-number", field=field, value=text)
    return -number if text.startswith("-") else number


@router.get("/orgs/{org_id}/runs/{run_id}")
def run_page(request: Request, run_id: WholeNumber, member: Viewer) -> Response:
    lang = current_lang()
    run = service.get_run(member.repo, run_id)
    context: dict[str, Any] = {"run": run, "problems": problems_of(run.error, lang)}
    if run.status == "done":
        context["dash"] = dashboard.build(member.org_id, run.id, run.summary or {}, lang)
    return page(request, "runs/run.html.j2", context)


@router.get("/orgs/{org_id}/runs/{run_id}/explain")
def explain_page(
    request: Request,
    run_id: WholeNumber,
    member: Viewer,
    settings: AppSettings,
    indicator: str | None = None,
    programme: WholeNumber | None = None,
    period: WholeNumber | None = None,
    category: str | None = None,
) -> Response:
    lang = current_lang()
    run = service.get_run(member.repo, run_id)
    selection = Selection(indicator, programme, period, category)
    found = explaining.explain_number(member.repo, settings, run, selection)
    versions = run.indicator_versions or {}

    def name(ident: str) -> str:
        v = versions.get(ident, {})
        return str((v.get("name_en") if lang == "en" else None) or v.get("name_ko") or ident)

    def href(**params: Any) -> str:
        merged = {
            "indicator": indicator,
            "programme": programme,
            "period": period,
            "category": category,
            **params,
        }
        return dashboard.explain_href(member.org_id, run.id, **merged)

    context = {
        "run": run,
        "found": found,
        "name": name,
        "href": href,
        "problems": problems_of(found.problem, lang),
    }
    return page(request, "runs/explain.html.j2", context)
