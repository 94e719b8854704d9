"""The platform under load: dashboard and JSON list endpoints, 50 concurrent clients, loopback.

    .venv/bin/python benchmarks/bench_platform.py                       # SQLite
    .venv/bin/python benchmarks/bench_platform.py --postgres postgresql://postgres@127.0.0.1:5432/test

One run does this:

1. builds a database of `--orgs` organisations (1,000) with one owner each, six programmes
   each with the indicators they measure, and `--points` data points (100,000) over 2022–2024,
   written with bulk inserts; then one real measurement run per organisation through the
   platform's own run service (no draws: the figures the dashboard reads are the same shape);
2. starts `gachi serve` (uvicorn, `--workers` processes) on a free loopback port, logs in as
   `--people` of the owners to get real session cookies;
3. drives each endpoint with `wrk` (Debian's package; 50 connections, 2 threads, `--seconds`),
   every request as a different person in their own organisation (`platform/wrk_paths.lua`);
4. baseline in the same run: the static stylesheet and the login page through the same server,
   so the ratios say what the application adds over serving a file or a template;
5. prints a Markdown table: requests/s, p50, p95, p99 (ms), errors, ratio of p95 to the
   static-file baseline.

wrk and the server share the machine's two cores, as they would not in production: the numbers
are an upper bound on latency.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from gachi.db import migrate  # noqa: E402
from gachi.db.models import (  # noqa: E402
    DataPoint,
    Membership,
    Organisation,
    Programme,
    ProgrammeIndicator,
    User,
)
from gachi.db.session import make_engine  # noqa: E402
from gachi.domains.accounts.passwords import hash_password  # noqa: E402
from gachi.kernel.brn import check_digit  # noqa: E402

PASSWORD = "bench-password-123"
YEARS = (2022, 2023, 2024)
# Indicators of the shipped catalogue and the inputs they read (see library/indicators).
PROGRAMMES = {
    "자원봉사": ("volunteering_hours", ["volunteer_hours"]),
    "취약계층 일자리": ("vulnerable_jobs", ["vulnerable_workers", "months_employed"]),
    "사회적경제 구매": ("social_economy_purchases", ["se_purchases"]),
    "임직원 봉사단": ("volunteering_hours", ["volunteer_hours"]),
    "자활 일자리": ("vulnerable_jobs", ["vulnerable_workers", "months_employed"]),
    "지역 사회적경제 구매": ("social_economy_purchases", ["se_purchases"]),
}
PAIRS_LUA = ROOT / "benchmarks" / "platform" / "wrk_paths.lua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(url: str, orgs: int, points: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    hashed = hash_password(PASSWORD)
    rng = random.Random(7)
    with engine.begin() as con:
        con.execute(
            insert(User),
            [
                {
                    "email": f"owner{i}@bench.example",
                    "name": f"담당자{i}",
                    "password_hash": hashed,
                    "is_admin": False,
                    "lang": "ko",
                }
                for i in range(orgs)
            ],
        )
        con.execute(
            insert(Organisation),
            [
                {
                    "name": f"벤치기관{i:04d}",
                    "kind": "company",
                    "region_sido": "서울특별시",
                    "brn": f"{800000000 + i}{check_digit(str(800000000 + i))}",
                    "version_id": 1,
                }
                for i in range(orgs)
            ],
        )
        users = con.execute(select(User.id).order_by(User.id)).scalars().all()
        org_ids = con.execute(select(Organisation.id).order_by(Organisation.id)).scalars().all()
        con.execute(
            insert(Membership),
            [
                {"organisation_id": o, "user_id": u, "role": "owner"}
                for o, u in zip(org_ids, users, strict=True)
            ],
        )
        con.execute(
            insert(Programme),
            [
                {
                    "organisation_id": o,
                    "name": name,
                    "kind": "programme",
                    "description": "",
                    "version_id": 1,
                }
                for o in org_ids
                for name in PROGRAMMES
            ],
        )
        progs = con.execute(select(Programme.id, Programme.organisation_id, Programme.name)).all()
        con.execute(
            insert(ProgrammeIndicator),
            [
                {"organisation_id": o, "programme_id": p, "indicator_id": PROGRAMMES[n][0]}
                for p, o, n in progs
            ],
        )
        cells = [(p, o, y, inp) for p, o, n in progs for y in YEARS for inp in PROGRAMMES[n][1]]
        rows = []
        for i in range(points):
            p, o, y, name = cells[i % len(cells)]
            # More points than cells: earlier years (back to 2015 for 100 points per
            # organisation; the shipped price index starts in 2010) keep every point distinct.
            year = y - 3 * (i // len(cells))
            value = rng.randint(1, 400) * (1_000_000 if name == "se_purchases" else 1)
            rows.append(
                {
                    "organisation_id": o,
                    "programme_id": p,
                    "period": year,
                    "name": name,
                    "value": float(value),
                    "version_id": 1,
                }
            )
        for start in range(0, len(rows), 20_000):
            con.execute(insert(DataPoint), rows[start : start + 20_000])
    engine.dispose()


def measure_all(url: str, catalog_dir: Path) -> float:
    """One real run per organisation through the run service; returns seconds taken."""
    from gachi.config import Settings
    from gachi.db.session import session_factory
    from gachi.db.tenancy import TenantRepository
    from gachi.domains.runs import runner, service

    settings = Settings(database_url=url, catalog_dir=catalog_dir)
    engine = make_engine(url)
    sessions = session_factory(engine)
    start = time.perf_counter()
    with sessions() as db:
        owners = db.execute(select(Membership.organisation_id, User).join(User)).all()
        queued = []
        for org_id, user in owners:
            run = service.start_run(TenantRepository(db, org_id), user, settings, draws=0)
            queued.append((org_id, run.id))
        db.commit()
    for org_id, run_id in queued:
        runner.execute(sessions, settings, org_id, run_id)
    with engine.connect() as con:
        failed = con.execute(text("SELECT count(*) FROM runs WHERE status != 'done'")).scalar()
    engine.dispose()
    if failed:
        sys.exit(f"{failed} benchmark runs did not finish")
    return time.perf_counter() - start


def serve(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GACHI_DATABASE_URL": url, "GACHI_LANG": "ko"}
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gachi"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    sys.exit(f"the server did not start: see {log}")


def sessions_of(port: int, people: int, orgs: int) -> list[tuple[str, int]]:
    """(cookie header, organisation id) for `people` owners, logged in through the real form."""
    out = []
    base = f"http://127.0.0.1:{port}"
    for i in random.Random(3).sample(range(orgs), people):
        with httpx.Client(base_url=base) as client:
            client.get("/login")
            csrf = client.cookies["gachi_csrf"]
            response = client.post(
                "/login",
                data={
                    "email": f"owner{i}@bench.example",
                    "password": PASSWORD,
                    "csrf_token": csrf,
                    "next": "/orgs",
                },
            )
            assert response.status_code == 303, response.text
            me = client.get("/api/v1/me").json()
            assert "organisations" in me, me
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            out.append((cookie, me["organisations"][0]["organisation_id"]))
    return out


def drive(port: int, pairs: list[tuple[str, str]], seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        for cookie, path in pairs:
            f.write(f"{cookie}\t{path}\n")
    env = {**os.environ, "PAIRS": f.name}
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(PAIRS_LUA),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(f.name)
    line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
    return json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL URL: a database gachi_bench is made there")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="gachi-bench-"))
    if args.postgres:
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as con:
            con.execute(text('DROP DATABASE IF EXISTS "gachi_bench" WITH (FORCE)'))
            con.execute(text('CREATE DATABASE "gachi_bench"'))
        admin.dispose()
        url = re.sub(r"/[^/]*$", "/gachi_bench", args.postgres)
    else:
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    backend = "PostgreSQL" if args.postgres else "SQLite"
    t0 = time.perf_counter()
    build(url, args.orgs, args.points)
    built = time.perf_counter() - t0
    measured = measure_all(url, ROOT / "library" / "indicators")
    print(
        f"{backend}: {args.orgs:,} organisations, {args.points:,} data points built in "
        f"{built:.1f} s; {args.orgs:,} runs in {measured:.1f} s",
        flush=True,
    )
    port = free_port()
    proc = serve(url, port, args.workers, work / "server.log")
    try:
        people = sessions_of(port, args.people, args.orgs)
        endpoints = {
            "static file (baseline)": [(c, "/static/gachi.css") for c, _ in people],
            "login page (baseline)": [("", "/login") for _ in people],
            "dashboard page": [(c, f"/orgs/{o}") for c, o in people],
            "dashboard JSON": [(c, f"/api/v1/orgs/{o}/dashboard") for c, o in people],
            "programmes JSON": [(c, f"/api/v1/orgs/{o}/programmes") for c, o in people],
            "data points JSON (50)": [(c, f"/api/v1/orgs/{o}/data?limit=50") for c, o in people],
            "runs JSON": [(c, f"/api/v1/orgs/{o}/runs") for c, o in people],
        }
        results = {}
        for name, pairs in endpoints.items():
            drive(port, pairs[:20], 2, args.connections)  # warm-up
            results[name] = drive(port, pairs, args.seconds, args.connections)
            print(f"  {name}: {results[name]}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    base = results["static file (baseline)"]["p95_ms"]
    print(
        f"\n{backend}, {args.connections} connections, {args.workers} server workers, "
        f"wrk -t2 -d{args.seconds}s, {os.cpu_count()} cores shared by wrk and the server\n"
    )
    print("| endpoint | requests/s | p50 ms | p95 ms | p99 ms | errors | p95 ÷ static file |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        rate = r["requests"] / r["seconds"]
        print(
            f"| {name} | {rate:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} | {r['p95_ms'] / base:.1f}× |"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
