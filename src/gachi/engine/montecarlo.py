"""Monte-Carlo over a plan: every uncertain assumption drawn `draws` times, draws a dimension of
arrays, never a Python loop over draws.

`simulate(plan, dataset, draws=10_000, seed=1)` runs one grouped query for the per-record parts of
every indicator (see `expand`), then values every draw at once: per indicator, a (groups × terms)
matrix of sums times a (terms × draws) matrix of the assumptions' products. Sums per scope (an
organisation's period, see `scopes`) are aggregated over groups *before* the draws meet them;
what a run tells from them — ranges, variance shares, break-even — is worked out in `ranges`.
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
    Parameters,
    adjustment_factor,
    adjustment_key,
    collect,
)
from gachi.engine.plan import Plan, columns_of, present, record_value
from gachi.engine.scopes import Scopes
from gachi.errors import InvalidInput

MAX_DRAWS = 1_000_000
GROUPS_TABLE = "__groups"
GROUP_INDEX = "__g"
_DRAW_BLOCK = 2_000  # draws per query of the opaque parts: bounds the database's hash table
# Arrays of a run may use this much; beyond it the run is refused up front, not killed midway.
MEMORY_BUDGET = int(float(os.environ.get("GACHI_MC_MEMORY_GIB", "4")) * 2**30)
VALUES_PER_BLOCK = 20_000_000  # values per block when ranges per group or scope are computed


@dataclass(frozen=True)
class Model:
    """A plan bound to one dataset's sums: values any matrix of assumptions."""

    plan: Plan
    params: Parameters
    terms: Mapping[str, tuple[Term, ...]]
    factors: tuple[str, ...]  # indicators whose adjustments are drawn
    groups: tuple[tuple[str | None, ...], ...]
    sums: Mapping[str, np.ndarray]  # indicator → groups × its non-opaque terms
    scopes: Scopes
    scope_sums: Mapping[str, np.ndarray]  # indicator → scopes × its non-opaque terms
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
        scopes: Sequence[int] | None = None,
    ) -> dict[str, np.ndarray]:
        """Per indicator (or `only` one), its value for each column of assumptions `x`
        (parameters × n): summed into every scope (scopes × n), or the scopes of the indices
        `scopes`, or for the groups in `per_group` (groups × n). `opaque` is `self.opaque(x)`
        when the caller has it already."""
        n = x.shape[1]
        atoms = self.atoms(x)
        wanted = {only: self.terms[only]} if only is not None else self.terms
        if opaque is None:
            has_opaque = any(t.opaque for ts in wanted.values() for t in ts)
            opaque = self.opaque(x) if has_opaque else {}
        out: dict[str, np.ndarray] = {}
        for ident, terms in wanted.items():
            linear = [t for t in terms if is_linear(t)]
            c = self.coefficients(linear, atoms, n)
            s = self.sums[ident]
            if per_group:
                v = s[per_group] @ c
            else:
                at_scopes = self.scope_sums[ident]
                v = (at_scopes if scopes is None else at_scopes[list(scopes)]) @ c
            for j, t in enumerate(t for t in terms if t.opaque):
                o = opaque[ident][j]
                o = o[per_group] if per_group else self.scopes.aggregate(o, scopes)
                v = v + o * self.coefficients([t], atoms, n)[0]
            for j, t in enumerate(t for t in terms if t.excess is not None):
                assert t.excess is not None
                sums = self.excess[ident][j]
                threshold = t.excess.scale * atoms[t.excess.key]
                e = (
                    sums.at_groups(threshold, per_group)
                    if per_group
                    else sums.at_scopes(threshold, scopes)
                )
                v = v + e * self.coefficients([t], atoms, n)[0]
            out[ident] = v
        return out

    def total_value(
        self,
        x: np.ndarray,
        members: Sequence[str],
        scopes: Sequence[int],
        opaque: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """The values of the indicators `members` summed, in the scopes of the indices `scopes`
        (rows × n): every term's sums against its coefficient in one product, so that no
        indicator needs an array of its own."""
        n = x.shape[1]
        atoms = self.atoms(x)
        if opaque is None:
            has_opaque = any(t.opaque for i in members for t in self.terms[i])
            opaque = self.opaque(x) if has_opaque else {}
        out = np.zeros((len(scopes), n))
        sums, coefficients = [], []
        for ident in members:
            terms = self.terms[ident]
            linear = [t for t in terms if is_linear(t)]
            if linear:
                sums.append(self.scope_sums[ident][list(scopes)])
                coefficients.append(self.coefficients(linear, atoms, n))
            for j, t in enumerate(t for t in terms if t.opaque):
                o = self.scopes.aggregate(opaque[ident][j], scopes)
                out += o * self.coefficients([t], atoms, n)[0]
            for j, t in enumerate(t for t in terms if t.excess is not None):
                assert t.excess is not None
                threshold = t.excess.scale * atoms[t.excess.key]
                e = self.excess[ident][j].at_scopes(threshold, scopes)
                out += e * self.coefficients([t], atoms, n)[0]
        if sums:
            out += np.hstack(sums) @ np.vstack(coefficients)
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
        for j, t in enumerate(x for x in ts if is_linear(x)):
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
        width = sum(1 for t in ts if is_linear(t))
        sums[ident] = matrix[:, at : at + width]
        at += width
    settings = catalog.settings
    scopes = Scopes.of_groups(
        plan.group_by,
        groups,
        organisation_column=settings.organisation_column,
        period_column=settings.period_column,
    )
    excess = _excess_sums(plan, dataset, terms, guards, groups, scopes)
    opaque = _opaque_runner(plan, dataset, params, terms, guards, factors, groups)
    scope_sums = {ident: scopes.aggregate(s) for ident, s in sums.items()}
    return Model(plan, params, terms, factors, groups, sums, scopes, scope_sums, opaque, excess)


def is_linear(t: Term) -> bool:
    return not t.opaque and t.excess is None


def _excess_sums(
    plan: Plan,
    dataset: Dataset,
    terms: Mapping[str, tuple[Term, ...]],
    guards: Mapping[str, exp.Expression],
    groups: Sequence[tuple[str | None, ...]],
    scopes: Scopes,
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
                    scopes,
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


def check_draws(draws: int, seed: int) -> None:
    if not 100 <= draws <= MAX_DRAWS:
        raise InvalidInput(
            "uncertainty.draws-range", draws=f"{draws:,}", low=100, high=f"{MAX_DRAWS:,}"
        )
    if seed < 0:
        raise InvalidInput("uncertainty.seed-negative", seed=seed)
