"""Tenants never see each other's data: generated from the route table, so a new route is
covered the day it is added.

For every route under `/orgs/{org_id}` and `/api/v1/orgs/{org_id}`, a member of another
organisation asks for it (1) with the victim's organisation id and (2) with their own
organisation id but the victim's object ids. Both must be 404 and the response must not contain
any of the victim's names or values. A route with an object id outside an organisation path
fails the test: there would be nothing to scope it by, unless it is one of a person's own things
(USER_OWNED below), which the same test asks for as another person.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import (
    ApiToken,
    AuditEntry,
    CustomIndicator,
    DataPoint,
    Evidence,
    EvidenceGrant,
    Organisation,
    Programme,
    ProgrammeIndicator,
    Run,
    RunValue,
    Upload,
)
from gachi.db.session import make_engine
from gachi.web.app import create_app
from gachi.web.routes import route_table
from web.helpers import person_with_org, post, token

SECRET = "비밀사업-7731"  # appears in the victim's data only
SECRET_VALUE = 987654.321
# Routes that carry a parameter but own no tenant data.
PUBLIC_PARAMS = {"/lang/{code}", "/fonts/nanum-{weight}.ttf", "/api/v1/docs/{name}"}
# Published books: anyone may read them, by design. tests/web/test_public_only_published.py
# proves, route by route, that nothing unpublished is ever shown there.
PUBLIC_PREFIXES = ("/public", "/api/v1/public")
ORG_PREFIXES = ("/orgs/{org_id}", "/api/v1/orgs/{org_id}")
# Routes whose ids name a person's own things, not an organisation's: scoped by the signed-in
# person instead. Another person gets 404 here too (below); tests/web/test_tokens.py has more.
USER_OWNED = ("/account/tokens/{token_id}", "/api/v1/account/tokens/{token_id}")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def tenant_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite://"), engine=make_engine("sqlite://"))
    found = {
        (e.method, e.path)
        for e in route_table(app.routes)
        if re.findall(r"{(\w+)}", e.path)
        and e.path not in PUBLIC_PARAMS
        and not e.path.startswith(PUBLIC_PREFIXES)
    }
    return sorted(found)


ROUTES = tenant_routes()


def test_every_route_with_an_object_id_is_scoped_by_an_organisation() -> None:
    unscoped = [p for _, p in ROUTES if not p.startswith(ORG_PREFIXES + USER_OWNED)]
    assert not unscoped, f"routes with ids outside /orgs/{{org_id}}: {unscoped}"
    assert len(ROUTES) >= 10  # the table is really read


def _victim_objects(engine: Any, org: int, user_id: int) -> dict[str, Any]:
    with Session(engine) as db:
        programme = Programme(organisation_id=org, name=SECRET, kind="programme")
        db.add(programme)
        db.flush()
        chosen = ProgrammeIndicator(
            organisation_id=org, programme_id=programme.id, indicator_id="volunteer_hours"
        )
        point = DataPoint(
            organisation_id=org,
            programme_id=programme.id,
            period=2024,
            name="volunteer_hours",
            value=SECRET_VALUE,
        )
        custom = CustomIndicator(
            organisation_id=org, indicator_id="secret_indicator", definition=f"# {SECRET}"
        )
        run = Run(organisation_id=org, number=1, status="done", stage="done", progress=1.0, seed=1)
        upload = Upload(
            organisation_id=org, filename=f"{SECRET}.xlsx", rows=1, values=1, sha256="0" * 64
        )
        db.add_all([chosen, point, custom, run, upload])
        db.flush()
        value = RunValue(
            organisation_id=org,
            run_id=run.id,
            programme_id=programme.id,
            programme=SECRET,
            period=2024,
            indicator_id="volunteer_hours",
            category="social",
            value=SECRET_VALUE,
            records=1,
        )
        audit = AuditEntry(
            organisation_id=org,
            user_id=user_id,
            entity="programme",
            entity_id=SECRET,
            action="create",
        )
        token = ApiToken(
            user_id=user_id, name=SECRET, prefix="victim00", token_hash="f" * 64, scopes=["read"]
        )
        db.add_all([value, audit, token])
        # Evidence and a grant to a third organisation (the intruder has none).
        third = Organisation(name="제3기관", kind="company", region_sido="서울특별시")
        db.add(third)
        db.flush()
        evidence = Evidence(
            organisation_id=org,
            target="indicator",
            indicator_id="volunteer_hours",
            filename=f"{SECRET}.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            note=SECRET,
            scan_status="not-scanned",
        )
        grant = EvidenceGrant(organisation_id=org, verifier_org_id=third.id, note=SECRET)
        db.add_all([evidence, grant])
        db.commit()
        return {
            "programme_id": programme.id,
            "point_id": point.id,
            "data_point_id": point.id,
            "indicator_id": custom.indicator_id,
            "custom_id": custom.id,
            "run_id": run.id,
            "upload_id": upload.id,
            "value_id": value.id,
            "user_id": user_id,
            "period": 2024,
            "choice_id": chosen.id,
            "evidence_id": evidence.id,
            "grant_id": grant.id,
            "grantor_id": org,
            "token_id": token.id,
        }


@pytest.fixture
def tenants(client, other_client, engine):
    victim_org = person_with_org(client, "victim@example.kr", "피해기관")
    me = client.get("/api/v1/me").json()
    objects = _victim_objects(engine, victim_org, me["id"])
    intruder_org = person_with_org(other_client, "intruder@example.kr", "다른기관")
    return victim_org, intruder_org, objects


def _fill(path: str, org: int, objects: dict[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "org_id":
            return str(org)
        assert name in objects, f"add a victim object for path parameter {{{name}}} in {path}"
        return str(objects[name])

    return re.sub(r"{(\w+)}", sub, path)


def _ask(client: Any, method: str, url: str) -> Any:
    if method in UNSAFE:
        if url.startswith("/api/"):
            return client.request(method, url, headers={"X-CSRF-Token": token(client)}, json={})
        return post(client, url, {})
    return client.get(url, follow_redirects=False)


def test_another_organisation_gets_404_and_no_data(tenants, other_client) -> None:
    """One setup, every route: the failures are listed together."""
    victim_org, intruder_org, objects = tenants
    failures = []
    for method, path in ROUTES:
        attempts = [_fill(path, victim_org, objects)]
        if re.findall(r"{(\w+)}", path) != ["org_id"]:
            attempts.append(_fill(path, intruder_org, objects))
        for url in attempts:
            response = _ask(other_client, method, url)
            body = response.text
            leaked = [s for s in (SECRET, "987654", "피해기관") if s in body]
            if response.status_code != 404 or leaked:
                failures.append(f"{method} {url}: {response.status_code} {leaked}")
    assert not failures, "\n".join(failures)
    assert len(ROUTES) >= 40
