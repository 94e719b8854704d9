"""Nothing unpublished ever appears on a public page, in the public JSON or in a downloaded
report: generated from the route table, so a public route added later is checked the day it is
added.

Two organisations: A publishes 2024 (v1) and then, unpublished, changes its 2024 data, adds a
programme, and measures again; it never publishes 2023. B publishes nothing at all, though it
measured and opted in to the comparison. Every public route is asked with every organisation,
year, version and format; none may show a value, name or input that was not published.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import DataPoint
from gachi.db.session import make_engine
from gachi.db.tenancy import TenantRepository
from gachi.kernel.money import format_money
from gachi.web.app import create_app
from gachi.web.routes import route_table
from web.data_helpers import korean
from web.helpers import api
from web.publishing_helpers import measure_and_publish, mentoring_org
from web.runs_helpers import add_programme, run_to_end, set_point

PUBLIC_PREFIXES = ("/public", "/api/v1/public")
HOURS_2023 = 4321.5  # never published: 43,215,000 won
HOURS_2024_LATER = 6173.5  # measured after publishing, never published: 61,735,000 won
HIDDEN_PROGRAMME = "비공개사업-5150"
QUIET_ORG = "조용한기관-9"
QUIET_PROGRAMME = "숨은사업-77"
INPUT_ONLY_PROGRAMME = "지표없는사업-404"  # data entered, no indicator: in no book
UNREAD_INPUT = "private_note_col"  # entered for a published programme, read by no indicator


def public_routes() -> list[str]:
    app = create_app(Settings(database_url="sqlite://"), engine=make_engine("sqlite://"))
    return sorted(
        {e.path for e in route_table(app.routes) if e.method == "GET"}
        & {e.path for e in route_table(app.routes) if e.path.startswith(PUBLIC_PREFIXES)}
    )


ROUTES = public_routes()


def _secrets() -> list[str]:
    out = [HIDDEN_PROGRAMME, QUIET_ORG, QUIET_PROGRAMME, INPUT_ONLY_PROGRAMME, UNREAD_INPUT]
    out += ["4,321.5", "6,173.5", "4321.5", "6173.5"]
    for won in (HOURS_2023 * 10_000, HOURS_2024_LATER * 10_000):
        out += [f"{won:,.0f}", f"{won:.0f}", f"{won:.1f}"]
        out += [format_money(won, lang=lang) for lang in ("ko", "en")]
    return out


@pytest.fixture
def world(client, other_client, engine) -> dict[str, Any]:
    a = mentoring_org(client, engine, {2023: HOURS_2023, 2024: 100})
    measure_and_publish(client, a.org, 2024)
    # Restated (v2, same values) from a run that also read a programme with no indicator and an
    # input no indicator reads: the restatement's list of changed data may name neither.
    add_programme(engine, a.org, INPUT_ONLY_PROGRAMME, [], {(2024, "hours"): 77})
    with Session(engine) as db:
        TenantRepository(db, a.org).add(
            DataPoint(programme_id=a.programme, period=2024, name=UNREAD_INPUT, value=1)
        )
        db.commit()
    measure_and_publish(client, a.org, 2024, "같은 값을 새 측정으로 다시 공개")
    api(client, "PUT", f"/api/v1/orgs/{a.org}/publications/profile", json={"peer_comparison": True})
    # After publishing: new data, a new programme, a new run — none of it published.
    set_point(engine, a.org, a.programme, 2024, "hours", HOURS_2024_LATER)
    add_programme(engine, a.org, HIDDEN_PROGRAMME, ["my_mentoring"], {(2024, "hours"): 55})
    assert run_to_end(client, a.org)["status"] == "done"

    b = mentoring_org(other_client, engine, {2024: 999}, email="b@example.kr", name=QUIET_ORG)
    add_programme(engine, b.org, QUIET_PROGRAMME, ["my_mentoring"], {(2024, "hours"): 12})
    assert run_to_end(other_client, b.org)["status"] == "done"
    api(
        other_client,
        "PUT",
        f"/api/v1/orgs/{b.org}/publications/profile",
        json={"peer_comparison": True},
    )
    return {"a": a.org, "b": b.org}


def _urls(path: str, world: dict[str, Any]) -> list[str]:
    options = {
        "org_id": [world["a"], world["b"], 999_999],
        "year": [2023, 2024],
        "version": [1, 2],
        "fmt": ["html", "xlsx", "pdf"],
    }
    names = re.findall(r"{(\w+)}", path)
    assert set(names) <= set(options), f"teach this test the parameters of {path}"
    urls = [path]
    for name in names:
        urls = [u.replace(f"{{{name}}}", str(v)) for u in urls for v in options[name]]
    return [u + q for u in urls for q in ("", "?version=1", "?version=2")]


def _text(response: Any) -> str:
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell)
            for ws in book.worksheets
            for row in ws.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if "pdf" in kind:
        return "\n".join(
            p.extract_text() or "" for p in PdfReader(io.BytesIO(response.content)).pages
        )
    return response.text


def test_every_public_route_is_known() -> None:
    assert {"/public/{org_id}/{year}", "/api/v1/public/{org_id}/{year}"} <= set(ROUTES)
    assert len(ROUTES) >= 8


def test_no_unpublished_value_appears_on_any_public_page_or_json(world, app, client) -> None:
    secrets = _secrets()
    # The control: signed in, the organisation sees its unpublished values in these very forms.
    private = korean(client).get(f"/orgs/{world['a']}").text
    assert HIDDEN_PROGRAMME in private and any(s in private for s in secrets[3:])
    seen_published = False
    failures = []
    for lang in ("ko", "en"):
        with TestClient(app, raise_server_exceptions=False) as anonymous:
            anonymous.cookies.set("gachi_lang", lang)
            for path in ROUTES:
                for url in _urls(path, world):
                    response = anonymous.get(url, follow_redirects=True)
                    if response.status_code >= 500:
                        failures.append(f"{url}: {response.status_code}")
                        continue
                    body = _text(response)
                    leaked = [s for s in secrets if s in body]
                    if leaked:
                        failures.append(f"{lang} {url}: {leaked}")
                    seen_published |= "1,000,000" in body or "100만원" in body
    assert not failures, "\n".join(failures)
    assert seen_published  # the published value itself is shown: the crawl reached the books


def test_the_published_book_keeps_its_values_after_the_data_changes(world, app) -> None:
    with TestClient(app) as anonymous:
        book = korean(anonymous).get(f"/api/v1/public/{world['a']}/2024").json()
    assert book["total"]["value"] == 1_000_000
    assert [line["programme"] for line in book["lines"]] == ["청소년 멘토링 사업"]
    assert "inputs" not in book and "definitions" not in book
