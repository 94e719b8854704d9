"""Verifiers: an owner grants another organisation access to its evidence; that organisation's
members see exactly the grantor's evidence (labels, files), never its data values, and nothing
at all once the grant is revoked or has expired — a 404 as for any stranger."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gachi.db.models import AuditEntry, DataPoint, EvidenceGrant
from gachi.domains.evidence import grants
from gachi.kernel.i18n import t
from gachi.kernel.times import local
from web import evidence_helpers as files
from web.data_helpers import make_programme
from web.helpers import api, create_org, person_with_org, post, sign_up

SECRET_VALUE = 864213.5  # a data value of the grantor: never shown to verifiers
GRANTOR_BRN = "1248100998"
VERIFIER_BRN = "2208162517"


@pytest.fixture
def setup(client, other_client, engine):
    """A grantor (`client`, owner) with two files and a data value, and a verifier organisation
    (`other_client`, owner) with a business registration number."""
    sign_up(client, "owner@example.kr")
    grantor = create_org(client, "가온텔레콤", brn=GRANTOR_BRN)
    programme = make_programme(engine, grantor, "자원봉사", ["volunteering_hours"])
    with Session(engine) as db:
        db.add(
            DataPoint(
                organisation_id=grantor,
                programme_id=programme,
                period=2024,
                name="volunteer_hours",
                value=SECRET_VALUE,
            )
        )
        db.commit()
    cell = files.upload_api(
        client,
        grantor,
        "봉사확인서.pdf",
        files.PDF,
        target="data_point",
        programme_id=programme,
        period=2024,
    ).json()
    indicator = files.upload_api(client, grantor, "명단.csv", files.CSV_UTF8).json()
    sign_up(other_client, "auditor@example.kr", name="이검증")
    verifier = create_org(other_client, "한빛회계법인", brn=VERIFIER_BRN)
    return {
        "grantor": grantor,
        "verifier": verifier,
        "programme": programme,
        "files": [cell, indicator],
    }


def _grant(client, grantor: int, verifier: str, expires: str = "") -> object:
    return post(
        client, f"/orgs/{grantor}/evidence/grants", {"verifier": verifier, "expires": expires}
    )


def _verifier_urls(s: dict) -> list[str]:
    v, g = s["verifier"], s["grantor"]
    ids = [f["id"] for f in s["files"]]
    return [
        f"/orgs/{v}/verify/{g}",
        *(f"/orgs/{v}/verify/{g}/evidence/{i}" for i in ids),
        f"/api/v1/orgs/{v}/verify/{g}/evidence",
        *(f"/api/v1/orgs/{v}/verify/{g}/evidence/{i}/file" for i in ids),
    ]


def _all_404(other_client, s: dict) -> None:
    for url in _verifier_urls(s):
        response = other_client.get(url)
        assert response.status_code == 404, url
        assert "봉사확인서" not in response.text and "가온텔레콤" not in response.text, url
    assert "가온텔레콤" not in other_client.get(f"/orgs/{s['verifier']}/verify").text
    assert other_client.get(f"/api/v1/orgs/{s['verifier']}/verify").json() == []


def test_without_a_grant_the_verifier_sees_nothing(other_client, setup) -> None:
    _all_404(other_client, setup)


def test_a_grant_shows_exactly_the_grantors_evidence_and_no_data(
    client, other_client, setup, engine
) -> None:
    s = setup
    response = _grant(client, s["grantor"], "220-81-62517")
    assert response.status_code == 303, response.text
    # The verifier's list of organisations that share with it.
    listing = other_client.get(f"/orgs/{s['verifier']}/verify")
    assert "가온텔레콤" in listing.text
    assert f"/orgs/{s['verifier']}/verify/{s['grantor']}" in listing.text
    shared = other_client.get(f"/api/v1/orgs/{s['verifier']}/verify").json()
    assert [g["organisation_id"] for g in shared] == [s["grantor"]]
    # The grantor's evidence, with what it is evidence for — and not its values.
    page = other_client.get(f"/orgs/{s['verifier']}/verify/{s['grantor']}")
    assert page.status_code == 200
    assert "봉사확인서.pdf" in page.text and "명단.csv" in page.text
    assert "자원봉사 · 2024 · Staff volunteering hours" in page.text
    for shown in ("864213", "864,213", "owner@example.kr", "김가치"):
        assert shown not in page.text, shown
    listed = other_client.get(f"/api/v1/orgs/{s['verifier']}/verify/{s['grantor']}/evidence").json()
    assert sorted(i["id"] for i in listed["items"]) == sorted(f["id"] for f in s["files"])
    assert all(i["uploaded_by"] is None for i in listed["items"])
    assert "864213" not in str(listed)
    # Downloads, by page and API, with the same safe headers.
    for item in listed["items"]:
        got = other_client.get(item["download"])
        assert got.status_code == 200
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
    pdf = s["files"][0]["id"]
    got = other_client.get(f"/orgs/{s['verifier']}/verify/{s['grantor']}/evidence/{pdf}")
    assert got.content == files.PDF
    # The verifier's own organisation pages show nothing of the grantor's data.
    assert other_client.get(f"/api/v1/orgs/{s['verifier']}/evidence").json()["total"] == 0
    assert other_client.get(f"/api/v1/orgs/{s['grantor']}/data").status_code == 404
    assert other_client.get(f"/orgs/{s['grantor']}/evidence").status_code == 404
    # Downloads are in the grantor's audit log, naming the verifier.
    with Session(engine) as db:
        logged = db.scalars(
            select(AuditEntry).where(
                AuditEntry.organisation_id == s["grantor"],
                AuditEntry.action == "verifier-download",
            )
        ).all()
    assert len(logged) == 3 and {e.after["verifier"] for e in logged} == {"한빛회계법인"}


def test_a_grant_covers_one_grantor_only(client, other_client, setup, engine) -> None:
    """Another organisation's evidence stays hidden from the verifier, and the grantor's from a
    third organisation's members."""
    from fastapi.testclient import TestClient

    s = setup
    _grant(client, s["grantor"], VERIFIER_BRN)
    with TestClient(client.app, raise_server_exceptions=False) as third:
        third_org = person_with_org(third, "third@example.kr", "세번째기관")
        make_programme(engine, third_org, "세번째 사업", ["volunteering_hours"])
        third_file = files.upload_api(third, third_org, "third.pdf", files.PDF + b"3").json()
        assert third.get(f"/orgs/{third_org}/verify/{s['grantor']}").status_code == 404
        assert third.get(f"/api/v1/orgs/{third_org}/verify").json() == []
    v = s["verifier"]
    assert other_client.get(f"/orgs/{v}/verify/{third_org}").status_code == 404
    # The grantor's path with the third organisation's evidence id: not the grantor's, 404.
    assert (
        other_client.get(f"/orgs/{v}/verify/{s['grantor']}/evidence/{third_file['id']}").status_code
        == 404
    )


def test_revoking_ends_access_at_once(client, other_client, setup, engine) -> None:
    s = setup
    _grant(client, s["grantor"], "한빛회계법인")  # by exact name
    assert other_client.get(f"/orgs/{s['verifier']}/verify/{s['grantor']}").status_code == 200
    listed = client.get(f"/api/v1/orgs/{s['grantor']}/evidence/grants").json()
    assert [(g["verifier"], g["active"]) for g in listed] == [("한빛회계법인", True)]
    revoked = api(
        client, "POST", f"/api/v1/orgs/{s['grantor']}/evidence/grants/{listed[0]['id']}/revoke"
    )
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    _all_404(other_client, s)
    page = client.get(f"/orgs/{s['grantor']}/evidence")
    assert "revoked" in page.text
    with Session(engine) as db:
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "evidence_grant")
        ).all()
    assert sorted(actions) == ["grant-access", "revoke-access"]


def test_an_expired_grant_gives_nothing(client, other_client, setup, engine) -> None:
    s = setup
    tomorrow = (local(datetime.now(UTC)).date() + timedelta(days=1)).isoformat()
    assert _grant(client, s["grantor"], VERIFIER_BRN, expires=tomorrow).status_code == 303
    assert other_client.get(f"/orgs/{s['verifier']}/verify/{s['grantor']}").status_code == 200
    shown = client.get(f"/api/v1/orgs/{s['grantor']}/evidence/grants").json()
    assert shown[0]["expires_on"] == tomorrow
    with Session(engine) as db:
        db.execute(
            update(EvidenceGrant).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.commit()
    _all_404(other_client, s)
    assert "expired" in client.get(f"/orgs/{s['grantor']}/evidence").text


def test_granting_again_changes_the_end_of_the_grant_in_force(client, setup, engine) -> None:
    s = setup
    _grant(client, s["grantor"], VERIFIER_BRN, expires="2999-12-31")
    response = api(
        client,
        "POST",
        f"/api/v1/orgs/{s['grantor']}/evidence/grants",
        json={"verifier": VERIFIER_BRN, "expires_on": None, "note": "연장"},
    )
    assert response.status_code == 201
    assert response.json()["expires_on"] is None and response.json()["note"] == "연장"
    with Session(engine) as db:
        assert len(db.scalars(select(EvidenceGrant)).all()) == 1


@pytest.mark.parametrize(
    ("verifier", "expires", "code"),
    [
        ("", "", "verify.org-required"),
        ("없는기관", "", "verify.org-not-found"),
        ("999-99-99999", "", "brn.checksum"),
        (GRANTOR_BRN, "", "verify.org-self"),
        (VERIFIER_BRN, "2001-01-01", "verify.expiry-past"),
        (VERIFIER_BRN, "next week", "verify.expiry-invalid"),
    ],
)
def test_bad_grants_are_refused_with_a_message(
    client, setup, engine, verifier, expires, code
) -> None:
    s = setup
    if expires:  # the form: the message in place, under its field
        response = _grant(client, s["grantor"], verifier, expires)
        assert response.status_code == 422
        expected = t(code, "en", day="2001-01-01", text=expires)
        assert expected in html.unescape(response.text)
        assert 'id="grant-expires-error"' in response.text
    else:
        response = api(
            client,
            "POST",
            f"/api/v1/orgs/{s['grantor']}/evidence/grants",
            json={"verifier": verifier, "expires_on": None, "note": ""},
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == code
    with Session(engine) as db:
        assert db.scalars(select(EvidenceGrant)).all() == []


def _refusal(client, grantor: int, verifier: str) -> tuple[int, dict]:
    response = api(
        client,
        "POST",
        f"/api/v1/orgs/{grantor}/evidence/grants",
        json={"verifier": verifier},
    )
    return response.status_code, response.json()["error"]


def test_an_unknown_and_an_ambiguous_verifier_get_the_same_answer(
    client, other_client, setup
) -> None:
    """A refusal tells nothing about which organisations exist: an unknown name, an unknown
    number and a name several organisations share are answered alike (the number chooses)."""
    from fastapi.testclient import TestClient

    with TestClient(client.app, raise_server_exceptions=False) as twin:
        person_with_org(twin, "twin@example.kr", "한빛회계법인")
    grantor = setup["grantor"]
    ambiguous = _refusal(client, grantor, "한빛회계법인")
    unknown_name = _refusal(client, grantor, "없는회계법인")
    unknown_number = _refusal(client, grantor, "220-81-62502")  # valid check digit, nobody's
    assert ambiguous == unknown_name == unknown_number
    assert ambiguous[0] == 422 and ambiguous[1]["code"] == "verify.org-not-found"
    assert "한빛회계법인" not in str(ambiguous) and "없는회계법인" not in str(unknown_name)
    for lang in ("ko", "en"):
        client.cookies.set("gachi_lang", lang)
        page = _grant(client, grantor, "없는회계법인")
        assert page.status_code == 422
        assert t("verify.org-not-found", lang) in html.unescape(page.text)
    # The number still chooses between organisations of the same name.
    assert _grant(client, grantor, VERIFIER_BRN).status_code == 303


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_grant_is_told_as_such_and_the_same_for_an_organisation_that_does_not_exist(
    other_client, setup, lang
) -> None:
    other_client.cookies.set("gachi_lang", lang)
    v, g = setup["verifier"], setup["grantor"]
    message = t("verify.not-granted", lang)
    answers = []
    for grantor in (g, 999_999):  # exists but granted nothing; does not exist
        page = other_client.get(f"/orgs/{v}/verify/{grantor}")
        text = html.unescape(page.text)
        assert page.status_code == 404 and message in text
        assert "가온텔레콤" not in text
        assert t("not-found", lang, kind="organisation", id=str(grantor)) not in text
        listed = other_client.get(f"/api/v1/orgs/{v}/verify/{grantor}/evidence")
        assert listed.status_code == 404
        answers.append(listed.json())
        download = other_client.get(f"/orgs/{v}/verify/{grantor}/evidence/1")
        assert download.status_code == 404 and message in html.unescape(download.text)
    assert answers[0] == answers[1]
    assert answers[0]["error"]["code"] == "verify.not-granted"
    assert answers[0]["error"]["message"] == message


def test_only_owners_grant_and_revoke(client, other_client, setup) -> None:
    s = setup
    _grant(client, s["grantor"], VERIFIER_BRN)
    grant_id = client.get(f"/api/v1/orgs/{s['grantor']}/evidence/grants").json()[0]["id"]
    from fastapi.testclient import TestClient

    with TestClient(client.app, raise_server_exceptions=False) as editor:
        sign_up(editor, "editor@example.kr")
        post(
            client,
            f"/orgs/{s['grantor']}/members",
            {"email": "editor@example.kr", "role": "editor"},
        )
        assert _grant(editor, s["grantor"], VERIFIER_BRN).status_code == 403
        revoke = post(editor, f"/orgs/{s['grantor']}/evidence/grants/{grant_id}/revoke")
        assert revoke.status_code == 403
        assert "verify.grant-button" not in editor.get(f"/orgs/{s['grantor']}/evidence").text
    # A verifier cannot revoke (nor see) the grantor's grants either.
    assert (
        post(other_client, f"/orgs/{s['grantor']}/evidence/grants/{grant_id}/revoke").status_code
        == 404
    )
    assert other_client.get(f"/orgs/{s['verifier']}/verify/{s['grantor']}").status_code == 200


def test_expiry_is_the_end_of_the_day_in_korea() -> None:
    day = date(2025, 12, 31)
    ends = grants.end_of(day)
    assert ends == datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
    row = EvidenceGrant(expires_at=ends)
    assert grants.expires_on(row) == day
    assert grants.is_active(row, at=ends - timedelta(seconds=1))
    assert not grants.is_active(row, at=ends)
