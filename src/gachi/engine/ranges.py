"""What a Monte-Carlo run tells, per scope: ranges of every total, which assumptions drive the
spread, and the break-even of the one that matters most.

`simulate(plan, dataset, draws=10_000, seed=1)` builds the model (`montecarlo`) and summarises
it for every scope — everything, each slice (an organisation's period), each organisation over its
periods, each period over the organisations (`scopes`). Ranges come for all of them, a block of
scopes at a time so that memory does not grow with their number; variance shares and break-even
come for the scopes in focus (by default each organisation's latest period) and for everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gachi.engine import montecarlo
from gachi.engine.data import Dataset
from gachi.engine.montecarlo import (
    VALUES_PER_BLOCK,
    Model,
    build,
    check_draws,
    is_linear,
)
from gachi.engine.parameters import DEFAULT_DRAWS
from gachi.engine.plan import Plan
from gachi.engine.scopes import Scope
from gachi.engine.sensitivity import break_even, first_order_rows
from gachi.engine.uncertainty import (
    QUANTILES,
    Assumption,
    Band,
    BreakEven,
    ScopeRanges,
    Uncertainty,
)
from gachi.errors import InvalidInput

MOST_IN_FOCUS = 20  # scopes whose assumptions are worked out when the caller names none


def simulate(
    plan: Plan,
    dataset: Dataset,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    rows: bool = False,
    focus: Sequence[Scope] | None = None,
    detail: bool = False,
) -> Uncertainty:
    """Ranges for every scope of `plan` over `dataset` (of its indicators too with `detail`),
    variance shares and break-even for the scopes in `focus` (default: each organisation's
    latest period) and for everything."""
    check_draws(draws, seed)
    model = build(plan, dataset)
    _check_memory(model, draws, rows)
    return summarise(model, draws=draws, seed=seed, rows=rows, focus=focus, detail=detail)


def _check_memory(model: Model, draws: int, rows: bool) -> None:
    """Refuse, before starting, a run whose arrays would not fit the budget (rather than let
    the machine swap or the process be killed)."""
    groups = len(model.groups)
    block = min(len(model.scopes.keys), _scope_block(model, draws))
    terms = sum(len(ts) for ts in model.terms.values())
    need = (
        8
        * draws
        * (
            2 * len(model.params)
            + terms
            + block * (2 * len(model.terms) + 6)
            + 4 * model.opaque_terms * groups  # the opaque parts' groups × draws, and their copies
        )
    )
    if rows:
        need += 8 * 3 * min(groups, max(1, VALUES_PER_BLOCK // draws)) * draws
    budget = montecarlo.MEMORY_BUDGET  # read when asked: a setting tests may lower
    if need > budget:
        raise InvalidInput(
            "uncertainty.too-large",
            draws=f"{draws:,}",
            groups=f"{groups:,}",
            gib=f"{need / 2**30:,.1f}",
            budget=f"{budget / 2**30:,.0f}",
        )


def _scope_block(model: Model, draws: int) -> int:
    """Scopes valued at once: each holds draws for every indicator and its sums."""
    return max(1, VALUES_PER_BLOCK // (draws * (len(model.terms) + 6)))


def summarise(
    model: Model,
    *,
    draws: int,
    seed: int,
    rows: bool = False,
    focus: Sequence[Scope] | None = None,
    detail: bool = False,
) -> Uncertainty:
    """Ranges of every scope's total; with `detail`, of its categories and indicators too
    (which the scopes in focus and everything always have)."""
    scopes = model.scopes
    x = model.params.draw(draws, seed)
    point_x = model.params.points()
    opaque = model.opaque(x) if model.opaque_terms else {}
    point_opaque = model.opaque(point_x) if model.opaque_terms else {}
    chosen = scopes.default_focus(MOST_IN_FOCUS) if focus is None else _indices(model, focus)
    in_focus = sorted({0, *chosen})
    counted = [i for i in model.terms if model.plan.catalog.entries[i].spec.in_totals]
    found: dict[int, ScopeRanges] = {}
    everything = range(len(scopes.keys))
    # The scopes in focus in detail first: their drawn totals are what the variance shares of
    # their assumptions are computed from.
    kept = _detailed(model, x, point_x, opaque, point_opaque, in_focus, found)
    rest = [s for s in everything if s not in found]
    step = _scope_block(model, draws)
    for start in range(0, len(rest), step):
        block = rest[start : start + step]
        if detail:
            _detailed(model, x, point_x, opaque, point_opaque, block, found)
            continue
        drawn = model.total_value(x, counted, block, opaque)
        point = model.total_value(point_x, counted, block, point_opaque)[:, 0]
        for s, band in zip(block, _bands(point, drawn), strict=True):
            found[s] = ScopeRanges(total=band, by_category={}, by_indicator={})
    _explain_spread(model, x, counted, in_focus, kept, found)
    return Uncertainty(
        draws=draws,
        seed=seed,
        scope_columns=scopes.columns,
        scopes={scopes.keys[s]: found[s] for s in everything},
        rows=_rows(model, x, point_x, opaque) if rows else None,
        total_draws=kept[0],
    )


def _detailed(
    model: Model,
    x: np.ndarray,
    point_x: np.ndarray,
    opaque: Mapping[str, np.ndarray],
    point_opaque: Mapping[str, np.ndarray],
    block: Sequence[int],
    found: dict[int, ScopeRanges],
) -> dict[int, np.ndarray]:
    """The ranges of the scopes of `block` with their categories and indicators, into `found`;
    returns their drawn totals."""
    specs = {p.id: model.plan.catalog.entries[p.id].spec for p in model.plan.indicators}
    draws = x.shape[1]
    drawn = model.value(x, opaque=opaque, scopes=block)
    point = model.value(point_x, opaque=point_opaque, scopes=block)
    total = np.zeros((len(block), draws))
    total_point = np.zeros(len(block))
    sums: dict[str, np.ndarray] = {}
    sums_point: dict[str, np.ndarray] = {}
    category = {i: specs[i].frameworks.sk.value for i in drawn if specs[i].in_totals}
    for i, c in category.items():
        total += drawn[i]
        total_point += point[i][:, 0]
        sums[c] = sums[c] + drawn[i] if c in sums else drawn[i].copy()
        sums_point[c] = sums_point.get(c, 0.0) + point[i][:, 0]
    # What each scope has: indicators with a value or a spread in it.
    has = {i: (point[i][:, 0] != 0.0) | np.any(drawn[i] != 0.0, axis=1) for i in drawn}
    totals = _bands(total_point, total)
    by_category = {c: _bands(sums_point[c], v) for c, v in sums.items()}
    by_indicator = {i: _bands(point[i][:, 0], v) for i, v in drawn.items()}
    kept = {}
    for r, s in enumerate(block):
        cats = {c for i, c in category.items() if has[i][r]}
        found[s] = ScopeRanges(
            total=totals[r],
            by_category={c: by_category[c][r] for c in by_category if c in cats},
            by_indicator={i: by_indicator[i][r] for i in drawn if has[i][r]},
        )
        kept[s] = total[r]
    return kept


def _bands(points: np.ndarray, draws: np.ndarray) -> list[Band]:
    """A band per row of `draws` (rows × draws), with one sort for them all."""
    if len(points) == 0:
        return []
    q = np.quantile(draws, QUANTILES, axis=1)
    means = draws.mean(axis=1)
    return [
        Band(float(points[r]), float(means[r]), float(q[0, r]), float(q[1, r]), float(q[2, r]))
        for r in range(len(points))
    ]


def _indices(model: Model, focus: Sequence[Scope]) -> list[int]:
    keys = model.scopes.keys
    return [keys.index(s) for s in focus if s in keys]


def _explain_spread(
    model: Model,
    x: np.ndarray,
    counted: Sequence[str],
    in_focus: Sequence[int],
    totals: Mapping[int, np.ndarray],
    found: dict[int, ScopeRanges],
) -> None:
    """Variance shares and break-even of each scope in focus, into `found`."""
    params = model.params.items
    if not params:
        for s in in_focus:
            found[s] = _with(found[s], (), None, 0.0)
        return
    lows = np.quantile(x, 0.05, axis=1)
    highs = np.quantile(x, 0.95, axis=1)
    # Two scenarios per assumption: it at its P5, then at its P95, the others at their estimate.
    scenarios = np.repeat(model.params.points(), 2 * len(params), axis=1)
    for i in range(len(params)):
        scenarios[i, 2 * i] = lows[i]
        scenarios[i, 2 * i + 1] = highs[i]
    swings = _totals(model, counted, scenarios, in_focus)
    drawn = np.stack([totals[s] for s in in_focus])
    # One sort of each assumption's draws for every scope in focus.
    shares = np.stack([first_order_rows(x[i], drawn) for i in range(len(params))], axis=1)
    for r, s in enumerate(in_focus):
        swing = swings[r]
        out = [
            Assumption(
                p.label,
                p.kind,
                p.describe(),
                p.point,
                float(lows[i]),
                float(highs[i]),
                p.used_by,
                # An assumption the total does not move with has no share, whatever the noise.
                0.0 if swing[2 * i] == swing[2 * i + 1] else float(shares[r, i]),
                float(swing[2 * i]),
                float(swing[2 * i + 1]),
            )
            for i, p in enumerate(params)
        ]
        if s != 0:
            # A slice lists only what moves it (another organisation's proxy does not).
            out = [a for a in out if a.total_at_p5 != a.total_at_p95]
        out.sort(key=lambda a: (-a.share, -abs(a.total_at_p95 - a.total_at_p5), a.label))
        interaction = max(0.0, 1.0 - sum(a.share for a in out))
        found[s] = _with(found[s], tuple(out), _break_even(model, counted, s, out, x), interaction)


def _with(
    r: ScopeRanges,
    assumptions: tuple[Assumption, ...],
    be: BreakEven | None,
    interaction: float,
) -> ScopeRanges:
    return ScopeRanges(r.total, r.by_category, r.by_indicator, assumptions, be, interaction)


def _totals(
    model: Model, counted: Sequence[str], x: np.ndarray, scopes: Sequence[int]
) -> np.ndarray:
    """The total of each scope of `scopes` (rows) for each column of assumptions `x`."""
    v = model.value(x, scopes=scopes)
    out = np.zeros((len(scopes), x.shape[1]))
    for i in counted:
        out += v[i]
    return out


def _break_even(
    model: Model,
    counted: Sequence[str],
    scope: int,
    assumptions: Sequence[Assumption],
    x: np.ndarray,
) -> BreakEven | None:
    """The value of the scope's most influential assumption at which its total is zero."""
    if not assumptions:
        return None
    top = assumptions[0]
    i = next(j for j, p in enumerate(model.params.items) if p.label == top.label)
    base = model.params.points()

    def total_at(values: np.ndarray) -> np.ndarray:
        scenarios = np.repeat(base, len(values), axis=1)
        scenarios[i] = values
        found: np.ndarray = _totals(model, counted, scenarios, [scope])[0]
        return found

    if top.total_at_p5 == top.total_at_p95:
        return None  # the total does not move with it: nothing to break even
    value = break_even(total_at, top.point, float(np.ptp(x[i])))
    if value is not None:
        if top.kind == "adjustment" and not 0.0 <= value <= 1.0:
            value = None  # a share outside 0–100 % is no break-even
        elif top.kind == "proxy" and top.point != 0 and value * top.point <= 1e-9 * top.point**2:
            value = None  # nor is a price of the other sign
    change = None if value is None or top.point == 0 else (value - top.point) / abs(top.point)
    return BreakEven(top.label, top.point, value, change)


def _scaled_bands(
    model: Model, ident: str, x: np.ndarray, point_x: np.ndarray
) -> dict[tuple[tuple[str | None, ...], str], Band]:
    """Bands of a one-term indicator: each group's value is its sum times the same drawn
    coefficient, so its percentiles are the sum times the coefficient's (swapped where the sum
    is negative) — exact, with one sort instead of one per group."""
    (term,) = model.terms[ident]
    c = model.coefficients([term], model.atoms(x), x.shape[1])[0]
    c_point = float(model.coefficients([term], model.atoms(point_x), 1)[0, 0])
    q5, q50, q95 = (float(v) for v in np.quantile(c, (0.05, 0.5, 0.95)))
    mean = float(c.mean())
    out = {}
    for g, s in zip(model.groups, model.sums[ident][:, 0], strict=True):
        s = float(s)
        low, high = (s * q5, s * q95) if s >= 0 else (s * q95, s * q5)
        out[(g, ident)] = Band(s * c_point, s * mean, low, s * q50, high)
    return out


def _rows(
    model: Model, x: np.ndarray, point_x: np.ndarray, opaque: Mapping[str, np.ndarray]
) -> dict[tuple[tuple[str | None, ...], str], Band]:
    """Bands per group and indicator, a block of groups at a time: groups × draws for every
    group at once may not fit in memory."""
    out: dict[tuple[tuple[str | None, ...], str], Band] = {}
    n_groups = len(model.groups)
    step = max(1, VALUES_PER_BLOCK // max(1, x.shape[1]))
    point_opaque = model.opaque(point_x) if model.opaque_terms else {}
    general = []
    for ident, terms in model.terms.items():
        if len(terms) == 1 and is_linear(terms[0]):
            out.update(_scaled_bands(model, ident, x, point_x))
        else:
            general.append(ident)
    for start in range(0, n_groups, step):
        block_slice = slice(start, start + step)
        for ident in general:
            # One indicator at a time: a block holds groups × draws for one of them only.
            block = model.value(x, per_group=block_slice, only=ident, opaque=opaque)[ident]
            point = model.value(point_x, per_group=block_slice, only=ident, opaque=point_opaque)
            q = np.quantile(block, (0.05, 0.5, 0.95), axis=1)
            means = block.mean(axis=1)
            for g in range(block.shape[0]):
                out[(model.groups[start + g], ident)] = Band(
                    float(point[ident][g, 0]),
                    float(means[g]),
                    float(q[0, g]),
                    float(q[1, g]),
                    float(q[2, g]),
                )
    return out
