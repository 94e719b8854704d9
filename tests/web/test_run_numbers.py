"""Runs are numbered per organisation (측정 #1, #2 … of each), and one active run per
organisation is kept by the database: of six starts at the same moment exactly one is queued.
Both on SQLite and, with GACHI_TEST_PLATFORM_DB=postgresql, on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gachi.db.models import Run
from gachi.domains.runs.runner import RunQueue
from web.helpers import api, create_org, sign_up
from web.runs_helpers import add_programme, measured_org, run_to_end

STARTS = 6


def test_two_organisations_each_count_their_runs_from_one(client, engine) -> None:
    first = measured_org(client, engine).id
    second = create_org(client, "나래협동조합")
    add_programme(engine, second, "봉사단", ["volunteering_hours"], {(2024, "volunteer_hours"): 1})
    made = [run_to_end(client, org) for org in (first, second, first, second)]
    assert [(r["number"], r["status"]) for r in made] == [
        (1, "done"),
        (1, "done"),
        (2, "done"),
        (2, "done"),
    ]
    assert len({r["id"] for r in made}) == 4  # ids are global and stay in addresses
    client.cookies.set("gachi_lang", "ko")
    listed = client.get(f"/api/v1/orgs/{second}/runs").json()["items"]
    assert [r["number"] for r in listed] == [2, 1]
    latest = made[3]
    page = client.get(latest["url"]).text
    assert "측정 #2" in page and f"측정 #{latest['id']}" not in page
    runs_page = client.get(f"/orgs/{second}/runs").text
    assert ">#1</a>" in runs_page and ">#2</a>" in runs_page
    assert "측정 #2" in client.get(f"/orgs/{second}").text  # the dashboard names it too


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs stay queued: no worker can finish one and make room for another start."""
    monkeypatch.setattr(RunQueue, "submit", lambda self, organisation_id, run_id: None)


def test_six_simultaneous_starts_queue_exactly_one(client, engine, nothing_runs) -> None:
    org = measured_org(client, engine).id
    barrier = threading.Barrier(STARTS)
    answers: list[Any] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait()
        response = api(client, "POST", f"/api/v1/orgs/{org}/runs", json={"draws": 0})
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=start) for _ in range(STARTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [202] + [409] * (STARTS - 1), [r.text for r in answers]
    codes = {r.json()["error"]["code"] for r in answers if r.status_code == 409}
    assert codes <= {"run.busy", "run.started-meanwhile"}
    runs = client.get(f"/api/v1/orgs/{org}/runs").json()
    assert runs["total"] == 1 and runs["items"][0]["number"] == 1


def test_the_database_refuses_a_second_active_run_and_a_repeated_number(client, engine) -> None:
    """What the service relies on when two starts race past its own check."""
    sign_up(client, "kim@example.kr")
    org = create_org(client, "가온")
    with Session(engine) as db:
        db.add(Run(organisation_id=org, number=1, status="queued", stage="queued", seed=1))
        db.commit()
    for number, status in ((2, "running"), (1, "done")):
        with Session(engine) as db:
            db.add(Run(organisation_id=org, number=number, status=status, stage=status, seed=1))
            with pytest.raises(IntegrityError):
                db.commit()
    with Session(engine) as db:  # a finished run beside the active one is fine
        db.add(Run(organisation_id=org, number=2, status="done", stage="done", seed=1))
        db.commit()
