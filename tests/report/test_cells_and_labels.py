"""What every spreadsheet cell goes through (`kernel/cells.py`), and the names readers see for
licences and distributions (`kernel/labels.py`)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from gachi.kernel.cells import clean_text, safe_cell, workbook_cell
from gachi.kernel.labels import distribution_label, licence_label


def test_every_character_openpyxl_refuses_is_replaced() -> None:
    refused = [chr(c) for c in range(0x10000) if ILLEGAL_CHARACTERS_RE.match(chr(c))]
    assert len(refused) == 29  # the C0 controls but tab, line feed and carriage return
    for ch in refused:
        assert clean_text(f"a{ch}b") == "a\ufffdb", hex(ord(ch))
        assert safe_cell(f"a{ch}b") == "a\ufffdb", hex(ord(ch))
    assert clean_text("가\t나\n다\r라") == "가\t나\n다\r라"


def test_a_name_with_control_characters_saves_to_a_workbook() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([safe_cell("가온\x01협동\x0b조합"), workbook_cell("사업\x1f")[0]])
    buf = io.BytesIO()
    book.save(buf)  # without the cleaning: openpyxl's IllegalCharacterError
    back = load_workbook(io.BytesIO(buf.getvalue())).active
    assert back is not None
    assert [c.value for c in back[1]] == ["가온\ufffd협동\ufffd조합", "사업\ufffd"]


def test_csv_cells_keep_the_apostrophe_and_workbook_cells_the_text() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("-x * y") == "'-x * y"
    assert safe_cell("@evil") == "'@evil"
    assert safe_cell(-3.5) == -3.5
    assert safe_cell("청소년 멘토링") == "청소년 멘토링"
    assert workbook_cell("-x * y") == ("-x * y", True)
    assert workbook_cell("=1+1") == ("=1+1", True)
    assert workbook_cell("x * y") == ("x * y", False)
    assert workbook_cell(-3.5) == (-3.5, False)
    assert workbook_cell("\x01=x") == ("\ufffd=x", False)


@pytest.mark.parametrize(
    ("code", "korean", "english"),
    [
        (
            "facts-only (figure cited, text not copied)",
            "사실 정보만 인용 (수치 인용, 원문은 옮기지 않음)",
            "facts only (figure cited, text not copied)",
        ),
        (
            "public-domain (US Government work)",
            "퍼블릭 도메인 (미국 정부 저작물)",
            "public domain (US Government work)",
        ),
        ("facts-only", "사실 정보만 인용", "facts only"),
        ("CC0-1.0", "CC0 1.0 (저작권 포기)", "CC0 1.0 (public-domain dedication)"),
        ("KOGL-1", "공공누리 제1유형 (출처 표시)", "KOGL Type 1 (attribution)"),
        ("CC-BY-4.0", "CC BY 4.0 (저작자 표시)", "CC BY 4.0 (attribution)"),
    ],
)
def test_licences_have_names(code: str, korean: str, english: str) -> None:
    assert licence_label(code, "ko") == korean
    assert licence_label(code, "en") == english


def test_a_licence_with_a_note_of_its_own_or_unknown() -> None:
    assert licence_label("public-domain (table 3)", "ko") == "퍼블릭 도메인 (table 3)"
    assert licence_label("MIT", "ko") == "MIT"


def test_every_licence_of_the_shipped_catalogue_has_a_korean_name() -> None:
    import yaml

    from conftest import DEMO  # type: ignore[import-not-found]

    root = DEMO.parents[1]
    codes = set()
    for folder in (root / "library" / "indicators", DEMO / "indicators"):
        for f in folder.glob("*.yaml"):
            spec = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            codes |= {p["licence"] for p in spec.get("proxies") or []}
    assert codes
    for code in codes:
        assert licence_label(code, "ko") != code, code


@pytest.mark.parametrize(
    ("name", "korean"),
    [
        ("triangular", "삼각분포"),
        ("lognormal", "로그정규분포"),
        ("uniform", "균등분포"),
        ("normal", "정규분포"),
        ("fixed", "고정값"),
        ("triangular(0.3, 0.5, 0.7)", "삼각분포(0.3, 0.5, 0.7)"),
        ("normal(sd=2)", "정규분포(표준편차 2)"),
        ("lognormal(gsd=1.5)", "로그정규분포(기하표준편차 1.5)"),
        ("beta(2, 3)", "beta(2, 3)"),
    ],
)
def test_distributions_have_korean_names(name: str, korean: str) -> None:
    assert distribution_label(name, "ko") == korean


def test_distributions_in_english_keep_their_names() -> None:
    assert distribution_label("triangular(0.3, 0.5, 0.7)", "en") == "triangular(0.3, 0.5, 0.7)"
    assert distribution_label("lognormal", "en") == "lognormal"
