"""`gachi db` — migrate, back up and restore the platform's database.

SQLite is backed up with SQLite's own online-backup API, so a copy taken while the server runs is
consistent; every file is written beside its target and moved into place only when complete.
PostgreSQL has its own tools (`pg_dump`, `pg_restore`): gachi prints the exact command instead of
half-doing their job.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from gachi.cli.main import app
from gachi.cli.output import out
from gachi.config import Settings
from gachi.db import migrate
from gachi.db.session import make_engine
from gachi.errors import InvalidInput, Location
from gachi.kernel.files import atomic_output
from gachi.kernel.i18n import t

db_app = typer.Typer(
    help="Migrate, back up and restore the platform's database (GACHI_DATABASE_URL).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

_SQLITE_MAGIC = b"SQLite format 3\x00"

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="The backup file.")]


# --- the library part: used by the commands below, `gachi serve` / `gachi demo` and the tests ---


def shown_url(url: str) -> str:
    """The URL for people and commands: driver suffix and password left out."""
    parsed = make_url(url)
    bare = URL.create(
        parsed.drivername.split("+", 1)[0],
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return bare.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for any other database (an in-memory one included)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def known_revisions() -> frozenset[str]:
    """Every migration revision this version of gachi ships."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("gachi.db") / "migrations"))
    return frozenset(s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions())


def backup_sqlite(database: Path, target: Path) -> None:
    """Copy the SQLite database `database` to `target`, consistent even while it is in use."""
    if not database.is_file():
        raise InvalidInput("db.missing", where=Location(str(database)))
    if target.resolve() == database.resolve():
        raise InvalidInput("db.backup-onto-itself", where=Location(str(target)))
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with atomic_output(target, "wb") as fh:
            dest = sqlite3.connect(fh.name)
            try:
                source.backup(dest)
                # One self-contained file: a copy in WAL mode would need its -wal file beside it.
                dest.execute("PRAGMA journal_mode=DELETE")
            finally:
                dest.close()
            os.fsync(fh.fileno())
    except sqlite3.Error as ex:
        raise InvalidInput("db.backup-failed", where=Location(str(database)), detail=ex) from None
    finally:
        source.close()


def backup_revision(path: Path) -> str:
    """The schema revision of a backup file; `InvalidInput` saying why it cannot be restored."""
    where = Location(str(path))
    if not path.is_file():
        raise InvalidInput("db.restore-missing", where=where)
    with path.open("rb") as fh:
        if fh.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise InvalidInput("db.restore-not-sqlite", where=where)
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        raise InvalidInput("db.restore-not-gachi", where=where) from None
    finally:
        con.close()
    revision = rows[0][0] if len(rows) == 1 else None
    if revision not in known_revisions():
        raise InvalidInput("db.restore-unknown-revision", where=where, revision=revision or "-")
    return str(revision)


def restore_sqlite(source: Path, database: Path) -> Path | None:
    """Replace `database` by the backup `source`, after backing the current one up beside it.

    Returns the file the current database was saved to (None when there was none). The copy goes
    through SQLite's backup API into the live file, in one step: other connections see the old
    database or the new one, never a mix, and no stale `-wal` file is left to replay onto it.
    """
    backup_revision(source)
    if source.resolve() == database.resolve():
        raise InvalidInput("db.backup-onto-itself", where=Location(str(source)))
    saved: Path | None = None
    if database.is_file():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        saved = database.with_name(f"{database.stem}.before-restore-{stamp}{database.suffix}")
        backup_sqlite(database, saved)
    database.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dest = sqlite3.connect(database, timeout=30)
    try:
        src.backup(dest)  # all pages in one step: one transaction on the destination
    except sqlite3.Error as ex:
        raise InvalidInput("db.restore-failed", where=Location(str(source)), detail=ex) from None
    finally:
        dest.close()
        src.close()
    return saved


def pg_dump_command(url: str, target: Path) -> str:
    return shlex.join(["pg_dump", "--format=custom", f"--file={target}", shown_url(url)])


def pg_restore_command(url: str, source: Path) -> str:
    return shlex.join(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--dbname={shown_url(url)}",
            str(source),
        ]
    )


def _sqlite_or_advice(url: str, code: str, command: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise InvalidInput(code, url=shown_url(url), command=command)
    return path


# --- the commands ---


def _settings_url() -> str:
    return Settings.from_env().database_url


@db_app.command("upgrade")
def upgrade_cmd() -> None:
    """Bring the database up to the newest schema (all migrations in one transaction)."""
    url = _settings_url()
    engine = make_engine(url)
    try:
        before = migrate.current(engine)
        migrate.upgrade(engine)
        after = migrate.current(engine)
    finally:
        engine.dispose()
    if before == after:
        out.print(t("db.up-to-date", None, url=shown_url(url), revision=after or "-"))
    else:
        out.print(
            t("db.upgraded", None, url=shown_url(url), before=before or "-", after=after or "-")
        )


@db_app.command("current")
def current_cmd() -> None:
    """Show the database's schema revision and the newest one this gachi knows."""
    url = _settings_url()
    engine = make_engine(url)
    try:
        current = migrate.current(engine)
    finally:
        engine.dispose()
    head = migrate.head()
    code = "db.current-head" if current == head else "db.current-behind"
    out.print(t(code, None, url=shown_url(url), current=current or "-", head=head))


@db_app.command("backup")
def backup_cmd(file: FileArg) -> None:
    """Copy the SQLite database to FILE, consistently even while the server runs (PostgreSQL:
    prints the pg_dump command to use)."""
    url = _settings_url()
    database = _sqlite_or_advice(url, "db.backup-postgres", pg_dump_command(url, file))
    backup_sqlite(database, file)
    out.print(t("db.backed-up", None, database=str(database), file=str(file)))


@db_app.command("restore")
def restore_cmd(file: FileArg) -> None:
    """Replace the SQLite database by the backup FILE (checked first; the current database is
    saved beside it). Stop the server before restoring."""
    url = _settings_url()
    database = _sqlite_or_advice(url, "db.restore-postgres", pg_restore_command(url, file))
    revision = backup_revision(file)
    saved = restore_sqlite(file, database)
    if saved is not None:
        out.print(t("db.saved-before-restore", None, file=str(saved)))
    out.print(t("db.restored", None, database=str(database), file=str(file), revision=revision))
    if revision != migrate.head():
        out.print(t("db.restored-needs-upgrade", None, revision=revision, head=migrate.head()))
