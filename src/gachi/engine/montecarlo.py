"""Monte-Carlo over a plan: every uncertain assumption drawn `draws` times, draws a dimension of
arrays, never a Python loop over draws.

`simulate(plan, dataset, draws=10_000, seed=1)` runs one grouped query for the per-record parts of
every indicator (see `expand`), then values every draw at once: per indicator, a (groups × terms)
matrix of sums times a (terms × draws) matrix of the assumptions' products. Totals by period,
category and indicator are aggregated over groups *before* the draws meet them, so their cost does
not grow with the number of organisations; ranges per group (`rows=True`) are computed in chunks.
Opaque parts (an assumption inside `max`, `if` or an SK baseline) are valued per record and draw by
one query over the records joined with the table of draws.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlglot import exp

from gachi.engine.data import Dataset
from gachi.engine.excess import ExcessSums
from gachi.engine.expand import DRAW, DRAWS_TABLE, Expander, Term, factor_column, param_column
from gachi.engine.expr.to_sql import column, number
from gachi.engine.parameters import (
    ADJUSTMENTS,
    DEFAULT_DRAWS,
    Parameters,
    adjustment_factor,
    adjustment_key,
    collect,
)
from gachi.engine.plan import Plan, columns_of, present, record_value
from gachi.engine.sensitivity import break_even, first_order
from gachi.engine.uncertainty import Assumption, Band, BreakEven, Uncertainty
from gachi.errors import InvalidInput

MAX_DRAWS = 1_000_000
GROUPS_TABLE = "__groups"
GROUP_INDEX = "__g"
_DRAW_BLOCK = 2_000  # draws per query of the opaque parts: bounds the database's hash table
# Arrays of a run may use this much; beyond it the run is refused up front, not killed midway.
MEMORY_BUDGET = int(float(os.environ.get("GACHI_MC_MEMORY_GIB", "4")) * 2**30)
_CHUNK = 20_000_000  # values per block when ranges per group are computed


@dataclass(frozen=True)
class Levels:
    """How groups add up to the totals that get ranges: the whole, and each period."""

    periods: tuple[str, ...]
    period_of: np.ndarray | None  # group → period index

    def aggregate(self, m: np.ndarray) -> np.ndarray:
        """(groups × k) → ((1 + periods) × k): the total first, then each period."""
        total: np.ndarray = m.sum(axis=0, keepdims=True)
        if self.period_of is None:
            return total
        # A one-hot (periods × groups) matrix: one BLAS product, not a scatter per element.
        onehot = np.zeros((len(self.periods), m.shape[0]))
        onehot[self.period_of, np.arange(m.shape[0])] = 1.0
        return np.vstack([total, onehot @ m])


@dataclass(frozen=True)
class Model:
    """A plan bound to one dataset's sums: values any matrix of assumptions."""

    plan: Plan
    params: Parameters
    terms: Mapping[str, tuple[Term, ...]]
    factors: tuple[str, ...]  # indicators whose adjustments are drawn
    groups: tuple[tuple[str | None, ...], ...]
    sums: Mapping[str, np.ndarray]  # indicator → groups × its non-opaque terms
    levels: Levels
    opaque: Callable[[np.ndarray], Mapping[str, np.ndarray]]  # draws → indicator → groups × n
    excess: Mapping[str, tuple[ExcessSums, ...]] = field(default_factory=dict)

    def atoms(self, x: np.ndarray) -> dict[str, np.ndarray]:
        return atom_values(self.plan, self.params, self.factors, x)

    @staticmethod
    def coefficients(terms: Sequence[Term], atoms: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        out = np.empty((len(terms), n))
        for j, t in enumerate(terms):
            c = np.full(n, t.coef)
            for key, power in t.atoms:
                c *= atoms[key] if power == 1.0 else atoms[key] ** power
            out[j] = c
        return out

    @property
    def opaque_terms(self) -> int:
        return sum(1 for ts in self.terms.values() for t in ts if t.opaque)

    def value(
        self,
        x: np.ndarray,
        *,
        per_group: slice | None = None,
        only: str | None = None,
        opaque: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Per indicator (or `only` one), its value for each column of assumptions `x`
        (parameters × n): summed into levels ((1 + periods) × n), or for the groups in
        `per_group` (groups × n). `opaque` is `self.opaque(x)` when the caller has it already."""
        n = x.shape[1]
        atoms = self.atoms(x)
        wanted = {only: self.terms[only]} if only is not None else self.terms
        if opaque is None:
            has_opaque = any(t.opaque for ts in wanted.values() for t in ts)
            opaque = self.opaque(x) if has_opaque else {}
        out: dict[str, np.ndarray] = {}
        for ident, terms in wanted.items():
            linear = [t for t in terms if _linear(t)]
            c = self.coefficients(linear, atoms, n)
            s = self.sums[ident]
            v = (s[per_group] if per_group else self.levels.aggregate(s)) @ c
            for j, t in enumerate(t for t in terms if t.opaque):
                o = opaque[ident][j]
                o = o[per_group] if per_group else self.levels.aggregate(o)
                v = v + o * self.coefficients([t], atoms, n)[0]
            for j, t in enumerate(t for t in terms if t.excess is not None):
                assert t.excess is not None
                sums = self.excess[ident][j]
                threshold = t.excess.scale * atoms[t.excess.key]
                e = sums.at_groups(threshold, per_group) if per_group else sums.at_levels(threshold)
                v = v + e * self.coefficients([t], atoms, n)[0]
            out[ident] = v
        return out


def build(plan: Plan, dataset: Dataset) -> Model:
    """Sum the per-record parts of `plan`'s indicators over `dataset`, one query."""
    catalog = plan.catalog
    ids = [p.id for p in plan.indicators]
    params = collect(catalog, ids)
    expander = Expander(catalog, params)
    terms: dict[str, tuple[Term, ...]] = {}
    guards: dict[str, exp.Expression] = {}
    for p in plan.indicators:
        entry = catalog.entries[p.id]
        pv = record_value(catalog, entry, "duckdb")
        guards[p.id] = pv
        if expander.uncertain_indicator(p.id):
            found = expander.indicator(entry)
            if any(t.opaque for t in found):
                # Whether a record has a value may then depend on the draws (x / (y − p)): the
                # whole formula is valued per record and draw, and is its own guard.
                drawn = record_value(catalog, entry, "duckdb", expander.draws)
                own = expander.factor(entry)
                found = (Term(own.coef * entry.to_report_currency, own.atoms, drawn, opaque=True),)
                guards[p.id] = drawn
            terms[p.id] = found
        else:
            terms[p.id] = (Term(p.factor, (), pv),)
    factors = tuple(
        sorted({k[2:] for ts in terms.values() for t in ts for k, _ in t.atoms if k[:2] == "f:"})
    )
    keys = [column(g) for g in plan.group_by]
    query = exp.select(*keys).from_(exp.table_(exp.to_identifier(dataset.table, quoted=True)))
    for ident, ts in terms.items():
        for j, t in enumerate(x for x in ts if _linear(x)):
            query = query.select(
                exp.alias_(exp.Sum(this=_guard(guards[ident], t)), f"s{j}__{ident}", quoted=True),
                copy=False,
            )
    if keys:
        query = query.group_by(*keys, copy=False).order_by(*[k.copy() for k in keys], copy=False)
    rows = dataset.con.execute(query.sql(dialect="duckdb")).fetchall()
    k = len(keys)
    groups = tuple(tuple(None if v is None else str(v) for v in row[:k]) for row in rows)
    matrix = np.nan_to_num(np.array([row[k:] for row in rows], dtype=float).reshape(len(rows), -1))
    sums: dict[str, np.ndarray] = {}
    at = 0
    for ident, ts in terms.items():
        width = sum(1 for t in ts if _linear(t))
        sums[ident] = matrix[:, at : at + width]
        at += width
    levels = _levels(plan, groups)
    excess = _excess_sums(plan, dataset, terms, guards, groups, levels)
    opaque = _opaque_runner(plan, dataset, params, terms, guards, factors, groups)
    return Model(plan, params, terms, factors, groups, sums, levels, opaque, excess)


def _linear(t: Term) -> bool:
    return not t.opaque and t.excess is None


def _excess_sums(
    plan: Plan,
    dataset: Dataset,
    terms: Mapping[str, tuple[Term, ...]],
    guards: Mapping[str, exp.Expression],
    groups: Sequence[tuple[str | None, ...]],
    levels: Levels,
) -> dict[str, tuple[ExcessSums, ...]]:
    """For each excess term, its records' input, weight and group, fetched once and sorted."""
    out: dict[str, tuple[ExcessSums, ...]] = {}
    for ident, ts in terms.items():
        found = []
        for t in ts:
            if t.excess is None:
                continue
            weight = t.record if t.record is not None else number(1.0)
            got = _per_record(
                plan, dataset, groups, [("w", t.excess.value), ("c", weight)], guards[ident]
            )
            found.append(
                ExcessSums.of(
                    np.asarray(got[GROUP_INDEX], dtype=np.intp),
                    np.nan_to_num(np.asarray(got["w"], dtype=float)),
                    np.nan_to_num(np.asarray(got["c"], dtype=float)),
                    len(groups),
                    levels.period_of,
                    len(levels.periods),
                )
            )
        if found:
            out[ident] = tuple(found)
    return out


def _per_record(
    plan: Plan,
    dataset: Dataset,
    groups: Sequence[tuple[str | None, ...]],
    columns: Sequence[tuple[str, exp.Expression]],
    value: exp.Expression,
) -> dict[str, np.ndarray]:
    """Columns per record, with the record's group index, for records where `value` is set."""
    records = exp.table_(exp.to_identifier(dataset.table, quoted=True), alias="r")
    selected = [exp.alias_(e.copy(), name, quoted=True) for name, e in columns]
    if plan.group_by:
        index = exp.column(GROUP_INDEX, table=GROUPS_TABLE, quoted=True)
        query = (
            exp.select(index, *selected)
            .from_(records)
            .join(exp.table_(exp.to_identifier(GROUPS_TABLE, quoted=True)), on=_on_groups(plan))
        )
    else:
        query = exp.select(exp.alias_(exp.Literal.number(0), GROUP_INDEX, quoted=True), *selected)
        query = query.from_(records)
    query = query.where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))
    if plan.group_by:
        dataset.con.register(GROUPS_TABLE, _group_table(plan, groups))
    try:
        return dataset.con.execute(query.sql(dialect="duckdb")).fetchnumpy()
    finally:
        if plan.group_by:
            dataset.con.unregister(GROUPS_TABLE)


def _on_groups(plan: Plan) -> exp.Condition:
    return exp.and_(
        *(
            exp.EQ(
                this=exp.column(g, table="r", quoted=True),
                expression=exp.column(f"__k{i}", table=GROUPS_TABLE, quoted=True),
            )
            for i, g in enumerate(plan.group_by)
        )
    )


def _group_table(plan: Plan, groups: Sequence[tuple[str | None, ...]]) -> pd.DataFrame:
    # Key columns named apart from the records' own: formulas read `period`, not this one.
    return pd.DataFrame(
        {f"__k{i}": [k[i] for k in groups] for i in range(len(plan.group_by))}
        | {GROUP_INDEX: np.arange(len(groups))}
    )


def _guard(pv: exp.Expression, t: Term) -> exp.Expression:
    """A term counts only on records where the whole formula has a value (at the estimate)."""
    if t.record is pv:
        return pv
    record = t.record if t.record is not None else number(1.0)
    has_value = exp.Not(this=exp.Is(this=pv.copy(), expression=exp.Null()))
    return exp.Case().when(has_value, record.copy())


def _levels(plan: Plan, groups: Sequence[tuple[str | None, ...]]) -> Levels:
    name = plan.catalog.settings.period_column
    if name not in plan.group_by:
        return Levels((), None)
    i = plan.group_by.index(name)
    periods = tuple(sorted({str(g[i]) for g in groups}))
    where = {p: j for j, p in enumerate(periods)}
    return Levels(periods, np.array([where[str(g[i])] for g in groups], dtype=np.intp))


def _opaque_runner(
    plan: Plan,
    dataset: Dataset,
    params: Parameters,
    terms: Mapping[str, tuple[Term, ...]],
    guards: Mapping[str, exp.Expression],
    factors: Sequence[str],
    groups: Sequence[tuple[str | None, ...]],
) -> Callable[[np.ndarray], Mapping[str, np.ndarray]]:
    """Values the opaque parts for a matrix of draws: records × draws in SQL, but only the
    records that have a value for such an indicator, a block of draws at a time, each result
    row placed by its group's index (no sorting, no group keys fetched back)."""
    opaque = [(ident, t) for ident, ts in terms.items() for t in ts if t.opaque]
    if not opaque:
        return lambda _x: {}
    records = exp.table_(exp.to_identifier(dataset.table, quoted=True), alias="r")
    draw = exp.column(DRAW, table=DRAWS_TABLE, quoted=True)
    index: exp.Expression
    if plan.group_by:
        index = exp.column(GROUP_INDEX, table=GROUPS_TABLE, quoted=True)
        on = exp.and_(
            *(
                exp.EQ(
                    this=exp.column(g, table="r", quoted=True),
                    expression=exp.column(f"__k{i}", table=GROUPS_TABLE, quoted=True),
                )
                for i, g in enumerate(plan.group_by)
            )
        )
        query = exp.select(index, draw).from_(records)
        query = query.join(exp.table_(exp.to_identifier(GROUPS_TABLE, quoted=True)), on=on)
    else:
        index = exp.Literal.number(0)
        query = exp.select(exp.alias_(index, GROUP_INDEX, quoted=True), draw).from_(records)
    query = query.join(exp.table_(exp.to_identifier(DRAWS_TABLE, quoted=True)), join_type="cross")
    # Only records with every input such an indicator reads (its value may depend on the draw).
    has_value = [
        present(columns_of(plan.catalog, plan.catalog.entries[i]))
        for i in dict.fromkeys(ident for ident, _ in opaque)
    ]
    query = query.where(exp.or_(*has_value) if len(has_value) > 1 else has_value[0], copy=False)
    for j, (ident, t) in enumerate(opaque):
        query = query.select(
            exp.alias_(exp.Sum(this=_guard(guards[ident], t)), f"o{j}", quoted=True), copy=False
        )
    query = query.group_by(index.copy(), draw.copy(), copy=False)
    sql = query.sql(dialect="duckdb")
    group_table = pd.DataFrame(
        # Key columns named apart from the records' own: formulas read `period`, not this one.
        {f"__k{i}": [k[i] for k in groups] for i in range(len(plan.group_by))}
        | {GROUP_INDEX: np.arange(len(groups))}
    )

    def run(x: np.ndarray) -> Mapping[str, np.ndarray]:
        n = x.shape[1]
        out = np.zeros((len(opaque), len(groups), n))
        atoms = atom_values(plan, params, factors, x)
        if plan.group_by:
            dataset.con.register(GROUPS_TABLE, group_table)
        try:
            for start in range(0, n, _DRAW_BLOCK):
                stop = min(n, start + _DRAW_BLOCK)
                table = pd.DataFrame({DRAW: np.arange(start, stop)})
                for i in range(len(params)):
                    table[param_column(i)] = x[i, start:stop]
                for key, factor in atoms.items():
                    if key.startswith("f:"):
                        table[factor_column(key[2:])] = np.asarray(factor, dtype=float)[start:stop]
                dataset.con.register(DRAWS_TABLE, table)
                try:
                    got = dataset.con.execute(sql).fetchnumpy()
                finally:
                    dataset.con.unregister(DRAWS_TABLE)
                g = np.asarray(got[GROUP_INDEX], dtype=np.intp)
                d = np.asarray(got[DRAW], dtype=np.intp)
                for j in range(len(opaque)):
                    values = np.asarray(got[f"o{j}"], dtype=float)
                    out[j, g, d] = np.nan_to_num(values)
        finally:
            if plan.group_by:
                dataset.con.unregister(GROUPS_TABLE)
        by_indicator: dict[str, list[np.ndarray]] = {}
        for j, (ident, _) in enumerate(opaque):
            by_indicator.setdefault(ident, []).append(out[j])
        return {k: np.stack(v) for k, v in by_indicator.items()}

    return run


def atom_values(
    plan: Plan, params: Parameters, factors: Sequence[str], x: np.ndarray
) -> dict[str, np.ndarray]:
    """Each assumption's values, and the drawn adjustment factor of each indicator in
    `factors`, for the columns of `x` (parameters × n)."""
    n = x.shape[1]
    values = {f"p:{p.key}": x[i] for i, p in enumerate(params.items)}
    index = params.index
    rate = plan.catalog.settings.discount_rate
    for ident in factors:
        entry = plan.catalog.entries[ident]
        drawn = {
            name: x[index[adjustment_key(ident, name)]]
            for name in ADJUSTMENTS
            if adjustment_key(ident, name) in index
        }
        values[f"f:{ident}"] = np.broadcast_to(adjustment_factor(entry, rate, drawn), (n,))
    return values


def simulate(
    plan: Plan,
    dataset: Dataset,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 1,
    rows: bool = False,
) -> Uncertainty:
    """Ranges, variance shares and break-even for `plan` over `dataset`."""
    check_draws(draws, seed)
    model = build(plan, dataset)
    _check_memory(model, draws, rows)
    return summarise(model, draws=draws, seed=seed, rows=rows)


def check_draws(draws: int, seed: int) -> None:
    if not 100 <= draws <= MAX_DRAWS:
        raise InvalidInput(
            "uncertainty.draws-range", draws=f"{draws:,}", low=100, high=f"{MAX_DRAWS:,}"
        )
    if seed < 0:
        raise InvalidInput("uncertainty.seed-negative", seed=seed)


def _check_memory(model: Model, draws: int, rows: bool) -> None:
    """Refuse, before starting, a run whose arrays would not fit the budget (rather than let
    the machine swap or the process be killed)."""
    groups = len(model.groups)
    levels = 1 + len(model.levels.periods)
    terms = sum(len(ts) for ts in model.terms.values())
    need = (
        8
        * draws
        * (
            2 * len(model.params)
            + terms
            + levels * (len(model.terms) + 4)
            + 4 * model.opaque_terms * groups  # the opaque parts' groups × draws, and their copies
        )
    )
    if rows:
        need += 8 * 3 * min(groups, max(1, _CHUNK // draws)) * draws
    if need > MEMORY_BUDGET:
        raise InvalidInput(
            "uncertainty.too-large",
            draws=f"{draws:,}",
            groups=f"{groups:,}",
            gib=f"{need / 2**30:,.1f}",
            budget=f"{MEMORY_BUDGET / 2**30:,.0f}",
        )


def summarise(model: Model, *, draws: int, seed: int, rows: bool = False) -> Uncertainty:
    catalog = model.plan.catalog
    params = model.params
    x = params.draw(draws, seed)
    point_x = params.points()
    opaque = model.opaque(x) if model.opaque_terms else {}
    drawn = model.value(x, opaque=opaque)
    point = model.value(point_x)
    lineage = {p.id: catalog.entries[p.id].spec for p in model.plan.indicators}
    counted = [i for i in drawn if lineage[i].in_totals]
    total = sum((drawn[i] for i in counted), np.zeros((drawn_shape(model), draws)))
    total_point = sum((point[i] for i in counted), np.zeros((drawn_shape(model), 1)))
    by_category: dict[str, np.ndarray] = {}
    by_category_point: dict[str, float] = {}
    for i in counted:
        cat = lineage[i].frameworks.sk.value
        by_category[cat] = by_category.get(cat, 0) + drawn[i][0]
        by_category_point[cat] = by_category_point.get(cat, 0.0) + float(point[i][0, 0])
    periods = model.levels.periods
    assumptions = _assumptions(model, x, total[0], float(total_point[0, 0]))
    return Uncertainty(
        draws=draws,
        seed=seed,
        total=Band.of(total_point[0, 0], total[0]),
        by_category={c: Band.of(by_category_point[c], v) for c, v in by_category.items()},
        by_indicator={i: Band.of(point[i][0, 0], v[0]) for i, v in drawn.items()},
        by_period={p: Band.of(total_point[1 + j, 0], total[1 + j]) for j, p in enumerate(periods)},
        assumptions=assumptions,
        break_even=_break_even(model, assumptions, x),
        interaction=max(0.0, 1.0 - sum(a.share for a in assumptions)),
        rows=_rows(model, x, point_x, opaque) if rows else None,
        total_draws=total[0],
    )


def drawn_shape(model: Model) -> int:
    return 1 + len(model.levels.periods)


def _total(model: Model, x: np.ndarray) -> np.ndarray:
    specs = model.plan.catalog.entries
    v = model.value(x)
    return sum((v[i][0] for i in v if specs[i].spec.in_totals), np.zeros(x.shape[1]))


def _assumptions(
    model: Model, x: np.ndarray, total: np.ndarray, total_point: float
) -> tuple[Assumption, ...]:
    params = model.params.items
    if not params:
        return ()
    lows = np.quantile(x, 0.05, axis=1)
    highs = np.quantile(x, 0.95, axis=1)
    # Two scenarios per assumption: it at its P5, then at its P95, the others at their estimate.
    scenarios = np.repeat(model.params.points(), 2 * len(params), axis=1)
    for i in range(len(params)):
        scenarios[i, 2 * i] = lows[i]
        scenarios[i, 2 * i + 1] = highs[i]
    swing = _total(model, scenarios)
    out = [
        Assumption(
            p.label,
            p.kind,
            p.describe(),
            p.point,
            float(lows[i]),
            float(highs[i]),
            p.used_by,
            # An assumption the total does not move with has no share, whatever the noise says.
            0.0 if swing[2 * i] == swing[2 * i + 1] else first_order(x[i], total),
            float(swing[2 * i]),
            float(swing[2 * i + 1]),
        )
        for i, p in enumerate(params)
    ]
    del total_point
    out.sort(key=lambda a: (-a.share, -abs(a.total_at_p95 - a.total_at_p5), a.label))
    return tuple(out)


def _break_even(model: Model, assumptions: Sequence[Assumption], x: np.ndarray) -> BreakEven | None:
    if not assumptions:
        return None
    top = assumptions[0]
    i = next(j for j, p in enumerate(model.params.items) if p.label == top.label)
    base = model.params.points()

    def total_at(values: np.ndarray) -> np.ndarray:
        scenarios = np.repeat(base, len(values), axis=1)
        scenarios[i] = values
        return _total(model, scenarios)

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
    step = max(1, _CHUNK // max(1, x.shape[1]))
    point_opaque = model.opaque(point_x) if model.opaque_terms else {}
    general = []
    for ident, terms in model.terms.items():
        if len(terms) == 1 and _linear(terms[0]):
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
