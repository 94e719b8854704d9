"""Programmes and indicators as the JSON API shows and accepts them.

Request bodies take every field as optional: the service checks them and names each wrong field
in Korean or English, rather than a generic validation error.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from gachi.db.models import CustomIndicator, Programme
from gachi.domains.programmes.catalogue import Checked
from gachi.engine.catalog import Entry
from gachi.errors import Issue
from gachi.kernel.i18n import Lang


class ProgrammeIn(BaseModel):
    name: str = ""
    kind: str = "programme"
    description: str = ""


class ProgrammePatch(BaseModel):
    """Only the fields given change; `version` is the one read (optimistic locking)."""

    version: int | None = None
    name: str | None = None
    kind: str | None = None
    description: str | None = None


class ProgrammeOut(BaseModel):
    id: int
    name: str
    kind: str
    description: str
    version: int
    indicators: list[str]

    @classmethod
    def of(cls, row: Programme, indicators: list[str]) -> ProgrammeOut:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            description=row.description,
            version=row.version_id,
            indicators=indicators,
        )


class InputOut(BaseModel):
    name: str
    unit: str
    label: str
    indicator_ids: list[str]


class ProgrammeDetail(ProgrammeOut):
    inputs: list[InputOut]


class ChoiceIn(BaseModel):
    indicator_id: str = ""


class DefinitionIn(BaseModel):
    definition: str = ""
    version: int | None = None
    custom_id: int | None = None  # checking an edit: the own indicator it replaces


class IssueOut(BaseModel):
    code: str
    message: str
    line: int | None = None
    column: int | None = None
    length: int = 1
    field: str | None = None
    excerpt: str | None = None
    indicator: str | None = None  # set when the issue is in another indicator of the catalogue


class CheckOut(BaseModel):
    ok: bool
    issues: list[IssueOut]


def issue_out(issue: Issue, lang: Lang, other: str | None = None) -> IssueOut:
    where = issue.where
    return IssueOut(
        code=issue.code,
        message=issue.message(lang),
        line=where.line if where else None,
        column=where.col if where else None,
        length=where.length if where else 1,
        field=where.field if where else None,
        excerpt=where.caret() if where else None,
        indicator=other,
    )


def check_out(checked: Checked, lang: Lang) -> CheckOut:
    return CheckOut(
        ok=checked.ok,
        issues=[issue_out(i, lang, checked.other(n)) for n, i in enumerate(checked.issues)],
    )


class ProxyOut(BaseModel):
    name: str
    value: float
    unit: str
    base_year: int
    source: dict[str, Any]
    licence: str


class IndicatorOut(BaseModel):
    id: str
    version: int
    own: bool
    custom_id: int | None = None
    name: str
    description: str
    category: str
    unit: str
    formula: str
    inputs: list[dict[str, Any]]
    proxies: list[ProxyOut]
    depends_on: list[str]

    @classmethod
    def of(cls, entry: Entry, lang: Lang, custom: CustomIndicator | None = None) -> IndicatorOut:
        spec = entry.spec
        return cls(
            id=spec.id,
            version=spec.version,
            own=custom is not None,
            custom_id=custom.id if custom else None,
            name=spec.name.get(lang),
            description=spec.description.get(lang),
            category=spec.frameworks.sk.value,
            unit=spec.unit,
            formula=spec.formula,
            inputs=[
                {
                    "name": i.name,
                    "column": i.source_column,
                    "unit": i.unit,
                    "description": i.description.get(lang),
                }
                for i in spec.inputs
            ],
            proxies=[
                ProxyOut(
                    name=p.name,
                    value=p.value,
                    unit=p.unit,
                    base_year=p.base_year,
                    source=p.source.model_dump(mode="json", exclude_none=True),
                    licence=p.licence,
                )
                for p in spec.proxies
            ],
            depends_on=list(entry.depends_on),
        )


class OwnOut(BaseModel):
    id: int
    indicator_id: str
    definition: str
    version: int

    @classmethod
    def of(cls, row: CustomIndicator) -> OwnOut:
        return cls(
            id=row.id,
            indicator_id=row.indicator_id,
            definition=row.definition,
            version=row.version_id,
        )
