"""What a Monte-Carlo run tells: ranges of every total, how much each assumption contributes to
the spread, and the break-even value of the one that matters most. Immutable, like `Result`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from gachi.engine.scopes import Scope

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

    @property
    def outside(self) -> Side | None:
        """Where the estimate lies if outside its own 90 % range (see `outside`)."""
        return outside(self.point, self.p5, self.p95)


Side = Literal["below", "above"]


def outside(value: float | None, p5: float | None, p95: float | None) -> Side | None:
    """ "below" or "above" when an estimate lies outside its own 90 % range, beyond rounding;
    None otherwise. The one rule every page, report and command marks an estimate by.

    It happens, and is no error: the estimate is computed from each assumption's stated value,
    the range from draws of its whole distribution, and a stated value at one end of its
    distribution (a triangular proxy whose mode is its low end, a documented floor) or a
    formula that is not linear in it (an SK baseline's max) sets the two apart."""
    if value is None or p5 is None or p95 is None:
        return None
    slack = 1e-9 * max(abs(value), abs(p5), abs(p95))
    if value < p5 - slack:
        return "below"
    if value > p95 + slack:
        return "above"
    return None


def off_centre(distribution: str, value: float, spread: Mapping[str, float]) -> bool:
    """Whether an assumption's stated value lies outside the central 90 % of its own
    distribution (given as written: `low`/`mode`/`high`, `sd`, `gsd`) — the reason an estimate
    can fall outside its range."""
    low, high = spread.get("low"), spread.get("high")
    if low is None or high is None or not high > low:
        return False  # normal, log-normal (centred on the value) and fixed ones never are
    if distribution == "triangular":
        mode = spread.get("mode", value)
        c = (mode - low) / (high - low)
        q5, q95 = (
            low + math.sqrt(q * (high - low) * (mode - low))
            if q < c
            else high - math.sqrt((1 - q) * (high - low) * (high - mode))
            for q in (0.05, 0.95)
        )
    else:
        q5, q95 = low + 0.05 * (high - low), low + 0.95 * (high - low)
    return outside(value, q5, q95) is not None


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

    @property
    def off_centre(self) -> bool:
        """Whether its stated value lies outside the central 90 % of its own draws."""
        return outside(self.point, self.p5, self.p95) is not None


@dataclass(frozen=True)
class BreakEven:
    """The value of `label` at which the total would be zero, all else as estimated."""

    label: str
    point: float
    value: float | None  # None: no value of the same sign makes the total zero
    change: float | None  # (value − point) / |point|


@dataclass(frozen=True)
class ScopeRanges:
    """The ranges of one scope's sums (see `scopes`): its total, each category and indicator;
    for a scope in focus also which assumptions drive its spread and its break-even."""

    total: Band
    by_category: Mapping[str, Band]
    by_indicator: Mapping[str, Band]
    assumptions: tuple[Assumption, ...] = ()  # most influential first; () unless in focus
    break_even: BreakEven | None = None
    interaction: float | None = None  # the share no single assumption explains (in focus)

    @property
    def in_focus(self) -> bool:
        return self.interaction is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": asdict(self.total),
            "by_category": {k: asdict(v) for k, v in self.by_category.items()},
            "by_indicator": {k: asdict(v) for k, v in self.by_indicator.items()},
            "assumptions": [asdict(a) for a in self.assumptions],
            "break_even": asdict(self.break_even) if self.break_even else None,
            "interaction": self.interaction,
        }


@dataclass(frozen=True)
class Uncertainty:
    """The ranges of a measurement, per scope: `scopes[()]` is everything summed, each slice is
    one organisation's one period (see `gachi.engine.scopes`). The properties read everything."""

    draws: int
    seed: int
    scope_columns: tuple[str, ...]
    scopes: Mapping[Scope, ScopeRanges]
    rows: Mapping[tuple[tuple[str | None, ...], str], Band] | None = None
    total_draws: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

    @property
    def whole(self) -> ScopeRanges:
        return self.scopes[()]

    @property
    def total(self) -> Band:
        return self.whole.total

    @property
    def by_category(self) -> Mapping[str, Band]:
        return self.whole.by_category

    @property
    def by_indicator(self) -> Mapping[str, Band]:
        return self.whole.by_indicator

    @property
    def assumptions(self) -> tuple[Assumption, ...]:
        return self.whole.assumptions

    @property
    def break_even(self) -> BreakEven | None:
        return self.whole.break_even

    @property
    def interaction(self) -> float:
        return self.whole.interaction or 0.0

    def slices(self) -> dict[Scope, ScopeRanges]:
        """The slices (everything, when the grouping has no scope column), in reading order."""
        n = len(self.scope_columns)
        return {k: v for k, v in self.scopes.items() if len(k) == n}

    def to_dict(self, shown: Sequence[Scope] | None = None) -> dict[str, Any]:
        """The ranges as JSON, of the scopes in `shown` (default: the slices)."""
        keys = list(self.slices()) if shown is None else [k for k in shown if k in self.scopes]
        out: dict[str, Any] = {
            "draws": self.draws,
            "seed": self.seed,
            "quantiles": list(QUANTILES),
            "scope_columns": list(self.scope_columns),
            "scopes": [{"scope": dict(k), **self.scopes[k].to_dict()} for k in keys],
        }
        if self.rows is not None:
            out["rows"] = [
                {"group": list(g), "indicator": i, **asdict(b)} for (g, i), b in self.rows.items()
            ]
        return out
