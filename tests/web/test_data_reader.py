"""The pieces under the upload, without the web: Korean number formats, years, and the XLSX
reader on workbooks written by hand the way Excel writes them (shared and rich strings with
phonetic guides, prefixed namespaces, date styles, cached formula results, error values)."""

from __future__ import annotations

import io
import math
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gachi.domains.data.numbers import edit_text, parse_number, parse_period
from gachi.domains.data.reader import CellError, Formula, open_sheet, sniff
from gachi.errors import InvalidInput

# ---- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.5", 1234.5),
        ("1 234 567", 1234567.0),
        ("１２３", 123.0),
        ("１，２３４．５", 1234.5),
        ("－５", -5.0),
        ("\u22123", -3.0),  # the minus sign of word processors
        ("+7", 7.0),
        (".5", 0.5),
        ("3.2e4", 32000.0),
        ("\u00a01,000\u3000", 1000.0),
    ],
)
def test_korean_number_formats(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["", "열둘", "1억", "12개", "1,23", "1.2.3", "nan", "inf", "1e999", "=1+1", "0x10"]
)
def test_not_numbers(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_number(text)
    assert err.value.first.code == "points.not-a-number"


@pytest.mark.parametrize(
    ("raw", "year"),
    [(2024, 2024), (2024.0, 2024), ("2024", 2024), ("2024년", 2024), ("２０２４", 2024)],
)
def test_periods(raw: object, year: int) -> None:
    assert parse_period(raw) == year


@pytest.mark.parametrize("raw", ["작년", "2024.5", 2024.5, 1899, "2201", True, "", "20 24년도"])
def test_not_periods(raw: object) -> None:
    with pytest.raises(InvalidInput):
        parse_period(raw)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_what_the_grid_shows_reads_back_exactly(value: float) -> None:
    assert parse_number(edit_text(value)) == value


@given(st.text(max_size=30))
def test_any_text_is_a_number_or_a_clear_refusal(text: str) -> None:
    try:
        value = parse_number(text)
    except InvalidInput as err:
        assert err.first.code == "points.not-a-number"
    else:
        assert math.isfinite(value)


# ---- the XLSX reader -----------------------------------------------------------------------

NS = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
WS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def _xml(*parts: str) -> str:
    return "".join(parts)


def _workbook(tmp_path: Path, sheet: str, *, doctype: str = "") -> Path:
    parts = {
        "xl/workbook.xml": _xml(
            f"<x:workbook {NS} {REL_NS}><x:sheets>",
            '<x:sheet name="입력" sheetId="1" r:id="rId1"/>',
            '<x:sheet name="메모" sheetId="2" r:id="rId2"/>',
            "</x:sheets></x:workbook>",
        ),
        "xl/_rels/workbook.xml.rels": _xml(
            f'<Relationships xmlns="{PKG}">',
            f'<Relationship Id="rId1" Type="{WS}" Target="worksheets/sheet1.xml"/>',
            f'<Relationship Id="rId2" Type="{WS}" Target="/xl/worksheets/sheet2.xml"/>',
            "</Relationships>",
        ),
        "xl/sharedStrings.xml": _xml(
            f"<x:sst {NS}>",
            "<x:si><x:t>사업</x:t></x:si>",
            "<x:si><x:r><x:t>자원</x:t></x:r><x:r><x:t>봉사</x:t></x:r>",
            '<x:rPh sb="0" eb="1"><x:t>じ</x:t></x:rPh></x:si>',
            "</x:sst>",
        ),
        "xl/styles.xml": _xml(
            f'<x:styleSheet {NS}><x:numFmts count="2">',
            '<x:numFmt numFmtId="170" formatCode="yyyy&quot;년&quot; m&quot;월&quot;"/>',
            '<x:numFmt numFmtId="171" formatCode="#,##0&quot;명&quot;"/></x:numFmts>',
            '<x:cellStyleXfs><x:xf numFmtId="14"/></x:cellStyleXfs>',
            '<x:cellXfs><x:xf numFmtId="0"/><x:xf numFmtId="170"/><x:xf numFmtId="171"/>',
            '<x:xf numFmtId="14"/></x:cellXfs></x:styleSheet>',
        ),
        "xl/worksheets/sheet1.xml": _xml(
            doctype,
            f"<x:worksheet {NS}><x:sheetData>{sheet}</x:sheetData>",
            '<x:mergeCells count="1"><x:mergeCell ref="C3:D3"/></x:mergeCells></x:worksheet>',
        ),
        "xl/worksheets/sheet2.xml": f"<x:worksheet {NS}><x:sheetData/></x:worksheet>",
    }
    path = tmp_path / "book"  # kept uploads have no suffix
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def test_an_excel_written_sheet(tmp_path: Path) -> None:
    sheet = _xml(
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c>',
        '<x:c r="B1" t="inlineStr"><x:is><x:t>연도</x:t></x:is></x:c>',
        '<x:c r="D1" t="inlineStr"><x:is><x:r><x:t>값</x:t></x:r><x:r><x:t>(명)</x:t></x:r>',
        "</x:is></x:c></x:row>",
        '<x:row r="3"><x:c r="A3" t="s"><x:v>1</x:v></x:c><x:c r="B3" s="1"><x:v>45292</x:v></x:c>',
        '<x:c r="C3" s="2"><x:v>1200</x:v></x:c>',
        '<x:c r="D3"><x:f>C3*2</x:f><x:v>2400.5</x:v></x:c>',
        '<x:c r="E3" t="str"><x:f>IF(1,"","x")</x:f><x:v></x:v></x:c>',
        '<x:c r="F3"><x:f>SUM(A1:A2)</x:f></x:c>',
        '<x:c r="G3" t="e"><x:v>#DIV/0!</x:v></x:c><x:c r="H3" t="b"><x:v>1</x:v></x:c>',
        '<x:c s="3"><x:v>1</x:v></x:c></x:row>',
        '<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t> </x:t></x:is></x:c></x:row>',
    )
    path = _workbook(tmp_path, sheet)
    assert sniff(path) == "xlsx"
    read = open_sheet(path, "xlsx")
    assert (read.title, read.others) == ("입력", ("메모",))
    rows = list(read.rows)
    assert rows[0] == (1, ("사업", "연도", None, "값(명)"))
    number, cells = rows[1]
    assert number == 3
    assert cells[0] == "자원봉사"  # rich runs joined, the phonetic guide left out
    assert cells[1] == datetime(2024, 1, 1)  # a date style: a date, not the number 45292
    assert cells[2] == 1200  # "#,##0명" is a number format, not a date
    assert cells[3] == 2400.5  # a formula's saved result
    assert cells[4] == ""  # an empty text result is empty, not "uncomputed"
    assert cells[5] == Formula("=SUM(A1:A2)")
    assert cells[6] == CellError("#DIV/0!")
    assert cells[7] is True
    assert cells[8] == datetime(1899, 12, 31)  # a cell without a reference follows the last
    assert len(rows) == 3  # row 4 holds only a space: kept (a space is not nothing)
    assert read.merged == ["C3:D3"]


def test_a_document_type_declaration_is_refused(tmp_path: Path) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    path = _workbook(
        tmp_path,
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>&b;</x:t></x:is></x:c></x:row>',
        doctype=bomb,
    )
    with pytest.raises(InvalidInput) as err:
        list(open_sheet(path, "xlsx").rows)
    assert err.value.first.code == "upload.bad-xlsx"


def test_a_broken_sheet_is_a_bad_file_not_a_crash(tmp_path: Path) -> None:
    path = _workbook(tmp_path, '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:row>')  # unclosed <c>
    with pytest.raises(InvalidInput) as err:
        list(open_sheet(path, "xlsx").rows)
    assert err.value.first.code == "upload.bad-xlsx"
    bad_ref = _workbook(tmp_path, '<x:row r="1"><x:c r="a1!"><x:v>1</x:v></x:c></x:row>')
    with pytest.raises(InvalidInput):
        list(open_sheet(bad_ref, "xlsx").rows)


def test_utf16_and_tab_separated_text(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("사업\t연도\n자원봉사\t2024\n".encode("utf-16"))
    read = open_sheet(path, sniff(path))
    assert list(read.rows) == [(1, ("사업", "연도")), (2, ("자원봉사", "2024"))]


def test_a_zip_that_is_no_workbook(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    path = tmp_path / "x"
    path.write_bytes(out.getvalue())
    with pytest.raises(InvalidInput) as err:
        open_sheet(path, sniff(path))
    assert err.value.first.code == "upload.bad-xlsx"
