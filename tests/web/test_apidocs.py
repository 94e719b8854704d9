"""The API reference page works offline: Swagger UI from the package, started by a script file,
nothing fetched from another host, and the page under the same CSP as every other."""

from __future__ import annotations

import re


def test_the_api_reference_is_served_from_the_package_with_no_inline_script(client) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.text
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for src in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        asset = client.get(src)
        assert asset.status_code == 200, src
    bundle = client.get("/api/v1/docs/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert len(bundle.content) > 500_000  # the real Swagger UI, not a stub


def test_only_the_reference_files_are_served_from_there(client) -> None:
    # Both lie beside Swagger UI's files in the package; neither is on the list.
    assert client.get("/api/v1/docs/redoc.standalone.js").status_code == 404
    assert client.get("/api/v1/docs/favicon.png").status_code == 404
    assert client.get("/api/v1/docs/..%2F..%2F__init__.py").status_code == 404
