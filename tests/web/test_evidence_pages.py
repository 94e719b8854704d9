"""What the evidence page tells people: the whole content hash (not only in a tooltip), why a
file was not scanned, that a programme's input needs a year — and every field with its own id,
each label naming its field."""

from __future__ import annotations

import dataclasses
import hashlib
import html
from collections import Counter
from html.parser import HTMLParser

import pytest

from gachi.kernel.i18n import t
from web import evidence_helpers as files
from web.data_helpers import korean, make_programme
from web.helpers import person_with_org, post


@pytest.fixture
def org(client, engine) -> dict[str, int]:
    org_id = person_with_org(client, "kim@example.kr", "가온텔레콤")
    programme = make_programme(engine, org_id, "자원봉사", ["volunteering_hours"])
    return {"org": org_id, "programme": programme}


class _Ids(HTMLParser):
    """Every element id of a page, every label's `for`, and each <code class="hash-full">."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.fors: list[str] = []
        self.hashes: list[str] = []
        self._in_hash = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[str(found["id"])] += 1
        if tag == "label" and found.get("for"):
            self.fors.append(str(found["for"]))
        self._in_hash = tag == "code" and found.get("class") == "hash-full"

    def handle_data(self, data: str) -> None:
        if self._in_hash:
            self.hashes.append(data)
            self._in_hash = False


def _parsed(text: str) -> _Ids:
    parser = _Ids()
    parser.feed(text)
    return parser


def test_every_id_on_the_page_is_unique_and_every_label_names_its_field(client, org) -> None:
    files.upload_api(client, org["org"], "명단.csv", files.CSV_UTF8)
    page = client.get(f"/orgs/{org['org']}/evidence")
    parsed = _parsed(page.text)
    assert 'name="note"' in page.text and page.text.count('name="note"') == 2  # both forms
    assert [i for i, n in parsed.ids.items() if n > 1] == []
    assert parsed.fors and all(parsed.ids[target] == 1 for target in parsed.fors), parsed.fors
    assert {"f-note", "grant-note", "grant-verifier", "grant-expires"} <= set(parsed.ids)


def test_a_refused_grant_shows_its_error_under_the_grant_form_field(client, org) -> None:
    refused = post(client, f"/orgs/{org['org']}/evidence/grants", {"verifier": "없는 기관"})
    assert refused.status_code == 422
    parsed = _parsed(refused.text)
    assert parsed.ids["grant-verifier-error"] == 1
    assert 'aria-describedby="grant-verifier-error"' in refused.text
    assert [i for i, n in parsed.ids.items() if n > 1] == []


def test_the_whole_content_hash_is_on_the_page_to_select(client, org) -> None:
    files.upload_api(client, org["org"], "명단.csv", files.CSV_UTF8)
    sha = hashlib.sha256(files.CSV_UTF8).hexdigest()
    page = client.get(f"/orgs/{org['org']}/evidence").text
    assert _parsed(page).hashes == [sha]  # as text, not only in an attribute
    assert f"<summary><code>{sha[:12]}…</code>" in page
    assert f'title="sha256 {sha}"' not in page


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_not_scanned_says_why(client, org, lang) -> None:
    client.cookies.set("gachi_lang", lang)
    files.upload_api(client, org["org"], "명단.csv", files.CSV_UTF8)
    page = html.unescape(client.get(f"/orgs/{org['org']}/evidence").text)
    why = t("evidence.scan.not-scanned-why", lang)
    assert why in page and "GACHI_EVIDENCE_SCAN_COMMAND" in why
    assert 'aria-describedby="scan-note"' in page and 'id="scan-note"' in page


def test_no_note_when_every_file_was_scanned(app, client, org, settings, tmp_path) -> None:
    command = files.scanner_command(tmp_path, files.SCANNER_LOOKS_FOR_MARK)
    app.state.settings = dataclasses.replace(settings, evidence_scan_command=command)
    assert files.upload_api(client, org["org"], "a.pdf", files.PDF).json()["scan_status"] == "clean"
    page = html.unescape(client.get(f"/orgs/{org['org']}/evidence").text)
    assert t("evidence.scan.not-scanned-why", "en") not in page
    assert 'id="scan-note"' not in page


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_programme_input_without_a_year_asks_for_the_year(client, org, lang) -> None:
    client.cookies.set("gachi_lang", lang)
    target = f"dp:{org['programme']}:volunteer_hours"
    page = files.upload_page(client, org["org"], "a.pdf", files.PDF, target=target, period="")
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert t("evidence.period-required", lang) in text
    assert "''" not in text  # no quoted empty value
    assert 'id="period-error"' in page.text
    by_api = files.upload_api(
        client,
        org["org"],
        "a.pdf",
        files.PDF,
        target="data_point",
        programme_id=org["programme"],
        period=" ",
    )
    assert by_api.status_code == 422
    assert [(i["code"], i["field"]) for i in by_api.json()["error"]["issues"]] == [
        ("evidence.period-required", "period")
    ]


def test_the_korean_year_messages_need_no_particle_after_a_value(client, org) -> None:
    korean(client)
    target = f"dp:{org['programme']}:volunteer_hours"
    page = files.upload_page(client, org["org"], "a.pdf", files.PDF, target=target, period="20x4")
    text = html.unescape(page.text)
    assert t("evidence.period-invalid", "ko", text="20x4") in text
    assert "은(는)" not in text and "을(를)" not in text


def test_the_upload_and_grant_forms_line_up_with_the_page(client, org) -> None:
    page = client.get(f"/orgs/{org['org']}/evidence").text
    assert 'class="card form-card" id="upload"' in page
    assert 'class="card form-card" id="grant"' in page
    assert "style=" not in page.split('id="upload"', 1)[1].split("</section>", 1)[0]
