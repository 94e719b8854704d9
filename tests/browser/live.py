"""What the browser tests share besides fixtures: the running app, the browser's complaints,
numbered screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from gachi.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "screenshots"
_BAD_WARNINGS = ("Failed to decode downloaded font", "OTS parsing error", "Content Security Policy")


@dataclass
class LiveApp:
    """The running app: its address, its database and its settings."""

    url: str
    engine: Engine
    settings: Settings
    app: Any


@dataclass
class Problems:
    """What the browser complained about: script errors, failed loads, CSP refusals."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def console_message(self, message: Any) -> None:
        # Chromium reports a font it refuses (its sanitizer, OTS) only as a warning; then Korean
        # falls back to whatever the machine has, often nothing: boxes instead of 한글.
        where = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource"):
            return  # an error page's own status (401, 422…): `response` judges those
        if message.type == "error" or any(w in message.text for w in _BAD_WARNINGS):
            self.console.append(f"{message.type}: {message.text} ({where})")

    def response(self, response: Any) -> None:
        """A server error anywhere, or a script, style, font or image that failed to load (a
        page may answer 4xx on purpose; the browser's own favicon request is not the page's)."""
        failed = response.status >= 500 or (
            response.status >= 400
            and response.request.resource_type != "document"
            and not response.url.endswith("/favicon.ico")
        )
        if failed:
            self.failed.append(f"{response.status} {response.url}")

    def assert_none(self) -> None:
        assert not self.console, "browser console errors:\n" + "\n".join(self.console)
        assert not self.failed, "requests that failed:\n" + "\n".join(self.failed)


class Shots:
    """Full-page screenshots numbered in the order taken: out/screenshots/<prefix>NN-<step>.png."""

    def __init__(self, page: Any, prefix: str) -> None:
        self.page = page
        self.prefix = prefix
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        pattern = f"{prefix}[0-9][0-9]-*.png"
        for old in SHOTS.glob(pattern):  # a rerun leaves no stale step behind
            old.unlink()

    def __call__(self, step: str) -> Path:
        self.n += 1
        path = SHOTS / f"{self.prefix}{self.n:02d}-{step}.png"
        # Wait for the web fonts, so that Korean shows in NanumGothic, not in a fallback.
        self.page.evaluate("document.fonts.ready.then(() => true)")
        self.page.screenshot(path=str(path), full_page=True)
        assert_no_raw_codes(self.page, where=path.name)
        return path


# A message code shown instead of its text (`programme.name-invalid`): its catalogue entry is
# missing. Not inside a longer word or address, and not a file name or a web address.
_RAW_CODE = re.compile(
    r"(?<![\w./@:-])(?:web|auth|org|audit|conflict|programme|indicator|points|upload|run|"
    r"dashboard|explain|data|file|brn|region|industry|sk|db|demo)(?:\.[a-z0-9-]+)+(?![\w./@-])"
)
_NOT_CODES = (".xlsx", ".csv", ".yaml", ".json", ".html", ".pdf", ".kr", ".com", ".org")


def assert_no_raw_codes(page: Any, where: str = "") -> None:
    text = page.locator("body").inner_text()
    raw = sorted({m for m in _RAW_CODE.findall(text) if not m.endswith(_NOT_CODES)})
    assert not raw, f"message codes shown instead of text on {where or page.url}: {raw}"
