"""Bad input from the review: each is one clear line, exit code 1, nothing half-written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import DEMO  # type: ignore[import-not-found]
from gachi.cli.main import run

CATALOG = str(DEMO / "indicators")
DATA = str(DEMO / "records.csv")

INDICATOR = """\
id: calls_value
version: 1
name: {{ko: 통화 가치}}
description: {{ko: 시험}}
frameworks: {{sk: social_contribution}}
inputs:
  - {{name: calls, unit: {unit}, description: {{ko: 통화}}}}
proxies:
  - {{name: price, value: {value}, unit: KRW/call, currency: KRW, base_year: 2024,
     source: {{title: 가정}}, licence: CC0-1.0}}
formula: calls * price
"""


def _fails(args: list[str], capsys: pytest.CaptureFixture[str], code: str) -> str:
    assert run(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in err, err
    return err


def test_a_file_that_is_not_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "data.xlsx"
    fake.write_text("organisation,programme,period\n", encoding="utf-8")
    _fails(["measure", "-c", CATALOG, "-d", str(fake)], capsys, "file.bad-xlsx")


@pytest.mark.parametrize("target", ["a-folder", "missing-folder/../a-folder"])
def test_output_to_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    (tmp_path / "a-folder").mkdir()
    out = str(tmp_path / target)
    _fails(
        ["measure", "-c", CATALOG, "-d", DATA, "-f", "json", "-o", out], capsys, "file.cannot-write"
    )


def test_output_under_an_unwritable_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    out = str(tmp_path / "file" / "r.json")  # a "folder" that is a file
    _fails(
        ["measure", "-c", CATALOG, "-d", DATA, "-f", "json", "-o", out], capsys, "file.cannot-write"
    )


def test_written_files_get_ordinary_permissions_and_links_are_followed(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    old = os.umask(0o022)
    try:
        assert run(["measure", "-c", CATALOG, "-d", DATA, "-f", "json", "-o", str(link)]) == 0
    finally:
        os.umask(old)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("{")
    assert stat.S_IMODE(real.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("unit", "value", "code"),
    [
        ("call", ".nan", "spec.not-finite"),
        ("call", "1.7e+308", "spec.proxy-not-finite"),  # × 1.14 (CPI 2020→2024) overflows
        ("MWh^400", "1", "unit.syntax"),
    ],
)
def test_catalogue_values_that_cannot_be_computed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unit: str, value: str, code: str
) -> None:
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "c.yaml").write_text(INDICATOR.format(unit=unit, value=value), encoding="utf-8")
    if code == "spec.proxy-not-finite":
        # 1e308 won of 2020 in 2024 prices is beyond a double
        text = INDICATOR.format(unit=unit, value=value).replace(
            "base_year: 2024", "base_year: 2020"
        )
        (folder / "c.yaml").write_text(text, encoding="utf-8")
    _fails(["catalog", "validate", str(folder)], capsys, code)


def test_exchange_rates_must_be_positive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "c.yaml").write_text(INDICATOR.format(unit="call", value=1), encoding="utf-8")
    (folder / "catalog.yaml").write_text(
        "currency: USD\nexchange_rates: {2024: {USD: 0}}\n", encoding="utf-8"
    )
    _fails(["catalog", "validate", str(folder)], capsys, "catalog.yaml:2")


def test_yaml_aliases_are_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cat"
    folder.mkdir()
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (folder / "bomb.yaml").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _fails(["catalog", "validate", str(folder)], capsys, "yaml.alias")


def test_a_malformed_postgres_url(capsys: pytest.CaptureFixture[str]) -> None:
    _fails(
        ["measure", "-c", CATALOG, "-d", DATA, "--backend", "postgresql://[::1"],
        capsys,
        "postgres.unreachable",
    )


def test_grouping_by_an_input_column(capsys: pytest.CaptureFixture[str]) -> None:
    _fails(
        ["measure", "-c", CATALOG, "-d", DATA, "--group-by", "organisation,blocked_calls"],
        capsys,
        "data.group-is-input",
    )


def test_grouping_by_a_column_twice(capsys: pytest.CaptureFixture[str]) -> None:
    _fails(
        ["measure", "-c", CATALOG, "-d", DATA, "--group-by", "period,period"],
        capsys,
        "data.group-twice",
    )


def test_explain_filters_need_only_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.csv"
    # the second record has no programme; filtering on organisation must not mind
    data.write_text(
        "organisation,programme,period,blocked_calls\nA,p,2024,1000\nB,,2024,5\n", encoding="utf-8"
    )
    args = ["explain", "voice_phishing_prevented", "-c", CATALOG, "-d", str(data)]
    assert run([*args, "-w", "programme=p"]) == 0
    assert "(records: 1)" in capsys.readouterr().out
    _fails([*args, "-w", "period=2024", "-w", "period=2023"], capsys, "cli.where-twice")


def test_validate_reports_every_file_even_unreadable_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "a.yaml").write_bytes(b"")
    (folder / "b.YAML").write_bytes(b"\xff\xfe\xfa not text")
    (folder / "c.yaml").write_text("id: [\n", encoding="utf-8")
    (folder / "catalog.yaml").write_text("# all defaults\n", encoding="utf-8")
    err = _fails(["catalog", "validate", str(folder)], capsys, "file.empty")
    assert "b.YAML" in err and "c.yaml:2" in err and "catalog.yaml" not in err


def test_explain_refuses_a_filter_on_an_amount(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["explain", "voice_phishing_prevented", "-c", CATALOG, "-d", DATA]
    _fails([*args, "-w", "blocked_calls=abc"], capsys, "cli.where-on-input")


def test_replacing_a_private_file_keeps_it_private(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o600)
    assert run(["measure", "-c", CATALOG, "-d", DATA, "-f", "json", "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_an_array_formula_without_a_result_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["organisation", "programme", "period", "blocked_calls"])
    sheet.append(["A", "p", "2024", None])
    sheet["D2"] = ArrayFormula("D2", "=SUM(1,2)")
    book.save(tmp_path / "d.xlsx")
    _fails(
        ["measure", "-c", CATALOG, "-d", str(tmp_path / "d.xlsx")],
        capsys,
        "file.formula-without-value",
    )
