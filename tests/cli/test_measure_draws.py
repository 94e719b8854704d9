"""`gachi measure --draws`: ranges in every output format, reproducible by seed."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import DEMO  # type: ignore[import-not-found]
from gachi.cli.main import run

ARGS = ["measure", "-c", str(DEMO / "indicators"), "-d", str(DEMO / "records.csv")]


def test_json_has_ranges_per_row_and_is_seeded(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*ARGS, "--draws", "500", "--seed", "4", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert run([*ARGS, "--draws", "500", "--seed", "4", "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    u = first["uncertainty"]
    assert u == again["uncertainty"]
    assert u["draws"] == 500 and u["seed"] == 4
    # A range per organisation and year, in the same order as the totals.
    assert [s["scope"] for s in u["scopes"]] == [t["scope"] for t in first["totals"]]
    for ranges, totals in zip(u["scopes"], first["totals"], strict=True):
        assert ranges["total"]["point"] == pytest.approx(totals["total"], rel=1e-12)
        assert ranges["total"]["p5"] <= ranges["total"]["p95"]
    # Every row is a measured one (no empty rows), each with its range.
    assert all(r["value"] is not None or r["undefined"] for r in first["rows"])
    assert len(u["rows"]) == sum(1 for r in first["rows"] if r["value"] is not None)
    # Each organisation's latest year has its assumptions; the telecom's is its call rate.
    latest = [s for s in u["scopes"] if s["assumptions"]]
    assert {s["scope"]["period"] for s in latest} == {"2024"} and len(latest) == 3
    assert "cases_per_call" in {s["assumptions"][0]["label"] for s in latest}


def test_csv_has_percentile_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*ARGS, "--draws", "200", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    valued = [r for r in rows if r["value"]]
    assert valued and all(float(r["p5"]) <= float(r["p95"]) for r in valued)


def test_table_prints_ranges_and_break_even(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "en", *ARGS, "--draws", "300"]) == 0
    text = capsys.readouterr().out
    assert "P5" in text and "P95" in text
    assert "cases_per_call" in text
    assert "break-even" in text.lower()


def test_too_few_draws_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*ARGS, "--draws", "5"]) == 1
    assert "uncertainty.draws-range" in capsys.readouterr().err


def test_draws_on_postgres_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = run([*ARGS, "--draws", "500", "--backend", "postgresql://nobody@127.0.0.1:1/x"])
    assert code == 1
    assert "cli.draws-duckdb-only" in capsys.readouterr().err
