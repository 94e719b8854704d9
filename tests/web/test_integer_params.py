"""Ids and whole numbers sent as text are read one way on every route (`kernel/integers.py`):
generated from the route table, so a new path, query or form parameter is covered the day it is
added. Hostile text — '²' (which `str.isdigit()` accepts and `int()` refuses), other scripts'
digits, full-width digits, huge numbers, signs, spaces — is refused with a message, never a 500,
and never read as a number the person did not type."""

from __future__ import annotations

import json
import typing
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import CustomIndicator
from gachi.db.session import make_engine
from gachi.domains.programmes.own import EXAMPLE
from gachi.kernel.integers import _whole
from gachi.web.app import create_app
from gachi.web.routes import route_table
from web.helpers import api, person_with_org, post
from web.test_tenancy import _fill, _victim_objects

HOSTILE = ["²", "١", "５", "٣٤", "9" * 25, "2147483648", "-1", " 1", "1_0", "1.0", "+1", ""]
# Every typed parameter is read by the one parser (the first test proves it), so each gets four
# of them and the first of each kind (path, query, form) all; text parameters (most are not
# numbers) get the two a hand-written parser trips on. The property test gives any numeral text.
HOSTILE_TO_TYPED = ["²", "５", "9" * 25, " 1"]
HOSTILE_TO_TEXT = ["²", "١"]
# Forms that a route reads itself (`await request.form()`) rather than through its signature.
HAND_READ = {("POST", "/orgs/{org_id}/data"): ("programme",)}
# Last, so the objects the other routes name still exist when they are asked.
_ENDING = ("/delete", "/remove", "/revoke")

APP = create_app(Settings(database_url="sqlite://"), engine=make_engine("sqlite://"))


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(_is_int(a) for a in typing.get_args(annotation) if a is not type(None))


def _parsed_by_us(info: Any) -> bool:
    def walk(annotation: Any) -> bool:
        meta = getattr(annotation, "__metadata__", ())
        if any(getattr(m, "func", None) is _whole for m in meta):
            return True
        return any(walk(a) for a in typing.get_args(annotation))

    return any(getattr(m, "func", None) is _whole for m in info.metadata) or walk(info.annotation)


def _fields(dependant: Any) -> list[tuple[str, Any, Any]]:
    """(where, field, the function that declares it) of every path, query and form parameter of
    a route and its dependencies."""
    out = [("path", f, dependant.call) for f in dependant.path_params]
    out += [("query", f, dependant.call) for f in dependant.query_params]
    forms = [f for f in dependant.body_params if isinstance(f.field_info, params.Form)]
    out += [("form", f, dependant.call) for f in forms]
    for sub in dependant.dependencies:
        out += _fields(sub)
    return out


def _parameters() -> list[tuple[str, str, str, str, bool]]:
    """(method, path, where, name, typed as an integer) of every parameter, each asked once
    where it is declared (`org_id` of every organisation's page is one dependency's), the
    routes that delete or revoke last."""
    found: dict[tuple[Any, str, str], tuple[str, str, str, str, bool]] = {}
    for e in sorted(route_table(APP.routes), key=lambda e: (e.path, e.method)):
        for where, field, call in _fields(e.route.dependant):
            typed = _is_int(field.field_info.annotation)
            found.setdefault(
                (call, where, field.name), (e.method, e.path, where, field.name, typed)
            )
        for name in HAND_READ.get((e.method, e.path), ()):
            found.setdefault((e.path, "form", name), (e.method, e.path, "form", name, False))
    return sorted(found.values(), key=lambda p: (p[0] == "DELETE" or p[1].endswith(_ENDING), p))


PARAMETERS = _parameters()


def test_every_integer_parameter_is_read_by_the_one_parser() -> None:
    loose = []
    for e in route_table(APP.routes):
        for where, field, _ in _fields(e.route.dependant):
            info = field.field_info
            if _is_int(info.annotation) and not _parsed_by_us(info):
                loose.append(f"{e.method} {e.path} {where} {field.name}")
    assert not loose, "use gachi.kernel.integers.WholeNumber:\n" + "\n".join(loose)
    typed = [p for p in PARAMETERS if p[4]]
    assert len(typed) >= 50 and {p[2] for p in typed} == {"path", "query", "form"}


def _request(client: Any, method: str, path: str, where: str, name: str, value: str, objects: Any):
    org = objects["org"]
    if where == "path":
        hole = _fill(path.replace("{" + name + "}", "HOSTILE"), org, objects)
        url = hole.replace("HOSTILE", quote(value, safe=""))
        query: dict[str, str] = {}
    else:
        url = _fill(path, org, objects)
        query = {name: value} if where == "query" else {}
    if method in ("GET", "DELETE") or url.startswith("/api/"):
        return api(client, method, url, params=query, json={} if method != "GET" else None)
    return post(client, url, {name: value} if where == "form" else {}, params=query)


@pytest.fixture
def owner(client, engine) -> tuple[Any, dict[str, Any]]:
    """The organisation's owner, with one object of every kind a path names (tenancy test's)."""
    org = person_with_org(client, "owner@example.kr", "가온")
    me = client.get("/api/v1/me").json()["id"]
    objects = _victim_objects(engine, org, me)
    with Session(engine) as db:  # a definition the platform would have accepted
        own = db.get(CustomIndicator, objects["custom_id"])
        assert own is not None
        own.definition = EXAMPLE.replace("id: mentoring_hours", f"id: {own.indicator_id}")
        db.commit()
    fixed = {"year": 2024, "version": 1, "name": "swagger-ui.css", "weight": "regular"}
    fixed |= {"code": "ko", "fmt": "html", "org": org}
    return client, {**objects, **fixed}


def test_hostile_numbers_on_every_parameter_are_refused_never_a_500(owner) -> None:
    """One setup, every parameter of every route with each hostile text: the failures are
    listed together. A parameter typed as an integer refuses the text (404 in a path, 422 in a
    query or form); any other answers below 500."""
    client, objects = owner
    failures = []
    full: set[str] = set()
    for method, path, where, name, typed in PARAMETERS:
        values = HOSTILE_TO_TEXT
        if typed:
            values = HOSTILE_TO_TYPED if where in full else HOSTILE
            full.add(where)
        for value in values:
            if typed and value == "":
                continue  # an empty optional parameter is no parameter
            response = _request(client, method, path, where, name, value, objects)
            status = response.status_code
            refused = {"path": {404}, "query": {422}, "form": {422}}[where]
            if status >= 500 or (typed and status not in refused):
                failures.append(f"{method} {path} {where} {name}={value!r}: {status}")
    assert not failures, "\n".join(failures)


# Digits of every kind, signs, spaces and separators: what a hand-written parser trips on.
_NUMERALS = st.characters(categories=["Nd", "No", "Nl"]) | st.sampled_from(list("0123456789 +-_.,"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parameter=st.sampled_from([p for p in PARAMETERS if p[2] != "path" or p[4]]),
    value=st.text(_NUMERALS, min_size=1, max_size=12),
)
def test_any_numeral_text_on_any_parameter_is_no_500(owner, parameter, value) -> None:
    client, objects = owner
    method, path, where, name, _typed = parameter
    response = _request(client, method, path, where, name, value, objects)
    assert response.status_code < 500, (method, path, where, name, value, response.text[:300])


@pytest.mark.parametrize(
    "state",
    [{"².hours": ["", 1]}, {"2024.hours": ["", "١"]}, {"٢٠٢٤.hours": ["", 0]}, {"2024.hours": 1}],
)
def test_the_grid_refuses_a_state_with_hostile_numbers(owner, state) -> None:
    client, objects = owner
    data = {"programme": str(objects["programme_id"]), "state": json.dumps(state)}
    response = post(client, f"/orgs/{objects['org']}/data", data)
    assert response.status_code == 422, response.text[:300]


def test_the_three_routes_that_answered_500(owner) -> None:
    client, objects = owner
    org = objects["org"]
    made = post(client, "/account/tokens", {"name": "x", "scopes": "read", "expires": "²"})
    assert made.status_code == 422
    assert client.get(f"/orgs/{org}/data", params={"programme": "²"}).status_code == 404
    grid = post(client, f"/orgs/{org}/data", {"programme": "²", "state": "{}"})
    assert grid.status_code == 404
    # Digits of another script name nothing, though int() would read them as 1.
    assert client.get(f"/orgs/{org}/data", params={"programme": "١"}).status_code == 404
