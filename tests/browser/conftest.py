"""Browser tests: the real app served by uvicorn on a free loopback port, driven by Debian's
Chromium through Playwright (never a browser Playwright downloads itself).

Without /usr/bin/chromium the tests skip, saying so; with GACHI_TEST_BROWSER=required (as `.ci/run`
sets, after installing it) a missing Chromium is an error. Every test gets a fresh migrated SQLite
file, a fresh server and a fresh browser context (no cookies), all in Korean unless it switches.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from browser.live import ROOT, SHOTS, LiveApp, Problems, Shots
from gachi.config import Settings
from gachi.db import migrate
from gachi.db.session import make_engine
from gachi.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("GACHI_TEST_BROWSER") == "required"
# Nothing a headless test needs from the network: no updates, no sync, no QUIC probes.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Overrides the suite-wide English default: the server speaks Korean, as it does for people.
    (The server runs in this process, so it reads this process's environment.)"""
    from gachi.kernel.i18n import set_lang

    monkeypatch.delenv("GACHI_LANG", raising=False)
    set_lang(None)


# --- the server -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser-template") / "gachi.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port; uvicorn serves on this socket
    return sock


def _wait_until_answers(url: str, thread: threading.Thread, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the test server stopped while starting (see the log above)")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except Exception as ex:  # not listening yet
            last = ex
        time.sleep(0.05)
    raise RuntimeError(f"the test server did not answer at {url} within {seconds:.0f} s: {last}")


@pytest.fixture
def live_app(tmp_path: Path, _migrated_template: Path) -> Iterator[LiveApp]:
    """The real app over a fresh migrated SQLite file, served by uvicorn in a background thread."""
    db = tmp_path / "gachi.sqlite3"
    shutil.copy(_migrated_template, db)
    settings = Settings(
        database_url=f"sqlite:///{db}",
        data_dir=tmp_path / "var",
        catalog_dir=ROOT / "library" / "indicators",
    )
    engine = make_engine(settings.database_url)
    app = create_app(settings, engine=engine)
    sock = _free_socket()
    host, port = sock.getsockname()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    # Not the main thread, so uvicorn installs no signal handlers; should_exit stops it.
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="gachi-test-server", daemon=True
    )
    thread.start()
    url = f"http://{host}:{port}"
    try:
        _wait_until_answers(url, thread)
        yield LiveApp(url=url, engine=engine, settings=settings, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        engine.dispose()


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched once per test process."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if REQUIRED:
            pytest.fail(f"GACHI_TEST_BROWSER=required but {reason}", pytrace=False)
        pytest.skip(f"browser test skipped: {reason}; .ci/run installs it and runs them")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page(browser: Any, live_app: LiveApp, problems: Problems) -> Iterator[Any]:
    """A fresh browser tab (no cookies) on the live app; relative URLs go to it."""
    context = browser.new_context(
        base_url=live_app.url,
        locale="ko-KR",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.on("console", problems.console_message)
    tab.on("pageerror", lambda e: problems.console.append(f"page error: {e}"))
    tab.on("response", problems.response)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest, page: Any) -> Shots:
    """`shot("signup")` saves a full-page screenshot; the main flow's have no prefix."""
    marker = request.node.get_closest_marker("screenshots")
    prefix = marker.args[0] if marker else f"{request.node.name}-"
    return Shots(page, prefix)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failing browser test leaves a picture of the page it failed on, and its report says
    what the browser saw go wrong (a 500 is often the cause of a later "element not found")."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    if report.when != "call" or not report.failed or "page" not in funcargs:
        return report
    seen = funcargs.get("problems")
    if isinstance(seen, Problems) and (seen.console or seen.failed):
        report.sections.append(("browser problems", "\n".join(seen.console + seen.failed)))
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"FAILED-{item.name}.png"
        funcargs["page"].screenshot(path=str(path), full_page=True)
        report.sections.append(("screenshot", str(path)))
    except Exception:  # the page may be gone; the failure itself is what matters
        pass
    return report
