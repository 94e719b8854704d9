"""Publishing under test: an organisation with its own indicator (so that a test can change a
proxy or the formula), data for two years, runs started and waited for, publications made."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gachi.db.models import CustomIndicator, Organisation
from gachi.db.tenancy import TenantRepository
from web.helpers import api, person_with_org
from web.runs_helpers import add_programme, run_to_end

# Hand-worked: hours × wage, no adjustments, report year 2024 at 2024 prices (no re-basing).
MENTORING = """\
id: my_mentoring
version: {version}
name: {{ko: 청소년 멘토링, en: Youth mentoring}}
description: {{ko: 멘토링 시간, en: Mentoring hours}}
frameworks: {{sk: social_contribution}}
inputs:
  - name: hours
    unit: hour
    description: {{ko: 멘토링 시간, en: Mentoring hours}}
proxies:
  - name: wage
    value: {wage}
    unit: KRW/hour
    currency: KRW
    base_year: 2024
    source: {{title: 고용형태별근로실태조사, publisher: 고용노동부, year: 2025}}
    licence: facts-only
formula: {formula}
"""


def mentoring(wage: float = 10_000, formula: str = "hours * wage", version: int = 1) -> str:
    return MENTORING.format(wage=wage, formula=formula, version=version)


class Published:
    def __init__(self, org: int, programme: int) -> None:
        self.org, self.programme = org, programme


def mentoring_org(
    client: TestClient,
    engine: Engine,
    hours: dict[int, float] | None = None,
    email: str = "owner@example.kr",
    name: str = "가온협동조합",
) -> Published:
    """An organisation measuring its own mentoring indicator (wage 10,000 won an hour)."""
    org = person_with_org(client, email, name)
    set_definition(engine, org, mentoring())
    hours = hours or {2023: 80, 2024: 100}
    programme = add_programme(
        engine,
        org,
        "청소년 멘토링 사업",
        ["my_mentoring"],
        {(y, "hours"): v for y, v in hours.items()},
    )
    return Published(org, programme)


def set_definition(engine: Engine, org: int, text: str) -> None:
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        found = db.scalars(repo.select(CustomIndicator)).first()
        if found is None:
            repo.add(CustomIndicator(indicator_id="my_mentoring", definition=text))
        else:
            found.definition = text
        db.commit()


def rename_org(engine: Engine, org: int, name: str) -> None:
    """Give the organisation a name straight in the database (as stored before any check)."""
    with Session(engine) as db:
        organisation = db.get(Organisation, org)
        assert organisation is not None
        organisation.name = name
        db.commit()


def publish(client: TestClient, org: int, year: int, reason: str = "") -> Any:
    return api(
        client, "POST", f"/api/v1/orgs/{org}/publications", json={"year": year, "reason": reason}
    )


def measure_and_publish(client: TestClient, org: int, year: int, reason: str = "") -> Any:
    body = run_to_end(client, org)
    assert body["status"] == "done", body
    response = publish(client, org, year, reason)
    assert response.status_code == 201, response.text
    return response.json()
