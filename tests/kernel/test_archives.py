"""Zip bombs are refused from the central directory, before anything is inflated, and a zip
whose directory lies is cut off while inflating."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from gachi.errors import InvalidInput
from gachi.kernel.archives import MB, WORKBOOK, ArchiveLimits, BoundedZipFile, check

SHEET = "xl/worksheets/sheet1.xml"


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _declare(archive: bytes, name: str, size: int) -> bytes:
    """`archive` with `name`'s uncompressed size in its central directory (and local header)
    changed to `size`: a directory that lies."""
    raw = bytearray(archive)
    encoded = name.encode()
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) >= 0:  # central directory headers
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + length] == encoded:
            struct.pack_into("<I", raw, at + 24, size)
        at += 4
    at = 0
    while (at := raw.find(b"PK\x03\x04", at)) >= 0:  # local headers
        length = struct.unpack_from("<H", raw, at + 26)[0]
        if raw[at + 30 : at + 30 + length] == encoded:
            struct.pack_into("<I", raw, at + 22, size)
        at += 4
    return bytes(raw)


def _bomb() -> bytes:
    """About 100 KB that inflates to 100 MB of zeros (a ratio near 1,000)."""
    return _zip({"[Content_Types].xml": b"<Types/>", SHEET: bytes(100 * MB)})


def _code(data: bytes, limits: ArchiveLimits = WORKBOOK) -> str:
    with pytest.raises(InvalidInput) as caught:
        BoundedZipFile(io.BytesIO(data), limits)
    return caught.value.first.code


def test_a_real_workbook_sized_archive_passes() -> None:
    text = b"".join(b'<row r="%d"><c><v>%d</v></c></row>' % (i, i * 7) for i in range(50_000))
    with (
        BoundedZipFile(io.BytesIO(_zip({SHEET: text})), WORKBOOK) as book,
        book.open(SHEET) as fh,
    ):
        assert fh.read() == text


def test_a_bomb_is_refused_by_its_ratio_before_anything_is_inflated() -> None:
    bomb = _bomb()
    assert len(bomb) < 200_000
    with zipfile.ZipFile(io.BytesIO(bomb)) as plain, pytest.raises(InvalidInput) as caught:
        check(plain, WORKBOOK)
    issue = caught.value.first
    assert issue.code == "archive.ratio" and issue.params["member"] == SHEET
    assert int(issue.params["ratio"].replace(",", "")) > 900
    assert "압축 폭탄" in caught.value.render("ko")


def test_an_archive_declaring_gigabytes_is_refused_from_its_directory() -> None:
    small = _zip({SHEET: b"<worksheet/>" * 10}, zipfile.ZIP_STORED)
    lying = _declare(small, SHEET, 0xFFFFFFF0)  # 4 GB declared, stored: no ratio to see
    assert len(lying) < 1000
    assert _code(lying, ArchiveLimits(max_total=256 * MB, max_ratio=10**12)) == "archive.too-large"
    assert _code(lying) in ("archive.ratio", "archive.too-large")


def test_too_many_members_and_other_compression_methods_are_refused() -> None:
    many = _zip({f"part{i}.xml": b"<a/>" for i in range(30)})
    assert _code(many, ArchiveLimits(max_total=MB, max_members=20)) == "archive.members"
    bz = _zip({SHEET: b"<worksheet/>"}, zipfile.ZIP_BZIP2)
    assert _code(bz) == "archive.method"


def test_a_directory_that_understates_a_member_is_cut_off_while_inflating() -> None:
    """It declares 1 KB and holds 100 MB: no more than the declared kilobyte is inflated, then
    the archive is found damaged (its checksum no longer fits)."""
    lying = _declare(_bomb(), SHEET, 1024)
    with BoundedZipFile(io.BytesIO(lying), WORKBOOK) as book:
        fh = book.open(SHEET)
        with pytest.raises(zipfile.BadZipFile):
            while fh.read(64 * 1024):
                pass
        assert WORKBOOK.max_total - book.left <= 1024


def test_what_is_inflated_in_all_stops_at_the_allowance() -> None:
    """Whatever each member declares, reading stops once the archive's total is spent (a
    member read twice counts twice)."""
    data = bytes(600 * 1024)
    limits = ArchiveLimits(max_total=MB, max_ratio=10**6)
    with BoundedZipFile(io.BytesIO(_zip({SHEET: data})), limits) as book:
        assert book.read(SHEET) == data
        with pytest.raises(InvalidInput) as caught, book.open(SHEET) as fh:
            while fh.read(64 * 1024):
                pass
    assert caught.value.first.code == "archive.too-large"
