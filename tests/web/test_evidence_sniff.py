"""Evidence files without the web: what the sniffer says a file is, which names are refused,
where files land on disk — with hypothesis for the untrusted parts (names and bytes)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gachi.config import Settings
from gachi.domains.evidence import sniff, storage
from gachi.domains.evidence.names import MAX_NAME, clean_name
from gachi.errors import InvalidInput
from web import evidence_helpers as files


def _write(tmp: Path, data: bytes) -> Path:
    path = tmp / "upload.bin"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("확인서.pdf", "pdf"),
        ("photo.png", "png"),
        ("영수증.jpg", "jpeg"),
        ("명단.xlsx", "xlsx"),
        ("report.docx", "docx"),
        ("slides.pptx", "pptx"),
        ("봉사확인서.hwp", "hwp"),
        ("봉사확인서.hwpx", "hwpx"),
        ("명단.csv", "text"),
        ("명단-cp949.csv", "text"),
        ("memo.txt", "text"),
    ],
)
def test_every_allowed_type_is_recognised_and_accepted(
    tmp_path: Path, name: str, kind: str
) -> None:
    path = _write(tmp_path, files.good_files()[name])
    assert sniff.detect(path).kind == kind
    found = sniff.check(name, path)
    assert found.kind == kind and found.allowed


def test_text_carries_its_charset_and_csv_its_type(tmp_path: Path) -> None:
    assert sniff.check("a.csv", _write(tmp_path, files.CSV_CP949)).content_type == (
        "text/csv; charset=euc-kr"
    )
    assert sniff.check("a.txt", _write(tmp_path, files.CSV_UTF8)).content_type == (
        "text/plain; charset=utf-8"
    )


@pytest.mark.parametrize(
    ("name", "data", "claimed", "actual"),
    [
        ("report.pdf", files.PNG, "a PDF document", "a PNG image"),
        ("report.pdf", files.EXE, "a PDF document", "a program (executable)"),
        ("명단.xlsx", files.ooxml("docx"), "an Excel workbook (XLSX)", "a Word document (DOCX)"),
        (
            "report.docx",
            files.ooxml("docx", macro=True),
            "a Word document (DOCX)",
            "an Office file with macros",
        ),
        (
            "문서.hwp",
            files.legacy_doc(),
            "a Hangul document (HWP)",
            "an old-format Office file (DOC, XLS, …)",
        ),
        ("문서.hwpx", files.plain_zip(), "a Hangul document (HWPX)", "a ZIP archive"),
        ("data.csv", b"a,b\x00,c\n", "a text file", "a file of unknown format"),
        ("photo.png", files.PDF, "a PNG image", "a PDF document"),
    ],
)
def test_a_lying_extension_is_refused_naming_the_file_the_claim_and_the_truth(
    tmp_path: Path, name: str, data: bytes, claimed: str, actual: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        sniff.check(name, _write(tmp_path, data))
    issue = caught.value.first
    assert issue.code == "evidence.type-mismatch"
    message = issue.message("en")
    assert name in message and claimed in message and actual in message, message


@pytest.mark.parametrize(
    "name", ["setup.exe", "archive.zip", "noextension", "old.doc", "a.pdf.exe"]
)
def test_an_extension_off_the_list_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        sniff.claimed_kind(name)
    assert caught.value.first.code == "evidence.extension-not-allowed"
    assert ".pdf" in caught.value.first.message("en")


def test_a_zip_with_absurd_declared_sizes_is_not_an_office_file(tmp_path: Path) -> None:
    """A zip bomb is judged by its directory: nothing is inflated."""
    data = bytearray(files.xlsx())
    # Declare 3 GiB uncompressed for every entry in the central directory.
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) != -1:
        data[at + 24 : at + 28] = (3 * 2**30).to_bytes(4, "little")
        start = at + 4
    path = _write(tmp_path, bytes(data))
    assert sniff.detect(path).kind == "zip"
    with pytest.raises(InvalidInput) as caught:  # and refused in words, not as "a zip"
        sniff.check("sheet.xlsx", path)
    assert caught.value.first.code in ("archive.ratio", "archive.too-large")
    assert caught.value.first.params["field"] == "file"


# ---- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("../../etc/passwd", "evidence.name-path"),
        ("C:\\x\\y.pdf", "evidence.name-path"),
        ("a/b.pdf", "evidence.name-path"),
        ("..", "evidence.name-path"),
        ("report\x00.pdf", "evidence.name-control"),
        ("gpj.\u202eexe.pdf", "evidence.name-control"),
        ("line\nbreak.pdf", "evidence.name-control"),
        ("", "evidence.name-empty"),
        ("   ", "evidence.name-empty"),
        ("가" * 197 + ".pdf", "evidence.name-too-long"),
    ],
)
def test_bad_names_are_refused_saying_why(raw: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_name(raw)
    assert caught.value.first.code == code
    assert caught.value.first.params["field"] == "file"


def test_a_path_is_named_in_the_message_not_stripped() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_name("../../etc/passwd")
    assert "../../etc/passwd" in caught.value.first.message("en")
    assert "path" in caught.value.first.message("en")


def test_korean_names_are_kept_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "자원봉사 확인서 (2024).pdf")
    assert decomposed != "자원봉사 확인서 (2024).pdf"
    assert clean_name(decomposed) == "자원봉사 확인서 (2024).pdf"
    assert clean_name(" 명단.xlsx ") == "명단.xlsx"
    assert clean_name("가" * (MAX_NAME - 4) + ".pdf") == "가" * (MAX_NAME - 4) + ".pdf"


# ---- storage -----------------------------------------------------------------------------------


def test_the_path_is_the_hash_alone(tmp_path: Path) -> None:
    settings_ = Settings(database_url="unused", data_dir=tmp_path)
    sha = hashlib.sha256(b"x").hexdigest()
    assert storage.path_for(settings_, sha) == (tmp_path / "evidence" / sha[:2] / sha).resolve()
    for bad in ("../" * 10 + "etc/passwd", sha.upper(), sha[:-1], "", sha + "/.."):
        with pytest.raises(ValueError):
            storage.path_for(settings_, bad)


def test_the_store_refuses_to_live_in_the_static_files() -> None:
    from importlib import resources

    static = Path(str(resources.files("gachi") / "web" / "static"))
    with pytest.raises(RuntimeError):
        storage.root(Settings(database_url="unused", data_dir=static))


# ---- hypothesis: untrusted names and bytes -------------------------------------------------------

_NAME_CHARS = st.one_of(
    st.characters(),
    st.sampled_from(["/", "\\", ":", ".", "..", "\x00", "\u202e", "가", "\u1100\u1161", " "]),
)


@given(st.lists(_NAME_CHARS, max_size=260).map("".join))
def test_any_name_is_a_clean_name_or_the_domain_error(raw: str) -> None:
    try:
        name = clean_name(raw)
    except InvalidInput as err:
        assert err.first.code.startswith("evidence.name-")
        return
    assert name and len(name) <= MAX_NAME
    assert not set(name) & set("/\\:") and name not in (".", "..")
    assert all(unicodedata.category(c)[0] != "C" for c in name)
    assert unicodedata.is_normalized("NFC", name)


@settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.text(max_size=240), content=st.binary(min_size=1, max_size=2000))
def test_no_name_or_content_reaches_outside_the_store(
    tmp_path: Path, raw: str, content: bytes
) -> None:
    """Whatever the name and the bytes, a kept file lands under data_dir/evidence, named by
    its hash; anything refused is refused with the domain error and leaves nothing."""
    settings_ = Settings(database_url="unused", data_dir=tmp_path / "var")
    root = storage.root(settings_)
    try:
        name = clean_name(raw)
        incoming = storage.receive(settings_, io.BytesIO(content))
    except InvalidInput:
        return
    try:
        sniff.check(name, incoming.path)
    except InvalidInput:
        storage.discard(incoming)
        assert not incoming.path.exists()
        return
    kept = storage.keep(settings_, incoming)
    assert kept.resolve().is_relative_to(root)
    assert kept.name == hashlib.sha256(content).hexdigest() == incoming.sha256
    assert kept.relative_to(root).parts == (incoming.sha256[:2], incoming.sha256)


_SIGNATURES = st.sampled_from(
    [
        b"",
        b"%PDF-",
        b"PK\x03\x04",
        b"PK\x05\x06",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"MZ",
        b"\xff\xd8\xff",
    ]
)
_EXTENSIONS = st.sampled_from([*sniff.EXTENSIONS, "exe", "zip", "", "PDF", "Hwp"])


@given(prefix=_SIGNATURES, body=st.binary(max_size=3000), ext=_EXTENSIONS)
def test_random_bytes_with_any_extension_never_crash_the_sniffer(
    prefix: bytes, body: bytes, ext: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), prefix + body)
        assert sniff.detect(path).kind in sniff.KINDS
        try:
            found = sniff.check(f"file.{ext}" if ext else "file", path)
        except InvalidInput as err:
            assert err.first.code in ("evidence.type-mismatch", "evidence.extension-not-allowed")
        else:
            assert found.allowed


@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "[Content_Types].xml",
                    "mimetype",
                    "word/document.xml",
                    "xl/vbaProject.bin",
                    "a",
                    "../evil",
                ]
            ),
            st.binary(max_size=300),
        ),
        max_size=6,
        unique_by=lambda entry: entry[0],
    ),
    cut=st.integers(min_value=0, max_value=400),
)
def test_random_zips_and_torn_zips_never_crash_the_sniffer(
    entries: list[tuple[str, bytes]], cut: int
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    data = out.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        for sample in (data, data[: len(data) - cut] if cut < len(data) else data[:4]):
            assert sniff.detect(_write(Path(tmp), sample)).kind in sniff.KINDS


@given(position=st.integers(min_value=0, max_value=2047), value=st.integers(0, 255))
def test_a_damaged_compound_file_never_crashes_the_sniffer(position: int, value: int) -> None:
    data = bytearray(files.hwp())
    data[position % len(data)] = value
    with tempfile.TemporaryDirectory() as tmp:
        assert sniff.detect(_write(Path(tmp), bytes(data))).kind in sniff.KINDS


_TYPED = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789٣", min_size=4300, max_size=4400),
    st.builds(
        lambda a, b: f"dp:{a}:{b}",
        st.text(alphabet="0123456789٣ ", max_size=5000),
        st.text(max_size=10),
    ),
)


@given(_TYPED)
def test_typed_targets_ids_and_years_are_a_value_or_the_domain_error(text: str) -> None:
    """What a form or a script sends as a target, an id or a year never raises anything else
    (a 4,300-digit number would: Python refuses to read it)."""
    from gachi.domains.evidence import service

    for parse in (service.parse_choice, service.parse_period):
        with contextlib.suppress(InvalidInput):
            parse(text)
    ident = service.parse_id(text)
    assert ident is None or 0 <= ident < 10**10
