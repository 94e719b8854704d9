"""Programmes, the indicators chosen for them, and the organisation's catalogue.

Other domains call `programmes`, `chosen_indicators`, `org_catalog` and `programme_inputs`; the
data and measurement domains build on them. Services flush; the request commits once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from gachi.config import Settings
from gachi.db.models import CustomIndicator, Programme, ProgrammeIndicator, User
from gachi.db.tenancy import TenantRepository
from gachi.domains.audit.service import record, snapshot
from gachi.domains.programmes.catalogue import build_catalog
from gachi.engine.catalog import Catalog
from gachi.engine.expr.nodes import names
from gachi.errors import Conflict, InvalidInput, Issue, NotFound
from gachi.kernel.i18n import t
from gachi.kernel.text import hidden_issue, normalised, shows_nothing

KINDS = ("programme", "product", "activity")
FIELDS = ("name", "kind", "description")
MAX_NAME = 200
MAX_DESCRIPTION = 5000


@dataclass(frozen=True)
class InputField:
    """One input column a programme's data needs: its data column name (what a `DataPoint.name`
    holds), unit, labels, and the indicators whose formulas read it."""

    name: str
    unit: str
    label_ko: str
    label_en: str
    indicator_ids: tuple[str, ...]
    allow_negative: bool = False

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_ko


@dataclass(frozen=True)
class ProgrammeForm:
    """What a person fills in about a programme, as typed."""

    name: str
    kind: str = "programme"
    description: str = ""


def stale(kind: str) -> Conflict:
    """The optimistic-lock conflict, naming the thing in the words of the current language."""
    return Conflict("conflict.stale", kind=t(f"{kind}.noun"))


# ---------------------------------------------------------------------- reading (for others)


def programmes(repo: TenantRepository) -> Sequence[Programme]:
    """The organisation's programmes, by name."""
    query = repo.select(Programme).order_by(Programme.name, Programme.id)
    return repo.db.scalars(query).all()


def programme_page(
    repo: TenantRepository, *, kind: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[Sequence[Programme], int]:
    """A page of the organisation's programmes (of one `kind`, if given), by name, and how many
    there are in all."""
    query = repo.select(Programme)
    if kind is not None:
        query = query.where(Programme.kind == kind)
    total = repo.db.scalar(query.with_only_columns(func.count(Programme.id))) or 0
    rows = repo.db.scalars(
        query.order_by(Programme.name, Programme.id).limit(limit).offset(offset)
    ).all()
    return rows, total


def programme(repo: TenantRepository, programme_id: object) -> Programme:
    """The programme `programme_id` of this organisation, or `NotFound`."""
    return repo.get(Programme, programme_id, "programme")


def chosen_indicators(repo: TenantRepository) -> dict[int, list[str]]:
    """Programme id → the indicator ids chosen for it, in the order chosen (every programme of
    the organisation is a key, with `[]` when nothing is chosen yet)."""
    out: dict[int, list[str]] = {p.id: [] for p in programmes(repo)}
    query = repo.select(ProgrammeIndicator).order_by(ProgrammeIndicator.id)
    for row in repo.db.scalars(query):
        out.setdefault(row.programme_id, []).append(row.indicator_id)
    return out


def chosen_for(repo: TenantRepository, programme_id: int) -> list[str]:
    query = (
        repo.select(ProgrammeIndicator)
        .where(ProgrammeIndicator.programme_id == programme_id)
        .order_by(ProgrammeIndicator.id)
    )
    return [row.indicator_id for row in repo.db.scalars(query)]


def own_definitions(repo: TenantRepository) -> list[tuple[str, str]]:
    """`(indicator_id, YAML text)` of the organisation's own indicators."""
    query = repo.select(CustomIndicator).order_by(CustomIndicator.indicator_id)
    return [(row.indicator_id, row.definition) for row in repo.db.scalars(query)]


def org_catalog(repo: TenantRepository, settings: Settings) -> Catalog:
    """The shipped catalogue plus the organisation's own indicators, checked by `load_catalog`
    (cached). `CatalogInvalid` if an own indicator no longer checks (each issue is located in
    `own/<indicator_id>.yaml`)."""
    return build_catalog(Path(settings.catalog_dir), own_definitions(repo))


def programme_inputs(
    repo: TenantRepository, settings: Settings, programme_id: int
) -> list[InputField]:
    """The input columns the programme's chosen indicators and everything they build on read,
    once each: in the order the indicators were chosen, dependencies first, then the order the
    inputs are declared. Chosen ids the catalogue no longer has are left out."""
    programme(repo, programme_id)  # NotFound for another organisation's programme
    catalog = org_catalog(repo, settings)
    chosen = [i for i in chosen_for(repo, programme_id) if i in catalog.entries]
    fields: dict[str, InputField] = {}
    for chosen_id in chosen:
        for ident in catalog.closure([chosen_id]):
            entry = catalog.entries[ident]
            read = {n.id for n in names(entry.formula)}
            for inp in entry.spec.inputs:
                if inp.name not in read:
                    continue  # declared but unused: the engine never reads it
                column = inp.source_column
                known = fields.get(column)
                if known is None:
                    fields[column] = InputField(
                        name=column,
                        unit=inp.unit,
                        label_ko=inp.description.ko,
                        label_en=inp.description.get("en"),
                        indicator_ids=(ident,),
                        allow_negative=inp.allow_negative,
                    )
                elif ident not in known.indicator_ids:
                    fields[column] = InputField(
                        known.name,
                        known.unit,
                        known.label_ko,
                        known.label_en,
                        (*known.indicator_ids, ident),
                        known.allow_negative and inp.allow_negative,
                    )
    return list(fields.values())


# ------------------------------------------------------------------------------- programmes


def check_form(form: ProgrammeForm) -> dict[str, str]:
    """The form's values, trimmed, or `InvalidInput` naming every wrong field at once."""
    issues: list[Issue] = []
    name = normalised(form.name)
    if hidden := hidden_issue(name, "name"):
        issues.append(hidden)
    elif not name or shows_nothing(name) or len(name) > MAX_NAME:
        issues.append(Issue("programme.name-invalid", {"field": "name", "limit": MAX_NAME}))
    if form.kind not in KINDS:
        issues.append(Issue("programme.kind-invalid", {"field": "kind", "value": form.kind}))
    description = normalised(form.description)
    if hidden := hidden_issue(description, "description", multiline=True):
        issues.append(hidden)
    elif len(description) > MAX_DESCRIPTION:
        issues.append(
            Issue(
                "programme.description-too-long", {"field": "description", "limit": MAX_DESCRIPTION}
            )
        )
    if issues:
        raise InvalidInput.of(issues)
    return {"name": name, "kind": form.kind, "description": description}


def _name_free(repo: TenantRepository, name: str, own_id: int | None) -> None:
    taken = repo.db.scalar(repo.select(Programme).where(Programme.name == name))
    if taken is not None and taken.id != own_id:
        raise Conflict("programme.name-taken", field="name", name=name)


def create_programme(repo: TenantRepository, user: User, form: ProgrammeForm) -> Programme:
    values = check_form(form)
    _name_free(repo, values["name"], None)
    try:
        row = repo.add(Programme(**values))
    except IntegrityError:  # a simultaneous create with the same name
        raise Conflict("programme.name-taken", field="name", name=values["name"]) from None
    audit_change(repo, user, "programme", row.id, "create", None, snapshot(row, FIELDS))
    return row


def update_programme(
    repo: TenantRepository, user: User, row: Programme, form: ProgrammeForm, version: int | None
) -> Programme:
    """Save the form if nobody changed the programme since `version` was read (else `Conflict`)."""
    if version is None:
        raise InvalidInput("programme.version-missing", field="version")
    if row.version_id != version:
        raise stale("programme")
    values = check_form(form)
    _name_free(repo, values["name"], row.id)
    before = snapshot(row, FIELDS)
    for key, value in values.items():
        setattr(row, key, value)
    try:
        repo.db.flush()
    except StaleDataError:  # changed between our read and our write
        raise stale("programme") from None
    except IntegrityError:
        raise Conflict("programme.name-taken", field="name", name=values["name"]) from None
    audit_change(repo, user, "programme", row.id, "update", before, snapshot(row, FIELDS))
    return row


def delete_programme(
    repo: TenantRepository, user: User, row: Programme, version: int | None = None
) -> None:
    """Delete the programme with its choices and its data (the database cascades)."""
    if version is not None and row.version_id != version:
        raise stale("programme")
    before = {**snapshot(row, FIELDS), "indicators": ", ".join(chosen_for(repo, row.id))}
    ident = row.id
    repo.db.delete(row)
    try:
        repo.db.flush()
    except StaleDataError:
        raise stale("programme") from None
    audit_change(repo, user, "programme", ident, "delete", before, None)


# -------------------------------------------------------------------------------- choosing


def choose_indicator(
    repo: TenantRepository, settings: Settings, user: User, row: Programme, indicator_id: str
) -> ProgrammeIndicator:
    """Add a shipped or own indicator to the programme (choosing it twice is refused)."""
    indicator_id = indicator_id.strip()
    if not indicator_id:
        raise InvalidInput("indicator.id-missing", field="indicator_id")
    catalog = org_catalog(repo, settings)
    if indicator_id not in catalog.entries:
        raise InvalidInput("indicator.unknown", field="indicator_id", id=indicator_id)
    if indicator_id in chosen_for(repo, row.id):
        raise Conflict("indicator.already-chosen", field="indicator_id", id=indicator_id)
    try:
        choice = repo.add(ProgrammeIndicator(programme_id=row.id, indicator_id=indicator_id))
    except IntegrityError:
        raise Conflict("indicator.already-chosen", field="indicator_id", id=indicator_id) from None
    after = {"programme": row.name, "indicator_id": indicator_id}
    audit_change(
        repo, user, "programme_indicator", f"{row.id}/{indicator_id}", "create", None, after
    )
    return choice


def remove_indicator(repo: TenantRepository, user: User, row: Programme, indicator_id: str) -> None:
    query = repo.select(ProgrammeIndicator).where(
        ProgrammeIndicator.programme_id == row.id, ProgrammeIndicator.indicator_id == indicator_id
    )
    choice = repo.db.scalar(query)
    if choice is None:
        raise NotFound("indicator", indicator_id)
    repo.db.delete(choice)
    repo.db.flush()
    before = {"programme": row.name, "indicator_id": indicator_id}
    audit_change(
        repo, user, "programme_indicator", f"{row.id}/{indicator_id}", "delete", before, None
    )


def programmes_using(repo: TenantRepository, indicator_id: str) -> list[Programme]:
    query = (
        repo.select(Programme)
        .join(ProgrammeIndicator, ProgrammeIndicator.programme_id == Programme.id)
        .where(ProgrammeIndicator.indicator_id == indicator_id)
        .order_by(Programme.name)
    )
    return list(repo.db.scalars(query))


def rename_choices(repo: TenantRepository, user: User, old: str, new: str) -> int:
    """Point every choice of `old` at `new` (an own indicator whose id changed)."""
    rows = repo.db.scalars(
        repo.select(ProgrammeIndicator).where(ProgrammeIndicator.indicator_id == old)
    ).all()
    for row in rows:
        row.indicator_id = new
    repo.db.flush()
    for row in rows:
        ident = f"{row.programme_id}/{new}"
        audit_change(
            repo, user, "programme_indicator", ident, "update", {"indicator_id": old},
            {"indicator_id": new},
        )  # fmt: skip
    return len(rows)


def audit_change(
    repo: TenantRepository,
    user: User,
    entity: str,
    entity_id: object,
    action: str,
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
) -> None:
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user.id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
    )


__all__ = [
    "KINDS",
    "InputField",
    "ProgrammeForm",
    "choose_indicator",
    "chosen_indicators",
    "create_programme",
    "delete_programme",
    "org_catalog",
    "programme",
    "programme_inputs",
    "programmes",
    "remove_indicator",
    "update_programme",
]
