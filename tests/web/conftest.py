"""The platform under test: a migrated database (SQLite file, or PostgreSQL when
GACHI_TEST_PLATFORM_DB=postgresql, as `.ci/run` sets), a fresh app per test, clients with cookies.

Migrating takes a while, so it happens once per worker: SQLite tests copy a migrated template
file; PostgreSQL tests share one migrated database per worker and empty every table before each
test. Loading the demo takes a while too: a test that asks for `demo` gets, on SQLite, a copy of
a database the demo was loaded into once per worker (on PostgreSQL it is loaded afresh).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db import migrate
from gachi.db.base import Base
from gachi.db.session import make_engine
from gachi.domains.demo.service import Loaded, load_demo
from gachi.web.app import create_app

ON_POSTGRES = os.environ.get("GACHI_TEST_PLATFORM_DB") == "postgresql"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "gachi.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_engine(worker_id: str) -> Iterator[Engine]:
    base = os.environ.get("GACHI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"gachi_platform_{worker_id}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        con.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(base.rsplit("/", 1)[0] + f"/{name}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _demo_template(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path
) -> tuple[Path, Path, Loaded]:
    """A migrated SQLite file with the demo loaded (without draws), the folder its evidence files
    are stored in, and what loading it said."""
    folder = tmp_path_factory.mktemp("demo-template")
    path = folder / "gachi.sqlite3"
    shutil.copy(_sqlite_template, path)
    settings = Settings(database_url="unused", data_dir=folder / "var")
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as db:
        loaded = load_demo(db, settings, draws=0)
        db.commit()
    engine.dispose()
    return path, settings.data_dir, loaded


@pytest.fixture
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if ON_POSTGRES:
        engine: Engine = request.getfixturevalue("_postgres_engine")
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as con:
            con.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield engine
        return
    path = tmp_path / "gachi.sqlite3"
    template = "_demo_template" if "demo" in request.fixturenames else "_sqlite_template"
    found = request.getfixturevalue(template)
    shutil.copy(found[0] if template == "_demo_template" else found, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url="unused", data_dir=tmp_path / "var")


@pytest.fixture
def demo(request: pytest.FixtureRequest, engine: Engine, settings: Settings) -> Loaded:
    """The demo of `gachi demo`, without Monte-Carlo draws, in this test's database."""
    if ON_POSTGRES:
        with Session(engine) as db:
            loaded = load_demo(db, settings, draws=0)
            db.commit()
        return loaded
    _path, files, loaded = request.getfixturevalue("_demo_template")
    shutil.copytree(files, settings.data_dir, dirs_exist_ok=True)
    return loaded


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """Someone who never signs in, reading in Korean (the public pages' reader)."""
    with TestClient(app, raise_server_exceptions=False) as c:
        c.cookies.set("gachi_lang", "ko")
        yield c


@pytest.fixture
def other_client(app: FastAPI) -> Iterator[TestClient]:
    """A second browser: another person, with cookies of their own."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its smallest cost in tests: still argon2id, a hundred times quicker, so the
    suites that sign many people up stay fast. The production parameters are tested apart."""
    from argon2 import PasswordHasher

    from gachi.domains.accounts import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
