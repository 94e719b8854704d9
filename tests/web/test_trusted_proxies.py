"""`X-Forwarded-For` is believed only from the proxies of GACHI_TRUSTED_PROXIES (none by
default), so a header that names a new address on every try does not reset the login limit."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gachi.config import Settings, trusted_proxies
from gachi.db.models import LoginFailure
from gachi.errors import InvalidInput
from gachi.web.app import create_app
from web.helpers import PASSWORD, post, sign_up

EMAIL = "kim@example.kr"


def _browser(settings: Settings, engine, peer: str) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings, engine=engine), raise_server_exceptions=False, client=(peer, 4321)
    ) as client:
        yield client


@pytest.fixture
def person(client) -> None:
    sign_up(client, EMAIL)


def _login(client: TestClient, password: str, forwarded: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    data = {"email": EMAIL, "password": password}
    return post(client, "/login", data, headers=headers).status_code


def _failures(engine) -> list[str]:
    with Session(engine) as db:
        return list(db.scalars(select(LoginFailure.address).order_by(LoginFailure.id)))


@pytest.mark.parametrize("peer", ["203.0.113.9", "127.0.0.1"])
def test_a_rotating_header_from_anyone_does_not_reset_the_limit(
    person, settings, engine, peer
) -> None:
    """127.0.0.1 too: uvicorn believed the header from there by default."""
    for browser in _browser(settings, engine, peer):
        for n in range(settings.login_attempts):
            assert _login(browser, "wrong-password", f"198.51.100.{n}") == 401
        assert _login(browser, PASSWORD, "198.51.100.99") == 429
    assert _failures(engine) == [peer] * settings.login_attempts


def test_a_trusted_proxy_passes_on_the_address_it_saw(person, settings, engine) -> None:
    behind = replace(settings, trusted_proxies=trusted_proxies("127.0.0.1, 10.0.0.0/8"))
    for browser in _browser(behind, engine, "127.0.0.1"):
        for n in range(settings.login_attempts):
            assert _login(browser, "wrong-password", f"198.51.100.{n}") == 401
        assert _failures(engine) == [f"198.51.100.{n}" for n in range(settings.login_attempts)]
        # Another address is another person: not locked out by the failures above (and a
        # success clears the account's failures).
        assert _login(browser, PASSWORD, "198.51.100.99") == 303
        # What a client wrote itself stands left of what the proxies appended: not believed;
        # a second trusted proxy (10.0.0.7) is skipped; a hop that is no address stops there.
        for forwarded in ("6.6.6.6, 192.0.2.1", "6.6.6.6, 192.0.2.1, 10.0.0.7", "junk, 10.0.0.8"):
            assert _login(browser, "wrong-password", forwarded) == 401
        assert _login(browser, "wrong-password", None) == 401
    assert _failures(engine) == [
        "192.0.2.1",
        "192.0.2.1",
        "10.0.0.8",
        "127.0.0.1",
    ]


def test_the_setting_reads_addresses_and_networks_and_refuses_anything_else() -> None:
    assert trusted_proxies("") == ()
    assert trusted_proxies(" 10.0.0.5, 192.168.0.0/24 ; ::1 ") == (
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("192.168.0.0/24"),
        ipaddress.ip_network("::1/128"),
    )
    with pytest.raises(InvalidInput) as caught:
        trusted_proxies("10.0.0.5, proxy.internal")
    assert caught.value.first.code == "config.proxy-invalid"
    assert "proxy.internal" in caught.value.render("ko")
    assert Settings().trusted_proxies == ()


def test_gachi_serve_turns_uvicorns_own_proxy_headers_off(monkeypatch) -> None:
    import uvicorn

    from gachi.cli import serve

    seen: dict[str, object] = {}
    monkeypatch.setattr(serve, "check_port", lambda host, port: None)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    serve.run_server("127.0.0.1", 8000, 1)
    assert seen["proxy_headers"] is False
