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


# Property tests run under one of two bounded profiles: "quick" for `make test` (every property
# still explores, a few dozen examples each) and "thorough" for the second pass in `.ci/run`
# (GACHI_HYPOTHESIS=thorough). A test that names its own `max_examples` keeps it in both: those
# are the expensive ones, already bounded. In CI both run with a fixed seed, so a submission
# lands or fails reproducibly; everywhere else they explore new examples on every run.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_CI = bool(os.environ.get("CI"))
# No deadline: on a loaded two-core machine a first example that imports a module can take
# longer than any deadline, and the run then fails as "flaky" for a reason that is not the code's.
_PROFILE = {"deadline": None, "derandomize": _CI, "print_blob": True}
_hypothesis_settings.register_profile("quick", max_examples=25, **_PROFILE)
_hypothesis_settings.register_profile("thorough", max_examples=300, **_PROFILE)
_hypothesis_settings.load_profile(os.environ.get("GACHI_HYPOTHESIS", "quick"))
