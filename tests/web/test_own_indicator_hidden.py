"""Every text of an own indicator (names, descriptions, inputs, units, sources, comments) refuses
control, zero-width and direction characters with the same check as other names, each at its
line and column; and none reaches a public page or its JSON, not even from a definition kept
before the check (positions hand-counted in `mentoring()`, publishing_helpers.py)."""

from __future__ import annotations

import unicodedata

import pytest

from web.helpers import api, person_with_org, post
from web.programmes_helpers import check
from web.publishing_helpers import mentoring, mentoring_org, publish, set_definition
from web.runs_helpers import run_to_end

HIDDEN = "보이지 않는 제어 문자나 글자 방향을 바꾸는 문자"

# (text the character goes after, line, column): line 3 is `name: {ko: 청소년 멘토링, en: Youth
# mentoring}` — "name: {ko: " is 11 characters, so after "청소" comes column 14, and after
# "Youth" (11 + 7 + 6 + 5) column 30; line 4 `description: {ko: 멘토링 …`: 18 + 3, column 22;
# line 7 `  - name: hours`: after "  - name: ho" column 13; line 8 `    unit: hour`: column 13;
# line 16 `    source: {title: 고용형태별근로실태조사, publisher: 고용노동부, …`: 20 + 11 + 2 +
# 11 + 2, column 47; line 19, a comment `# 비고`: column 5.
PLACES = [
    ("name: {ko: 청소", 3, 14, "\u202e"),
    ("en: Youth", 3, 30, "\u200b"),
    ("\ndescription: {ko: 멘토링", 4, 22, "\u2066"),
    ("  - name: ho", 7, 13, "\u200f"),
    ("    unit: ho", 8, 13, "\ufeff"),
    ("publisher: 고용", 16, 47, "\u00ad"),
    ("# 비고", 19, 5, "\x85"),
]


def _with(anchor: str, ch: str) -> str:
    text = mentoring() + "# 비고\n"
    assert text.count(anchor) == 1, anchor
    return text.replace(anchor, anchor + ch)


@pytest.mark.parametrize(("anchor", "line", "column", "ch"), PLACES)
def test_a_hidden_character_anywhere_in_a_definition_is_refused_at_its_place(
    client, anchor, line, column, ch
) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    client.cookies.set("gachi_lang", "ko")
    text = _with(anchor, ch)
    live = check(client, org, text).json()
    assert not live["ok"]
    [issue] = live["issues"]
    assert issue["code"] == "text.hidden-characters"
    assert (issue["line"], issue["column"]) == (line, column)
    assert f"U+{ord(ch):04X}" in issue["message"] and HIDDEN in issue["message"]
    saved = api(client, "POST", f"/api/v1/orgs/{org}/indicators/custom", json={"definition": text})
    assert saved.status_code == 422
    assert saved.json()["error"]["issues"][0]["code"] == "text.hidden-characters"
    page = post(client, f"/orgs/{org}/indicators/new", {"definition": text})
    assert page.status_code == 422 and HIDDEN in page.text
    listed = api(client, "GET", f"/api/v1/orgs/{org}/indicators/custom").json()
    assert listed["total"] == 0


def test_every_hidden_character_is_listed_not_only_the_first(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    text = _with("name: {ko: 청소", "\u202e").replace("  - name: ho", "  - name: ho\u200b")
    issues = check(client, org, text).json()["issues"]
    assert [(i["line"], i["column"]) for i in issues] == [(3, 14), (7, 13)]


def _shows_hidden(text: str) -> list[str]:
    return sorted(
        {f"U+{ord(c):04X}" for c in text if unicodedata.category(c)[0] == "C" and c not in "\n\t\r"}
    )


def test_no_hidden_character_reaches_a_public_page_or_its_json(client, anonymous, engine) -> None:
    """A definition stored before the check (straight in the database) stops the run, which
    names the character; nothing is published. Mended, the published book — page, JSON and report —
    shows no hidden character at all."""
    found = mentoring_org(client, engine)
    for anchor, _line, _column, ch in PLACES:
        set_definition(engine, found.org, _with(anchor, ch))
        body = run_to_end(client, found.org)
        assert body["status"] == "failed", body
        assert [i["code"] for i in body["issues"]] == ["text.hidden-characters"], body
        assert f"U+{ord(ch):04X}" in body["issues"][0]["message"]
        assert publish(client, found.org, 2024).status_code in (404, 409, 422)
    assert anonymous.get(f"/api/v1/public/{found.org}/2024").status_code == 404
    set_definition(engine, found.org, mentoring())
    assert run_to_end(client, found.org)["status"] == "done"
    assert publish(client, found.org, 2024).status_code == 201
    pages = [
        f"/public/{found.org}",
        f"/public/{found.org}/2024",
        f"/public/{found.org}/2024/report.html",
        f"/api/v1/public/{found.org}",
        f"/api/v1/public/{found.org}/2024",
        "/public",
        "/api/v1/public",
    ]
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert _shows_hidden(response.text) == [], url
    book = anonymous.get(f"/api/v1/public/{found.org}/2024").text
    assert "청소년 멘토링" in book and "고용노동부" in book  # the texts that were checked are there
