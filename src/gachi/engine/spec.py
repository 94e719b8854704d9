"""Indicator definitions as data: the Pydantic models behind each indicator YAML file.

The JSON Schema shipped in `library/indicator.schema.json` is generated from these models
(`gachi catalog schema`), and a test keeps it in step.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator
from pydantic_core import PydanticCustomError

from gachi.kernel.units import CURRENCIES

Ident = Annotated[str, Field(pattern=r"^[^\W\d]\w{0,63}$", description="a name usable in formulas")]
IndicatorId = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$", description="lower_snake_case, unique")
]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _Model(BaseModel):
    # No NaN or infinity anywhere in a definition: they would poison every total they touch.
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )


class Text(_Model):
    """A text in Korean and English; Korean is required, English strongly advised."""

    ko: str = Field(min_length=1)
    en: str | None = None

    def get(self, lang: str) -> str:
        return (self.en or self.ko) if lang == "en" else self.ko


class Source(_Model):
    title: str = Field(min_length=1)
    publisher: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    url: HttpUrl | None = None
    note: str | None = None


class Fixed(_Model):
    distribution: Literal["fixed"] = "fixed"


class Triangular(_Model):
    distribution: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise PydanticCustomError("spec.triangular-order", "low ≤ mode ≤ high, low < high")
        return self


class Uniform(_Model):
    distribution: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise PydanticCustomError("spec.uniform-order", "low < high")
        return self


class Normal(_Model):
    distribution: Literal["normal"]
    sd: float = Field(gt=0, description="standard deviation; the mean is the proxy value")


class LogNormal(_Model):
    distribution: Literal["lognormal"]
    gsd: float = Field(gt=1, description="geometric standard deviation; the median is the value")


Uncertainty = Annotated[
    Fixed | Triangular | Uniform | Normal | LogNormal, Field(discriminator="distribution")
]


class Input(_Model):
    name: Ident
    unit: str
    description: Text
    evidence: Text | None = Field(default=None, description="what proves the figure")
    column: str | None = Field(default=None, description="data column, if not the same as name")
    allow_negative: bool = False

    @property
    def source_column(self) -> str:
        return self.column or self.name


class Proxy(_Model):
    """A financial proxy: money per unit of outcome, with where it comes from."""

    name: Ident
    value: float
    unit: str = Field(description="e.g. KRW/tCO2e or tCO2e/MWh; a money unit names `currency`")
    currency: Literal["KRW", "USD", "EUR", "GBP", "JPY"] | None = Field(
        default=None, description="required for money proxies; absent for physical factors"
    )
    base_year: int = Field(ge=1950, le=2100)
    source: Source
    licence: str = Field(min_length=1, description="e.g. KOGL-1, CC-BY-4.0, public-domain")
    uncertainty: Uncertainty = Field(default_factory=Fixed)
    description: Text | None = None


class Baseline(_Model):
    """SK-style baseline: only the part of `input` above `reference` (a proxy) counts."""

    input: Ident
    reference: Ident = Field(description="a proxy of this indicator giving the market average")
    description: Text | None = None


class Adjustment(_Model):
    value: Fraction
    uncertainty: Uncertainty = Field(default_factory=Fixed)
    rationale: Text | None = None


class Adjustments(_Model):
    """SROI adjustments; the fractions multiply: (1−deadweight)(1−displacement)(1−attribution)."""

    deadweight: Adjustment | Fraction = 0.0
    displacement: Adjustment | Fraction = 0.0
    attribution: Adjustment | Fraction = 0.0
    drop_off: Adjustment | Fraction = 0.0
    duration: int = Field(default=1, ge=1, le=50, description="years the outcome lasts")
    outcome_start: int = Field(default=0, ge=0, le=10, description="years before it starts")

    def fraction(self, name: str) -> float:
        v = getattr(self, name)
        return v.value if isinstance(v, Adjustment) else float(v)


class SKCategory(StrEnum):
    economic_indirect = "economic_indirect"
    business_environment = "business_environment"
    business_society = "business_society"
    social_contribution = "social_contribution"


class Frameworks(_Model):
    sk: SKCategory = Field(description="SK DBL category")
    public: str | None = Field(default=None, description="public-institution evaluation category")
    sdg: tuple[Annotated[str, Field(pattern=r"^\d{1,2}(\.[0-9a-z]{1,2})?$")], ...] = ()
    iris: str | None = None


class Indicator(_Model):
    id: IndicatorId
    version: int = Field(ge=1)
    name: Text
    description: Text
    unit: Literal["KRW", "USD", "EUR", "GBP", "JPY"] = "KRW"
    frameworks: Frameworks
    inputs: tuple[Input, ...] = ()
    proxies: tuple[Proxy, ...] = ()
    baseline: Baseline | None = None
    adjustments: Adjustments = Field(default_factory=Adjustments)
    formula: str = Field(min_length=1)
    in_totals: bool = Field(
        default=True,
        description="false for an indicator built from others (a net figure), so that its value "
        "is shown but not counted twice in the totals",
    )
    tags: tuple[str, ...] = ()

    @field_validator("inputs", "proxies")
    @classmethod
    def _unique(
        cls, items: tuple[Input, ...] | tuple[Proxy, ...]
    ) -> tuple[Input, ...] | tuple[Proxy, ...]:
        seen: set[str] = set()
        for item in items:
            if item.name in seen:
                raise PydanticCustomError("spec.declared-twice", "{name}", {"name": item.name})
            seen.add(item.name)
        return items

    def spec_hash(self) -> str:
        """SHA-256 of the canonical JSON of this definition, with the formula in canonical form:
        key order, spacing and redundant brackets do not change it; a changed meaning does."""
        from gachi.engine.expr.nodes import to_text
        from gachi.engine.expr.parse import parse
        from gachi.errors import GachiError

        data = self.model_dump(mode="json")
        # An unparseable formula is hashed as written (the catalogue reports it).
        with contextlib.suppress(GachiError):
            data["formula"] = to_text(parse(self.formula))
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Settings(_Model):
    """Catalogue-wide settings, from an optional `catalog.yaml` beside the indicators."""

    report_year: int = Field(default=2024, ge=1950, le=2100)
    currency: Literal["KRW", "USD", "EUR", "GBP", "JPY"] = "KRW"
    price_index: Literal["cpi", "none"] = "cpi"
    period_column: str = Field(
        default="period",
        description="data column whose leading year carries money inputs to report-year prices",
    )
    organisation_column: str = Field(
        default="organisation",
        description="data column naming whose accounts a record is: totals are per value of it "
        "(and per period), never summed across organisations unless asked",
    )
    discount_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    exchange_rates: dict[int, dict[str, float]] | None = Field(
        default=None, description="won per unit, per year; replaces the shipped table"
    )
    exchange_rate_source: Source | None = None

    @field_validator("exchange_rates")
    @classmethod
    def _positive_rates(
        cls, table: dict[int, dict[str, float]] | None
    ) -> dict[int, dict[str, float]] | None:
        for year, row in (table or {}).items():
            for currency, rate in row.items():
                if not rate > 0:
                    raise PydanticCustomError(
                        "spec.rate-not-positive",
                        "{year} {currency}",
                        {"year": year, "currency": currency},
                    )
        return table


assert set(CURRENCIES) == {"KRW", "USD", "EUR", "GBP", "JPY"}


def indicator_schema() -> dict[str, object]:
    schema = Indicator.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "gachi indicator definition"
    return schema
