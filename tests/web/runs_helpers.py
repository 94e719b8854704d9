"""Runs under test: programmes with chosen indicators and data written straight into the
database (the programme and data pages have tests of their own), runs started and waited for."""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gachi.db.models import DataPoint, Programme, ProgrammeIndicator
from gachi.db.tenancy import TenantRepository
from web.helpers import api

FINISHED = ("done", "failed")


def add_programme(
    engine: Engine,
    org: int,
    name: str,
    indicators: Sequence[str],
    points: Mapping[tuple[int, str], float] | None = None,
) -> int:
    """A programme with `indicators` chosen and `points` ((period, input column) → value)."""
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        programme = repo.add(Programme(name=name, kind="programme"))
        for indicator in indicators:
            repo.add(ProgrammeIndicator(programme_id=programme.id, indicator_id=indicator))
        for (period, column), value in (points or {}).items():
            repo.add(DataPoint(programme_id=programme.id, period=period, name=column, value=value))
        db.commit()
        return programme.id


def set_point(
    engine: Engine, org: int, programme: int, period: int, column: str, value: float
) -> None:
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        query = repo.select(DataPoint).where(
            DataPoint.programme_id == programme,
            DataPoint.period == period,
            DataPoint.name == column,
        )
        point = db.scalars(query).one()
        point.value = value
        db.commit()


def start_run(client: TestClient, org: int, draws: int = 0, seed: int = 1) -> int:
    response = api(client, "POST", f"/api/v1/orgs/{org}/runs", json={"draws": draws, "seed": seed})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] in ("queued", "running", "done", "failed")
    return int(body["id"])


def wait_for(
    client: TestClient,
    org: int,
    run_id: int,
    *,
    until: Sequence[str] = FINISHED,
    timeout: float = 60,
) -> dict[str, Any]:
    """Poll the run until its status is one of `until` (the worker runs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/v1/orgs/{org}/runs/{run_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in until:
            return body
        assert time.monotonic() < deadline, f"run {run_id} still {body['status']} after {timeout}s"
        time.sleep(0.05)


def run_to_end(client: TestClient, org: int, draws: int = 0, seed: int = 1) -> dict[str, Any]:
    return wait_for(client, org, start_run(client, org, draws, seed))


# Hand-worked: the library's volunteering is hours × 25,156 won (2024 wage, report year 2024, no
# adjustments); landfill is −tonnes × 116,855 won.
HOURLY_WAGE = 25_156
LANDFILL_COST = 116_855
A_2023 = 10_000 * HOURLY_WAGE  # 251,560,000
A_2024 = 20_000 * HOURLY_WAGE  # 503,120,000
B_2024 = -100 * LANDFILL_COST  # −11,685,500
TOTAL = A_2023 + A_2024 + B_2024  # 742,994,500 = 7.4억원


class Org:
    def __init__(self, id: int, a: int, b: int) -> None:
        self.id, self.a, self.b = id, a, b


def measured_org(client: TestClient, engine: Engine, name: str = "가온텔레콤") -> Org:
    """An organisation with two programmes: volunteering in 2023 and 2024, and a landfill
    (a negative value) in 2024 whose volunteering hours it did not choose to count."""
    from web.helpers import person_with_org

    org = person_with_org(client, "owner@example.kr", name)
    a = add_programme(
        engine,
        org,
        "청소년 코딩교실",
        ["volunteering_hours"],
        {(2023, "volunteer_hours"): 10_000, (2024, "volunteer_hours"): 20_000},
    )
    b = add_programme(
        engine,
        org,
        "친환경 물류",
        ["waste_landfilled"],
        {(2024, "landfilled_t"): 100, (2024, "volunteer_hours"): 5_000},
    )
    return Org(org, a, b)


# ---- stand-ins for the services of other domains -------------------------------------------
# The runs domain reads programmes' chosen indicators, the organisation's catalogue and its data
# through `gachi.domains.programmes.service` and `gachi.domains.data.service`. Where those are
# missing (or GACHI_TEST_RUNS_STANDINS=1 is set, while they are being built) these minimal
# versions stand in for them, in these tests only.


def standin_org_catalog(repo: TenantRepository, settings: Any) -> Any:
    return _shipped(str(settings.catalog_dir))


@functools.cache
def _shipped(folder: str) -> Any:
    from gachi.engine.catalog import load_catalog

    return load_catalog(folder)


def standin_chosen_indicators(repo: TenantRepository) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {p.id: [] for p in repo.db.scalars(repo.select(Programme))}
    for row in repo.db.scalars(repo.select(ProgrammeIndicator).order_by(ProgrammeIndicator.id)):
        out.setdefault(row.programme_id, []).append(row.indicator_id)
    return out


def standin_records_frame(repo: TenantRepository) -> Any:
    import pandas as pd

    names = {p.id: p.name for p in repo.db.scalars(repo.select(Programme))}
    points = list(repo.db.scalars(repo.select(DataPoint)))
    keys = ["organisation", "programme", "programme_id", "period"]
    if not points:
        return pd.DataFrame({k: [] for k in keys})
    long = pd.DataFrame(
        [(p.programme_id, p.period, p.name, p.value) for p in points],
        columns=["programme_id", "period", "name", "value"],
    )
    wide = long.pivot_table(
        index=["programme_id", "period"], columns="name", values="value", aggfunc="first"
    ).reset_index()
    wide.columns.name = None
    wide.insert(0, "programme", wide["programme_id"].map(names))
    wide.insert(0, "organisation", "org")
    return wide


def standin_data_version(repo: TenantRepository) -> str:
    import hashlib

    digest = hashlib.sha256()
    for p in repo.db.scalars(repo.select(DataPoint).order_by(DataPoint.id)):
        digest.update(f"{p.id}:{p.version_id};".encode())
    return digest.hexdigest()


STANDINS = {
    "gachi.domains.programmes.service": {
        "org_catalog": standin_org_catalog,
        "chosen_indicators": standin_chosen_indicators,
    },
    "gachi.domains.data.service": {
        "records_frame": standin_records_frame,
        "data_version": standin_data_version,
    },
}


def install_standins(monkeypatch: Any) -> None:
    import importlib
    import os
    import sys
    import types

    force = os.environ.get("GACHI_TEST_RUNS_STANDINS") == "1"
    for name, functions in STANDINS.items():
        try:
            module = importlib.import_module(name)
        except ImportError:
            module = types.ModuleType(name)
            monkeypatch.setitem(sys.modules, name, module)
        for attr, standin in functions.items():
            if force or not hasattr(module, attr):
                monkeypatch.setattr(module, attr, standin, raising=False)
