"""The demo of `gachi demo`, loaded into a fresh migrated database (SQLite, or PostgreSQL)."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from conftest import ROOT  # type: ignore[import-not-found]
from gachi.config import Settings
from gachi.db.models import (
    AuditEntry,
    DataPoint,
    Evidence,
    EvidenceGrant,
    Membership,
    Organisation,
    Programme,
    ProgrammeIndicator,
    Run,
    RunValue,
    User,
)
from gachi.domains.accounts.service import SignUp, sign_up
from gachi.domains.demo.service import Loaded, load_demo, logins, read_demo, reset_demo
from gachi.domains.evidence import storage
from gachi.domains.organisations.service import Profile, create
from gachi.engine.catalog import load_catalog
from gachi.engine.data import open_dataset
from gachi.engine.plan import compile_plan
from gachi.engine.run import data_rules, measure
from gachi.kernel.brn import parse_brn
from web.helpers import log_in, post

ADDED = ("돌봄 종사자 직무교육", "지역 먹거리 공동구매")  # programmes the sample does not have
COUNTED = (
    Organisation,
    User,
    Membership,
    Programme,
    ProgrammeIndicator,
    DataPoint,
    Run,
    RunValue,
    Evidence,
    EvidenceGrant,
)


def _load(engine: Engine, settings: Settings, **kw: object) -> Loaded:
    with Session(engine) as db:
        loaded = load_demo(db, settings, **kw)  # type: ignore[arg-type]
        db.commit()
    return loaded


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as db:
        return {m.__name__: db.scalar(select(func.count()).select_from(m)) or 0 for m in COUNTED}


@pytest.fixture
def loaded(demo: Loaded) -> Loaded:
    """The demo without Monte-Carlo draws (quicker); the run test loads it as `gachi demo` does."""
    return demo


def test_four_organisations_of_four_kinds_with_valid_fictional_numbers(
    engine: Engine, loaded: Loaded
) -> None:
    assert not loaded.already and loaded.organisations == 4 and loaded.runs == 5
    with Session(engine) as db:
        orgs = db.scalars(select(Organisation).order_by(Organisation.id)).all()
    assert [o.name for o in orgs] == [
        "가온텔레콤",
        "한빛에너지공사",
        "함께일터 사회적협동조합",
        "누리상생협력재단",
    ]
    assert [o.kind for o in orgs] == [
        "company",
        "public_institution",
        "cooperative",
        "intermediary",
    ]
    for o in orgs:
        assert o.brn is not None and parse_brn(o.brn) == o.brn
        assert o.brn.startswith("000")  # a tax-office code never issued: no real company's
        assert o.region_sido and o.region_sigungu and o.industry
    assert len({o.brn for o in orgs}) == 4


def test_every_person_signs_in_with_the_printed_password_and_sees_their_organisation(
    client: TestClient, loaded: Loaded
) -> None:
    assert len(loaded.logins) >= 8
    by_org: dict[str, set[str]] = defaultdict(set)
    for login in loaded.logins:
        by_org[login.organisation].add(login.role)
        response = log_in(client, login.email, login.password)
        assert response.status_code == 303, (login.email, response.text)
        mine = client.get("/api/v1/orgs").json()["items"]
        assert [(o["name"], o["role"]) for o in mine] == [(login.organisation, login.role)]
        assert post(client, "/logout").status_code == 303
    assert len(by_org) == 4
    assert all("owner" in roles and 2 <= len(roles) <= 3 for roles in by_org.values())
    assert log_in(client, loaded.logins[0].email, "wrong-password").status_code == 401


def test_each_organisation_has_data_for_2022_to_2024_and_a_finished_run(
    engine: Engine, settings: Settings
) -> None:
    loaded = _load(engine, settings)  # with the default draws, as `gachi demo` loads it
    with Session(engine) as db:
        periods: dict[str, set[int]] = defaultdict(set)
        rows = db.execute(
            select(Organisation.name, Programme.name, DataPoint.period)
            .join(Programme, Programme.id == DataPoint.programme_id)
            .join(Organisation, Organisation.id == DataPoint.organisation_id)
        ).all()
        for org, programme, period in rows:
            periods[org].add(period)
            periods[f"{org}/{programme}"].add(period)
        assert len(rows) == loaded.points == 129
        assert all(p == {2022, 2023, 2024} for p in periods.values()), periods
        demo_programmes = sum(len(o.programmes) for o in read_demo().organisations)
        assert len(periods) == 4 + demo_programmes  # every programme has data

        for org in db.scalars(select(Organisation)):
            run = db.scalar(select(Run).where(Run.organisation_id == org.id).order_by(Run.id))
            assert run is not None and run.status == "done" and run.draws == 2000
            assert run.summary and run.data_version and run.plan_fingerprint
            values = db.scalars(select(RunValue).where(RunValue.run_id == run.id)).all()
            assert {v.period for v in values} == {2022, 2023, 2024}
            assert all(v.p5 is not None and v.p95 is not None for v in values)
        # The energy corporation's own emissions are a negative value.
        emissions = db.scalars(
            select(RunValue.value).where(RunValue.indicator_id == "direct_emissions")
        ).all()
        assert emissions and all(v is not None and v < 0 for v in emissions)
        # Entered through the services: the audit log says who entered the data.
        assert (
            db.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "data_point")
            )
            == 129 + 1  # and the one value the telecom corrects before restating 2024
        )


def test_the_runs_give_the_engines_numbers_for_the_same_data(
    engine: Engine, loaded: Loaded
) -> None:
    """The demo's data is the sample data of the catalogue: the platform's run and the engine
    over `library/sample/records.csv` must agree cell by cell."""
    catalog = load_catalog(ROOT / "library" / "indicators")
    plan = compile_plan(catalog, group_by=("organisation", "programme", "period"))
    with open_dataset(ROOT / "library" / "sample" / "records.csv", data_rules(plan)) as data:
        expected = {
            (str(r.group[0]), str(r.group[1]), int(r.group[2] or 0), r.indicator): r.value
            for r in measure(plan, data).rows
        }
    with Session(engine) as db:
        # Each organisation's first run: the telecom corrects a value and measures again to
        # restate 2024, so its second run no longer has the sample's data.
        first = select(func.min(Run.id)).group_by(Run.organisation_id)
        cells = db.execute(
            select(Organisation.name, RunValue)
            .join(Organisation, Organisation.id == RunValue.organisation_id)
            .where(RunValue.run_id.in_(first))
        ).all()
    compared = 0
    for org, cell in cells:
        want = expected.get((org, cell.programme, cell.period, cell.indicator_id))
        if want is None:
            continue  # the two programmes the demo adds to the sample
        assert cell.value is not None and math.isclose(cell.value, want, rel_tol=1e-9), cell
        compared += 1
    added = sum(1 for _org, cell in cells if cell.programme in ADDED)
    assert added == 6 and compared == len(cells) - added


def test_loading_twice_adds_nothing_and_reset_loads_it_afresh(
    engine: Engine, settings: Settings, loaded: Loaded
) -> None:
    first = _counts(engine)
    assert first["Organisation"] == 4 and first["User"] == len(logins())
    again = _load(engine, settings)
    assert again.already and again.points == 0 and again.logins == loaded.logins
    assert _counts(engine) == first

    # Somebody else's organisation survives a reset of the demo.
    with Session(engine) as db:
        someone = sign_up(db, SignUp("kim@example.com", "김가치", "correct-horse-battery"))
        create(db, someone, Profile("다른 협동조합", "cooperative", region_sido="부산광역시"))
        db.commit()
    with Session(engine) as db:
        assert reset_demo(db) == 4
        db.commit()
    assert _counts(engine)["Organisation"] == 1
    fresh = _load(engine, settings)
    assert not fresh.already
    after = _counts(engine)
    assert after["Organisation"] == 5 and after["User"] == first["User"] + 1
    assert after["DataPoint"] == first["DataPoint"]


def test_the_demo_publishes_and_restates_a_year(engine: Engine, loaded: Loaded) -> None:
    """The telecom publishes 2023 and 2024, corrects its 2024 volunteering hours (52,300 →
    54,800) and restates 2024: the difference is that correction alone, 2,500 h × 25,156 won."""
    from gachi.domains.publishing import public

    with Session(engine) as db:
        books = {(p.organisation, p.year): p.version for p in public.publishers(db)}
        assert books[("가온텔레콤", 2024)] == 2 and books[("가온텔레콤", 2023)] == 1
        assert len(books) == 5
        telecom = next(p.organisation_id for p in public.publishers(db) if p.version == 2)
        r = public.book(db, telecom, 2024)["restatement"]
        assert r["delta"] == pytest.approx(2_500 * 25_156)
        assert r["effects"]["data"] == pytest.approx(2_500 * 25_156)
        assert "12월 집계 누락분" in r["reason"]
        assert len(public.peers(db, 2024)) == 3  # the foundation did not opt in


def test_a_verifier_sees_the_telecoms_evidence(
    client: TestClient, engine: Engine, settings: Settings, loaded: Loaded
) -> None:
    """The telecom attaches a PDF to its 2024 volunteering hours and lets the foundation verify
    it: the foundation's owner sees the file, what it backs, and downloads it."""
    with Session(engine) as db:
        ids = {o.name: o.id for o in db.scalars(select(Organisation))}
        row = db.scalars(select(Evidence)).one()
        grant = db.scalars(select(EvidenceGrant)).one()
        programme = db.get(Programme, row.programme_id)
        assert programme is not None and programme.name == "임직원 자원봉사"
    telecom, foundation = ids["가온텔레콤"], ids["누리상생협력재단"]
    assert (row.organisation_id, row.target, row.period, row.input_name) == (
        telecom,
        "data_point",
        2024,
        "volunteer_hours",
    )
    assert row.content_type == "application/pdf" and row.scan_status == "not-scanned"
    assert row.filename.endswith(".pdf") and row.note
    stored = storage.path_for(settings, row.sha256).read_bytes()
    assert stored.startswith(b"%PDF-") and stored.rstrip().endswith(b"%%EOF")
    assert b"54,800" in stored  # the corrected hours the telecom restates
    assert (grant.organisation_id, grant.verifier_org_id) == (telecom, foundation)
    assert grant.revoked_at is None and grant.expires_at is None

    assert log_in(client, "owner@nuri.example", read_demo().password).status_code == 303
    shared = client.get(f"/orgs/{foundation}/verify")
    assert shared.status_code == 200 and f"/orgs/{foundation}/verify/{telecom}" in shared.text
    listing = client.get(f"/orgs/{foundation}/verify/{telecom}")
    assert listing.status_code == 200 and row.filename in listing.text
    assert "임직원 자원봉사 · 2024" in listing.text
    download = client.get(f"/orgs/{foundation}/verify/{telecom}/evidence/{row.id}")
    assert download.status_code == 200 and download.content == stored
    # The telecom's owner sees who may verify, on its evidence page.
    assert post(client, "/logout").status_code == 303
    assert log_in(client, "owner@gaon.example", read_demo().password).status_code == 303
    own = client.get(f"/orgs/{telecom}/evidence")
    assert row.filename in own.text and "누리상생협력재단" in own.text


def test_the_demo_pdf_is_well_formed() -> None:
    """Every object's offset in the cross-reference table is where the object starts."""
    from gachi.domains.demo.files import pdf

    data = pdf(["Staff volunteering (2024)", "back\\slash"])
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[xref:].startswith(b"xref\n0 6\n")
    entries = data[xref:].split(b"\n")[3:8]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry.split(b" ", 1)[0])
        assert data[offset:].startswith(b"%d 0 obj" % number)
    assert b"(Staff volunteering \\(2024\\)) '" in data
    with pytest.raises(ValueError):
        pdf(["한글"])
