"""The JSON API keeps to its OpenAPI document (what the schemathesis step of `.ci/run` holds it
to): the document describes the API only, with its security and error body; times carry their
offset; a body that cannot be read is a 422 like any other bad input. Regression tests for what
the fuzzing found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gachi.db.models import Run
from web.helpers import api, person_with_org, token


def test_the_document_describes_the_api_only(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert paths and all(p.startswith("/api/") for p in paths)
    assert "/api/v1/orgs/{org_id}/programmes" in paths and "/orgs/{org_id}/programmes" not in paths
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "session"}
    assert schema["security"] == [{"bearer": []}, {"session": []}]
    tokens = paths["/api/v1/account/tokens"]["post"]
    assert tokens["security"] == [{"session": []}]  # a token cannot make tokens
    listing = paths["/api/v1/orgs/{org_id}/programmes"]
    for status in ("401", "403", "404", "422"):
        body = listing["get"]["responses"][status]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Error"}
    assert "409" in listing["post"]["responses"] and "409" not in listing["get"]["responses"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_errors_have_the_documented_body(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["Error"]
    org = person_with_org(client, "kim@example.kr", "가온")
    for response in (
        client.get("/api/v1/orgs/999"),
        client.get(f"/api/v1/orgs/{org}/programmes?limit=0"),
        api(client, "POST", f"/api/v1/orgs/{org}/programmes", json={"name": ""}),
    ):
        error = response.json()["error"]
        assert set(schema["properties"]["error"]["required"]) <= set(error)
        assert all({"code", "message"} <= set(i) for i in error["issues"])


def test_times_carry_their_offset(client, engine) -> None:
    """SQLite gave naive datetimes back, which went out without an offset: not a date-time."""
    org = person_with_org(client, "kim@example.kr", "가온")
    made = api(client, "POST", f"/api/v1/orgs/{org}/programmes", json={"name": "가"}).json()
    api(client, "PUT", f"/api/v1/orgs/{org}/data", json=[])
    with Session(engine) as db:
        db.add(
            Run(organisation_id=org, number=1, status="done", stage="done", progress=1.0, seed=1)
        )
        db.commit()
    found = [
        client.get(f"/api/v1/orgs/{org}/audit").json()["items"][0]["at"],
        client.get(f"/api/v1/orgs/{org}/runs").json()["items"][0]["created_at"],
    ]
    assert made["id"]
    for text in found:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0, text


def test_a_body_that_is_not_utf8_is_a_422(client) -> None:
    org = person_with_org(client, "kim@example.kr", "가온")
    csrf = token(client)
    for method, url in [
        ("POST", f"/api/v1/orgs/{org}/programmes"),
        ("POST", "/api/v1/orgs"),
        ("POST", f"/api/v1/orgs/{org}/runs"),
    ]:
        response = client.request(
            method,
            url,
            content=b'{"name": "\xe9"}',
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["code"] == "input.body-unreadable"
    not_json = api(client, "POST", f"/api/v1/orgs/{org}/programmes", content=b"{oops")
    assert not_json.status_code == 422


def test_a_method_an_address_does_not_take_is_405_with_allow(client) -> None:
    response = client.request("TRACE", "/api/v1/me")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "web.method-not-allowed"
    assert response.headers["allow"] == "GET"
    page = client.request("PUT", "/login")
    assert page.status_code == 405 and page.headers["allow"] == "GET, POST"
    listing = client.request("DELETE", "/api/v1/orgs/1/programmes")
    assert listing.status_code == 405 and listing.headers["allow"] == "GET, POST"
    # The literal path, not the template with a parameter that also fits it.
    check = client.request("PUT", "/api/v1/orgs/1/indicators/check")
    assert check.status_code == 405 and check.headers["allow"] == "POST"
