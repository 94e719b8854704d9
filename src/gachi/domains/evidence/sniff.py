"""What a file really is, read from its bytes, and whether its name tells the truth.

An allow-list of ten formats, each recognised by its own signature: PDF, PNG, JPEG, the Office
Open XML trio (XLSX, DOCX, PPTX: a zip whose `[Content_Types].xml` declares the main part),
HWP (한글: an OLE compound file whose `FileHeader` stream starts "HWP Document File"), HWPX
(a zip whose `mimetype` is `application/hwp+zip`) and text (CSV, TXT: UTF-8 or CP949 without
control characters). A few common formats outside the list are named too, so that a refusal
can say what the file is ("a program", "a ZIP archive").

Our own small sniffer rather than `filetype`/`puremagic`: those guess from a fixed window of
leading bytes and know neither HWP, HWPX nor text encodings, and the Office formats need the
zip directory read anyway. Zips are inspected through their central directory only; at most
a few kilobytes of one small entry are ever inflated, so a zip bomb costs nothing.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gachi.errors import InvalidInput
from gachi.kernel import archives
from gachi.kernel.archives import ArchiveLimits, BoundedZipFile
from gachi.kernel.i18n import t

# Detected kind → (content type served on download). Kinds outside this table are refused.
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "hwp": "application/x-hwp",
    "hwpx": "application/hwp+zip",
    "text": "text/plain",
}
# Extension (lower case, without the dot) → the kind its content must be.
EXTENSIONS: dict[str, str] = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "xlsx": "xlsx",
    "docx": "docx",
    "pptx": "pptx",
    "hwp": "hwp",
    "hwpx": "hwpx",
    "csv": "text",
    "txt": "text",
}
# Every kind `detect` can answer, for messages (`evidence.kind.<kind>`).
KINDS = (
    *ALLOWED,
    "csv",
    "program",
    "zip",
    "office-macro",
    "office-other",
    "ole",
    "gif",
    "rar",
    "7z",
    "gzip",
    "binary",
)

MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_UNPACKED = 2**30  # declared size of all entries: more is a bomb, not a document
# Refused with a message before anything is inflated (`kernel.archives`).
ZIP_LIMITS = ArchiveLimits(max_total=MAX_ZIP_UNPACKED, max_members=MAX_ZIP_ENTRIES)
_READ_ENTRY = 256 * 1024  # at most this much of `[Content_Types].xml` or `mimetype` is inflated
_TEXT_BLOCK = 1 << 16
# C0 controls and DEL, except tab, line feed, form feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_OOXML_MACRO = (
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
)
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HWP_SIGNATURE = b"HWP Document File"


@dataclass(frozen=True)
class Detected:
    kind: str
    content_type: str  # with a charset for text

    @property
    def allowed(self) -> bool:
        return self.kind in ALLOWED


def kind_label(kind: str) -> str:
    """The kind in the words of the current language ("PDF 문서", "a program")."""
    return t(f"evidence.kind.{kind}")


def kind_of_type(content_type: str) -> str:
    """The words for a stored content type ("PDF 문서", "텍스트")."""
    base = content_type.split(";", 1)[0].strip()
    if base in ("text/plain", "text/csv"):
        return kind_label("csv" if base == "text/csv" else "text")
    for kind, known in ALLOWED.items():
        if known == base:
            return kind_label(kind)
    return base


def extension(filename: str) -> str:
    """The last extension of `filename`, lower case, without the dot (`""` when none)."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem.strip() else ""


def claimed_kind(filename: str) -> str:
    """The kind the name's extension promises; `InvalidInput` when it is not on the list."""
    ext = extension(filename)
    claimed = EXTENSIONS.get(ext)
    if claimed is None:
        raise InvalidInput(
            "evidence.extension-not-allowed",
            field="file",
            filename=filename,
            extension=f".{ext}" if ext else "—",
            allowed=", ".join(f".{e}" for e in EXTENSIONS),
        )
    return claimed


def check(filename: str, path: Path) -> Detected:
    """The detected type of the file at `path`, if it is allowed and its name's extension says
    the same; `InvalidInput` naming the file, what its name claims and what it really is."""
    claimed = claimed_kind(filename)
    ext = extension(filename)
    refuse_bombs(path)
    found = detect(path)
    if found.kind != claimed:
        raise InvalidInput(
            "evidence.type-mismatch",
            field="file",
            filename=filename,
            claimed=kind_label(claimed),
            actual=kind_label(found.kind),
        )
    if ext == "csv":
        return Detected("text", found.content_type.replace("text/plain", "text/csv"))
    return found


def detect(path: Path) -> Detected:
    """What the file at `path` is, from its bytes alone. Never raises on odd content: anything
    unrecognised is `binary` (or `text` when it reads as text)."""
    with path.open("rb") as f:
        head = f.read(512)
    kind = _by_signature(head)
    if kind == "zip":
        kind = _zip_kind(path)
    elif kind == "ole":
        kind = _ole_kind(path)
    if kind is not None:
        return Detected(kind, ALLOWED.get(kind, "application/octet-stream"))
    charset = _text_charset(path)
    if charset is not None:
        return Detected("text", f"text/plain; charset={charset}")
    return Detected("binary", "application/octet-stream")


def _by_signature(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(_CFB_MAGIC):
        return "ole"
    if head.startswith(
        (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
    ):
        return "program"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    return None


# ---- zip: Office Open XML and HWPX, from the central directory -----------------------------


def _zip_kind(path: Path) -> str:
    try:
        with BoundedZipFile(path, ZIP_LIMITS) as archive:
            names = {i.filename for i in archive.infolist()}
            if "mimetype" in names and _entry_head(archive, "mimetype").strip() == (
                b"application/hwp+zip"
            ):
                return "hwpx"
            if "[Content_Types].xml" not in names:
                return "zip"
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return "office-macro"
            declared = _entry_head(archive, "[Content_Types].xml").decode("utf-8", "replace")
    except Exception:  # any failure to read a hostile zip (a bomb too) means "not a document"
        return "zip"
    if any(m in declared for m in _OOXML_MACRO):
        return "office-macro"
    found = {kind for marker, kind in _OOXML_MAIN.items() if marker in declared}
    if len(found) == 1:
        return found.pop()
    return "office-other"


def refuse_bombs(path: Path) -> None:
    """`InvalidInput` (`archive.*`, field `file`) when the file is a zip whose directory
    declares what no document is (`kernel.archives`), before anything is inflated."""
    with path.open("rb") as f:
        if f.read(4) != b"PK\x03\x04":
            return
    try:
        with zipfile.ZipFile(path) as archive:
            archives.check(archive, ZIP_LIMITS)
    except InvalidInput as err:
        raise InvalidInput(err.first.code, field="file", **err.first.params) from None
    except Exception:  # not readable as a zip at all: `detect` says what it is
        return


def _entry_head(archive: BoundedZipFile, name: str) -> bytes:
    with archive.open(name) as entry:
        return entry.read(_READ_ENTRY)


# ---- OLE compound file (MS-CFB): is it HWP 5? -----------------------------------------------


class _Bad(Exception):
    pass


_END = 0xFFFFFFFA  # sector numbers at or above this end a chain (or mark special sectors)
_MAX_CHAIN = 1 << 20


def _ole_kind(path: Path) -> str:
    try:
        data = path.read_bytes()
        header = _cfb_stream(data, "FileHeader")
    except (_Bad, struct.error, IndexError, ValueError, OverflowError, MemoryError):
        return "ole"
    if header is not None and header.startswith(_HWP_SIGNATURE):
        return "hwp"
    return "ole"


def _cfb_stream(data: bytes, wanted: str) -> bytes | None:
    """The first bytes of the root-level stream `wanted` of a compound file (MS-CFB), or None;
    `_Bad` for a malformed file. Bounded: every chain is checked for loops and length."""
    if len(data) < 512 or not data.startswith(_CFB_MAGIC):
        raise _Bad

    def u16(offset: int) -> int:
        return int(struct.unpack_from("<H", data, offset)[0])

    def u32(offset: int) -> int:
        return int(struct.unpack_from("<I", data, offset)[0])

    shift = u16(0x1E)
    if shift not in (9, 12) or u16(0x20) != 6:
        raise _Bad
    size = 1 << shift
    cutoff = u32(0x38)

    def sector(n: int) -> bytes:
        start = (n + 1) * size
        if n >= _END or start + size > len(data):
            raise _Bad
        return data[start : start + size]

    fat_sectors = [u32(0x4C + 4 * k) for k in range(109)]
    difat, seen = u32(0x44), set[int]()
    while difat < _END:
        if difat in seen or len(seen) > _MAX_CHAIN:
            raise _Bad
        seen.add(difat)
        block = sector(difat)
        fat_sectors += struct.unpack_from(f"<{size // 4}I", block)[:-1]
        difat = struct.unpack_from("<I", block, size - 4)[0]
    fat: list[int] = []
    for n in fat_sectors[: u32(0x2C)]:
        if n < _END:
            fat += struct.unpack(f"<{size // 4}I", sector(n))

    def chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        while start < _END:
            if start >= len(table) or len(out) > min(len(table), _MAX_CHAIN):
                raise _Bad
            out.append(start)
            start = table[start]
        if len(set(out)) != len(out):
            raise _Bad
        return out

    directory = b"".join(sector(n) for n in chain(u32(0x30), fat))
    entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries or entries[0][0x42] != 5:  # the first entry is the root storage
        raise _Bad
    root = entries[0]
    for entry in entries[1:]:
        length = struct.unpack_from("<H", entry, 0x40)[0]
        if entry[0x42] != 2 or not 2 <= length <= 64:
            continue
        name = entry[: length - 2].decode("utf-16-le", "replace")
        if name.lower() != wanted.lower():
            continue
        start, stream_size = struct.unpack_from("<II", entry, 0x74)
        want = min(stream_size, 64)
        if stream_size >= cutoff:
            return b"".join(sector(n) for n in chain(start, fat)[:1])[:want]
        minifat: list[int] = []
        for n in chain(u32(0x3C), fat):
            minifat += struct.unpack(f"<{size // 4}I", sector(n))
        ministream = b"".join(
            sector(n) for n in chain(struct.unpack_from("<I", root, 0x74)[0], fat)
        )
        out = b""
        for n in chain(start, minifat):
            out += ministream[n * 64 : n * 64 + 64]
            if len(out) >= want:
                break
        return out[:want]
    return None


# ---- text ------------------------------------------------------------------------------------


def _text_charset(path: Path) -> str | None:
    """`utf-8` or `euc-kr` (CP949, as Korean Excel writes CSV) when the whole file decodes in
    it without NUL or other control characters; None otherwise."""
    for codec, charset in (("utf-8-sig", "utf-8"), ("cp949", "euc-kr")):
        if _decodes(path, codec):
            return charset
    return None


def _decodes(path: Path, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        with path.open("rb") as f:
            while block := f.read(_TEXT_BLOCK):
                if not _plain(decoder.decode(block)):
                    return False
            return _plain(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False


def _plain(text: str) -> bool:
    return _CONTROL.search(text) is None
