"""Measurement runs: started by editors, computed in the background with the indicators each
programme chose, stored with their lineage; failures stored as readable messages."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gachi.db.models import Run, RunValue
from gachi.db.tenancy import TenantRepository
from gachi.domains.runs import runner
from gachi.domains.runs.compute import KEYS
from gachi.engine.catalog import load_catalog
from gachi.engine.plan import compile_plan
from gachi.web.app import create_app
from web.helpers import api, create_org, log_in, person_with_org, post, sign_up
from web.runs_helpers import (
    A_2023,
    A_2024,
    B_2024,
    TOTAL,
    add_programme,
    install_standins,
    measured_org,
    run_to_end,
    start_run,
    wait_for,
)


@pytest.fixture(autouse=True)
def _other_domains(monkeypatch):
    install_standins(monkeypatch)


def korean(client: TestClient) -> None:
    client.get("/lang/ko", follow_redirects=False)


@pytest.fixture
def org(client, engine):
    return measured_org(client, engine)


def _values(client, org: int, run_id: int) -> dict[tuple[int, int, str], dict]:
    body = client.get(f"/api/v1/orgs/{org}/runs/{run_id}/values").json()
    return {(v["programme_id"], v["period"], v["indicator"]): v for v in body["items"]}


def test_a_run_values_each_programme_with_the_indicators_it_chose(client, org) -> None:
    run = run_to_end(client, org.id)
    assert run["status"] == "done", run
    assert run["progress"] == 1.0 and run["stage"] == "done"
    assert run["total"] == pytest.approx(TOTAL)
    values = _values(client, org.id, run["id"])
    # B's volunteering hours are data, but B did not choose volunteering: no value for it.
    assert set(values) == {
        (org.a, 2023, "volunteering_hours"),
        (org.a, 2024, "volunteering_hours"),
        (org.b, 2024, "waste_landfilled"),
    }
    a24 = values[(org.a, 2024, "volunteering_hours")]
    assert a24["value"] == pytest.approx(A_2024)
    assert a24["records"] == 1 and a24["programme"] == "청소년 코딩교실"
    assert a24["category"] == "social_contribution"
    assert a24["p5"] is None  # no draws, no range
    assert values[(org.a, 2023, "volunteering_hours")]["value"] == pytest.approx(A_2023)
    landfill = values[(org.b, 2024, "waste_landfilled")]
    assert landfill["value"] == pytest.approx(B_2024)
    assert landfill["category"] == "business_environment"


def test_a_run_stores_its_lineage(client, org, engine, settings) -> None:
    run = run_to_end(client, org.id, draws=0, seed=42)
    lineage = run["lineage"]
    catalog = load_catalog(settings.catalog_dir)
    volunteering = catalog.entries["volunteering_hours"].spec
    assert lineage["indicators"]["volunteering_hours"] == {
        "version": volunteering.version,
        "spec_hash": volunteering.spec_hash(),
    }
    assert set(lineage["indicators"]) == {"volunteering_hours", "waste_landfilled"}
    assert lineage["seed"] == 42 and lineage["draws"] == 0
    ids = [i for i in catalog.order if i in lineage["indicators"]]
    assert lineage["plan_fingerprint"] == compile_plan(catalog, ids, group_by=KEYS).fingerprint()
    from gachi.domains.data import service as data

    with Session(engine) as db:
        assert lineage["data_version"] == data.data_version(TenantRepository(db, org.id))


def test_draws_store_ranges_that_hold_the_value_and_repeat_with_the_seed(client, org) -> None:
    first = run_to_end(client, org.id, draws=1000, seed=7)
    assert first["status"] == "done", first
    band = first["total_band"]
    assert band["p5"] <= TOTAL <= band["p95"]
    assert band["p5"] < band["p50"] < band["p95"]
    values = _values(client, org.id, first["id"])
    for v in values.values():
        assert v["p5"] <= v["p50"] <= v["p95"]
        assert v["p5"] <= v["value"] <= v["p95"], v
    landfill = values[(org.b, 2024, "waste_landfilled")]
    # −100 t × triangular(70,056; 116,855; 145,000) won/t: the range is negative throughout.
    assert -100 * 145_000 <= landfill["p5"] < landfill["p95"] <= -100 * 70_056
    again = run_to_end(client, org.id, draws=1000, seed=7)
    assert again["total_band"] == band
    other = run_to_end(client, org.id, draws=1000, seed=8)
    assert other["total_band"] != band


def test_the_form_starts_a_run_and_shows_its_page(client, org) -> None:
    korean(client)
    response = post(client, f"/orgs/{org.id}/runs", {"draws": "0", "seed": "3"})
    assert response.status_code == 303
    location = response.headers["location"]
    run_id = int(location.rsplit("/", 1)[1])
    assert location == f"/orgs/{org.id}/runs/{run_id}"
    wait_for(client, org.id, run_id)
    page = client.get(location)
    assert page.status_code == 200
    assert "7.4억원" in page.text and "data-run-poll" not in page.text
    assert "측정 #" in page.text  # the lineage table of a finished run


@pytest.mark.parametrize(
    ("draws", "seed", "field", "message"),
    [
        ("5", "1", "draws", "고를 수 없습니다"),
        ("0", "abc", "seed", "정수가 아닙니다"),
        ("0", "-1", "seed", "시드 -1"),
    ],
)
def test_a_wrong_form_is_shown_again_with_its_message(client, org, draws, seed, field, message):
    korean(client)
    response = post(client, f"/orgs/{org.id}/runs", {"draws": draws, "seed": seed})
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{seed}"' in response.text  # what the person typed is kept
    assert client.get(f"/api/v1/orgs/{org.id}/runs").json()["total"] == 0


def test_the_api_refuses_draws_it_does_not_offer(client, org) -> None:
    response = api(client, "POST", f"/api/v1/orgs/{org.id}/runs", json={"draws": 50})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "run.draws-invalid"


def test_a_viewer_cannot_start_a_run(client, other_client, engine) -> None:
    org = person_with_org(client, "owner@example.kr", "가온텔레콤")
    sign_up(other_client, "viewer@example.kr", "이열람")
    added = post(client, f"/orgs/{org}/members", {"email": "viewer@example.kr", "role": "viewer"})
    assert added.status_code == 303
    assert post(other_client, f"/orgs/{org}/runs", {"draws": "0"}).status_code == 403
    assert api(other_client, "POST", f"/api/v1/orgs/{org}/runs", json={}).status_code == 403
    listing = other_client.get(f"/orgs/{org}/runs")
    assert listing.status_code == 200
    assert f'action="/orgs/{org}/runs"' not in listing.text  # no form to start one
    assert other_client.get(f"/api/v1/orgs/{org}/runs").json()["total"] == 0


def test_runs_are_listed_newest_first(client, org) -> None:
    first = run_to_end(client, org.id)["id"]
    second = run_to_end(client, org.id, draws=1000)["id"]
    body = client.get(f"/api/v1/orgs/{org.id}/runs").json()
    assert [r["id"] for r in body["items"]] == [second, first]
    assert body["items"][0]["total"] == pytest.approx(TOTAL)
    page = client.get(f"/orgs/{org.id}/runs")
    assert page.text.index(f"#{second}") < page.text.index(f"#{first}")
    values = client.get(f"/api/v1/orgs/{org.id}/runs/{second}/values?limit=2&offset=2").json()
    assert values["total"] == 3 and len(values["items"]) == 1


# ---- failures -----------------------------------------------------------------------------


def test_a_chosen_indicator_without_any_data_fails_with_a_readable_message(client, engine):
    org = person_with_org(client, "owner@example.kr", "가온텔레콤")
    add_programme(engine, org, "봉사단", ["volunteering_hours"])
    korean(client)
    run = run_to_end(client, org)
    assert run["status"] == "failed"
    assert run["error"]["code"] == "run.missing-input"
    assert "volunteer_hours" in run["error"]["message"]
    page = client.get(f"/orgs/{org}/runs/{run['id']}")
    assert page.status_code == 200
    assert "volunteer_hours" in page.text and "입력 데이터가 하나도 없습니다" in page.text
    assert "Traceback" not in page.text
    client.get("/lang/en")
    english = client.get(f"/api/v1/orgs/{org}/runs/{run['id']}").json()
    assert "there is no data at all for the input 'volunteer_hours'" in english["error"]["message"]


def test_bad_data_fails_naming_the_programme_and_period(client, engine):
    org = person_with_org(client, "owner@example.kr", "가온텔레콤")
    add_programme(engine, org, "봉사단", ["volunteering_hours"], {(2024, "volunteer_hours"): -5})
    korean(client)
    run = run_to_end(client, org)
    assert run["status"] == "failed"
    assert run["error"]["code"] == "run.negative-input"
    assert "봉사단" in run["error"]["message"] and "2024" in run["error"]["message"]
    with Session(engine) as db:
        assert db.query(RunValue).count() == 0  # nothing half-written


def test_nothing_chosen_fails_with_the_next_step(client, engine):
    org = person_with_org(client, "owner@example.kr", "가온텔레콤")
    add_programme(engine, org, "봉사단", [], {(2024, "volunteer_hours"): 5})
    korean(client)
    run = run_to_end(client, org)
    assert run["error"]["code"] == "run.no-indicators"
    assert "지표를 먼저 고르세요" in run["error"]["message"]


def test_an_unexpected_error_is_stored_with_a_reference_not_a_traceback(client, org, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(runner, "measure_organisation", broken)
    run = run_to_end(client, org.id)
    assert run["status"] == "failed"
    assert run["error"]["code"] == "run.internal-error"
    assert "ZeroDivisionError" not in str(run)


# ---- the worker -----------------------------------------------------------------------------


@pytest.fixture
def gate(monkeypatch):
    """Hold every run inside its computation until the test opens the gate."""
    entered, opened = threading.Event(), threading.Event()
    real = runner.measure_organisation

    def held(*args, **kwargs):
        entered.set()
        assert opened.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "measure_organisation", held)
    yield entered, opened
    opened.set()


def test_a_run_does_not_block_other_requests(client, org, gate) -> None:
    entered, opened = gate
    run_id = start_run(client, org.id, draws=10_000)
    assert entered.wait(30)  # the worker is computing now, and stays there
    page = client.get(f"/orgs/{org.id}/runs/{run_id}")
    assert page.status_code == 200
    assert "data-run-poll" in page.text and "/static/runs.js" in page.text
    assert "<noscript>" in page.text
    status = client.get(f"/api/v1/orgs/{org.id}/runs/{run_id}").json()
    assert status["status"] == "running" and 0 < status["progress"] < 1
    assert client.get(f"/orgs/{org.id}").status_code == 200
    busy = api(client, "POST", f"/api/v1/orgs/{org.id}/runs", json={"draws": 0})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "run.busy"
    opened.set()
    assert wait_for(client, org.id, run_id)["status"] == "done"


def test_the_progress_script_is_served(client) -> None:
    script = client.get("/static/runs.js")
    assert script.status_code == 200
    assert "runPoll" in script.text and "location.reload" in script.text


def test_runs_left_unfinished_are_marked_interrupted_when_the_app_starts(
    client, engine, settings
) -> None:
    org = person_with_org(client, "owner@example.kr", "가온텔레콤")
    other = create_org(client, "둘째기관")  # one active run per organisation, at most
    with Session(engine) as db:
        for number, (owner, status) in enumerate(((org, "queued"), (other, "running")), 1):
            db.add(
                Run(
                    organisation_id=owner,
                    number=number,
                    status=status,
                    stage="compute",
                    progress=0.5,
                    seed=1,
                )
            )
        db.add(
            Run(organisation_id=org, number=3, status="done", stage="done", progress=1.0, seed=1)
        )
        db.commit()
    with TestClient(create_app(settings, engine=engine)):
        pass
    with Session(engine) as db:
        runs = db.query(Run).order_by(Run.id).all()
        assert [r.status for r in runs] == ["failed", "failed", "done"]
        assert runs[0].error["code"] == "run.interrupted"
    body = client.get(f"/api/v1/orgs/{org}/runs").json()
    assert "run it again" in body["items"][-1]["error"]["message"]


def test_shutting_down_interrupts_the_runs_it_was_running(client, engine, settings, gate):
    entered, opened = gate
    org = measured_org(client, engine)
    other = create_org(client, "둘째기관")
    add_programme(engine, other, "봉사단", ["volunteering_hours"], {(2024, "volunteer_hours"): 1})
    app = create_app(settings, engine=engine)  # one worker thread: the second run waits
    with TestClient(app) as browser:
        log_in(browser, "owner@example.kr")
        running = start_run(browser, org.id)
        assert entered.wait(30)
        queued = start_run(browser, other)
        queue = app.state.run_queue
        # Let the held run go on once shutdown has begun: it stops at its next step.
        threading.Thread(target=lambda: queue.stopping.wait(30) and opened.set()).start()
    for org_id, run_id in ((org.id, running), (other, queued)):
        body = client.get(f"/api/v1/orgs/{org_id}/runs/{run_id}").json()
        assert body["status"] == "failed", body
        assert body["error"]["code"] == "run.interrupted"
