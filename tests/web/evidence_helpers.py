"""Helpers for the evidence tests: small real files of every allowed type built in memory, a
tiny compound-file (HWP) writer, scanner scripts, and uploads as a browser or script sends them."""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook

from web.helpers import api, token

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"
CSV_UTF8 = "사업,연도,봉사시간\n자원봉사,2024,1200\n".encode()
CSV_CP949 = "사업,연도,봉사시간\n자원봉사,2024,1200\n".encode("cp949")

_OOXML_TYPES = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
}


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["사업", "연도", "봉사시간"])
    book.active.append(["자원봉사", 2024, 1200])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ooxml(kind: str, *, macro: bool = False) -> bytes:
    """A minimal DOCX or PPTX: the content types and the main part (enough for the sniffer)."""
    part, main = _OOXML_TYPES[kind]
    prefix = "application/vnd.openxmlformats-officedocument."
    content_type = prefix + main
    if macro:
        content_type = "application/vnd.ms-word.document.macroEnabled.main+xml"
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/content-types"><Override PartName="/{part}" ContentType="{content_type}"/>'
        "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr(part, "<document/>")
        if macro:
            z.writestr("word/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()


def hwpx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip")  # stored, first
        z.writestr("META-INF/container.xml", "<container/>")
        z.writestr("Contents/content.hpf", "<package/>")
        z.writestr("Contents/section0.xml", "<sec>자원봉사 확인서</sec>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    return out.getvalue()


# ---- a compound file (MS-CFB, version 3), as HWP 5 and old Office files are ------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A CFB file holding small (< 4096 bytes) root-level `streams` in the mini stream.

    Sectors: 0 FAT, 1 directory, 2 mini FAT, 3… the mini stream."""
    names = list(streams)
    assert len(names) <= 3
    mini = b""
    minifat: list[int] = []
    starts = []
    for name in names:
        data = streams[name]
        first = len(mini) // 64
        count = max(1, -(-len(data) // 64))
        starts.append(first)
        minifat += [first + k + 1 for k in range(count - 1)] + [_END]
        mini += data.ljust(count * 64, b"\x00")
    mini_sectors = max(1, -(-len(mini) // 512))
    fat = [_FAT, _END, _END] + [3 + k + 1 for k in range(mini_sectors - 1)] + [_END]
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into(
        "<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, 2, 1, _END, 0
    )  # dir sectors, FAT sectors, first dir, transaction, cutoff, first minifat, minifat count
    struct.pack_into("<I", header, 0x4C, 0)
    for k in range(1, 109):
        struct.pack_into("<I", header, 0x4C + 4 * k, _FREE)

    def entry(name: str, kind: int, start: int, size: int, child: int = _FREE) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 0x40, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 0x44, _FREE, _FREE, child)
        struct.pack_into("<IQ", raw, 0x74, start, size)
        return bytes(raw)

    directory = entry("Root Entry", 5, 3, len(mini), child=1 if names else _FREE)
    for i, name in enumerate(names):
        raw = bytearray(entry(name, 2, starts[i], len(streams[name])))
        if i + 1 < len(names):  # chain the siblings to the right
            struct.pack_into("<I", raw, 0x48, i + 2)
        directory += bytes(raw)
    directory = directory.ljust(512, b"\x00")
    fat_sector = b"".join(struct.pack("<I", v) for v in fat).ljust(512, b"\xff")
    minifat_sector = b"".join(struct.pack("<I", v) for v in minifat).ljust(512, b"\xff")
    return (
        bytes(header)
        + fat_sector
        + directory
        + minifat_sector
        + mini.ljust(mini_sectors * 512, b"\x00")
    )


def hwp() -> bytes:
    file_header = b"HWP Document File".ljust(32, b"\x00") + struct.pack("<II", 0x05000300, 1)
    return compound_file({"FileHeader": file_header.ljust(256, b"\x00"), "DocInfo": b"\x01" * 100})


def legacy_doc() -> bytes:
    return compound_file({"WordDocument": b"\xec\xa5" + b"\x00" * 200})


GOOD = {
    "확인서.pdf": PDF,
    "photo.png": PNG,
    "영수증.jpg": JPEG,
    "명단.xlsx": None,  # built per test (openpyxl)
    "report.docx": ooxml("docx"),
    "slides.pptx": ooxml("pptx"),
    "봉사확인서.hwp": hwp(),
    "봉사확인서.hwpx": hwpx(),
    "명단.csv": CSV_UTF8,
    "명단-cp949.csv": CSV_CP949,
    "memo.txt": b"plain text\n",
}


def good_files() -> dict[str, bytes]:
    return {name: (data if data is not None else xlsx()) for name, data in GOOD.items()}


# ---- scanners ------------------------------------------------------------------------------------


def scanner_command(tmp_path: Path, body: str) -> str:
    """A scanner command running a tiny Python script with the file's path as its argument."""
    script = tmp_path / "scanner.py"
    script.write_text("import sys, time\npath = sys.argv[1]\n" + body, encoding="utf-8")
    return f"{sys.executable} {script} {{path}}"


# EICAR-like marker the fake scanner looks for (not the real EICAR string: nothing on the
# machine should take the test files for real malware).
INFECTED_MARK = b"GACHI-TEST-VIRUS"
SCANNER_LOOKS_FOR_MARK = (
    f"data = open(path, 'rb').read()\nsys.exit(1 if {INFECTED_MARK!r} in data else 0)\n"
)


# ---- uploads -------------------------------------------------------------------------------------


def upload_api(
    client: TestClient,
    org: int,
    filename: str,
    content: bytes,
    *,
    target: str = "indicator",
    indicator_id: str = "volunteering_hours",
    programme_id: int | None = None,
    period: int | str = 2024,
    input_name: str = "volunteer_hours",
    content_type: str = "application/octet-stream",
) -> Response:
    data: dict[str, Any] = {"target": target}
    if target == "indicator":
        data["indicator_id"] = indicator_id
    else:
        data.update(programme_id=str(programme_id), period=str(period), input=input_name)
    return api(
        client,
        "POST",
        f"/api/v1/orgs/{org}/evidence",
        data=data,
        files={"file": (filename, content, content_type)},
    )


def upload_page(
    client: TestClient,
    org: int,
    filename: str,
    content: bytes,
    *,
    target: str,
    period: str = "",
    note: str = "",
) -> Response:
    return client.post(
        f"/orgs/{org}/evidence",
        data={"csrf_token": token(client), "target": target, "period": period, "note": note},
        files={"file": (filename, content, "application/octet-stream")},
        follow_redirects=False,
    )


def stored_files(root: Path) -> list[Path]:
    """Every file under the evidence folder (temporary ones included)."""
    folder = root / "evidence"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
