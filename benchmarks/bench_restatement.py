"""What a restatement's attribution costs: publishing a year (read the run, build the book) and
restating it (the same, plus measuring the year again under every mix of old and new data,
proxies and method: 2³ = 8 measurements), against the baseline of one deterministic measurement
of that year, in the same process.

    .venv/bin/python benchmarks/bench_restatement.py            # the demo's telecom, 2024
    .venv/bin/python benchmarks/bench_restatement.py --repeat 5

The demo is loaded into a temporary SQLite file (four organisations, 129 data points; the
telecom measures 15 indicators over 9 programmes). Then, `--repeat` times over: a restatement of
2024 is prepared (one data value changed, measured again) and published, timed; and the
baseline — `runs.service.measure_values` over the same year's data and catalogue — is timed.
Prints a Markdown table of the medians and their ratios to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from gachi.config import Settings  # noqa: E402
from gachi.db import migrate  # noqa: E402
from gachi.db.models import Organisation, User  # noqa: E402
from gachi.db.session import make_engine  # noqa: E402
from gachi.db.tenancy import TenantRepository  # noqa: E402
from gachi.domains.data import service as data  # noqa: E402
from gachi.domains.demo import service as demo  # noqa: E402
from gachi.domains.programmes import service as programmes  # noqa: E402
from gachi.domains.publishing import service as publishing  # noqa: E402
from gachi.domains.runs import service as runs  # noqa: E402
from gachi.domains.runs.compute import measure_organisation  # noqa: E402

YEAR = 2024


def measure_now(repo: TenantRepository, settings: Settings, user: User) -> None:
    """A finished run of the organisation, computed here (as the demo loader does)."""
    run = runs.start_run(repo, user, settings, draws=0, seed=1)
    inputs = runs.load_inputs(repo, settings)
    measured = measure_organisation(
        inputs.catalog, inputs.chosen, inputs.frame, inputs.programmes, draws=0, seed=1
    )
    runs.store(repo, run, measured, inputs.programmes, inputs.data_version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/gachi.sqlite3",
            data_dir=Path(tmp),
            catalog_dir=ROOT / "library" / "indicators",
        )
        engine = make_engine(settings.database_url)
        migrate.upgrade(engine)
        with Session(engine) as db:
            demo.load_demo(db, settings, draws=0)
            db.commit()
        with Session(engine) as db:
            org = db.scalars(select(Organisation).order_by(Organisation.id)).first()
            user = db.scalars(select(User).order_by(User.id)).first()
            assert org is not None and user is not None
            repo = TenantRepository(db, org.id)
            pid = next(p.id for p in programmes.programmes(repo) if p.name == "임직원 자원봉사")
            started = time.perf_counter()
            publishing.publish(repo, user, settings, year=2022)
            first = time.perf_counter() - started
            restate, baseline = [], []
            for n in range(args.repeat):
                cell = data.grid(repo, settings, pid).cells[(YEAR, "volunteer_hours")]
                change = data.Change(pid, YEAR, "volunteer_hours", cell.value + 1, cell.version_id)
                data.save_changes(repo, settings, user.id, [change])
                measure_now(repo, settings, user)
                started = time.perf_counter()
                publishing.publish(repo, user, settings, year=YEAR, reason=f"bench {n}")
                restate.append(time.perf_counter() - started)
                inputs = runs.load_inputs(repo, settings)
                frame = inputs.frame[inputs.frame["period"] == YEAR]
                started = time.perf_counter()
                runs.measure_values(inputs.catalog, inputs.chosen, frame, inputs.programmes)
                baseline.append(time.perf_counter() - started)
            db.commit()
    base = statistics.median(baseline)
    rows = [
        ("one measurement of the year (baseline)", base),
        ("first publication of a year (2022, once)", first),
        ("restatement of 2024 (8 measurements inside)", statistics.median(restate)),
    ]
    print(f"| step ({args.repeat} repetitions, medians) | seconds | × baseline |")
    print("|---|---:|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} | {seconds / base:.1f} |")


if __name__ == "__main__":
    main()
