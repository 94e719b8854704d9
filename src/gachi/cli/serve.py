"""`gachi serve` and `gachi demo` — run the platform (uvicorn over `gachi.web.app:create_app`).

Both refuse to start on a database behind the newest schema (the fix is `gachi db upgrade`),
except a brand-new SQLite file, which is migrated on the spot so a first start is one command.
"""

from __future__ import annotations

import socket
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from gachi.cli.db import shown_url, sqlite_path
from gachi.cli.main import app
from gachi.cli.output import err, out, progress
from gachi.config import Settings
from gachi.db import migrate
from gachi.db.session import make_engine
from gachi.domains.demo import service as demo
from gachi.errors import GachiError
from gachi.kernel.i18n import t
from gachi.kernel.times import default_zone, zone

APP_FACTORY = "gachi.web.app:create_app"

HostOption = Annotated[
    str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")
]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]


def is_empty(engine: Engine) -> bool:
    """No table at all: a database nothing has been written to yet."""
    return not inspect(engine).get_table_names()


def ready_engine(url: str) -> Engine:
    """An engine on `url` whose schema is at the head revision.

    A brand-new SQLite database (no file yet, or a file without tables) is migrated here, so a
    first start needs no extra step; any other database behind head is refused with the command
    that fixes it: upgrading a database people already use is their decision.
    """
    engine = make_engine(url)
    try:
        current = migrate.current(engine)
        head = migrate.head()
        if current == head:
            return engine
        if current is None and sqlite_path(url) is not None and is_empty(engine):
            migrate.upgrade(engine)
            return engine
    except BaseException:
        engine.dispose()
        raise
    engine.dispose()
    raise GachiError("serve.not-migrated", url=shown_url(url), current=current or "-", head=head)


def site_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - only for display
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def check_port(host: str, port: int) -> None:
    """Refuse early, in words, when another program already listens on `port`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as ex:
            raise GachiError(
                "serve.port-busy", host=host, port=port, detail=ex.strerror or str(ex)
            ) from None


def run_server(host: str, port: int, workers: int) -> None:
    import uvicorn

    check_port(host, port)
    zone(default_zone())  # a mistyped GACHI_TIMEZONE: said before the address, not after it
    out.print(t("serve.listening", None, url=site_url(host, port)))
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 (or FORWARDED_ALLOW_IPS) and
        # rewrite the peer; the app reads it from GACHI_TRUSTED_PROXIES alone (web/proxies.py).
        proxy_headers=False,
    )


@app.command("serve")
def serve_cmd(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes (each with its own pool).")
    ] = 1,
) -> None:
    """Run the web platform on the database of GACHI_DATABASE_URL (default: SQLite in var/)."""
    url = Settings.from_env().database_url
    ready_engine(url).dispose()
    out.print(t("serve.database", None, url=shown_url(url)))
    run_server(host, port, workers)


@app.command("demo")
def demo_cmd(
    reset: Annotated[
        bool,
        typer.Option(
            "--reset", help="Remove the demo organisations and people, then load them again."
        ),
    ] = False,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load the demo and stop; do not start the server.")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Load a Korean demo (a telecom, an energy public corporation, a social cooperative and a
    shared-growth foundation, with people and 2022–2024 data, measured), then serve it."""
    settings = Settings.from_env()
    url = settings.database_url
    if sqlite_path(url) is not None:
        engine = make_engine(url)
        migrate.upgrade(engine)  # the demo creates or upgrades its own SQLite file
    else:
        engine = ready_engine(url)
    try:
        with Session(engine) as db, progress(t("demo.loading")) as step:
            if reset:
                removed = demo.reset_demo(db)
                if removed:
                    err.print(t("demo.removed", None, count=removed))
            loaded = demo.load_demo(db, settings, progress=step)
            db.commit()
    finally:
        engine.dispose()
    if loaded.already:
        err.print(t("demo.already-loaded"))
    else:
        out.print(
            t(
                "demo.loaded",
                None,
                organisations=loaded.organisations,
                points=loaded.points,
                runs=loaded.runs,
            )
        )
    out.print(t("serve.database", None, url=shown_url(url)))
    out.print(logins_table(loaded.logins))
    out.print(t("demo.public-hint", None, url=site_url(host, port) + "public"))
    if no_serve:
        out.print(t("demo.start-hint", None, url=site_url(host, port)))
        return
    run_server(host, port, 1)


def logins_table(logins: tuple[demo.DemoLogin, ...]) -> Table:
    table = Table(
        t("demo.organisation"),
        t("demo.role"),
        t("demo.email"),
        t("demo.password"),
        title=t("demo.logins-title"),
    )
    for login in logins:
        table.add_row(login.organisation, t(f"org.role.{login.role}"), login.email, login.password)
    return table
