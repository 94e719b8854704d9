"""What anyone may read, signed in or not: published formula books only.

This module is the one place public reads start from, and it selects only the `book` column of
a publication (and its year, version, total, reason and date, all published with it): the private
inputs and definitions of a publication, and every table that is not a publication, are out of
its reach. Even the organisation's name is read from the book (a JSON path): a name changed since
shows only once published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gachi.db.models import Publication, PublishingProfile
from gachi.errors import GachiError, NotFound
from gachi.kernel.integers import parse_id


class NotPublished(NotFound):
    """Nothing published there: said the same whether the organisation exists or not."""

    code = "public.not-published"

    def __init__(self, year: object | None = None, version: object | None = None) -> None:
        if year is None:
            GachiError.__init__(self, "public.nothing-published")
        elif version is None:
            GachiError.__init__(self, "public.year-not-published", year=str(year)[:12])
        else:
            GachiError.__init__(
                self, "public.version-not-published", year=str(year)[:12], version=str(version)[:12]
            )


@dataclass(frozen=True)
class Published:
    """One published version, without its book."""

    organisation_id: int
    organisation: str
    year: int
    version: int
    total: float
    reason: str
    published_at: datetime


# The organisation's name as this version published it (JSON path: SQLite and PostgreSQL alike).
_NAME = Publication.book[("organisation", "name")].as_string()


def _listing() -> Any:
    return select(
        Publication.organisation_id,
        _NAME,
        Publication.year,
        Publication.version,
        Publication.total,
        Publication.reason,
        Publication.published_at,
    )


def _rows(db: Session, query: Any) -> list[Published]:
    return [Published(*row) for row in db.execute(query).all()]


def _org_id(org_id: object) -> int:
    key = parse_id(org_id)
    if key is None:
        raise NotPublished()
    return key


def publishers(db: Session) -> list[Published]:
    """The latest version of every published year of every organisation, by name and year."""
    newest = (
        select(
            Publication.organisation_id.label("org"),
            Publication.year.label("year"),
            func.max(Publication.version).label("version"),
        )
        .group_by(Publication.organisation_id, Publication.year)
        .subquery()
    )
    query = (
        _listing()
        .join(
            newest,
            (newest.c.org == Publication.organisation_id)
            & (newest.c.year == Publication.year)
            & (newest.c.version == Publication.version),
        )
        .order_by(_NAME, Publication.organisation_id, Publication.year.desc())
    )
    return _rows(db, query)


def organisation_books(db: Session, org_id: object) -> list[Published]:
    """Every published version of one organisation, newest year and version first;
    `NotFound` when it published nothing (whether or not it exists)."""
    key = _org_id(org_id)
    query = (
        _listing()
        .where(Publication.organisation_id == key)
        .order_by(Publication.year.desc(), Publication.version.desc())
    )
    found = _rows(db, query)
    if not found:
        raise NotPublished()
    return found


def book(
    db: Session, org_id: object, year: object, version: object | None = None
) -> dict[str, Any]:
    """The published book of `year` (its latest version unless `version` is given), or
    `NotFound` when that year (or version) was not published."""
    key = _org_id(org_id)
    wanted_year = parse_id(year)
    wanted_version = None if version in (None, "") else parse_id(version)
    if wanted_year is None or (version not in (None, "") and wanted_version is None):
        raise NotPublished(year, version)
    query = select(Publication.book).where(
        Publication.organisation_id == key, Publication.year == wanted_year
    )
    if wanted_version is not None:
        query = query.where(Publication.version == wanted_version)
    found = db.scalar(query.order_by(Publication.version.desc()).limit(1))
    if found is None:
        raise NotPublished(wanted_year, wanted_version)
    return dict(found)


def versions(db: Session, org_id: object, year: object) -> list[Published]:
    return [p for p in organisation_books(db, org_id) if str(p.year) == str(year)]


def peers(db: Session, year: int) -> list[dict[str, Any]]:
    """The latest books of `year` of every organisation that chose to be compared."""
    newest = (
        select(
            Publication.organisation_id.label("org"),
            func.max(Publication.version).label("version"),
        )
        .where(Publication.year == year)
        .group_by(Publication.organisation_id)
        .subquery()
    )
    query = (
        select(Publication.book)
        .join(
            newest,
            (newest.c.org == Publication.organisation_id)
            & (newest.c.version == Publication.version),
        )
        .join(
            PublishingProfile,
            PublishingProfile.organisation_id == Publication.organisation_id,
        )
        .where(Publication.year == year, PublishingProfile.peer_comparison.is_(True))
        .order_by(Publication.organisation_id)
    )
    return [dict(b) for b in db.scalars(query).all()]


def comparable_years(db: Session) -> Sequence[int]:
    query = (
        select(Publication.year)
        .join(
            PublishingProfile,
            PublishingProfile.organisation_id == Publication.organisation_id,
        )
        .where(PublishingProfile.peer_comparison.is_(True))
        .distinct()
        .order_by(Publication.year.desc())
    )
    return [int(y) for y in db.scalars(query).all()]
