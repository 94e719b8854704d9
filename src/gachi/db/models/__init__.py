"""Every table, imported together so relationships resolve without import cycles.

Tenant-owned tables all carry `organisation_id` (child rows too, denormalised): every tenant
query starts from `TenantRepository.select`, which filters on it.
"""

from gachi.db.models.accounts import LoginFailure, User, WebSession
from gachi.db.models.audit import AuditEntry
from gachi.db.models.evidence import Evidence, EvidenceGrant
from gachi.db.models.measurement import (
    CustomIndicator,
    DataPoint,
    Programme,
    ProgrammeIndicator,
    Upload,
)
from gachi.db.models.organisations import Membership, Organisation
from gachi.db.models.publications import Publication, PublishingProfile
from gachi.db.models.runs import Run, RunValue
from gachi.db.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CustomIndicator",
    "DataPoint",
    "Evidence",
    "EvidenceGrant",
    "LoginFailure",
    "Membership",
    "Organisation",
    "Programme",
    "ProgrammeIndicator",
    "Publication",
    "PublishingProfile",
    "Run",
    "RunValue",
    "Upload",
    "User",
    "WebSession",
]
