"""Migrations: from empty to head, as an upgrade that keeps existing rows, and in step with the
models (on SQLite, and on PostgreSQL when GACHI_TEST_PLATFORM_DB=postgresql)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

import gachi.db.models  # noqa: F401 - registers every table on the metadata
from gachi.db import migrate
from gachi.db.base import Base
from gachi.db.session import make_engine

ON_POSTGRES = os.environ.get("GACHI_TEST_PLATFORM_DB") == "postgresql"


@pytest.fixture
def empty(tmp_path: Path, worker_id: str) -> Iterator[Engine]:
    """An empty database of the backend under test, dropped afterwards."""
    if not ON_POSTGRES:
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    base = os.environ.get("GACHI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"gachi_migrations_{worker_id}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        con.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(base.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as con:
        con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_empty_to_head_creates_every_table(empty: Engine) -> None:
    assert migrate.current(empty) is None
    migrate.upgrade(empty)
    assert migrate.current(empty) == migrate.head()
    tables = set(sa.inspect(empty).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_upgrade_from_0001_keeps_people_and_organisations(empty: Engine) -> None:
    migrate.upgrade(empty, "0001")
    assert migrate.current(empty) == "0001"
    now = datetime.now(UTC)
    # Written with the 0001 columns only, as a database of that time holds them.
    users = sa.table(
        "users",
        *(sa.column(c) for c in ("email", "name", "password_hash", "is_admin", "lang")),
        sa.column("created_at"),
    )
    orgs = sa.table(
        "organisations",
        *(sa.column(c) for c in ("name", "kind", "brn", "region_sido", "version_id")),
        sa.column("created_at"),
    )
    with empty.begin() as con:
        con.execute(
            users.insert(),
            {
                "email": "kim@example.com",
                "name": "김가치",
                "password_hash": "x",
                "is_admin": False,
                "lang": "ko",
                "created_at": now,
            },
        )
        con.execute(
            orgs.insert(),
            {
                "name": "가온텔레콤",
                "kind": "company",
                "brn": "0008100013",
                "region_sido": "서울특별시",
                "version_id": 1,
                "created_at": now,
            },
        )
    migrate.upgrade(empty)
    assert migrate.current(empty) == migrate.head()
    with empty.connect() as con:
        assert con.execute(text("SELECT email, name FROM users")).all() == [
            ("kim@example.com", "김가치")
        ]
        assert con.execute(text("SELECT name, brn FROM organisations")).all() == [
            ("가온텔레콤", "0008100013")
        ]
        # The tables 0002 added work with the rows kept: a programme of the kept organisation.
        org_id = con.execute(text("SELECT id FROM organisations")).scalar_one()
        con.execute(
            text(
                "INSERT INTO programmes (organisation_id, name, kind, description, created_at,"
                " version_id) VALUES (:o, 'AI 돌봄', 'product', '', :now, 1)"
            ),
            {"o": org_id, "now": now},
        )


def test_the_models_match_the_migrations(empty: Engine) -> None:
    migrate.upgrade(empty)
    with empty.connect() as con:
        context = MigrationContext.configure(con, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], differences


def test_0007_numbers_existing_runs_per_organisation_and_keeps_one_active(empty: Engine) -> None:
    migrate.upgrade(empty, "0006")
    now = datetime.now(UTC)
    orgs = sa.table(
        "organisations",
        *(sa.column(c) for c in ("id", "name", "kind", "region_sido", "version_id")),
        sa.column("created_at"),
    )
    runs = sa.table(
        "runs",
        *(sa.column(c) for c in ("id", "organisation_id", "status", "stage", "progress", "seed")),
        sa.column("created_at"),
    )
    with empty.begin() as con:
        for ident, name in ((1, "가온"), (2, "나래")):
            con.execute(
                orgs.insert(),
                {"id": ident, "name": name, "kind": "company", "region_sido": "서울특별시"}
                | {"version_id": 1, "created_at": now},
            )
        # Interleaved ids, and organisation 2 with two runs left active (an old race).
        for ident, org, status in [
            (1, 1, "done"),
            (2, 2, "done"),
            (3, 1, "failed"),
            (4, 2, "running"),
            (5, 2, "queued"),
            (6, 1, "done"),
        ]:
            con.execute(
                runs.insert(),
                {"id": ident, "organisation_id": org, "status": status, "stage": status}
                | {"progress": 0.0, "seed": 1, "created_at": now},
            )
    migrate.upgrade(empty)
    with empty.connect() as con:
        rows = con.execute(
            text("SELECT id, organisation_id, number, status FROM runs ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, 1, 1, "done"),
        (2, 2, 1, "done"),
        (3, 1, 2, "failed"),
        (4, 2, 2, "failed"),  # the older of the two active runs: interrupted
        (5, 2, 3, "queued"),
        (6, 1, 3, "done"),
    ]
