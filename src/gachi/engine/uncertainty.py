"""What a Monte-Carlo run tells: ranges of every total, how much each assumption contributes to
the spread, and the break-even value of the one that matters most. Immutable, like `Result`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Band:
    """A value and its range: the point estimate and the 5th, 50th and 95th percentiles."""

    point: float
    mean: float
    p5: float
    p50: float
    p95: float

    @classmethod
    def of(cls, point: float, draws: np.ndarray) -> Band:
        p5, p50, p95 = (float(v) for v in np.quantile(draws, QUANTILES))
        return cls(float(point), float(np.mean(draws)), p5, p50, p95)


@dataclass(frozen=True)
class Assumption:
    """One uncertain assumption, its range and its effect on the total."""

    label: str
    kind: str  # proxy | adjustment
    distribution: str
    point: float  # in the engine's units (re-based, base units; a fraction)
    p5: float
    p95: float
    used_by: tuple[str, ...]
    share: float  # first-order share of the total's variance (0–1)
    total_at_p5: float  # the total with this assumption at its P5, everything else at its value
    total_at_p95: float


@dataclass(frozen=True)
class BreakEven:
    """The value of `label` at which the total would be zero, all else as estimated."""

    label: str
    point: float
    value: float | None  # None: no value of the same sign makes the total zero
    change: float | None  # (value − point) / |point|


@dataclass(frozen=True)
class Uncertainty:
    draws: int
    seed: int
    total: Band
    by_category: Mapping[str, Band]
    by_indicator: Mapping[str, Band]
    by_period: Mapping[str, Band]
    assumptions: tuple[Assumption, ...]  # most influential first
    break_even: BreakEven | None
    interaction: float  # the share of variance no single assumption explains
    rows: Mapping[tuple[tuple[str | None, ...], str], Band] | None = None
    total_draws: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "draws": self.draws,
            "seed": self.seed,
            "quantiles": list(QUANTILES),
            "total": asdict(self.total),
            "by_category": {k: asdict(v) for k, v in self.by_category.items()},
            "by_indicator": {k: asdict(v) for k, v in self.by_indicator.items()},
            "by_period": {k: asdict(v) for k, v in self.by_period.items()},
            "assumptions": [asdict(a) for a in self.assumptions],
            "break_even": asdict(self.break_even) if self.break_even else None,
            "interaction": self.interaction,
        }
        if self.rows is not None:
            out["rows"] = [
                {"group": list(g), "indicator": i, **asdict(b)} for (g, i), b in self.rows.items()
            ]
        return out
