"""Loading a catalogue: every problem, in every file, reported at once at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from gachi.engine.catalog import Catalog, load_catalog
from gachi.engine.expr.nodes import to_text
from gachi.errors import CatalogInvalid, InvalidInput, Issue

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "indicators"

# Line numbers matter below: they are written next to each line.
BASE = """\
id: call_value
version: 1
name: {ko: 통화 가치, en: Value of calls}
description: {ko: 시험 지표}
frameworks: {sk: social_contribution}
inputs:
  - name: calls
    unit: call
    description: {ko: 통화 수}
proxies:
  - name: price
    value: 1000
    unit: KRW/call
    currency: KRW
    base_year: 2024
    source: {title: 가정}
    licence: CC0-1.0
formula: calls * price
"""
#  1 id            7 - name: calls     13 unit: KRW/call
#  2 version       8 unit: call        14 currency: KRW
#  3 name          9 description      15 base_year: 2024
#  4 description  10 proxies:         16 source
#  5 frameworks   11 - name: price    17 licence
#  6 inputs:      12 value: 1000      18 formula


def indicator(ident: str = "call_value", formula: str = "calls * price", **swap: str) -> str:
    """BASE with another id and formula; `swap` replaces exact text (old=new, by keyword)."""
    text = BASE.replace("id: call_value", f"id: {ident}").replace(
        "formula: calls * price", f"formula: {formula}"
    )
    for old, new in swap.values():
        assert old in text, old
        text = text.replace(old, new)
    return text


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems(folder: Path) -> list[Issue]:
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(folder)
    return list(caught.value.issues)


def only(folder: Path) -> Issue:
    issues = problems(folder)
    assert len(issues) == 1, [i.render("en") for i in issues]
    return issues[0]


def at(issue: Issue) -> tuple[int | None, int | None]:
    assert issue.where is not None
    return issue.where.line, issue.where.col


# --- a valid catalogue --------------------------------------------------------------------------


def test_valid_catalogue_loads(tmp_path: Path) -> None:
    cat = load_catalog(write(tmp_path, {"call_value.yaml": indicator()}))
    assert isinstance(cat, Catalog)
    assert cat.order == ("call_value",)
    entry = cat.get("call_value")
    assert to_text(entry.formula) == "calls * price"
    assert str(entry.input_units["calls"]) == "call"
    assert entry.proxies["price"].value == 1000.0
    assert str(entry.proxies["price"].unit) == "KRW/call"
    assert entry.depends_on == ()
    assert entry.adjustment_factor() == 1.0
    assert entry.to_report_currency == 1.0
    assert cat.settings.report_year == 2024


def test_demo_catalogue_loads_with_six_indicators() -> None:
    cat = load_catalog(DEMO)
    assert len(cat.entries) == 6
    assert set(cat.order) == {
        "ai_care_rescues",
        "fair_wage_premium",
        "solar_generation",
        "solar_process_emissions",
        "voice_phishing_prevented",
        "vulnerable_jobs",
    }
    assert (cat.settings.report_year, cat.settings.currency) == (2024, "KRW")
    # 0.4173 tCO2e/MWh is 0.0004173 tCO2e per base kWh
    assert cat.get("solar_generation").proxies["grid_factor"].value == pytest.approx(0.0004173)


# --- YAML problems ----------------------------------------------------------------------------


def test_malformed_yaml_is_located(tmp_path: Path) -> None:
    issue = only(write(tmp_path, {"a.yaml": indicator(a=("name: {ko", "name: a: {ko"))}))
    assert issue.code == "yaml.syntax"
    assert at(issue) == (3, 8)  # the second ':' of "name: a: {ko..."
    assert issue.params["problem"] == "mapping values are not allowed here"
    assert str(issue.where).endswith("a.yaml:3:8")


def test_duplicate_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    issue = only(
        write(tmp_path, {"a.yaml": indicator(a=("version: 1\n", "version: 1\nversion: 2\n"))})
    )
    assert issue.code == "yaml.duplicate-key"
    assert issue.params == {"key": "version"}
    assert at(issue) == (3, 1)
    assert issue.where is not None and issue.where.length == len("version")


def test_nested_duplicate_key(tmp_path: Path) -> None:
    issue = only(
        write(tmp_path, {"a.yaml": indicator(a=("value: 1000\n", "value: 1000\n    value: 2\n"))})
    )
    assert (issue.code, at(issue)) == ("yaml.duplicate-key", (13, 5))


# --- schema problems -----------------------------------------------------------------------------


def test_missing_field_is_located_at_its_mapping(tmp_path: Path) -> None:
    issue = only(write(tmp_path, {"a.yaml": indicator(a=("    licence: CC0-1.0\n", ""))}))
    assert issue.code == "spec.missing-field"
    assert issue.params == {"field": "proxies.0.licence"}
    assert at(issue) == (11, 5)  # "name: price", where the proxy's mapping starts


def test_missing_top_level_field(tmp_path: Path) -> None:
    issue = only(write(tmp_path, {"a.yaml": indicator(a=("formula: calls * price\n", ""))}))
    assert (issue.code, issue.params["field"], at(issue)) == (
        "spec.missing-field",
        "formula",
        (1, 1),
    )


def test_unknown_field_points_at_its_key(tmp_path: Path) -> None:
    text = indicator(a=("    licence: CC0-1.0\n", "    licence: CC0-1.0\n    licnse: x\n"))
    issue = only(write(tmp_path, {"a.yaml": text}))
    assert issue.code == "spec.unknown-field"
    assert issue.params == {"field": "proxies.0.licnse"}
    assert at(issue) == (18, 5)
    assert issue.render("en").splitlines()[1:] == ["        licnse: x", "        ^^^^^^"]


def test_triangular_low_above_high(tmp_path: Path) -> None:
    bad = "    uncertainty: {distribution: triangular, low: 2000, mode: 1000, high: 500}\n"
    issue = only(
        write(
            tmp_path,
            {"a.yaml": indicator(a=("    licence: CC0-1.0\n", f"    licence: CC0-1.0\n{bad}"))},
        )
    )
    assert issue.code == "spec.triangular-order"
    assert issue.params["field"] == "proxies.0.uncertainty"
    assert "low ≤ mode ≤ high" in issue.message("en")
    assert at(issue) == (18, 18)


def test_proxy_value_outside_its_uncertainty_range(tmp_path: Path) -> None:
    rng = "    uncertainty: {distribution: uniform, low: 1, high: 10}\n"
    issue = only(
        write(
            tmp_path,
            {"a.yaml": indicator(a=("    licence: CC0-1.0\n", f"    licence: CC0-1.0\n{rng}"))},
        )
    )
    assert issue.code == "spec.value-outside-range"
    assert issue.params == {"name": "price", "value": 1000.0, "low": 1.0, "high": 10.0}
    assert at(issue)[0] == 18


def test_input_name_must_be_usable_in_formulas(tmp_path: Path) -> None:
    issue = only(
        write(tmp_path, {"a.yaml": indicator(a=("- name: calls", '- name: "calls; DROP"'))})
    )
    assert (issue.code, issue.params["field"], at(issue)) == (
        "spec.bad-pattern",
        "inputs.0.name",
        (7, 11),
    )


# --- units, money, references ----------------------------------------------------------------


def test_unknown_input_unit(tmp_path: Path) -> None:
    issues = problems(write(tmp_path, {"a.yaml": indicator(a=("unit: call", "unit: widget"))}))
    assert (issues[0].code, issues[0].params["atom"], at(issues[0])) == (
        "unit.unknown",
        "widget",
        (8, 11),
    )


def test_proxy_currency_must_match_its_unit(tmp_path: Path) -> None:
    issue = only(write(tmp_path, {"a.yaml": indicator(a=("currency: KRW", "currency: USD"))}))
    assert issue.code == "spec.proxy-currency"
    assert issue.params == {"unit": "KRW/call", "currency": "USD"}
    assert at(issue) == (13, 11)  # the unit, not a second "unknown name 'price'" in the formula


def test_proxy_in_a_year_without_exchange_rate(tmp_path: Path) -> None:
    text = indicator(
        a=("unit: KRW/call", "unit: USD/call"),
        b=("currency: KRW", "currency: USD"),
        c=("base_year: 2024", "base_year: 1990"),
    )
    issue = only(write(tmp_path, {"a.yaml": text}))
    assert issue.code == "money.missing-rate"
    assert issue.params["currency"] == "USD" and issue.params["year"] == 1990
    assert at(issue) == (15, 16)


def test_catalogue_settings_can_supply_rates(tmp_path: Path) -> None:
    text = indicator(
        a=("unit: KRW/call", "unit: USD/call"),
        b=("currency: KRW", "currency: USD"),
        c=("base_year: 2024", "base_year: 1990"),
        d=("value: 1000", "value: 10"),
    )
    settings = "exchange_rates: {1990: {USD: 700}, 2024: {USD: 1300}}\nprice_index: none\n"
    cat = load_catalog(write(tmp_path / "ok", {"a.yaml": text, "catalog.yaml": settings}))
    assert cat.get("call_value").proxies["price"].value == 7000.0  # 10 dollars × 700 won (1990)
    # with price re-basing on, 1990 has no consumer price index
    settings_cpi = "exchange_rates: {1990: {USD: 700}, 2024: {USD: 1300}}\nprice_index: cpi\n"
    issue = only(write(tmp_path / "cpi", {"a.yaml": text, "catalog.yaml": settings_cpi}))
    assert (issue.code, issue.params["year"]) == ("money.missing-cpi", 1990)


def test_result_must_be_money(tmp_path: Path) -> None:
    issue = only(write(tmp_path, {"a.yaml": indicator(formula="calls")}))
    assert issue.code == "formula.result-unit"
    assert issue.params == {"got": "call", "expected": "KRW"}


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    issue = only(write(tmp_path, {"a.yaml": indicator(), "b.yaml": indicator()}))
    assert issue.code == "catalog.duplicate-id"
    assert issue.params["other"].endswith("a.yaml")
    assert str(issue.where).startswith(str(tmp_path / "b.yaml"))


def test_cycle_between_two_indicators(tmp_path: Path) -> None:
    files = {
        "alpha.yaml": indicator("alpha", "calls * price + beta"),
        "beta.yaml": indicator("beta", "calls * price + alpha"),
    }
    issue = only(write(tmp_path, files))
    assert issue.code == "catalog.cycle"
    assert issue.params == {"cycle": "alpha → beta → alpha"}
    assert at(issue) == (18, 10)


def test_problems_in_three_files_are_reported_together(tmp_path: Path) -> None:
    files = {
        "a.yaml": indicator("aaa", a=("version: 1\n", "version: 1\nversion: 2\n")),
        "b.yaml": indicator("bbb", a=("frameworks:", "framework: {sk: x}\nframeworks:")),
        "c.yaml": indicator("ccc", "calls * prise"),
    }
    issues = problems(write(tmp_path, files))
    assert len(issues) == 3
    found = {Path(i.where.file).name: i.code for i in issues if i.where and i.where.file}
    assert found == {
        "a.yaml": "yaml.duplicate-key",
        "b.yaml": "spec.unknown-field",
        "c.yaml": "formula.unknown-name",
    }
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(tmp_path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[2] == (
        f"{tmp_path / 'c.yaml'}:18:18: formula.unknown-name: "
        "unknown name 'prise' (similar names: price)"
    )


# --- carets inside formulas -------------------------------------------------------------------


def test_caret_inside_a_block_scalar(tmp_path: Path) -> None:
    text = indicator(formula="|\n  calls * price\n    + bogus * 0 [KRW]")
    issue = only(write(tmp_path, {"a.yaml": text}))
    assert issue.code == "formula.unknown-name"
    assert at(issue) == (20, 7)  # line 20 is "    + bogus * 0 [KRW]"
    head, source, caret = issue.render("en").splitlines()
    assert head == (
        f"{tmp_path / 'a.yaml'}:20:7: formula.unknown-name: unknown name 'bogus' (similar names: -)"
    )
    assert source == "        + bogus * 0 [KRW]"
    assert caret == "          ^^^^^"
    assert caret.index("^") == source.index("bogus")


def test_caret_of_a_span_over_two_lines_stays_on_its_line(tmp_path: Path) -> None:
    text = indicator(formula="|\n  calls * price\n    + calls")
    issue = only(write(tmp_path, {"a.yaml": text}))
    assert issue.code == "formula.unit-mismatch"
    assert at(issue) == (19, 3)
    _, source, caret = issue.render("en").splitlines()
    assert source == "      calls * price"
    assert caret == "      ^^^^^^^^^^^^^"


def test_caret_inside_a_quoted_formula(tmp_path: Path) -> None:
    issue = only(write(tmp_path, {"a.yaml": indicator(formula='"calls * bogus"')}))
    assert at(issue) == (18, 19)  # after `formula: "` and `calls * `


def test_caret_after_korean_text_is_widened(tmp_path: Path) -> None:
    text = indicator(formula="통화 * prise", a=("- name: calls", "- name: 통화"))
    issue = only(write(tmp_path, {"a.yaml": text}))
    assert at(issue) == (18, 15)  # columns count characters: "formula: 통화 * " is 14
    _, source, caret = issue.render("en").splitlines()
    assert source == "    formula: 통화 * prise"
    # in a terminal each of the two Hangul syllables before the error takes two columns
    assert caret == "    " + " " * (14 + 2) + "^^^^^"


# --- the spec hash ----------------------------------------------------------------------------


REORDERED = """\
formula: 'calls * price'   # same meaning, other order and quoting
proxies:
  - {base_year: 2024, currency: KRW, licence: CC0-1.0, name: price,
     source: {title: 가정}, unit: KRW/call, value: 1000.0}
inputs:
  - unit: call
    name: calls
    description:
      ko: 통화 수
frameworks: {sk: social_contribution}
description: {ko: 시험 지표}
name: {en: Value of calls, ko: 통화 가치}
version: 1
id: call_value
"""


def test_spec_hash_ignores_yaml_layout_but_not_the_formula(tmp_path: Path) -> None:
    def spec_hash(name: str, text: str) -> str:
        return (
            load_catalog(write(tmp_path / name, {"x.yaml": text}))
            .get("call_value")
            .spec.spec_hash()
        )

    base = spec_hash("base", indicator())
    assert len(base) == 64
    assert spec_hash("reordered", REORDERED) == base
    assert spec_hash("formula", indicator(formula="2 * calls * price")) != base
    assert spec_hash("version", indicator(a=("version: 1", "version: 2"))) != base
    assert spec_hash("proxy", indicator(a=("value: 1000", "value: 1001"))) != base


def test_not_a_folder_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_catalog(tmp_path / "nope")
    assert caught.value.first.code == "catalog.not-a-folder"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput) as caught:
        load_catalog(tmp_path / "empty")
    assert caught.value.first.code == "catalog.empty"
