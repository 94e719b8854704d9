"""A 100,000-row XLSX upload: preview and import, on SQLite (and PostgreSQL with --postgres).

    .venv/bin/python benchmarks/bench_upload.py
    .venv/bin/python benchmarks/bench_upload.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/bench_upload.py --rows 20000          # a quicker smoke run

One run does this, for each database:

1. a fresh migrated database with one organisation and `--programmes` programmes (8), each with
   every indicator of the shipped catalogue chosen, so each has ~45 input columns;
2. a long-layout XLSX (programme, period, input, value) of `--rows` rows, written once with
   openpyxl's write-only mode (periods run from 1900 upwards to reach 100,000 distinct cells);
3. baseline, same run: openpyxl reading every cell of that file in read-only mode — the floor
   under anything that reads an XLSX in Python;
4. through the real web app (FastAPI test client, the same code a browser request runs): POST
   the file (kept on disk, read, checked, compared: the preview page), then POST the
   confirmation (read and checked again, new values written with one batched INSERT, changed
   ones staged in a temporary table and written with one version-checked UPDATE … FROM, one
   audit entry, committed) — first into an empty organisation (all inserts), then the same
   file with every value changed (all updates);
5. prints a Markdown table: wall-clock and CPU seconds and their ratios to the openpyxl
   baseline. The issue's target is an import under 20 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from gachi.config import Settings  # noqa: E402
from gachi.db import migrate  # noqa: E402
from gachi.db.models import DataPoint, Programme, ProgrammeIndicator  # noqa: E402
from gachi.db.session import make_engine  # noqa: E402
from gachi.db.tenancy import TenantRepository  # noqa: E402
from gachi.domains.programmes.service import programme_inputs  # noqa: E402
from gachi.engine.catalog import load_catalog  # noqa: E402
from gachi.web.app import create_app  # noqa: E402
from gachi.web.csrf import COOKIE, SESSION_COOKIE, session_token  # noqa: E402

PASSWORD = "bench-password-123"


def make_file(path: Path, cells: list[tuple[str, int, str]], bump: float) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(["programme", "period", "input", "value"])
    for i, (programme, period, name) in enumerate(cells):
        sheet.append([programme, period, name, float(i % 997) + bump])
    book.save(path)


class Clock:
    """Wall-clock and CPU seconds of this process (the app runs in it, in the test client's
    thread; a PostgreSQL server's own CPU is not counted). CPU time says more than wall time
    when other work shares the two cores."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def baseline(path: Path) -> Clock:
    from openpyxl import load_workbook

    with Clock() as clock:
        book = load_workbook(path, read_only=True, data_only=True)
        count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        book.close()
    assert count > 1
    return clock


def setup(url: str, data_dir: Path, programmes: int) -> tuple[TestClient, int, Settings, object]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    settings = Settings(database_url=url, data_dir=data_dir)
    client = TestClient(create_app(settings, engine=engine), raise_server_exceptions=True)
    client.get("/login")
    token = client.cookies[COOKIE]
    client.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": "bench@example.kr",
            "name": "벤치",
            "password": PASSWORD,
        },
    )
    token = session_token(client.cookies[SESSION_COOKIE])  # signed in: the session's token
    made = client.post(
        "/orgs",
        data={
            "csrf_token": token,
            "name": "가온텔레콤",
            "kind": "company",
            "region_sido": "서울특별시",
            "region_sigungu": "중구",
            "industry": "J",
        },
        follow_redirects=False,
    )
    org = int(made.headers["location"].split("/")[2])
    indicators = sorted(load_catalog(settings.catalog_dir).entries)
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        for n in range(programmes):
            programme = repo.add(Programme(name=f"사업 {n + 1:02d}", kind="programme"))
            for ident in indicators:
                db.add(
                    ProgrammeIndicator(
                        organisation_id=org, programme_id=programme.id, indicator_id=ident
                    )
                )
        db.commit()
    return client, org, settings, engine


def cells_for(
    engine: object, org: int, settings: Settings, rows: int
) -> list[tuple[str, int, str]]:
    with Session(engine) as db:  # type: ignore[arg-type]
        repo = TenantRepository(db, org)
        progs = db.scalars(repo.select(Programme).order_by(Programme.name)).all()
        inputs = {p.name: [f.name for f in programme_inputs(repo, settings, p.id)] for p in progs}
    out: list[tuple[str, int, str]] = []
    period = 1900
    while len(out) < rows:
        for name, names in inputs.items():
            for column in names:
                out.append((name, period, column))
        period += 1
        assert period <= 2200, "not enough distinct cells: add programmes"
    return out[:rows]


def upload(client: TestClient, org: int, path: Path) -> tuple[Clock, Clock, dict[str, int]]:
    token = session_token(client.cookies[SESSION_COOKIE])
    content = path.read_bytes()
    with Clock() as previewed:
        preview = client.post(
            f"/orgs/{org}/data/upload",
            data={"csrf_token": token},
            files={"file": (path.name, content, "application/octet-stream")},
        )
    assert preview.status_code == 200, preview.text[:2000]
    counts = {
        k: int(v.replace(",", ""))
        for k, v in re.findall(r'data-count="(\w+)">([\d,]+)<', preview.text)
    }
    fields = {
        n: re.search(rf'name="{n}" value="([^"]*)"', preview.text).group(1)
        for n in ("token", "version")
    }  # type: ignore[union-attr]
    with Clock() as imported:
        done = client.post(
            f"/orgs/{org}/data/upload/confirm",
            data={"csrf_token": token, **fields},
            follow_redirects=False,
        )
    assert done.status_code == 303, done.text[:2000]
    return previewed, imported, counts


def run(
    label: str, url: str, rows: int, programmes: int, work: Path
) -> list[tuple[str, float, float]]:
    client, org, settings, engine = setup(url, work / label, programmes)
    cells = cells_for(engine, org, settings, rows)
    first, second = work / f"{label}-a.xlsx", work / f"{label}-b.xlsx"
    make_file(first, cells, 0.0)
    make_file(second, cells, 0.5)
    base = baseline(first)
    p1, i1, c1 = upload(client, org, first)
    assert c1["insert"] == rows and c1["errors"] == 0, c1
    p2, i2, c2 = upload(client, org, second)
    assert c2["update"] == rows, c2
    with Session(engine) as db:  # type: ignore[arg-type]
        assert db.scalar(select(func.count(DataPoint.id))) == rows
    size = first.stat().st_size / 2**20
    print(f"{label}: {rows:,} rows, {size:.1f} MB XLSX", file=sys.stderr)
    return [
        (f"{label}: openpyxl reads every cell (baseline)", base, base),
        (f"{label}: preview, all new", p1, base),
        (f"{label}: import, {rows:,} inserts", i1, base),
        (f"{label}: preview, all changed", p2, base),
        (f"{label}: import, {rows:,} updates", i2, base),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--programmes", type=int, default=8)
    parser.add_argument(
        "--postgres", help="PostgreSQL server URL (a scratch database is made on it)"
    )
    args = parser.parse_args()
    os.environ.setdefault("GACHI_LANG", "en")
    results: list[tuple[str, Clock, Clock]] = []
    with tempfile.TemporaryDirectory(prefix="gachi-bench-upload-") as tmp:
        work = Path(tmp)
        results += run(
            "SQLite", f"sqlite:///{work / 'bench.sqlite3'}", args.rows, args.programmes, work
        )
        if args.postgres:
            name = "gachi_bench_upload"
            admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as con:
                con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                con.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
            results += run("PostgreSQL", url, args.rows, args.programmes, work)
    machine = platform.processor() or platform.machine()
    print(f"\n{machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.1f} (2 cores)\n")
    print("| step | wall s | CPU s | wall × baseline | CPU × baseline |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for step, clock, base in results:
        print(
            f"| {step} | {clock.wall:.2f} | {clock.cpu:.2f} "
            f"| {clock.wall / base.wall:.2f} | {clock.cpu / base.cpu:.2f} |"
        )


if __name__ == "__main__":
    main()
