"""Evidence files attached to data and indicators, and the grants that let another
organisation's verifiers see them.

An evidence row names its target by the cell's lasting identity (programme, period, input
name) rather than by a data point id: a data point is deleted when its cell is cleared and
created anew when it is filled again or uploaded, and the evidence for "2024 · volunteer hours
of programme X" must survive that. The file itself lives outside the database and outside the
web root, content-addressed by its sha256 (several rows may share one file).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gachi.db.base import Base, utcnow

TARGETS = ("data_point", "indicator")
SCAN_STATUSES = ("clean", "not-scanned")  # infected files are refused, never stored


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(
            "(target = 'data_point' AND programme_id IS NOT NULL AND period IS NOT NULL"
            " AND input_name IS NOT NULL AND indicator_id IS NULL)"
            " OR (target = 'indicator' AND indicator_id IS NOT NULL AND programme_id IS NULL"
            " AND period IS NULL AND input_name IS NULL)",
            name="target",
        ),
        CheckConstraint("scan_status IN ('clean', 'not-scanned')", name="scan_status"),
        Index("ix_evidence_org_target", "organisation_id", "programme_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[str] = mapped_column(String(20))  # data_point | indicator
    # Deleting a programme deletes its evidence rows, as it deletes its data points; the files
    # they leave behind are unreferenced and harmless.
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE")
    )
    period: Mapped[int | None]
    input_name: Mapped[str | None] = mapped_column(String(64))  # DataPoint.name of the cell
    indicator_id: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))  # for display and download only
    content_type: Mapped[str] = mapped_column(String(120))  # detected from the bytes
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    scan_status: Mapped[str] = mapped_column(String(20))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceGrant(Base):
    """The granting organisation (`organisation_id`) lets the members of `verifier_org_id` list
    and download its evidence until `expires_at` (if set) or until revoked."""

    __tablename__ = "evidence_grants"
    __table_args__ = (
        CheckConstraint("verifier_org_id <> organisation_id", name="not_self"),
        Index("ix_evidence_grants_verifier", "verifier_org_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    verifier_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]  # UTC; the grant ends at this instant
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
