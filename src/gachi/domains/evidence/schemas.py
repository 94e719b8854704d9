"""Evidence and grants as the JSON API shows them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from gachi.db.models import Evidence, EvidenceGrant
from gachi.domains.evidence.grants import expires_on, is_active
from gachi.domains.listing import Page


class EvidenceOut(BaseModel):
    id: int
    target: str = Field(description="data_point | indicator")
    programme_id: int | None
    period: int | None
    input: str | None = Field(description="The data input (column) the file supports")
    indicator_id: str | None
    label: str = Field(description="What the file is evidence for, in words")
    filename: str
    content_type: str = Field(description="Detected from the file's bytes")
    size: int
    sha256: str
    note: str
    scan_status: str = Field(description="clean | not-scanned")
    uploaded_by: int | None
    created_at: datetime
    download: str = Field(description="Where to download the file")

    @classmethod
    def of(cls, row: Evidence, label: str, download: str, *, uploader: bool = True) -> EvidenceOut:
        return cls(
            id=row.id,
            target=row.target,
            programme_id=row.programme_id,
            period=row.period,
            input=row.input_name,
            indicator_id=row.indicator_id,
            label=label,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            note=row.note,
            scan_status=row.scan_status,
            uploaded_by=row.uploaded_by if uploader else None,
            created_at=row.created_at,
            download=download,
        )


EvidencePage = Page[EvidenceOut]


class GrantIn(BaseModel):
    """`verifier`: the other organisation's business registration number, or its exact name.
    `expires_on`: the last day of access in the platform's time zone (Korea's by default); none
    for no end."""

    verifier: str = ""
    expires_on: date | None = None
    note: str = ""


class GrantOut(BaseModel):
    id: int
    verifier_org_id: int
    verifier: str
    created_at: datetime
    expires_on: date | None
    revoked_at: datetime | None
    active: bool
    note: str

    @classmethod
    def of(cls, row: EvidenceGrant, verifier: str) -> GrantOut:
        return cls(
            id=row.id,
            verifier_org_id=row.verifier_org_id,
            verifier=verifier,
            created_at=row.created_at,
            expires_on=expires_on(row),
            revoked_at=row.revoked_at,
            active=is_active(row),
            note=row.note,
        )


class GrantorOut(BaseModel):
    """An organisation that lets this one see its evidence."""

    organisation_id: int
    name: str
    expires_on: date | None
    evidence: str = Field(description="Where its evidence is listed")
