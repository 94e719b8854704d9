from datetime import UTC, datetime

import pytest

from gachi.errors import InvalidInput
from gachi.kernel.times import format_moment, zone_label


def test_an_evening_in_utc_is_the_next_morning_in_seoul() -> None:
    moment = datetime(2026, 12, 6, 19, 47, 5, tzinfo=UTC)
    assert format_moment(moment, "date") == "2026-12-07"
    assert format_moment(moment) == "2026-12-07 04:47"
    assert format_moment(moment, "second") == "2026-12-07 04:47:05"
    assert zone_label() == "KST"


def test_a_naive_moment_is_utc_and_none_is_a_dash() -> None:
    assert format_moment(datetime(2026, 1, 1, 0, 0), "minute") == "2026-01-01 09:00"
    assert format_moment(None) == "—"


def test_the_zone_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("GACHI_TIMEZONE", "Europe/Paris")
    assert format_moment(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "2026-07-01 14:00"
    assert zone_label() in ("CET", "CEST")  # which one depends on today


def test_a_mistyped_zone_is_named_in_the_message(monkeypatch) -> None:
    monkeypatch.setenv("GACHI_TIMEZONE", "Asia/Seuol")
    with pytest.raises(InvalidInput) as caught:
        format_moment(datetime(2026, 1, 1, tzinfo=UTC))
    assert "Asia/Seuol" in caught.value.first.message("ko")
