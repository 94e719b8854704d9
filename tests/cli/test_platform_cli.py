"""`gachi db`, `gachi serve` and `gachi demo` on a SQLite file of their own (no server starts)."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from gachi.cli.db import backup_revision, shown_url
from gachi.cli.main import run
from gachi.cli.serve import check_port, ready_engine
from gachi.db import migrate
from gachi.db.session import make_engine
from gachi.errors import GachiError


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GACHI_DATABASE_URL points at a SQLite file that does not exist yet."""
    path = tmp_path / "var" / "gachi.sqlite3"
    monkeypatch.setenv("GACHI_DATABASE_URL", f"sqlite:///{path}")
    return path


def _revision(path: Path) -> str | None:
    engine = make_engine(f"sqlite:///{path}")
    try:
        return migrate.current(engine)
    finally:
        engine.dispose()


def _names(path: Path) -> list[str]:
    with sqlite3.connect(path) as con:
        return [r[0] for r in con.execute("SELECT name FROM users ORDER BY id")]


def _add_user(path: Path, email: str, name: str) -> None:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO users (email, name, password_hash, is_admin, lang, created_at) "
                "VALUES (:e, :n, 'x', false, 'ko', CURRENT_TIMESTAMP)"
            ),
            {"e": email, "n": name},
        )
    engine.dispose()


def test_upgrade_on_an_empty_database_reaches_head_and_says_from_where(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["db", "current"]) == 0
    assert "run 'gachi db upgrade'" in capsys.readouterr().out
    assert run(["db", "upgrade"]) == 0
    shown = capsys.readouterr().out
    head = migrate.head()
    assert f"from - to {head}" in shown
    assert _revision(database) == head
    assert run(["db", "upgrade"]) == 0
    assert f"already at the newest revision: {head}" in capsys.readouterr().out
    assert run(["db", "current"]) == 0
    assert f"schema {head} (newest)" in capsys.readouterr().out


def test_backup_then_restore_brings_the_row_back(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["db", "upgrade"]) == 0
    _add_user(database, "kim@example.com", "김가치")
    backup = tmp_path / "backups" / "before.sqlite3"
    assert run(["db", "backup", str(backup)]) == 0
    assert backup_revision(backup) == migrate.head()
    # A self-contained file: nothing beside it is needed to read it.
    assert not Path(f"{backup}-wal").exists()

    with sqlite3.connect(database) as con:
        con.execute("UPDATE users SET name = '바뀐 이름'")
        con.execute(
            "INSERT INTO users (email, name, password_hash, is_admin, lang, created_at) "
            "VALUES ('lee@example.com', '이나중', 'x', 0, 'ko', CURRENT_TIMESTAMP)"
        )
    assert _names(database) == ["바뀐 이름", "이나중"]
    capsys.readouterr()

    assert run(["db", "restore", str(backup)]) == 0
    shown = capsys.readouterr().out
    assert _names(database) == ["김가치"]
    # The database as it was before the restore is kept beside it.
    saved = [p for p in database.parent.iterdir() if ".before-restore-" in p.name]
    assert len(saved) == 1 and saved[0].name in shown
    assert _names(saved[0]) == ["바뀐 이름", "이나중"]


def test_restore_refuses_what_is_not_a_gachi_backup(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["db", "upgrade"]) == 0
    _add_user(database, "kim@example.com", "김가치")
    capsys.readouterr()

    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("이건 데이터베이스가 아닙니다", encoding="utf-8")
    assert run(["db", "restore", str(text_file)]) == 1
    assert "db.restore-not-sqlite" in capsys.readouterr().err

    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as con:
        con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    assert run(["db", "restore", str(foreign)]) == 1
    assert "db.restore-not-gachi" in capsys.readouterr().err

    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as con:
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO alembic_version VALUES ('9999')")
    assert run(["db", "restore", str(newer)]) == 1
    assert "'9999'" in capsys.readouterr().err

    assert run(["db", "restore", str(tmp_path / "missing.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert "db.restore-missing" in err and "Traceback" not in err

    # Nothing was touched, nothing saved beside it.
    assert _names(database) == ["김가치"]
    assert not [p for p in database.parent.iterdir() if ".before-restore-" in p.name]


def test_backup_refuses_onto_the_database_and_a_missing_database(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["db", "backup", str(database.parent / "copy.sqlite3")]) == 1
    assert "db.missing" in capsys.readouterr().err
    assert run(["db", "upgrade"]) == 0
    assert run(["db", "backup", str(database)]) == 1
    assert "db.backup-onto-itself" in capsys.readouterr().err
    assert _revision(database) == migrate.head()


def test_postgresql_gets_the_pg_dump_and_pg_restore_commands_without_its_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GACHI_DATABASE_URL", "postgresql://gachi:s3cret@db.internal:5432/gachi")
    assert run(["db", "backup", "gachi.dump"]) == 1
    err = capsys.readouterr().err
    assert "db.backup-postgres" in err
    assert (
        "pg_dump --format=custom --file=gachi.dump postgresql://gachi@db.internal:5432/gachi" in err
    )
    assert "s3cret" not in err
    assert run(["db", "restore", "gachi.dump"]) == 1
    err = capsys.readouterr().err
    assert "pg_restore --clean --if-exists --no-owner" in err and "gachi.dump" in err
    assert "s3cret" not in err
    assert shown_url("postgresql+psycopg://a:b@h/d") == "postgresql://a@h/d"


def test_serve_refuses_a_database_behind_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine, "0001")
    engine.dispose()
    with pytest.raises(GachiError) as caught:
        ready_engine(url)
    assert caught.value.first.code == "serve.not-migrated"
    assert "gachi db upgrade" in caught.value.render("en")
    assert _revision(tmp_path / "old.sqlite3") == "0001"  # refused, not upgraded behind its back


def test_serve_refuses_a_database_with_tables_but_no_revision(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
    with pytest.raises(GachiError) as caught:
        ready_engine(f"sqlite:///{path}")
    assert caught.value.first.code == "serve.not-migrated"


def test_serve_migrates_a_brand_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "gachi.sqlite3"
    ready_engine(f"sqlite:///{path}").dispose()
    assert _revision(path) == migrate.head()
    ready_engine(f"sqlite:///{path}").dispose()  # at head: starts as is


def test_serve_command_stops_before_starting_a_server(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{database}")
    migrate.upgrade(engine, "0001")
    engine.dispose()
    assert run(["serve", "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert "serve.not-migrated" in err and "gachi db upgrade" in err


def test_serve_refuses_a_mistyped_time_zone_before_it_says_where_it_listens(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GACHI_TIMEZONE", "Asia/Seuol")
    with socket.socket() as probe:  # a free port: the zone, not the port, must stop it
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert run(["serve", "--port", str(free)]) == 1
    shown = capsys.readouterr()
    assert "time.zone-unknown" in shown.err and "Asia/Seuol" in shown.err
    assert "http://" not in shown.out


def test_a_busy_port_is_refused_in_words() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(GachiError) as caught:
            check_port("127.0.0.1", port)
    assert caught.value.first.code == "serve.port-busy"
    assert "--port" in caught.value.render("en")


def test_demo_loads_once_and_prints_the_logins(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["demo", "--no-serve"]) == 0
    shown = capsys.readouterr()
    assert "demo loaded: 4 organisations" in shown.out
    assert "owner@gaon.example" in shown.out and "gachi-demo-2024" in shown.out
    assert _revision(database) == migrate.head()
    users = len(_names(database))

    assert run(["demo", "--no-serve"]) == 0
    shown = capsys.readouterr()
    assert "already loaded" in shown.err
    assert "owner@gaon.example" in shown.out  # the logins are shown every time
    assert len(_names(database)) == users

    assert run(["demo", "--no-serve", "--reset"]) == 0
    shown = capsys.readouterr()
    assert "removed 4" in shown.err and "demo loaded" in shown.out
    assert len(_names(database)) == users
