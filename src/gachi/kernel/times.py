"""Moments shown to people: stored in UTC, shown in the platform's time zone (Asia/Seoul unless
GACHI_TIMEZONE says otherwise), with the zone named where a reader could take it for another.

A publication made at 19:47 UTC is the next day in Seoul; a date shown in UTC would be a day
early for every Korean reader of an evening publication.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gachi.errors import InvalidInput

DEFAULT_ZONE = "Asia/Seoul"
FORMATS = {"date": "%Y-%m-%d", "minute": "%Y-%m-%d %H:%M", "second": "%Y-%m-%d %H:%M:%S"}


def default_zone() -> str:
    """The zone from GACHI_TIMEZONE (an IANA name such as Asia/Seoul), else Asia/Seoul."""
    return os.environ.get("GACHI_TIMEZONE", "").strip() or DEFAULT_ZONE


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("time.zone-unknown", zone=name) from None


def local(moment: datetime, zone_name: str | None = None) -> datetime:
    """`moment` in the zone; a naive moment is taken as UTC (how every table stores them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name or default_zone()))


def format_moment(
    moment: datetime | None, precision: str = "minute", zone_name: str | None = None
) -> str:
    """`2026-12-07 04:47` in the zone (`—` for none); precision is date, minute or second."""
    if moment is None:
        return "—"
    return local(moment, zone_name).strftime(FORMATS[precision])


def zone_label(zone_name: str | None = None) -> str:
    """What a reader calls the zone: `KST` for Seoul, the zone's own abbreviation otherwise."""
    name = zone_name or default_zone()
    return datetime.now(zone(name)).tzname() or name
