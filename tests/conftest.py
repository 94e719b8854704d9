"""Shared test setup: the PostgreSQL suite runs only when GACHI_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("GACHI_TEST_POSTGRES_URL"):
        return
    skip = pytest.mark.skip(reason="set GACHI_TEST_POSTGRES_URL to run (.ci/run does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("GACHI_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("GACHI_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read messages in English unless they ask for Korean."""
    from gachi.kernel.i18n import set_lang

    monkeypatch.setenv("GACHI_LANG", "en")
    set_lang(None)
