"""Evidence through the pages and the API: good files of every type are kept by their hash
outside the web root and come back byte for byte; bad files (a lying extension, a path in the
name, too large, infected, unscanned when scanning was asked for) are refused with a clear
message and leave nothing behind — no row, no file."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import unicodedata
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.models import AuditEntry, Evidence
from gachi.domains.evidence import storage
from web import evidence_helpers as files
from web.data_helpers import make_programme
from web.helpers import api, person_with_org, post, sign_up

STATIC = Path(str(resources.files("gachi") / "web" / "static")).resolve()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A 1 MB limit, so that "too large" needs only a little over a megabyte."""
    return Settings(database_url="unused", data_dir=tmp_path / "var", evidence_max_mb=1)


@pytest.fixture
def org(client, engine) -> dict[str, int]:
    org_id = person_with_org(client, "kim@example.kr", "가온텔레콤")
    programme = make_programme(engine, org_id, "자원봉사", ["volunteering_hours"])
    return {"org": org_id, "programme": programme}


def _rows(engine) -> int:
    with Session(engine) as db:
        return db.scalar(select(func.count(Evidence.id))) or 0


def _codes(response) -> list[str]:
    return [i["code"] for i in response.json()["error"]["issues"]]


# ---- good files ----------------------------------------------------------------------------------


def test_every_allowed_type_is_kept_by_its_hash_outside_the_web_root(
    client, org, settings, engine
) -> None:
    for name, content in files.good_files().items():
        response = files.upload_api(client, org["org"], name, content)
        assert response.status_code == 201, (name, response.text)
        body = response.json()
        sha = hashlib.sha256(content).hexdigest()
        assert body["sha256"] == sha and body["size"] == len(content)
        assert body["filename"] == name and body["scan_status"] == "not-scanned"
        on_disk = Path(settings.data_dir).resolve() / "evidence" / sha[:2] / sha
        assert on_disk.read_bytes() == content
        assert not on_disk.is_relative_to(STATIC)
        download = client.get(body["download"])
        assert download.status_code == 200
        assert download.content == content
        assert download.headers["content-type"].startswith(body["content_type"].split(";")[0])
        assert download.headers["x-content-type-options"] == "nosniff"
        assert "private" in download.headers["cache-control"]
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert _rows(engine) == len(files.good_files())
    # Nothing but the kept files: no temporary file was left behind.
    assert len(files.stored_files(Path(settings.data_dir))) == len(files.good_files())


def test_the_detected_type_is_served_not_the_one_the_browser_sent(client, org) -> None:
    response = files.upload_api(
        client, org["org"], "photo.png", files.PNG, content_type="text/html"
    )
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    assert client.get(response.json()["download"]).headers["content-type"] == "image/png"


def test_upload_through_the_page_for_a_data_cell_and_list_it(client, org, engine) -> None:
    nfd = unicodedata.normalize("NFD", "봉사 확인서.pdf")
    target = f"dp:{org['programme']}:volunteer_hours"
    response = files.upload_page(
        client, org["org"], nfd, files.PDF, target=target, period="2024", note="1365 포털 출력본"
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/orgs/{org['org']}/evidence")
    assert page.status_code == 200
    assert "봉사 확인서.pdf" in page.text  # kept in NFC
    assert "자원봉사 · 2024 · Staff volunteering hours" in page.text
    assert "1365 포털 출력본" in page.text
    assert hashlib.sha256(files.PDF).hexdigest()[:12] in page.text
    assert "Not scanned" in page.text
    with Session(engine) as db:
        row = db.scalars(select(Evidence)).one()
        assert (row.target, row.programme_id, row.period, row.input_name) == (
            "data_point",
            org["programme"],
            2024,
            "volunteer_hours",
        )
        assert row.filename == unicodedata.normalize("NFC", nfd)
        audit = db.scalars(select(AuditEntry).where(AuditEntry.entity == "evidence")).one()
        assert audit.action == "upload" and audit.after["sha256"] == row.sha256
    # The grid links each year's row to the evidence of that programme and year.
    grid = client.get(f"/orgs/{org['org']}/data?programme={org['programme']}&add=2024")
    link = f"/orgs/{org['org']}/evidence?programme={org['programme']}&amp;period=2024#upload"
    assert link in grid.text
    attach = client.get(f"/orgs/{org['org']}/evidence?programme={org['programme']}&period=2024")
    assert 'name="period" type="text" value="2024"' in attach.text


def test_the_api_lists_pages_and_filters(client, org) -> None:
    for year in (2022, 2023, 2024):
        files.upload_api(
            client,
            org["org"],
            f"확인서-{year}.pdf",
            files.PDF + str(year).encode(),
            target="data_point",
            programme_id=org["programme"],
            period=year,
        )
    files.upload_api(client, org["org"], "memo.txt", b"indicator note\n")
    base = f"/api/v1/orgs/{org['org']}/evidence"
    everything = client.get(base).json()
    assert everything["total"] == 4 and len(everything["items"]) == 4
    page = client.get(base, params={"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (4, 2, 1, 2)
    by_year = client.get(base, params={"period": 2023}).json()
    assert [i["filename"] for i in by_year["items"]] == ["확인서-2023.pdf"]
    assert by_year["items"][0]["label"] == "자원봉사 · 2023 · Staff volunteering hours"
    by_indicator = client.get(base, params={"indicator": "volunteering_hours"}).json()
    assert [i["filename"] for i in by_indicator["items"]] == ["memo.txt"]
    by_programme = client.get(base, params={"programme": org["programme"]}).json()
    assert by_programme["total"] == 3


# ---- bad files: refused, nothing kept ------------------------------------------------------------


def _nothing_kept(engine, settings) -> None:
    assert _rows(engine) == 0
    assert files.stored_files(Path(settings.data_dir)) == []


@pytest.mark.parametrize(
    ("name", "content", "claims", "is_"),
    [
        ("report.pdf", files.PNG, "a PDF document", "a PNG image"),
        ("report.pdf", files.EXE, "a PDF document", "a program (executable)"),
        ("명단.xlsx", files.CSV_UTF8, "an Excel workbook (XLSX)", "a text file"),
    ],
)
def test_a_lying_extension_is_refused_and_nothing_is_written(
    client, org, engine, settings, name, content, claims, is_
) -> None:
    response = files.upload_api(client, org["org"], name, content)
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert name in message and claims in message and is_ in message, message
    _nothing_kept(engine, settings)


def test_a_lying_extension_is_shown_in_place_on_the_page(client, org, engine, settings) -> None:
    response = files.upload_page(
        client, org["org"], "영수증.pdf", files.PNG, target="ind:volunteering_hours"
    )
    assert response.status_code == 422
    assert "영수증.pdf" in response.text and "a PNG image" in response.text
    assert 'id="file-error"' in response.text  # under the file field, the form still there
    assert 'value="ind:volunteering_hours" selected' in response.text
    _nothing_kept(engine, settings)


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "C:\\x\\y.pdf", "a/b.pdf"])
def test_a_path_in_the_name_is_refused_and_said(client, org, engine, settings, name) -> None:
    response = files.upload_api(client, org["org"], name, files.PDF)
    assert response.status_code == 422, response.text
    assert _codes(response) == ["evidence.name-path"]
    assert "path" in response.json()["error"]["message"]
    _nothing_kept(engine, settings)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("setup.exe", "evidence.extension-not-allowed"),
        ("report\u202eFDP.exe", "evidence.name-control"),
        ("x" * 250 + ".pdf", "evidence.name-too-long"),
    ],
)
def test_other_bad_names_are_refused(client, org, engine, settings, name, code) -> None:
    response = files.upload_api(client, org["org"], name, files.PDF)
    assert response.status_code == 422
    assert _codes(response) == [code]
    _nothing_kept(engine, settings)


def test_empty_and_missing_files_are_refused(client, org, engine, settings) -> None:
    assert _codes(files.upload_api(client, org["org"], "empty.pdf", b"")) == ["evidence.empty"]
    response = api(
        client,
        "POST",
        f"/api/v1/orgs/{org['org']}/evidence",
        data={"target": "indicator", "indicator_id": "volunteering_hours"},
    )
    assert response.status_code == 422 and _codes(response) == ["evidence.no-file"]
    _nothing_kept(engine, settings)


def test_too_large_is_refused_while_streaming_and_before_reading(
    client, org, engine, settings
) -> None:
    just_over = files.PDF + b"0" * (2**20)
    response = files.upload_api(client, org["org"], "big.pdf", just_over)
    assert response.status_code == 413 and _codes(response) == ["evidence.too-large"]
    assert "1 MB" in response.json()["error"]["message"]
    far_over = files.PDF + b"0" * (3 * 2**20)
    response = files.upload_api(client, org["org"], "bigger.pdf", far_over)
    assert response.status_code == 413 and _codes(response) == ["evidence.too-large"]
    page = files.upload_page(
        client, org["org"], "big.pdf", just_over, target="ind:volunteering_hours"
    )
    assert page.status_code == 413 and "too large" in page.text
    _nothing_kept(engine, settings)


def test_an_unknown_target_is_refused(client, org, engine, settings) -> None:
    unknown_input = files.upload_api(
        client,
        org["org"],
        "a.pdf",
        files.PDF,
        target="data_point",
        programme_id=org["programme"],
        input_name="no_such_input",
    )
    assert _codes(unknown_input) == ["evidence.input-unknown"]
    bad_year = files.upload_api(
        client,
        org["org"],
        "a.pdf",
        files.PDF,
        target="data_point",
        programme_id=org["programme"],
        period="20x4",
    )
    assert _codes(bad_year) == ["evidence.period-invalid"]
    unknown_indicator = files.upload_api(
        client, org["org"], "a.pdf", files.PDF, indicator_id="nope"
    )
    assert _codes(unknown_indicator) == ["evidence.indicator-unknown"]
    _nothing_kept(engine, settings)


# ---- the scanner ---------------------------------------------------------------------------------


def _scan_with(app, settings: Settings, command: str, timeout: float = 30.0) -> None:
    app.state.settings = dataclasses.replace(
        settings, evidence_scan_command=command, evidence_scan_timeout=timeout
    )


def test_a_clean_file_is_marked_scanned(app, client, org, settings, tmp_path) -> None:
    _scan_with(app, settings, files.scanner_command(tmp_path, files.SCANNER_LOOKS_FOR_MARK))
    response = files.upload_api(client, org["org"], "clean.pdf", files.PDF)
    assert response.status_code == 201 and response.json()["scan_status"] == "clean"
    assert "Scanned · clean" in client.get(f"/orgs/{org['org']}/evidence").text


def test_an_infected_file_is_refused_and_never_stored(
    app, client, org, engine, settings, tmp_path
) -> None:
    _scan_with(app, settings, files.scanner_command(tmp_path, files.SCANNER_LOOKS_FOR_MARK))
    response = files.upload_api(client, org["org"], "bad.pdf", files.PDF + files.INFECTED_MARK)
    assert response.status_code == 422 and _codes(response) == ["evidence.infected"]
    assert "bad.pdf" in response.json()["error"]["message"]
    _nothing_kept(engine, settings)


@pytest.mark.parametrize(
    "body", ["sys.exit(2)\n", "time.sleep(5)\n"], ids=["scanner error", "scanner timeout"]
)
def test_a_failing_scanner_refuses_the_file(
    app, client, org, engine, settings, tmp_path, body
) -> None:
    _scan_with(app, settings, files.scanner_command(tmp_path, body), timeout=1.0)
    response = files.upload_api(client, org["org"], "a.pdf", files.PDF)
    assert response.status_code == 503 and _codes(response) == ["scan.unavailable"]
    _nothing_kept(engine, settings)


def test_a_missing_scanner_refuses_the_file(app, client, org, engine, settings, tmp_path) -> None:
    _scan_with(app, settings, f"{tmp_path}/no-such-scanner --fdpass {{path}}")
    response = files.upload_api(client, org["org"], "a.pdf", files.PDF)
    assert response.status_code == 503 and _codes(response) == ["scan.unavailable"]
    page = files.upload_page(
        client, org["org"], "a.pdf", files.PDF, target="ind:volunteering_hours"
    )
    assert page.status_code == 503 and "virus scanner did not answer" in page.text
    _nothing_kept(engine, settings)


def test_the_scanner_gets_the_path_as_one_argument_without_a_shell(
    app, client, org, settings, tmp_path
) -> None:
    seen = tmp_path / "argv.txt"
    body = f"import json\nopen({str(seen)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    _scan_with(app, settings, files.scanner_command(tmp_path, body) + " '; touch pwned'")
    assert files.upload_api(client, org["org"], "a.pdf", files.PDF).status_code == 201
    argv = json.loads(seen.read_text())
    assert argv[1] == "; touch pwned" and Path(argv[0]).name.startswith(".incoming-")
    assert not (Path.cwd() / "pwned").exists()


# ---- who may do what -----------------------------------------------------------------------------


def test_a_viewer_lists_and_downloads_but_cannot_upload_or_delete(
    client, other_client, org
) -> None:
    uploaded = files.upload_api(client, org["org"], "a.pdf", files.PDF).json()
    sign_up(other_client, "viewer@example.kr")
    post(client, f"/orgs/{org['org']}/members", {"email": "viewer@example.kr", "role": "viewer"})
    assert other_client.get(f"/orgs/{org['org']}/evidence").status_code == 200
    assert other_client.get(uploaded["download"]).content == files.PDF
    assert other_client.get(f"/orgs/{org['org']}/evidence/{uploaded['id']}").content == files.PDF
    assert files.upload_api(other_client, org["org"], "b.pdf", files.PDF).status_code == 403
    page = files.upload_page(
        other_client, org["org"], "b.pdf", files.PDF, target="ind:volunteering_hours"
    )
    assert page.status_code == 403
    gone = api(other_client, "DELETE", f"/api/v1/orgs/{org['org']}/evidence/{uploaded['id']}")
    assert gone.status_code == 403
    assert (
        post(other_client, f"/orgs/{org['org']}/evidence/{uploaded['id']}/delete").status_code
        == 403
    )
    assert "upload-button" not in other_client.get(f"/orgs/{org['org']}/evidence").text


def test_a_stranger_gets_404(client, other_client, org) -> None:
    uploaded = files.upload_api(client, org["org"], "비밀.pdf", files.PDF).json()
    person_with_org(other_client, "stranger@example.kr", "다른기관")
    for url in (
        f"/orgs/{org['org']}/evidence",
        f"/orgs/{org['org']}/evidence/{uploaded['id']}",
        uploaded["download"],
        f"/api/v1/orgs/{org['org']}/evidence",
    ):
        response = other_client.get(url)
        assert response.status_code == 404 and "비밀" not in response.text, url


# ---- deleting ------------------------------------------------------------------------------------


def test_delete_keeps_the_file_while_another_row_names_its_hash(
    client, org, engine, settings, monkeypatch
) -> None:
    monkeypatch.setattr(storage, "RECENT_SECONDS", 0.0)
    sha = hashlib.sha256(files.PDF).hexdigest()
    first = files.upload_api(client, org["org"], "a.pdf", files.PDF).json()
    second = files.upload_api(
        client, org["org"], "b.pdf", files.PDF, target="data_point", programme_id=org["programme"]
    ).json()
    path = storage.path_for(settings, sha)
    assert (
        api(client, "DELETE", f"/api/v1/orgs/{org['org']}/evidence/{first['id']}").status_code
        == 204
    )
    assert path.is_file()
    assert client.get(second["download"]).content == files.PDF
    response = post(client, f"/orgs/{org['org']}/evidence/{second['id']}/delete")
    assert response.status_code == 303
    assert not path.exists()
    assert _rows(engine) == 0
    with Session(engine) as db:
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "evidence")).all()
    assert sorted(actions) == ["delete", "delete", "upload", "upload"]


def test_a_file_written_moments_ago_survives_the_delete(client, org, settings) -> None:
    """An upload of the same bytes may be about to commit its row: the file stays (an orphan
    is harmless, a row without its file is not)."""
    first = files.upload_api(client, org["org"], "a.pdf", files.PDF).json()
    api(client, "DELETE", f"/api/v1/orgs/{org['org']}/evidence/{first['id']}")
    assert storage.path_for(settings, first["sha256"]).is_file()


def test_the_same_file_twice_on_the_same_target_is_a_conflict(client, org, engine) -> None:
    assert files.upload_api(client, org["org"], "a.pdf", files.PDF).status_code == 201
    again = files.upload_api(client, org["org"], "copy.pdf", files.PDF)
    assert again.status_code == 409 and _codes(again) == ["evidence.duplicate"]
    assert _rows(engine) == 1


def test_another_organisations_programme_is_not_a_target(client, other_client, org, engine) -> None:
    other = person_with_org(other_client, "other@example.kr", "다른기관")
    response = files.upload_api(
        other_client, other, "a.pdf", files.PDF, target="data_point", programme_id=org["programme"]
    )
    assert response.status_code == 404
    assert _rows(engine) == 0
