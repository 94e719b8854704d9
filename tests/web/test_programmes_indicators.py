"""Choosing indicators for a programme, the catalogue pages, and an organisation's own indicators
with the live check (positions hand-counted in the definitions below)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from gachi.db.models import AuditEntry, ProgrammeIndicator
from gachi.db.tenancy import TenantRepository
from gachi.domains.programmes import service
from gachi.domains.programmes.own import EXAMPLE
from web.helpers import api, person_with_org, post
from web.programmes_helpers import (
    check,
    choose,
    columns_of,
    new_programme,
    org_with_member,
    shipped,
)

# Line 18 is `formula: hours * wag`: "formula: " is 9 characters and "hours * " 8 more, so the
# unknown name `wag` starts at column 18 and is 3 long. Line 8 is `    unit: hourz`: four
# spaces and "unit: " put the unit at column 11.
MENTORING = """\
id: my_mentoring
version: 1
name: {ko: 청소년 멘토링, en: Youth mentoring}
description: {ko: 멘토링 시간, en: Mentoring hours}
frameworks: {sk: social_contribution}
inputs:
  - name: hours
    unit: hour
    description: {ko: 멘토링 시간, en: Mentoring hours}
proxies:
  - name: wage
    value: 25156
    unit: KRW/hour
    currency: KRW
    base_year: 2024
    source: {title: 고용형태별근로실태조사}
    licence: facts-only
formula: hours * wage
"""


def _set(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


def _own(client, org: int, definition: str) -> dict:
    response = api(
        client, "POST", f"/api/v1/orgs/{org}/indicators/custom", json={"definition": definition}
    )
    assert response.status_code == 201, response.text
    body: dict = response.json()
    return body


# ---------------------------------------------------------------------- the catalogue


def test_the_catalogue_page_lists_every_shipped_indicator_with_inputs_and_sourced_proxies(
    client,
) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    volunteering = shipped("volunteering_hours")
    english = client.get(f"/orgs/{org}/indicators").text
    assert english.count('<details class="indicator"') == 32
    assert volunteering["name"]["en"] in english
    assert volunteering["proxies"][0]["source"]["title"] in english
    assert "volunteer_hours" in english and "KRW/hour" in english
    assert "Social contribution" in english  # the SK category, in words
    client.cookies.set("gachi_lang", "ko")
    korean = client.get(f"/orgs/{org}/indicators").text
    assert volunteering["name"]["ko"] in korean and "사회공헌 사회성과" in korean


def test_the_indicator_api_lists_the_catalogue_and_an_own_indicator(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    listed = api(client, "GET", f"/api/v1/orgs/{org}/indicators").json()["items"]
    assert len(listed) == 32 and not any(i["own"] for i in listed)
    energy = next(i for i in listed if i["id"] == "energy_saving_ghg")
    assert energy["category"] == shipped("energy_saving_ghg")["frameworks"]["sk"]
    assert [i["column"] for i in energy["inputs"]] == columns_of("energy_saving_ghg")
    assert energy["proxies"][0]["source"]["title"]
    created = _own(client, org, MENTORING)
    listed = api(client, "GET", f"/api/v1/orgs/{org}/indicators").json()["items"]
    mine = next(i for i in listed if i["id"] == "my_mentoring")
    assert len(listed) == 33 and mine["own"] and mine["custom_id"] == created["id"]
    one = api(client, "GET", f"/api/v1/orgs/{org}/indicators/my_mentoring")
    assert one.json()["name"] == "Youth mentoring"
    assert api(client, "GET", f"/api/v1/orgs/{org}/indicators/nope").status_code == 404


# ----------------------------------------------------------------------------- choosing


def test_choose_and_remove_an_indicator_on_the_programme_page(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    p = new_programme(client, org)
    url = f"/orgs/{org}/programmes/{p['id']}"
    chosen = post(client, f"{url}/indicators", {"indicator_id": "volunteering_hours"})
    assert chosen.status_code == 303
    page = client.get(url).text
    assert shipped("volunteering_hours")["name"]["en"] in page
    assert "<code>volunteer_hours</code>" in page  # the input to enter
    twice = post(client, f"{url}/indicators", {"indicator_id": "volunteering_hours"})
    assert twice.status_code == 409 and "already chosen" in twice.text
    unknown = post(client, f"{url}/indicators", {"indicator_id": "no_such_thing"})
    assert unknown.status_code == 422 and "there is no indicator" in unknown.text
    removed = post(client, f"{url}/indicators/volunteering_hours/remove")
    assert removed.status_code == 303
    assert "<code>volunteer_hours</code>" not in client.get(url).text
    assert api(client, "GET", f"/api/v1/orgs/{org}/programmes/{p['id']}").json()["indicators"] == []


def test_choosing_through_the_api_returns_the_inputs_to_enter(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    p = new_programme(client, org)
    response = choose(client, org, p["id"], "waste_recycled")
    assert response.status_code == 201 and response.json()["indicators"] == ["waste_recycled"]
    detail = api(client, "GET", f"/api/v1/orgs/{org}/programmes/{p['id']}").json()
    assert [i["name"] for i in detail["inputs"]] == columns_of("waste_recycled")
    assert choose(client, org, p["id"], "").status_code == 422
    missing = api(client, "DELETE", f"/api/v1/orgs/{org}/programmes/{p['id']}/indicators/nope")
    assert missing.status_code == 404


# ------------------------------------------------------------------------ own indicators


def test_the_new_form_starts_with_a_valid_korean_example(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    page = client.get(f"/orgs/{org}/indicators/new").text
    assert "청소년 멘토링" in page and 'src="/static/indicators.js"' in page
    assert check(client, org, EXAMPLE).json() == {"ok": True, "issues": []}
    copy = client.get(f"/orgs/{org}/indicators/new?start=volunteering_hours").text
    assert "id: my_volunteering_hours" in copy
    assert client.get("/static/indicators.js").status_code == 200


def test_the_live_check_gives_a_formula_error_with_its_line_and_column(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    result = check(client, org, _set(MENTORING, "hours * wage", "hours * wag")).json()
    assert result["ok"] is False
    (issue,) = result["issues"]
    assert issue["code"] == "formula.unknown-name"
    assert (issue["line"], issue["column"], issue["length"]) == (18, 18, 3)
    assert issue["field"] == "formula" and "wage" in issue["message"]
    assert issue["excerpt"].splitlines() == ["    formula: hours * wag", " " * 21 + "^^^"]
    # The same text with Windows line ends (as a browser sends a textarea) is placed the same.
    crlf = check(client, org, _set(MENTORING, "hours * wage", "hours * wag").replace("\n", "\r\n"))
    assert (crlf.json()["issues"][0]["line"], crlf.json()["issues"][0]["column"]) == (18, 18)


def test_the_live_check_reports_unknown_units_and_bad_yaml_with_positions(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    unit = check(client, org, _set(MENTORING, "unit: hour\n", "unit: hourz\n")).json()
    assert [(i["code"], i["line"], i["column"]) for i in unit["issues"]] == [
        ("unit.unknown", 8, 11)
    ]
    # An unclosed flow mapping on line 3: the parser reads on into line 4 and stops at the colon
    # after `description` (11 letters), column 12, where it expected a comma or a brace.
    broken = check(client, org, _set(MENTORING, "en: Youth mentoring}", "en: Youth mentoring"))
    (issue,) = broken.json()["issues"]
    assert (issue["code"], issue["line"], issue["column"]) == ("yaml.syntax", 4, 12)
    assert "expected ',' or '}'" in issue["message"]
    several = check(
        client,
        org,
        _set(_set(MENTORING, "unit: hour\n", "unit: hourz\n"), "value: 25156", "value: 많이"),
    ).json()
    assert {i["code"] for i in several["issues"]} == {"spec.expected-number"}
    assert several["issues"][0]["line"] == 12


def test_an_own_indicator_may_not_take_a_shipped_id(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    clash = _set(MENTORING, "id: my_mentoring", "id: volunteering_hours")
    result = check(client, org, clash).json()
    assert [(i["code"], i["line"], i["column"]) for i in result["issues"]] == [
        ("indicator.id-shipped", 1, 5)
    ]
    refused = api(
        client, "POST", f"/api/v1/orgs/{org}/indicators/custom", json={"definition": clash}
    )
    assert refused.status_code == 422
    page = post(client, f"/orgs/{org}/indicators/new", {"definition": clash})
    assert page.status_code == 422 and "belongs to a shipped indicator" in page.text
    assert api(client, "GET", f"/api/v1/orgs/{org}/indicators/custom").json()["items"] == []


def test_an_own_id_is_unique_in_the_organisation_but_an_edit_may_keep_its_own(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    created = _own(client, org, MENTORING)
    again = check(client, org, MENTORING).json()
    assert [i["code"] for i in again["issues"]] == ["indicator.id-taken"]
    assert check(client, org, MENTORING, custom_id=created["id"]).json()["ok"] is True


def test_saving_without_javascript_shows_issues_with_positions_and_keeps_the_text(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    wrong = _set(MENTORING, "hours * wage", "hours * wag")
    page = post(client, f"/orgs/{org}/indicators/new", {"definition": wrong.replace("\n", "\r\n")})
    assert page.status_code == 422
    assert "line 18, column 18" in page.text and "unknown name &#39;wag&#39;" in page.text
    assert "formula: hours * wag\n" in page.text  # the text as typed, in the editor
    assert api(client, "GET", f"/api/v1/orgs/{org}/indicators/custom").json()["items"] == []


def test_create_an_own_indicator_on_the_page_choose_it_and_get_its_inputs(
    client, engine, settings
) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    saved = post(client, f"/orgs/{org}/indicators/new", {"definition": EXAMPLE})
    assert saved.status_code == 303
    edit_url = saved.headers["location"].split("?")[0]
    assert "mentoring_hours" in client.get(edit_url).text
    p = new_programme(client, org)
    assert choose(client, org, p["id"], "mentoring_hours").status_code == 201
    with Session(engine) as db:
        repo = TenantRepository(db, org)
        fields = service.programme_inputs(repo, settings, p["id"])
        catalog = service.org_catalog(repo, settings)
    assert [(f.name, f.unit, f.label_ko) for f in fields] == [
        ("mentoring_hours", "hour", "멘토링 시간")
    ]
    assert catalog.entries["mentoring_hours"].file == "own/mentoring_hours.yaml"
    assert len(catalog.entries) == 33
    listing = client.get(f"/orgs/{org}/indicators").text
    assert "청소년 멘토링" not in listing and "Youth mentoring" in listing


def test_an_own_indicator_can_build_on_a_shipped_one(client, engine, settings) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    text = _set(
        _set(
            MENTORING, "formula: hours * wage", "formula: volunteering_hours * 0.5 + hours * wage"
        ),
        "id: my_mentoring",
        "id: my_volunteering_share",
    )
    assert check(client, org, text).json()["ok"] is True
    _own(client, org, text)
    p = new_programme(client, org)
    choose(client, org, p["id"], "my_volunteering_share")
    with Session(engine) as db:
        fields = service.programme_inputs(TenantRepository(db, org), settings, p["id"])
    assert {f.name for f in fields} == {"hours", *columns_of("volunteering_hours")}


def test_editing_with_a_stale_version_keeps_the_typed_definition(client, other_client) -> None:
    org = org_with_member(client, other_client, "editor")
    created = _own(client, org, MENTORING)
    url = f"/orgs/{org}/indicators/custom/{created['id']}"
    assert 'name="version" value="1"' in client.get(url).text
    assert 'name="version" value="1"' in other_client.get(url).text
    first = _set(MENTORING, "en: Youth mentoring", "en: Mentoring (first)")
    second = _set(MENTORING, "en: Youth mentoring", "en: Mentoring (second)")
    assert post(client, url, {"version": "1", "definition": first}).status_code == 303
    late = post(other_client, url, {"version": "1", "definition": second})
    assert late.status_code == 409 and "someone else changed this indicator first" in late.text
    assert "Mentoring (second)" in late.text and "Mentoring (first)" in late.text
    stored = api(client, "GET", f"/api/v1/orgs/{org}/indicators/custom/{created['id']}").json()
    assert "Mentoring (first)" in stored["definition"] and stored["version"] == 2
    api_late = api(
        other_client,
        "PATCH",
        f"/api/v1/orgs/{org}/indicators/custom/{created['id']}",
        json={"version": 1, "definition": second},
    )
    assert api_late.status_code == 409


def test_renaming_an_own_indicator_moves_its_choices_and_is_audited(client, engine) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    created = _own(client, org, MENTORING)
    p = new_programme(client, org)
    choose(client, org, p["id"], "my_mentoring")
    renamed = _set(MENTORING, "id: my_mentoring", "id: youth_mentoring")
    url = f"/api/v1/orgs/{org}/indicators/custom/{created['id']}"
    assert api(client, "PATCH", url, json={"version": 1, "definition": renamed}).status_code == 200
    with Session(engine) as db:
        assert db.scalars(select(ProgrammeIndicator.indicator_id)).all() == ["youth_mentoring"]
        actions = db.execute(
            select(AuditEntry.entity, AuditEntry.action, AuditEntry.entity_id)
            .where(AuditEntry.entity.in_(["custom_indicator", "programme_indicator"]))
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("custom_indicator", "create", "my_mentoring"),
        ("programme_indicator", "create", f"{p['id']}/my_mentoring"),
        ("programme_indicator", "update", f"{p['id']}/youth_mentoring"),
        ("custom_indicator", "update", "youth_mentoring"),
    ]


def test_an_indicator_in_use_is_not_deleted_until_nothing_uses_it(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    base = _own(client, org, MENTORING)
    builds_on = _set(
        _set(MENTORING, "id: my_mentoring", "id: my_mentoring_plus"),
        "formula: hours * wage",
        "formula: my_mentoring + hours * wage",
    )
    plus = _own(client, org, builds_on)
    p = new_programme(client, org, "멘토링 사업")
    choose(client, org, p["id"], "my_mentoring")
    url = f"/orgs/{org}/indicators/custom/{base['id']}/delete"
    in_use = post(client, url, {"version": "1"})
    assert in_use.status_code == 409 and "멘토링 사업" in in_use.text
    api(client, "DELETE", f"/api/v1/orgs/{org}/programmes/{p['id']}/indicators/my_mentoring")
    needed = post(client, url, {"version": "1"})
    assert needed.status_code == 409 and "my_mentoring_plus" in needed.text
    # Changing the base so that the other no longer checks is refused, naming the other.
    renamed = _set(MENTORING, "id: my_mentoring", "id: my_mentoring_v2")
    broken = check(client, org, renamed, custom_id=base["id"]).json()
    assert broken["ok"] is False
    assert {i["indicator"] for i in broken["issues"]} == {"my_mentoring_plus"}
    assert (
        api(client, "DELETE", f"/api/v1/orgs/{org}/indicators/custom/{plus['id']}").status_code
        == 204
    )
    assert post(client, url, {"version": "1"}).status_code == 303
    assert api(client, "GET", f"/api/v1/orgs/{org}/indicators/custom").json()["items"] == []


def test_a_viewer_cannot_define_or_check_indicators(client, other_client) -> None:
    org = org_with_member(client, other_client, "viewer")
    created = _own(client, org, MENTORING)
    assert other_client.get(f"/orgs/{org}/indicators").status_code == 200
    assert other_client.get(f"/orgs/{org}/indicators/custom/{created['id']}").status_code == 200
    refused = [
        other_client.get(f"/orgs/{org}/indicators/new"),
        post(other_client, f"/orgs/{org}/indicators/new", {"definition": EXAMPLE}),
        check(other_client, org, EXAMPLE),
        api(
            other_client,
            "POST",
            f"/api/v1/orgs/{org}/indicators/custom",
            json={"definition": EXAMPLE},
        ),
        post(
            other_client, f"/orgs/{org}/indicators/custom/{created['id']}/delete", {"version": "1"}
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)


def test_html_in_an_own_indicator_is_escaped(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    evil = _set(MENTORING, "en: Youth mentoring}", 'en: "<script>alert(1)</script>"}')
    created = _own(client, org, evil)
    for html in (
        client.get(f"/orgs/{org}/indicators").text,
        client.get(f"/orgs/{org}/indicators/custom/{created['id']}").text,
    ):
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


# ------------------------------------------------------------------ untrusted definitions


def _mutated() -> st.SearchStrategy[str]:
    """The valid example with a random piece replaced by random text: mostly YAML that parses,
    so the engine's own checks (fields, units, formulas) get the odd input, not just the reader."""
    return st.tuples(st.integers(0, len(MENTORING)), st.integers(0, 40), st.text(max_size=40)).map(
        lambda t: MENTORING[: t[0]] + t[2] + MENTORING[t[0] + t[1] :]
    )


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(st.text(max_size=200), _mutated()))
def test_any_text_sent_to_the_check_gives_an_answer_never_a_500(client, text) -> None:
    if not hasattr(client, "_org"):
        client._org = person_with_org(client, "fuzz@example.kr", "가온텔레콤")
    response = check(client, client._org, text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["ok"], bool) and body["ok"] == (body["issues"] == [])
    for issue in body["issues"]:
        assert issue["code"] and issue["message"]
        assert issue["line"] is None or issue["line"] >= 1


def test_odd_inputs_are_answered_with_messages(client) -> None:
    org = person_with_org(client, "a@example.kr", "가온텔레콤")
    cases = {
        "": "indicator.definition-empty",
        "x" * 20_001: "indicator.definition-too-long",
        "id: a\x00b": "indicator.definition-character",
        "[" * 5000: "indicator.definition-unreadable",
        "id: " + "9" * 5000: "indicator.definition-unreadable",
        "a: &x [1]\nb: *x\n": "yaml.alias",
    }
    for text, code in cases.items():
        body = check(client, org, text).json()
        assert [i["code"] for i in body["issues"]] == [code], (text[:20], body)
    character = check(client, org, "id: a\x00b").json()["issues"][0]
    assert (character["line"], character["column"]) == (1, 6)
    assert re.search("U\\+0000", character["message"])
