"""Measurement runs with their lineage, and the values they produced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gachi.db.base import Base, utcnow

# The statuses of a run still to finish: at most one per organisation (the index below).
ACTIVE_STATUSES = ("queued", "running")
_ACTIVE = text("status IN ('queued', 'running')")


class Run(Base):
    """One measurement of an organisation's data. `number` counts the organisation's runs from
    1 (what people see: 측정 #3); `id` is global and stays in addresses."""

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("organisation_id", "number"),
        # One active run per organisation, kept by the database itself: two starts at the same
        # moment cannot both queue one.
        Index(
            "uq_runs_one_active",
            "organisation_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued|running|done|failed
    stage: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    draws: Mapped[int | None]
    seed: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Lineage: what exactly was computed.
    plan_fingerprint: Mapped[str | None] = mapped_column(String(64))
    data_version: Mapped[str | None] = mapped_column(String(64))
    indicator_versions: Mapped[dict[str, Any] | None]  # id -> {version, spec_hash}
    summary: Mapped[dict[str, Any] | None]  # totals, by category, by year, ranges, charts
    error: Mapped[dict[str, Any] | None]  # {code, params} of the failure


class RunValue(Base):
    """One indicator's value for one programme and period of a run, with its range if drawn."""

    __tablename__ = "run_values"
    __table_args__ = (Index("ix_run_values_run_programme", "run_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="SET NULL")
    )
    programme: Mapped[str] = mapped_column(String(200))
    period: Mapped[int]
    indicator_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Float)
    records: Mapped[int] = mapped_column(default=0)
    p5: Mapped[float | None] = mapped_column(Float)
    p50: Mapped[float | None] = mapped_column(Float)
    p95: Mapped[float | None] = mapped_column(Float)
