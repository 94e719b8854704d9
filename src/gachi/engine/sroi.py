"""Social return on investment (SROI): the value-map arithmetic of the SROI Guide.

The Guide (Cabinet Office / SROI Network, "A guide to Social Return on Investment", 2012) builds
a value map: for each stakeholder, the outcomes they experience, how many of them (quantity), what
one unit is worth (a financial proxy), and four adjustments that keep the claim honest —
deadweight (what would have happened anyway), displacement (value merely moved from elsewhere),
attribution (the share due to other people) and drop-off (how much the outcome fades each year
after the first). The adjustments are *multiplied*: each one removes its share of what is left
after the previous one, so 20% deadweight and 30% attribution leave 0.8 × 0.7 = 56%, not 50%.

Impacts are projected over each outcome's duration, discounted to a present value, totalled and
compared with the investment. Everything here is pure: values in, an immutable `SroiResult` out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from gachi.engine.sroi_checks import (
    check_currency,
    check_fraction,
    check_number,
    check_ranges,
    check_text,
    label,
    place,
    shown,
    whole_years,
)
from gachi.errors import InvalidInput, Issue, Location
from gachi.kernel.units import CURRENCIES

GREEN_BOOK_RATE = 0.035
"""The UK Treasury Green Book discount rate the Guide's worked example uses."""

FRACTIONS = ("deadweight", "displacement", "attribution", "drop_off")
UNCERTAIN = ("quantity", "proxy", *FRACTIONS)
MAX_DURATION = 50
"""The longest an outcome may last, in years (the indicator catalogue's cap too)."""
MAX_OUTCOME_START = 10
"""The latest an outcome may start, in years after the activity year (as in the catalogue)."""


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One row of a value map: a change for one stakeholder, counted, valued and adjusted.

    `proxy` is money per unit of `quantity` (negative for a harm). The four adjustments are
    fractions 0..1 (0.25 is 25%). The outcome lasts `duration` whole years (1 to 50) and starts
    `outcome_start` years after the activity year (0 to 10; 0: in the activity year itself).
    `places` tells, per field name, where the value was read; errors point there.
    Constructing an invalid outcome raises `InvalidInput` listing every problem at once.
    """

    stakeholder: str
    outcome: str
    quantity: float
    proxy: float
    indicator: str | None = None
    proxy_description: str | None = None
    proxy_source: str | None = None
    currency: str = "KRW"
    deadweight: float = 0.0
    displacement: float = 0.0
    attribution: float = 0.0
    drop_off: float = 0.0
    duration: int = 1
    outcome_start: int = 0
    # Optional ranges (low, high) around the estimate, drawn as triangular distributions.
    quantity_low: float | None = None
    quantity_high: float | None = None
    proxy_low: float | None = None
    proxy_high: float | None = None
    deadweight_low: float | None = None
    deadweight_high: float | None = None
    displacement_low: float | None = None
    displacement_high: float | None = None
    attribution_low: float | None = None
    attribution_high: float | None = None
    drop_off_low: float | None = None
    drop_off_high: float | None = None
    places: Mapping[str, Location] = field(default_factory=dict, compare=False, repr=False)

    def ranges(self) -> dict[str, tuple[float, float, float]]:
        """(low, estimate, high) of every field given a range."""
        out = {}
        for name in UNCERTAIN:
            low, high = getattr(self, f"{name}_low"), getattr(self, f"{name}_high")
            if low is not None and high is not None:
                out[name] = (float(low), float(getattr(self, name)), float(high))
        return out

    def __post_init__(self) -> None:
        object.__setattr__(self, "places", MappingProxyType(dict(self.places)))
        issues: list[Issue] = []
        check_ranges(self, issues)
        for name in ("stakeholder", "outcome"):
            check_text(getattr(self, name), name, self.places, issues)
        check_number(self.quantity, "quantity", self.places, issues, minimum=0.0)
        check_number(self.proxy, "proxy", self.places, issues)
        for name in FRACTIONS:
            check_fraction(getattr(self, name), name, self.places, issues)
        check_currency(self.currency, "currency", self.places, issues)
        duration = whole_years(
            self.duration, "duration", self.places, issues, "sroi.duration", 1, MAX_DURATION
        )
        start = whole_years(
            self.outcome_start,
            "outcome_start",
            self.places,
            issues,
            "sroi.outcome-start",
            0,
            MAX_OUTCOME_START,
        )
        if issues:
            raise InvalidInput.of(issues)
        object.__setattr__(self, "duration", duration)
        object.__setattr__(self, "outcome_start", start)


@dataclass(frozen=True, kw_only=True)
class ValueMap:
    """A whole value map: the outcomes, what was invested and how the future is discounted.

    `investment` is one amount or a sequence of inputs that are summed. With
    `discount_first_year` (the Guide's convention) year t of the projection is divided by
    (1 + r)^t, so even the first year is discounted one period; without it, by (1 + r)^(t−1).
    """

    name: str
    outcomes: tuple[Outcome, ...]
    currency: str = "KRW"
    investment: float | tuple[float, ...] = 0.0
    discount_rate: float = GREEN_BOOK_RATE
    discount_first_year: bool = True
    places: Mapping[str, Location] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "places", MappingProxyType(dict(self.places)))
        if isinstance(self.outcomes, Sequence) and not isinstance(self.outcomes, str):
            object.__setattr__(self, "outcomes", tuple(self.outcomes))
        if isinstance(self.investment, Sequence) and not isinstance(self.investment, str):
            object.__setattr__(self, "investment", tuple(self.investment))
        issues: list[Issue] = []
        if not isinstance(self.name, str):
            heading = label(self.places, "name")
            issues.append(Issue("sroi.not-text", {"field": heading}, place(self.places, "name")))
        if isinstance(self.investment, tuple):
            before = len(issues)
            for i, amount in enumerate(self.investment):
                check_number(amount, f"investment[{i}]", self.places, issues, minimum=0.0)
            if len(issues) == before and not math.isfinite(_sum(self.investment)):
                where = self.places.get("investment") or place(self.places, "investment[0]")
                issues.append(Issue("sroi.investment-overflow", {}, where))
        else:
            check_number(self.investment, "investment", self.places, issues, minimum=0.0)
        check_fraction(self.discount_rate, "discount_rate", self.places, issues)
        if not isinstance(self.discount_first_year, bool):
            issues.append(
                Issue(
                    "sroi.not-bool",
                    {
                        "field": label(self.places, "discount_first_year"),
                        "value": str(self.discount_first_year),
                    },
                    place(self.places, "discount_first_year"),
                )
            )
        check_currency(self.currency, "currency", self.places, issues)
        if not isinstance(self.outcomes, tuple) or not self.outcomes:
            issues.append(Issue("sroi.no-outcomes", {}, place(self.places, "outcomes")))
        else:
            for i, o in enumerate(self.outcomes):
                if not isinstance(o, Outcome):
                    issues.append(
                        Issue(
                            "sroi.not-outcome",
                            {"field": f"outcomes[{i}]"},
                            place(self.places, "outcomes"),
                        )
                    )
                elif o.currency != self.currency and self.currency in CURRENCIES:
                    issues.append(
                        Issue(
                            "sroi.currency-mismatch",
                            {
                                "outcome": o.outcome,
                                "outcome_currency": o.currency,
                                "currency": self.currency,
                            },
                            place(o.places, "currency"),
                        )
                    )
        if issues:
            raise InvalidInput.of(issues)

    @property
    def total_investment(self) -> float:
        if isinstance(self.investment, tuple):
            return _sum(self.investment)
        return float(self.investment)


@dataclass(frozen=True)
class OutcomeValue:
    """What one outcome is worth: the year-1 impact, the impact in each project year, its PV.

    `impact_by_year[k]` is project year k + 1; the outcome's own first year is project year
    `first_year` (1 + its `outcome_start`), and the entries before it are 0.
    """

    stakeholder: str
    outcome: str
    indicator: str | None
    first_year: int
    year_one_impact: float
    impact_by_year: tuple[float, ...]
    present_value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "stakeholder": self.stakeholder,
            "outcome": self.outcome,
            "indicator": self.indicator,
            "first_year": self.first_year,
            "year_one_impact": self.year_one_impact,
            "impact_by_year": list(self.impact_by_year),
            "present_value": self.present_value,
        }


@dataclass(frozen=True)
class SroiResult:
    """The outcome of `compute`: per-outcome values, totals, the ratio and break-even points.

    A figure that cannot be computed is None, and `notes` (issues of severity "info") says why.
    """

    name: str
    currency: str
    discount_rate: float
    discount_first_year: bool
    outcomes: tuple[OutcomeValue, ...]
    impact_by_year: tuple[float, ...]
    total_present_value: float
    investment: float
    net_present_value: float
    sroi_ratio: float | None
    payback_months: float | None
    break_even_success_rate: float | None
    break_even_attribution: float | None
    notes: tuple[Issue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "currency": self.currency,
            "discount_rate": self.discount_rate,
            "discount_first_year": self.discount_first_year,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "impact_by_year": list(self.impact_by_year),
            "total_present_value": self.total_present_value,
            "investment": self.investment,
            "net_present_value": self.net_present_value,
            "sroi_ratio": self.sroi_ratio,
            "payback_months": self.payback_months,
            "break_even_success_rate": self.break_even_success_rate,
            "break_even_attribution": self.break_even_attribution,
            "notes": [n.to_dict() for n in self.notes],
        }


# --- arithmetic ------------------------------------------------------------------------------


def impact_by_year(outcome: Outcome, *, attribution: float | None = None) -> tuple[float, ...]:
    """The outcome's impact in each project year, from year 1 to its last year.

    Year 1 of the outcome is quantity × proxy × (1 − deadweight)(1 − displacement)
    (1 − attribution); each later year keeps (1 − drop_off) of the year before. The series is
    shifted by `outcome_start` years of zeros. `attribution` replaces the outcome's own.
    """
    kept = 1.0 - (outcome.attribution if attribution is None else attribution)
    value = (
        outcome.quantity
        * outcome.proxy
        * (1.0 - outcome.deadweight)
        * (1.0 - outcome.displacement)
        * kept
    )
    years = [0.0] * outcome.outcome_start
    for _ in range(outcome.duration):
        years.append(value + 0.0)  # + 0.0 turns a harm faded to -0.0 into 0.0
        value *= 1.0 - outcome.drop_off
    return tuple(years)


def present_value(
    impacts: Sequence[float], rate: float, *, discount_first_year: bool = True
) -> float:
    """Σ impact_t / (1 + rate)^t over project years t = 1.. (t − 1 without first-year discount).

    ±inf or NaN, not an exception, when the impacts are too large for a float sum.
    """
    shift = 0 if discount_first_year else 1
    return _sum(v / (1.0 + rate) ** (t - shift) for t, v in enumerate(impacts, start=1))


def payback_months(yearly_impact: Sequence[float], investment: float) -> float | None:
    """Months until the cumulative undiscounted impact first reaches the investment.

    Within a year the impact is taken to accrue evenly, so the crossing is interpolated
    linearly: with a constant annual impact A that pays back inside the projection this is
    investment ÷ (A / 12), the Guide's payback formula. Unlike that formula it also handles
    impacts that fade, start late or end. None when the projection never reaches the
    investment; 0 when nothing was invested.
    """
    if investment <= 0:
        return 0.0
    cumulative = 0.0
    for year, value in enumerate(yearly_impact):
        if value > 0 and cumulative + value >= investment:
            return 12.0 * (year + (investment - cumulative) / value)
        cumulative += value
    return None


def compute(value_map: ValueMap) -> SroiResult:
    """Value every outcome, total the present values and derive ratio, payback and break-even.

    Every figure of the result is finite: an outcome whose values overflow the float range, or
    whose adding overflows a total, raises `InvalidInput` naming it.
    """
    vm = value_map
    rate, first = vm.discount_rate, vm.discount_first_year
    rows: list[OutcomeValue] = []
    # PV is linear in (1 − a) when one attribution a replaces every outcome's own, so the PV
    # with a = 0 gives the break-even attribution exactly: (1 − a)·PV₀ = investment.
    free: list[float] = []
    undiscounted: list[float] = []
    issues: list[Issue] = []
    for i, o in enumerate(vm.outcomes):
        impacts = impact_by_year(o)
        pv = present_value(impacts, rate, discount_first_year=first)
        pv_free = present_value(impact_by_year(o, attribution=0.0), rate, discount_first_year=first)
        plain = _sum(impacts)
        if not all(math.isfinite(v) for v in (*impacts, pv, pv_free, plain)):
            issues.append(_overflow("sroi.overflow", o, i))
        rows.append(
            OutcomeValue(
                o.stakeholder,
                o.outcome,
                o.indicator,
                o.outcome_start + 1,
                impacts[o.outcome_start],
                impacts,
                pv,
            )
        )
        free.append(pv_free)
        undiscounted.append(plain)
    if issues:
        raise InvalidInput.of(issues)
    horizon = max(len(r.impact_by_year) for r in rows)
    yearly = tuple(
        _total(
            vm, [(i, r.impact_by_year[y]) for i, r in enumerate(rows) if y < len(r.impact_by_year)]
        )
        + 0.0
        for y in range(horizon)
    )
    _total(vm, list(enumerate(undiscounted)))  # bounds every running total of `yearly`
    total = _total(vm, [(i, r.present_value) for i, r in enumerate(rows)])
    pv_free = _total(vm, list(enumerate(free)))
    investment = vm.total_investment
    notes: list[Issue] = []

    ratio: float | None = None
    if investment > 0:
        ratio = total / investment
    else:
        notes.append(_note("sroi.note.no-investment"))

    payback = payback_months(yearly, investment)
    if payback is None:
        notes.append(_note("sroi.note.no-payback", years=horizon))

    success = _break_even_success(total, investment, notes)
    attribution = _break_even_attribution(pv_free, investment, notes)

    result = SroiResult(
        name=vm.name,
        currency=vm.currency,
        discount_rate=rate,
        discount_first_year=first,
        outcomes=tuple(rows),
        impact_by_year=yearly,
        total_present_value=total,
        investment=investment,
        net_present_value=total - investment,
        sroi_ratio=ratio,
        payback_months=payback,
        break_even_success_rate=success,
        break_even_attribution=attribution,
        notes=tuple(notes),
    )
    _check_finite(result, vm)
    return result


def _sum(values: Iterable[float]) -> float:
    """Σ values, exactly rounded; ±inf or NaN (not an exception) when it leaves the float range."""
    values = list(values)
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):  # an intermediate overflow, or inf − inf
        return sum(values, 0.0) if all(math.isfinite(v) for v in values) else math.nan


def _total(vm: ValueMap, terms: list[tuple[int, float]]) -> float:
    """Σ of per-outcome terms; raises naming the first outcome whose adding overflows."""
    total = _sum(v for _, v in terms)
    if math.isfinite(total):
        return total
    culprit = next(
        (k for k in range(1, len(terms)) if not math.isfinite(_sum(v for _, v in terms[: k + 1]))),
        len(terms) - 1,
    )
    i = terms[culprit][0]
    raise InvalidInput.of([_overflow("sroi.total-overflow", vm.outcomes[i], i)])


def _overflow(code: str, o: Outcome, i: int) -> Issue:
    where = o.places.get("outcome") or o.places.get("quantity") or Location(field=f"outcomes[{i}]")
    return Issue(code, {"outcome": o.outcome, "stakeholder": o.stakeholder}, where)


def _check_finite(result: SroiResult, vm: ValueMap) -> None:
    """Refuse a result with an infinite or NaN figure (a ratio of a huge PV to a tiny input)."""
    figures = {
        "total_present_value": result.total_present_value,
        "investment": result.investment,
        "net_present_value": result.net_present_value,
        "sroi_ratio": result.sroi_ratio,
        "payback_months": result.payback_months,
        "break_even_success_rate": result.break_even_success_rate,
        "break_even_attribution": result.break_even_attribution,
    }
    bad = [
        name for name, value in figures.items() if value is not None and not math.isfinite(value)
    ]
    if bad:
        raise InvalidInput(
            "sroi.result-overflow",
            where=place(vm.places, "investment"),
            figure=", ".join(bad),
            total=shown(result.total_present_value),
            investment=shown(result.investment),
        )


def _break_even_success(total: float, investment: float, notes: list[Issue]) -> float | None:
    # Every quantity scaled by s scales the PV by s, so s* = investment / PV.
    if investment <= 0:
        return None
    if total <= 0:
        notes.append(_note("sroi.note.success-impossible"))
        return None
    rate = investment / total
    if rate > 1.0:
        percent = rate * 100
        shown = f"{percent:,.1f}" if percent < 1e15 else f"{percent:.3g}".replace("inf", "∞")
        notes.append(_note("sroi.note.success-above-one", percent=shown))
        return None
    return rate


def _break_even_attribution(pv_free: float, investment: float, notes: list[Issue]) -> float | None:
    if investment <= 0:
        return None
    if pv_free <= 0:
        notes.append(_note("sroi.note.attribution-impossible"))
        return None
    share = 1.0 - investment / pv_free
    if share < 0.0:
        notes.append(
            _note("sroi.note.attribution-zero-not-enough", ratio=f"{pv_free / investment:.2f}")
        )
        return None
    return share


def _note(code: str, **params: Any) -> Issue:
    return Issue(code, params, severity="info")
