"""The sums a measurement's totals are read at.

An organisation's accounts are its own and a year's are that year's: a total never adds
organisations or years under one label. A *slice* takes one value of each scope column — the
catalogue's organisation column and its period column, as far as the grouping has them — so an
organisation's year is one slice. Coarser scopes are sums across slices: an organisation over
its periods, a period over the organisations, everything. They are computed alongside, so that
a reader who asks for them gets them, labelled as what they are.

A scope is written as its (column, value) pairs: `(("organisation", "가온"), ("period", "2024"))`
is a slice, `(("organisation", "가온"),)` that organisation over every period, `()` everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Scope = tuple[tuple[str, str | None], ...]
Group = tuple[str | None, ...]


def scope_columns(
    group_by: Sequence[str], organisation_column: str, period_column: str
) -> tuple[str, ...]:
    """The grouping columns whose values are never summed under one label, in grouping order."""
    return tuple(c for c in group_by if c in (organisation_column, period_column))


def scope_of(group: Group, group_by: Sequence[str], columns: Sequence[str]) -> Scope:
    """The slice a group of the result belongs to."""
    return tuple((c, group[group_by.index(c)]) for c in columns)


def within(group: Group, group_by: Sequence[str], scope: Scope) -> bool:
    """Whether a group of the result is part of `scope`."""
    return all(group[group_by.index(c)] == v for c, v in scope)


def sort_key(scope: Scope) -> tuple[tuple[bool, str], ...]:
    """Scopes in reading order: by their values, a missing value first."""
    return tuple((v is not None, v or "") for _c, v in scope)


@dataclass(frozen=True)
class Scopes:
    """Every scope of a set of groups, and which scope each group falls in.

    `keys[0]` is everything; then come the slices, then (with both an organisation and a period
    column) each organisation over its periods and each period over the organisations. `of[k]`
    gives, for partition k of the groups, each group's index into `keys`.
    """

    organisation: str | None  # the organisation column, if the grouping has it
    period: str | None  # the period column, if the grouping has it
    columns: tuple[str, ...]
    keys: tuple[Scope, ...]
    of: tuple[np.ndarray, ...]

    @classmethod
    def of_groups(
        cls,
        group_by: Sequence[str],
        groups: Sequence[Group],
        *,
        organisation_column: str,
        period_column: str,
    ) -> Scopes:
        columns = scope_columns(group_by, organisation_column, period_column)
        at = [list(group_by).index(c) for c in columns]
        partitions: list[tuple[int, ...]] = []
        if columns:
            partitions.append(tuple(range(len(columns))))
        if len(columns) == 2:
            partitions += [(0,), (1,)]
        keys: list[Scope] = [()]
        of = []
        for part in partitions:
            mine = [tuple((columns[j], g[at[j]]) for j in part) for g in groups]
            distinct = sorted(set(mine), key=sort_key)
            index = {k: len(keys) + i for i, k in enumerate(distinct)}
            keys.extend(distinct)
            of.append(np.array([index[k] for k in mine], dtype=np.intp))
        return cls(
            organisation_column if organisation_column in columns else None,
            period_column if period_column in columns else None,
            columns,
            tuple(keys),
            tuple(of),
        )

    @property
    def slices(self) -> tuple[int, ...]:
        """The indices of the slices (everything, when no column is a scope column)."""
        if not self.columns:
            return (0,)
        n = len(self.columns)
        return tuple(i for i, k in enumerate(self.keys) if len(k) == n)

    def index(self, scope: Scope) -> int:
        return self.keys.index(scope)

    def aggregate(self, m: np.ndarray, rows: Sequence[int] | None = None) -> np.ndarray:
        """(groups × k) summed into (scopes × k), or into the scopes of `rows` only, in order."""
        wanted = np.arange(len(self.keys)) if rows is None else np.asarray(rows, dtype=np.intp)
        out = np.zeros((len(wanted), m.shape[1]))
        position = np.full(len(self.keys), -1, dtype=np.intp)
        position[wanted] = np.arange(len(wanted))
        if position[0] >= 0:
            out[position[0]] = m.sum(axis=0)
        for idx in self.of:
            where = position[idx]
            chosen = where >= 0
            if chosen.any():
                np.add.at(out, where[chosen], m[chosen])
        return out

    def memberships(self, group: np.ndarray) -> list[np.ndarray]:
        """For records of the given groups: each record's scope in every partition (everything
        first), so that a record counts once in each scope it belongs to."""
        return [np.zeros(len(group), dtype=np.intp), *(idx[group] for idx in self.of)]

    def default_focus(self, most: int) -> tuple[int, ...]:
        """The slices whose assumptions and break-even are worked out when nobody chose: each
        organisation's latest period (the latest period, or each organisation, when the grouping
        has only one of the two), at most `most` of them."""
        slices = self.slices
        if self.period is None:
            return slices[:most]
        latest: dict[str | None, int] = {}
        for i in slices:
            values = dict(self.keys[i])
            org = values.get(self.organisation) if self.organisation else None
            held = latest.get(org)
            if held is None or _period_key(values[self.period]) >= _period_key(
                dict(self.keys[held])[self.period]
            ):
                latest[org] = i
        return tuple(sorted(latest.values()))[:most]


def _period_key(value: str | None) -> tuple[bool, str]:
    return (value is not None, value or "")
