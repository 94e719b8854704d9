"""An organisation's programmes, the indicators they use, its own indicators and its data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gachi.db.base import Base, utcnow


def _org() -> Mapped[int]:
    return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)


class Programme(Base):
    """A programme, product or activity whose social value is measured."""

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = _org()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="programme")  # programme|product|activity
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class ProgrammeIndicator(Base):
    """An indicator (of the shipped catalogue or the organisation's own) chosen for a programme."""

    __tablename__ = "programme_indicators"
    __table_args__ = (UniqueConstraint("programme_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = _org()
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    indicator_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomIndicator(Base):
    """An organisation's own indicator: its YAML definition, checked by the engine on save."""

    __tablename__ = "custom_indicators"
    __table_args__ = (UniqueConstraint("organisation_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = _org()
    indicator_id: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class DataPoint(Base):
    """One input value of a programme for one period (the engine's records are built from these)."""

    __tablename__ = "data_points"
    __table_args__ = (
        UniqueConstraint("programme_id", "period", "name"),
        Index("ix_data_points_org_period", "organisation_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = _org()
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[int]
    name: Mapped[str] = mapped_column(String(64))  # the indicator input it feeds
    value: Mapped[float] = mapped_column(Float)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class Upload(Base):
    """A spreadsheet that was imported (whole: an upload is all or nothing)."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = _org()
    filename: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int]
    values: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
