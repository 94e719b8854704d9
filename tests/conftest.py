"""Shared test setup: the PostgreSQL suite runs only when GACHI_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

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


def assert_same(duck: Any, pg: Any) -> None:
    """The same plan gave the same numbers on DuckDB and on PostgreSQL."""
    assert pg.backend == "postgres"
    assert len(duck.rows) == len(pg.rows)
    for a, b in zip(duck.rows, pg.rows, strict=True):
        assert (a.group, a.indicator, a.records, a.undefined) == (
            b.group,
            b.indicator,
            b.records,
            b.undefined,
        )
        assert (a.value is None) == (b.value is None), (a, b)
        if a.value is not None and b.value is not None:
            assert math.isclose(a.value, b.value, rel_tol=1e-12, abs_tol=1e-9), (a, b)


# CI runs the property tests with a fixed seed, so a submission lands or fails reproducibly;
# everywhere else they explore new examples on every run.
if os.environ.get("CI"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, print_blob=True)
    settings.load_profile("ci")
