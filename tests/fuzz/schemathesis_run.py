"""Fuzz the JSON API against its own OpenAPI document with schemathesis (a step of `.ci/run`).

A throwaway platform: a fresh SQLite database in a temporary folder, migrated, with the Korean
demo loaded and an API token (every scope) of the demo telecom's owner made through the tokens
service; uvicorn serves it on a free local port. Schemathesis then reads
/api/v1/openapi.json from it and sends generated requests, examples bounded per operation, with
the token. Requests are aimed at the demo organisation (its id is fixed in the config), so they
reach real handlers rather than stopping at 404. Any failed check fails the step. Nothing is
downloaded: the schema comes from the local server; the examples database is off.

    .venv/bin/python tests/fuzz/schemathesis_run.py [--max-examples N] [--seed N] [-- extra args]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db import migrate
from gachi.db.models import Membership, Programme, Run, User
from gachi.db.session import make_engine
from gachi.domains.demo import service as demo
from gachi.domains.tokens import service as tokens

DEMO_USER = "owner@gaon.example"
# Every check schemathesis has but two: `not_a_server_error` above all, then conformance to the
# schema (statuses, content types, bodies, headers), authentication actually enforced, other
# organisations' objects and deleted ones not served, undeclared methods refused with `Allow`.
# Left out, by design of the API rather than by fault:
# - positive_data_acceptance: request bodies take every field as optional and the services
#   refuse wrong values field by field, in Korean or English (422), so a schema-valid body may
#   well be refused;
# - negative_data_rejection: pydantic's lax parsing takes `0` for false and "5" for 5, and the
#   ids fixed below (to reach real data) replace the invalid ids it means to send.
EXCLUDED_CHECKS = ("positive_data_acceptance", "negative_data_rejection")

# Operations left out, each with its reason (regular expressions over the path).
EXCLUDED_PATHS: tuple[str, ...] = (
    # Managing tokens needs a browser session: a token is refused there (403) by design, so the
    # run could only confirm that. tests/web/test_tokens.py covers these routes.
    "^/api/v1/account/tokens",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prepare(folder: Path) -> tuple[str, dict[str, object]]:
    """Migrate and load the demo into `folder`; returns the token's secret and the fixed ids."""
    url = f"sqlite:///{folder / 'gachi.sqlite3'}"
    settings = Settings(database_url=url, data_dir=folder / "var")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with Session(engine) as db:
            demo.load_demo(db, settings, draws=0)
            user = db.scalar(select(User).where(User.email == DEMO_USER))
            assert user is not None, DEMO_USER
            form = tokens.TokenForm("schemathesis", tokens.SCOPES, None)
            made = tokens.create_token(db, user, form)
            org_id = db.scalar(
                select(Membership.organisation_id).where(Membership.user_id == user.id)
            )
            run_id = db.scalar(select(Run.id).where(Run.organisation_id == org_id))
            programme_id = db.scalar(
                select(Programme.id).where(Programme.organisation_id == org_id).limit(1)
            )
            db.commit()
    finally:
        engine.dispose()
    fixed = {"path.org_id": org_id, "path.run_id": run_id, "path.programme_id": programme_id}
    return made.secret, fixed


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the platform stopped before it answered (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the platform did not answer {url} within {seconds:.0f} s")


# Checks turned off for single operations, each with its reason: (path regex, check).
# None at present: keep it that way unless a check is wrong for an operation by design.
OPERATION_EXCEPTIONS: tuple[tuple[str, str], ...] = ()


def config_file(folder: Path, fixed: dict[str, object]) -> Path:
    # No crash cache: every run starts clean (a cache would replay old finds from the work tree).
    lines = ["[cache]", "enabled = false", "", "[checks]"]
    lines += [f"{check}.enabled = false" for check in EXCLUDED_CHECKS]
    lines += ["", "[parameters]"]
    lines += [f'"{key}" = {json.dumps(value)}' for key, value in fixed.items()]
    for regex, check in OPERATION_EXCEPTIONS:
        lines += ["", "[[operations]]", f"include-path-regex = {json.dumps(regex)}"]
        lines += [f"checks.{check}.enabled = false"]
    path = folder / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("GACHI_FUZZ_SEED", "1")))
    parser.add_argument("--workers", default="2")
    parser.add_argument("extra", nargs="*", help="more schemathesis options, after --")
    args = parser.parse_args(argv)
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which(
        "schemathesis"
    )
    if cli is None:
        sys.exit("schemathesis is not installed: pip install -e '.[dev]'")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gachi-fuzz-") as tmp:
        folder = Path(tmp)
        secret, fixed = prepare(folder)
        port = free_port()
        env = {
            **os.environ,
            "GACHI_DATABASE_URL": f"sqlite:///{folder / 'gachi.sqlite3'}",
            "GACHI_DATA_DIR": str(folder / "var"),
        }
        uvicorn = [sys.executable, "-m", "uvicorn", "gachi.web.app:create_app", "--factory"]
        where = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        server = subprocess.Popen([*uvicorn, *where], env=env)
        try:
            schema = f"http://127.0.0.1:{port}/api/v1/openapi.json"
            wait_until_up(schema, server)
            command = [
                cli,
                "--config-file",
                str(config_file(folder, fixed)),
                "run",
                schema,
                "--header",
                f"Authorization: Bearer {secret}",
                "--max-examples",
                str(args.max_examples),
                "--seed",
                str(args.seed),
                "--workers",
                args.workers,
                "--generation-database",
                "none",
                "--request-timeout",
                "30",
                "--no-color",
                *[f"--exclude-path-regex={p}" for p in EXCLUDED_PATHS],
                *args.extra,
            ]
            print(f"schemathesis: seed {args.seed}, {args.max_examples} examples per operation")
            # Run from the throwaway folder: whatever schemathesis writes stays there.
            code = subprocess.run(command, env=env, cwd=folder, check=False).returncode
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"schemathesis step: exit {code} in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
