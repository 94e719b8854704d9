"""An organisation's own indicators: YAML definitions in the shipped format, checked against the
shipped catalogue and the organisation's other own indicators before they are saved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from gachi.config import Settings
from gachi.db.models import CustomIndicator, User
from gachi.db.tenancy import TenantRepository
from gachi.domains.programmes import service
from gachi.domains.programmes.catalogue import Checked, check_definition
from gachi.errors import CatalogInvalid, Conflict, InvalidInput

# Shown in the "new" form so people see the shape: valid against the shipped catalogue.
EXAMPLE = """\
id: mentoring_hours
version: 1
name:
  ko: 청소년 멘토링
  en: Youth mentoring
description:
  ko: 임직원이 지역 청소년에게 한 멘토링 시간을 시간당 임금으로 환산합니다
  en: Hours of mentoring given by staff to local young people, valued at an hourly wage
frameworks:
  sk: social_contribution
  sdg: ["4.4"]
inputs:
  - name: mentoring_hours
    unit: hour
    description: {ko: 멘토링 시간, en: Mentoring hours}
proxies:
  - name: hourly_wage
    value: 25156
    unit: KRW/hour
    currency: KRW
    base_year: 2024
    source:
      title: 고용형태별근로실태조사 — 전체 근로자 시간당 임금총액
      publisher: 고용노동부
      year: 2025
    licence: facts-only
formula: mentoring_hours * hourly_wage
"""


class DefinitionInvalid(InvalidInput):
    """A definition that does not check; `checked` has every issue with its position."""

    checked: Checked

    @classmethod
    def of_checked(cls, checked: Checked) -> DefinitionInvalid:
        err = cls.of(checked.issues)
        assert isinstance(err, DefinitionInvalid)
        err.checked = checked
        return err


def own_indicators(repo: TenantRepository) -> Sequence[CustomIndicator]:
    query = repo.select(CustomIndicator).order_by(CustomIndicator.indicator_id)
    return repo.db.scalars(query).all()


def own_indicator(repo: TenantRepository, custom_id: object) -> CustomIndicator:
    return repo.get(CustomIndicator, custom_id, "indicator")


def check_own(
    repo: TenantRepository,
    settings: Settings,
    text: str,
    editing: CustomIndicator | None = None,
) -> Checked:
    """Check `text` as an own indicator of this organisation (replacing `editing`, if given)."""
    others = [
        (row.indicator_id, row.definition)
        for row in own_indicators(repo)
        if editing is None or row.id != editing.id
    ]
    return check_definition(Path(settings.catalog_dir), text, others)


def _checked_spec(checked: Checked) -> str:
    if not checked.ok or checked.spec is None:
        raise DefinitionInvalid.of_checked(checked)
    return checked.spec.id


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def create_own(
    repo: TenantRepository, settings: Settings, user: User, text: str
) -> CustomIndicator:
    text = _clean(text)
    ident = _checked_spec(check_own(repo, settings, text))
    try:
        row = repo.add(CustomIndicator(indicator_id=ident, definition=text))
    except IntegrityError:  # someone saved the same id a moment ago
        raise Conflict("indicator.id-taken", field="definition", id=ident) from None
    service.audit_change(repo, user, "custom_indicator", ident, "create", None, _snapshot(row))
    return row


def update_own(
    repo: TenantRepository,
    settings: Settings,
    user: User,
    row: CustomIndicator,
    text: str,
    version: int | None,
) -> CustomIndicator:
    """Save a new definition if nobody changed it since `version` (else `Conflict`). A changed
    id carries the programmes that chose the indicator along."""
    if version is None:
        raise InvalidInput("programme.version-missing", field="version")
    if row.version_id != version:
        raise service.stale("indicator")
    text = _clean(text)
    ident = _checked_spec(check_own(repo, settings, text, editing=row))
    before = _snapshot(row)
    old = row.indicator_id
    row.indicator_id = ident
    row.definition = text
    try:
        repo.db.flush()
    except StaleDataError:
        raise service.stale("indicator") from None
    except IntegrityError:
        raise Conflict("indicator.id-taken", field="definition", id=ident) from None
    if old != ident:
        service.rename_choices(repo, user, old, ident)
    service.audit_change(repo, user, "custom_indicator", ident, "update", before, _snapshot(row))
    return row


def delete_own(
    repo: TenantRepository,
    settings: Settings,
    user: User,
    row: CustomIndicator,
    version: int | None = None,
) -> None:
    """Delete an own indicator nothing uses: no programme chose it, no indicator builds on it."""
    if version is not None and row.version_id != version:
        raise service.stale("indicator")
    users = service.programmes_using(repo, row.indicator_id)
    if users:
        names = ", ".join(p.name for p in users)
        raise Conflict("indicator.in-use", id=row.indicator_id, programmes=names)
    try:
        catalog = service.org_catalog(repo, settings)
    except CatalogInvalid:
        catalog = None  # already broken: deleting may be how the organisation mends it
    if catalog is not None:
        needing = [e.id for e in catalog.entries.values() if row.indicator_id in e.depends_on]
        if needing:
            raise Conflict("indicator.needed-by", id=row.indicator_id, others=", ".join(needing))
    before = _snapshot(row)
    repo.db.delete(row)
    try:
        repo.db.flush()
    except StaleDataError:
        raise service.stale("indicator") from None
    service.audit_change(
        repo, user, "custom_indicator", before["indicator_id"], "delete", before, None
    )


def _snapshot(row: CustomIndicator) -> dict[str, object]:
    return {"indicator_id": row.indicator_id, "definition": row.definition}
