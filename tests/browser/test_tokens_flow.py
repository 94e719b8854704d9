"""API tokens in a real browser, in Korean: the account menu → make a token (shown once, with a
copy button) → reload the page (the form is sent again: no second token) → a script uses it →
revoke it on the page → the script is refused.

Screenshots land in out/screenshots/tokens-NN-step.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import LiveApp, Problems, Shots
from browser.steps import ko, sign_up

pytestmark = pytest.mark.browser


@pytest.mark.screenshots("tokens-")
def test_make_use_and_revoke_a_token(
    page: Any, browser: Any, live_app: LiveApp, shot: Shots, problems: Problems
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_up(page, "최토큰", "choi@example.kr")
    page.get_by_role("link", name=ko("token.nav")).click()
    expect(page.get_by_role("heading", name=ko("token.title"), exact=True)).to_be_visible()
    page.get_by_label(ko("token.field.name")).fill("월간 적재 스크립트")
    expect(page.get_by_label(ko("token.scope.read"))).to_be_checked()
    page.get_by_label(ko("token.scope.write")).check()
    page.get_by_label(ko("token.field.expires")).select_option(value="30")
    page.get_by_role("button", name=ko("token.create")).click()

    secret_box = page.get_by_label(ko("token.secret-label"))
    secret = secret_box.input_value()
    assert secret.startswith("gachi_") and len(secret) == 49
    expect(page.get_by_text(ko("token.shown-once"))).to_be_visible()
    copy = page.get_by_role("button", name=ko("token.copy"))
    copy.click()
    expect(page.get_by_role("button", name=ko("token.copied"))).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shot("made")

    # Reloading sends the form again: no second token, and the page says why the secret is gone.
    page.reload()
    expect(page.get_by_text(ko("token.form-used", name="월간 적재 스크립트"))).to_be_visible()
    expect(page.get_by_role("row", name="월간 적재 스크립트")).to_have_count(1)
    assert secret not in page.content()
    shot("reloaded")

    script = browser.new_context(base_url=live_app.url)  # no cookies: only the token
    try:
        headers = {"Authorization": f"Bearer {secret}"}
        me = script.request.get("/api/v1/me", headers=headers)
        assert me.ok and me.json()["name"] == "최토큰"

        page.goto("/account/tokens")
        assert secret not in page.content()  # shown once
        row = page.get_by_role("row", name="월간 적재 스크립트")
        expect(row).to_contain_text(secret[:14])
        expect(row).to_contain_text(
            f"{ko('token.scope-name.read')}, {ko('token.scope-name.write')}"
        )
        row.get_by_role("button", name=ko("token.revoke")).click()
        expect(page.get_by_text(ko("token.revoked-done"))).to_be_visible()
        expect(page.get_by_role("row", name="월간 적재 스크립트")).to_contain_text(
            ko("token.status.revoked")
        )
        shot("revoked")
        refused = script.request.get("/api/v1/me", headers=headers)
        assert refused.status == 401 and refused.json()["error"]["code"] == "token.revoked"
    finally:
        script.close()
    problems.assert_none()
