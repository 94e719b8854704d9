"""Every answer carries the security headers: pages, JSON, errors of both, and the login page
a signed-out person sees first."""

from __future__ import annotations

from web.helpers import person_with_org

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def _check(response) -> list[str]:
    problems = [
        f"{key}: {response.headers.get(key)!r}"
        for key, value in EXPECTED.items()
        if response.headers.get(key) != value
    ]
    csp = response.headers.get("content-security-policy", "")
    for part in ("script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"):
        if part not in csp:
            problems.append(f"CSP lacks {part}")
    if "unsafe-inline" in csp.split("script-src", 1)[-1].split(";", 1)[0]:
        problems.append("CSP allows inline script")
    if "unsafe-inline" in csp.split("style-src ", 1)[-1].split(";", 1)[0]:
        problems.append("CSP allows inline style sheets")
    policy = response.headers.get("permissions-policy", "")
    if "camera=()" not in policy or "geolocation=()" not in policy:
        problems.append(f"permissions-policy: {policy!r}")
    return problems


def test_pages_json_and_errors_carry_the_security_headers(client) -> None:
    signed_out = {
        "login page": client.get("/login"),
        "JSON 401": client.get("/api/v1/me"),
    }
    org = person_with_org(client, "kim@example.kr", "가온")
    responses = {
        **signed_out,
        "page": client.get(f"/orgs/{org}/programmes"),
        "JSON": client.get(f"/api/v1/orgs/{org}/programmes"),
        "JSON 404": client.get("/api/v1/orgs/999/programmes"),
        "page 404": client.get("/orgs/999/programmes"),
        "JSON 422": client.get(f"/api/v1/orgs/{org}/programmes?limit=0"),
        "JSON 405": client.delete("/api/v1/me"),
        "static": client.get("/static/gachi.css"),
        "schema": client.get("/api/v1/openapi.json"),
    }
    assert responses["page 404"].status_code == 404
    assert responses["JSON 422"].status_code == 422
    problems = [f"{name}: {p}" for name, r in responses.items() for p in _check(r)]
    assert not problems, "\n".join(problems)


def test_a_bug_of_ours_answers_500_with_the_headers_and_no_traceback(app, client) -> None:
    def broken() -> None:
        raise RuntimeError("a bug: secret detail")

    app.add_api_route("/api/v1/broken", broken)
    app.add_api_route("/broken", broken)
    for url in ("/api/v1/broken", "/broken"):
        response = client.get(url)
        assert response.status_code == 500
        assert "secret detail" not in response.text and "Traceback" not in response.text
        assert not _check(response), (url, _check(response))
        assert "base-uri 'none'" in response.headers["content-security-policy"]
