"""ETags on the JSON API: the same answer has the same tag, asking with it gives 304 and no
body, a change gives a new tag, and nothing is shared between people."""

from __future__ import annotations

import pytest

from gachi.web.etags import etag_of, matches
from web.helpers import api, person_with_org

SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options")


def test_the_same_answer_has_the_same_weak_tag_and_must_be_revalidated(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    first = client.get(f"/api/v1/orgs/{org}/programmes")
    second = client.get(f"/api/v1/orgs/{org}/programmes")
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and tag == second.headers["etag"]
    assert tag == etag_of(first.content)
    assert first.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in first.headers["vary"] and "Cookie" in first.headers["vary"]


def test_asking_with_the_tag_gives_304_without_a_body(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    url = f"/api/v1/orgs/{org}/programmes"
    tag = client.get(url).headers["etag"]
    for given in (tag, tag.removeprefix("W/"), f'"other", {tag}', "*"):
        again = client.get(url, headers={"If-None-Match": given})
        assert again.status_code == 304, given
        assert again.content == b""
        assert again.headers["etag"] == tag
        assert again.headers["cache-control"] == "private, no-cache"
        assert "content-length" not in again.headers or again.headers["content-length"] == "0"
        assert all(h in again.headers for h in SECURITY)
    other = client.get(url, headers={"If-None-Match": 'W/"not-this-one"'})
    assert other.status_code == 200 and other.json()["total"] == 0


def test_a_change_gives_a_new_tag(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    url = f"/api/v1/orgs/{org}/programmes"
    before = client.get(url).headers["etag"]
    made = api(client, "POST", url, json={"name": "행복나눔 봉사단"})
    assert made.status_code == 201 and "etag" not in made.headers  # only GETs are tagged
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.json()["total"] == 1
    assert after.headers["etag"] != before


def test_no_tag_is_shared_between_people(client, other_client) -> None:
    mine = person_with_org(client, "kim@example.kr", "가온")
    theirs = person_with_org(other_client, "lee@example.kr", "나래")
    me = client.get("/api/v1/me")
    them = other_client.get("/api/v1/me", headers={"If-None-Match": me.headers["etag"]})
    assert them.status_code == 200 and them.json()["email"] == "lee@example.kr"
    assert them.headers["etag"] != me.headers["etag"]
    # The tag of my organisation's list opens nothing of it to someone else.
    tag = client.get(f"/api/v1/orgs/{mine}/programmes").headers["etag"]
    for header in (tag, "*"):
        refused = other_client.get(
            f"/api/v1/orgs/{mine}/programmes", headers={"If-None-Match": header}
        )
        assert refused.status_code == 404 and "etag" not in refused.headers
    own = other_client.get(f"/api/v1/orgs/{theirs}/programmes", headers={"If-None-Match": tag})
    assert own.status_code in (200, 304)  # the same empty list is the same answer: no secret
    assert own.headers["cache-control"] == "private, no-cache"


def test_errors_pages_and_files_are_not_tagged(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    for url in (
        "/api/v1/orgs/999/programmes",  # an error
        f"/orgs/{org}/programmes",  # a page
        f"/orgs/{org}/data/export.csv",  # a file
    ):
        response = client.get(url)
        assert "etag" not in response.headers, url
    assert (
        client.get("/api/v1/orgs/999/programmes", headers={"If-None-Match": "*"}).status_code == 404
    )


def test_a_token_request_is_tagged_too(client, app) -> None:
    from fastapi.testclient import TestClient

    org = person_with_org(client, "kim@example.kr", "가온")
    secret = api(client, "POST", "/api/v1/account/tokens", json={"name": "ci"}).json()["token"]
    with TestClient(app) as script:
        headers = {"Authorization": f"Bearer {secret}"}
        first = script.get(f"/api/v1/orgs/{org}", headers=headers)
        again = script.get(
            f"/api/v1/orgs/{org}", headers={**headers, "If-None-Match": first.headers["etag"]}
        )
        assert first.status_code == 200 and again.status_code == 304


def test_streams_and_files_under_the_api_pass_through(app, client) -> None:
    from fastapi.responses import PlainTextResponse, StreamingResponse

    @app.get("/api/v1/test-stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b'{"a":', b"1}"]), media_type="application/json")

    @app.get("/api/v1/test-text")
    def plain() -> PlainTextResponse:
        return PlainTextResponse("a,b\n1,2\n")

    for url, body in (("/api/v1/test-stream", b'{"a":1}'), ("/api/v1/test-text", b"a,b\n1,2\n")):
        response = client.get(url, headers={"If-None-Match": "*"})
        assert response.status_code == 200 and response.content == body, url
        assert "etag" not in response.headers, url


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('W/"abc"', True),
        ('"abc"', True),
        ('"x", W/"abc"', True),
        ("*", True),
        ('"abcd"', False),
        ('W/"ab"', False),
        ('"abc' + " " * 5000 + '"', False),
    ],
)
def test_if_none_match_is_compared_weakly(header, expected) -> None:
    assert matches(header, 'W/"abc"') is expected
