"""Every command has help text and is documented in the README; errors are one clear line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import typer.main

from conftest import DEMO, ROOT  # type: ignore[import-not-found]
from gachi.cli.main import _register, app, run

CATALOG = str(DEMO / "indicators")
DATA = str(DEMO / "records.csv")


def _commands() -> list[tuple[str, Any]]:
    # Typer may bundle its own click, so commands are recognised by shape, not by class.
    _register()
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(group: Any, prefix: str) -> None:
        for name, cmd in group.commands.items():
            path = f"{prefix} {name}".strip()
            if hasattr(cmd, "commands"):
                walk(cmd, path)
            found.append((path, cmd))

    walk(root, "")
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _commands()
    assert {"measure", "explain", "sroi", "catalog validate", "catalog diff"} <= {
        p for p, _ in commands
    }
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"'gachi {path}' has no help text"
        for param in cmd.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"'gachi {path} {param.opts[0]}' has no help"
        if not hasattr(cmd, "commands"):
            assert f"gachi {path}" in readme, f"'gachi {path}' is not documented in README.md"


def test_measure_table_shows_korean_money(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "ko", "measure", "-c", CATALOG, "-d", DATA]) == 0
    shown = capsys.readouterr().out
    assert "억원" in shown and "합계" in shown and "-973만원" in shown


def test_measure_json_records_lineage(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["measure", "-c", CATALOG, "-d", DATA, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    row = next(
        r for r in doc["rows"] if r["indicator"] == "solar_generation" and r["period"] == "2024"
    )
    assert row["indicator_version"] == 1 and len(row["spec_hash"]) == 64
    proxies = {p["name"]: p for p in doc["lineage"]["solar_generation"]["proxies"]}
    assert proxies["carbon_cost"]["currency"] == "USD"
    assert any("USD→KRW" in s for s in proxies["carbon_cost"]["steps"])
    # Totals per organisation and year: the energy cooperative's 2024 is one of them.
    scopes = [t["scope"] for t in doc["totals"]]
    assert len(scopes) == 9 and all(set(s) == {"organisation", "period"} for s in scopes)
    energy = [t for t in doc["totals"] if t["by_category"].get("business_environment")]
    assert {t["scope"]["period"] for t in energy} == {"2022", "2023", "2024"}
    assert all(t["across"] == [] for t in doc["totals"])
    assert doc["data"]["rows"] == 12


def test_measure_xlsx_and_csv_neutralise_formulas(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(
        'organisation,programme,period,blocked_calls\n=HYPERLINK("x"),@evil,2024,1000\n',
        encoding="utf-8",
    )
    out_xlsx, out_csv = tmp_path / "r.xlsx", tmp_path / "r.csv"
    args = ["measure", "-c", CATALOG, "-d", str(data), "-i", "voice_phishing_prevented"]
    assert run([*args, "--format", "xlsx", "-o", str(out_xlsx)]) == 0
    assert run([*args, "--format", "csv", "-o", str(out_csv)]) == 0
    sheet = openpyxl.load_workbook(out_xlsx)["results"]
    assert sheet["A2"].value == '\'=HYPERLINK("x")' and sheet["B2"].value == "'@evil"
    assert "'=HYPERLINK" in out_csv.read_text(encoding="utf-8-sig")


def test_explain_substitutes_values(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        [
            "explain",
            "voice_phishing_prevented",
            "-c",
            CATALOG,
            "-d",
            DATA,
            "-w",
            "organisation=SK텔레콤",
            "-w",
            "period=2024",
        ]
    )
    shown = capsys.readouterr().out
    assert code == 0
    assert "3,120,000 [call] * 0.002 [case/call] * 41,004,847 [KRW/case]" in shown
    assert "newdaily.co.kr" in shown  # the source is shown
    assert "for these records, the formula with the summed inputs gives the computed value" in shown


def test_errors_are_one_clear_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("organisation,programme,period,blocked_calls\nA,B,2024,many\n", encoding="utf-8")
    assert run(["measure", "-c", CATALOG, "-d", str(bad), "-i", "voice_phishing_prevented"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{bad}:2:4: data.not-a-number" in err and "'many'" in err

    assert run(["measure", "-c", str(tmp_path / "nope"), "-d", DATA]) == 1
    assert "catalog.not-a-folder" in capsys.readouterr().err


def test_catalog_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "validate", CATALOG]) == 0
    assert "6 indicators" in capsys.readouterr().out
    new = tmp_path / "new"
    new.mkdir()
    for f in (DEMO / "indicators").iterdir():
        (new / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    target = new / "vulnerable_jobs.yaml"
    target.write_text(
        target.read_text(encoding="utf-8")
        .replace("deadweight: 0.25", "deadweight: 0.3")
        .replace("version: 1", "version: 2"),
        encoding="utf-8",
    )
    (new / "ai_care_rescues.yaml").unlink()
    assert run(["catalog", "diff", CATALOG, str(new)]) == 0
    shown = capsys.readouterr().out
    assert "- ai_care_rescues" in shown and "~ vulnerable_jobs v1 → v2" in shown
    assert "adjustments.deadweight: 0.25 → 0.3" in shown


def test_shipped_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "schema"]) == 0
    generated = json.loads(capsys.readouterr().out)
    shipped = json.loads((ROOT / "library" / "indicator.schema.json").read_text(encoding="utf-8"))
    assert generated == shipped, "run `make schema` to refresh library/indicator.schema.json"


def test_usage_errors_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["measure", "-c", CATALOG, "-d", DATA, "--format", "xml"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert run(["no-such-command"]) == 2


def test_notes_go_to_stderr_so_json_on_stdout_stays_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "r.yaml").write_text(
        """
id: ratio_value
version: 1
name: {ko: 비율}
description: {ko: 나눗셈}
frameworks: {sk: social_contribution}
inputs:
  - {name: a, unit: "1", description: {ko: a}}
  - {name: b, unit: "1", description: {ko: b}}
formula: a / b * 1 [KRW]
""",
        encoding="utf-8",
    )
    (tmp_path / "d.csv").write_text("organisation,a,b\no,1,0\n", encoding="utf-8")
    args = ["measure", "-c", str(tmp_path / "cat"), "-d", str(tmp_path / "d.csv")]
    assert run([*args, "--group-by", "organisation", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["rows"][0]["undefined"] == 1
    assert "ratio_value" in captured.err


def test_table_format_refuses_an_output_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["measure", "-c", CATALOG, "-d", DATA, "-o", str(tmp_path / "x.txt")]) == 1
    assert "cli.table-to-screen" in capsys.readouterr().err
    assert not (tmp_path / "x.txt").exists()


def test_data_for_some_programmes_computes_their_indicators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.csv"
    data.write_text("organisation,programme,period,blocked_calls\nSK,A,2024,5000\n", "utf-8")
    assert run(["measure", "-c", CATALOG, "-d", str(data), "-f", "json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert {r["indicator"] for r in doc["rows"]} == {"voice_phishing_prevented"}
    # 5,000 × 0.002 × 41,004,847 × 0.72
    (totals,) = doc["totals"]
    assert totals["scope"] == {"organisation": "SK", "period": "2024"}
    assert totals["total"] == pytest.approx(5_000 * 0.002 * 41_004_847 * 0.72)
    assert "ai_care_rescues" in captured.err  # named as not computed
    # asked for by name, a missing column is an error, not a skip
    assert run(["measure", "-c", CATALOG, "-d", str(data), "-i", "ai_care_rescues"]) == 1
    assert "data.missing-column" in capsys.readouterr().err


def test_data_for_no_indicator_at_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.csv"
    data.write_text("organisation,programme,period,blocked_callz\nSK,A,2024,5\n", "utf-8")
    assert run(["measure", "-c", CATALOG, "-d", str(data)]) == 1
    assert "cli.no-applicable-indicator" in capsys.readouterr().err


def test_measure_totals_are_per_organisation_and_year_unless_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gachi.cli import output

    monkeypatch.setattr(output.out, "width", 200)  # the labels of the sums, unwrapped
    assert run(["--lang", "ko", "measure", "-c", CATALOG, "-d", DATA]) == 0
    shown = capsys.readouterr().out
    totals = shown[shown.index("기관·기간별 범주 합계") :]
    assert "합계 (3개 연도)" not in totals and "기관 3곳 합계" not in totals
    assert totals.count("│ 2024년") == 3  # one row per organisation's 2024
    assert "2024년 가격 기준" in totals
    args = ["--lang", "ko", "measure", "-c", CATALOG, "-d", DATA, "--sum-across", "periods"]
    assert run([*args, "--sum-across", "organisations"]) == 0
    totals = capsys.readouterr().out.split("기관·기간별 범주 합계")[1]
    assert totals.count("2022~2024년 합계 (3개 연도)") == 4  # each organisation, and all
    assert totals.count("기관 3곳 합계") == 4  # each year, and all


def test_sum_across_a_column_the_grouping_lacks_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["measure", "-c", CATALOG, "-d", DATA, "--group-by", "programme,period"]
    assert run([*args, "--sum-across", "organisations"]) == 1
    assert "totals.unknown-across" in capsys.readouterr().err
