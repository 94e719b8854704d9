"""Runs, their values and the dashboard as the JSON API shows and accepts them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from gachi.db.models import Run, RunValue
from gachi.domains.listing import Page
from gachi.kernel.i18n import Lang, t


class RunIn(BaseModel):
    draws: int | None = Field(None, description="Monte-Carlo draws: 0 (none), 1000 or 10000")
    seed: int | None = Field(None, description="Seed of the draws (default 1)")


class ProblemOut(BaseModel):
    code: str
    message: str


class IndicatorVersionOut(BaseModel):
    version: int
    spec_hash: str


class LineageOut(BaseModel):
    plan_fingerprint: str | None
    data_version: str | None
    seed: int
    draws: int
    indicators: dict[str, IndicatorVersionOut]


class BandOut(BaseModel):
    p5: float
    p50: float
    p95: float


class RunOut(BaseModel):
    id: int = Field(description="The run's id, in its addresses")
    number: int = Field(description="The organisation's own count of its runs, from 1 (측정 #1)")
    status: str
    stage: str
    progress: float
    draws: int
    seed: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    total: float | None = None
    total_band: BandOut | None = None
    lineage: LineageOut | None = None
    error: ProblemOut | None = None
    issues: list[ProblemOut] = Field(default_factory=list)
    url: str

    @classmethod
    def of(
        cls, run: Run, lang: Lang, *, total: float | None = None, detail: bool = False
    ) -> RunOut:
        error = run.error or None
        problems = problems_of(error, lang)
        out = cls(
            id=run.id,
            number=run.number,
            status=run.status,
            stage=run.stage,
            progress=run.progress,
            draws=run.draws or 0,
            seed=run.seed,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            total=total,
            error=problems[0] if problems else None,
            issues=problems,
            url=f"/orgs/{run.organisation_id}/runs/{run.id}",
        )
        if detail:
            summary = run.summary or {}
            band = summary.get("total_band")
            out.total = summary.get("total")
            out.total_band = BandOut(**{k: band[k] for k in ("p5", "p50", "p95")}) if band else None
            if run.status == "done":
                out.lineage = LineageOut(
                    plan_fingerprint=run.plan_fingerprint,
                    data_version=run.data_version,
                    seed=run.seed,
                    draws=run.draws or 0,
                    indicators={
                        i: IndicatorVersionOut(version=v["version"], spec_hash=v["spec_hash"])
                        for i, v in (run.indicator_versions or {}).items()
                    },
                )
        return out


def problems_of(error: dict[str, Any] | None, lang: Lang) -> list[ProblemOut]:
    """A stored failure's issues as messages in `lang`."""
    if not error:
        return []
    issues = error.get("issues") or [error]
    return [
        ProblemOut(code=i["code"], message=t(i["code"], lang, **(i.get("params") or {})))
        for i in issues
    ]


RunPage = Page[RunOut]


class RunValueOut(BaseModel):
    programme_id: int | None
    programme: str
    period: int
    indicator: str
    category: str
    value: float | None
    records: int
    p5: float | None
    p50: float | None
    p95: float | None

    @classmethod
    def of(cls, row: RunValue) -> RunValueOut:
        return cls(
            programme_id=row.programme_id,
            programme=row.programme,
            period=row.period,
            indicator=row.indicator_id,
            category=row.category,
            value=row.value,
            records=row.records,
            p5=row.p5,
            p50=row.p50,
            p95=row.p95,
        )


RunValuePage = Page[RunValueOut]


class DashboardOut(BaseModel):
    """The dashboard's numbers; `run` is null (and the rest empty) before any run succeeded."""

    run: RunOut | None
    numbers: dict[str, Any] | None
