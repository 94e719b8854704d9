"""`gachi sroi`: table and JSON output, options, and clean one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main

from gachi.cli.main import _register, app, run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sroi"
YAML = str(EXAMPLES / "care_jobs.yaml")


def test_json_output_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sroi", YAML, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["investment"] == 226_000_000
    assert isinstance(doc["sroi_ratio"], float) and doc["sroi_ratio"] > 1
    assert doc["net_present_value"] == pytest.approx(doc["total_present_value"] - 226_000_000)
    assert doc["outcomes"][0]["stakeholder"] == "취약계층 근로자"  # not \\uXXXX escapes
    assert {"payback_months", "break_even_success_rate", "break_even_attribution"} <= set(doc)


def test_table_output_in_korean(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "ko", "sroi", YAML]) == 0
    shown = capsys.readouterr().out
    assert "1 : 2.39" in shown and "총 현재가치" in shown and "억원" in shown
    assert "지방자치단체" in shown and "2–4" in shown  # outcome starting a year late


def test_options_replace_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sroi", str(EXAMPLES / "care_jobs.csv"), "-f", "json"]
    assert run([*args, "--investment", "2억 2,600만원", "--discount-rate", "3.5"]) == 0
    base = json.loads(capsys.readouterr().out)
    assert run([*args, "--investment", "0"]) == 0
    free = json.loads(capsys.readouterr().out)
    assert free["sroi_ratio"] is None
    assert free["notes"][0]["code"] == "sroi.note.no-investment"
    assert run([*args, "--investment", "226000000", "--discount-rate", "0"]) == 0
    undiscounted = json.loads(capsys.readouterr().out)
    assert undiscounted["total_present_value"] > base["total_present_value"]


def test_zero_investment_table_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sroi", str(EXAMPLES / "guide_style.csv"), "--investment", "0"]) == 0
    shown = capsys.readouterr().out
    assert "the investment is 0" in shown and "—" in shown


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--investment", "lots"], "sroi.not-money"),
        (["--discount-rate", "150%"], "sroi.fraction-range"),
    ],
)
def test_bad_options_exit_1_without_traceback(
    capsys: pytest.CaptureFixture[str], args: list[str], where: str
) -> None:
    assert run(["sroi", YAML, *args]) == 1
    captured = capsys.readouterr()
    assert where in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def test_bad_cell_exits_1_with_file_row_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "map.csv"
    path.write_text(
        "Stakeholders,Outcome,Quantity,Value,Attribution %\nworkers,income,x,5,30\n",
        encoding="utf-8",
    )
    assert run(["sroi", str(path), "--investment", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2:3: sroi.not-number: 'Quantity': 'x' is not a number" in err
    assert "Traceback" not in err


def test_missing_file_and_bad_yaml_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(["sroi", str(tmp_path / "nope.yaml")]) == 1
    assert "file.missing" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("outcomes: [\n", encoding="utf-8")
    assert run(["sroi", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "sroi.yaml-syntax" in err and "Traceback" not in err


def test_the_command_and_each_option_have_help() -> None:
    _register()
    # typer ≥ 0.29 vendors click, so its groups are not `click.Group`: go by attributes.
    cmd = typer.main.get_command(app).commands["sroi"]  # type: ignore[attr-defined]
    assert (cmd.help or "").strip()
    for param in cmd.params:
        assert (getattr(param, "help", None) or "").strip(), param.name
    assert {p.name for p in cmd.params} >= {"file", "fmt", "investment", "discount_rate", "sheet"}


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        # 1e200 × 1e200 = 1e400: used to exit 0 printing `Infinity`, which is not JSON.
        (
            "big.yaml",
            "investment: 1\noutcomes:\n  - {stakeholder: a, outcome: b, quantity: 1e200,"
            " proxy: 1e200}\n",
            "sroi.overflow",
        ),
        # used to be an OverflowError traceback from the discount factor
        (
            "long.yaml",
            "investment: 1\noutcomes:\n  - {stakeholder: a, outcome: b, quantity: 1, proxy: 1,"
            " duration: 100000000}\n",
            "sroi.duration",
        ),
        # a CSV renamed to .xlsx: used to be a zipfile.BadZipFile traceback
        ("map.xlsx", "Stakeholders,Outcome,Quantity,Value\nw,i,1,1\n", "file.bad-xlsx"),
    ],
)
def test_files_that_used_to_crash_exit_1_with_one_clear_issue(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, code: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert run(["sroi", str(path), "-f", "json", "--investment", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"{path}") and f": {code}: " in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
