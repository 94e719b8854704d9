"""Monte-Carlo over an SROI value map: each quantity, proxy or adjustment given a range (low,
high) is drawn from a triangular distribution with the estimate as its mode, all draws at once.

An outcome's present value is year-one impact × Σ_k (1 − drop-off)^k / (1 + r)^(start + k + 1 −
shift), the same arithmetic as `sroi.compute`, written over arrays of draws.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from gachi.engine.montecarlo import check_draws
from gachi.engine.parameters import Parameter
from gachi.engine.sensitivity import first_order
from gachi.engine.spec import Triangular
from gachi.engine.sroi import FRACTIONS, UNCERTAIN, Outcome, ValueMap
from gachi.engine.uncertainty import Assumption, Band


@dataclass(frozen=True)
class SroiUncertainty:
    draws: int
    seed: int
    present_value: Band
    net_present_value: Band
    ratio: Band | None  # None when nothing was invested
    assumptions: tuple[Assumption, ...]
    interaction: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _parameters(vm: ValueMap) -> list[tuple[int, str, Parameter]]:
    out = []
    for i, o in enumerate(vm.outcomes):
        for name, (low, mode, high) in o.ranges().items():
            label = f"#{i + 1} {name}"
            dist = Triangular(distribution="triangular", low=low, mode=mode, high=high)
            kind = "adjustment" if name in FRACTIONS else "proxy"
            out.append((i, name, Parameter(f"sroi:{i}:{name}", label, kind, mode, dist, "", ())))
    return out


def present_values(vm: ValueMap, values: dict[tuple[int, str], np.ndarray], n: int) -> np.ndarray:
    """Total present value for `n` columns; fields not in `values` keep their estimate."""
    shift = 0 if vm.discount_first_year else 1
    rate = vm.discount_rate
    total = np.zeros(n)
    for i, o in enumerate(vm.outcomes):
        v = {name: values.get((i, name), getattr(o, name)) for name in UNCERTAIN}
        year_one = (
            np.asarray(v["quantity"])
            * v["proxy"]
            * (1 - np.asarray(v["deadweight"]))
            * (1 - np.asarray(v["displacement"]))
            * (1 - np.asarray(v["attribution"]))
        )
        stream = sum(
            (1 - np.asarray(v["drop_off"])) ** k / (1 + rate) ** (o.outcome_start + k + 1 - shift)
            for k in range(o.duration)
        )
        total = total + year_one * stream
    return np.broadcast_to(total, (n,)).astype(float)


def simulate_sroi(vm: ValueMap, *, draws: int = 10_000, seed: int = 1) -> SroiUncertainty:
    """Ranges of the present value, net present value and ratio, with variance shares."""
    check_draws(draws, seed)
    params = _parameters(vm)
    x = {(i, name): p.draw(draws, seed) for i, name, p in params}
    pv = present_values(vm, x, draws)
    point = float(present_values(vm, {}, 1)[0])
    investment = vm.total_investment
    assumptions = []
    for i, name, p in params:
        d = x[(i, name)]
        lo, hi = (float(q) for q in np.quantile(d, (0.05, 0.95)))
        swing = present_values(vm, {(i, name): np.array([lo, hi])}, 2)
        assumptions.append(
            Assumption(
                p.label,
                p.kind,
                p.describe(),
                p.point,
                lo,
                hi,
                (f"#{i + 1} {vm.outcomes[i].outcome}",),
                0.0 if swing[0] == swing[1] else first_order(d, pv),
                float(swing[0]),
                float(swing[1]),
            )
        )
    assumptions.sort(key=lambda a: (-a.share, a.label))
    ratio = Band.of(point / investment, pv / investment) if investment > 0 else None
    return SroiUncertainty(
        draws=draws,
        seed=seed,
        present_value=Band.of(point, pv),
        net_present_value=Band.of(point - investment, pv - investment),
        ratio=ratio,
        assumptions=tuple(assumptions),
        interaction=max(0.0, 1.0 - sum(a.share for a in assumptions)),
    )


__all__ = ["Outcome", "SroiUncertainty", "present_values", "simulate_sroi"]
