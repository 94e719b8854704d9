"""Sums of an SK-baseline excess over a drawn reference, for any reference, without touching the
records again: Σ max(w − t, 0)·c = Σ_{w > t} w·c − t · Σ_{w > t} c.

The records of each segment (a group, or a scope such as an organisation's period) are sorted
once by `w` with suffix sums of w·c and c; for a threshold t a binary search finds where w
exceeds it. Exact, and costs log(records) per draw instead of records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gachi.engine.scopes import Scopes


@dataclass(frozen=True)
class Segments:
    """Records sorted by (segment, w) with suffix sums; `offsets[k]` starts segment k."""

    w: np.ndarray
    wc: np.ndarray  # suffix sums of w·c, one longer (0 at the end)
    c: np.ndarray  # suffix sums of c, one longer
    offsets: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray, w: np.ndarray, c: np.ndarray, n: int) -> Segments:
        order = np.lexsort((w, key))
        key, w, c = key[order], w[order], c[order]
        offsets = np.searchsorted(key, np.arange(n + 1), side="left")
        return cls(w, _suffix(w * c), _suffix(c), offsets)

    def at(self, t: np.ndarray, segments: Sequence[int]) -> np.ndarray:
        """Σ max(w − t, 0)·c per segment in `segments` (rows) and threshold in `t` (columns)."""
        out = np.empty((len(segments), len(t)))
        for row, k in enumerate(segments):
            start, stop = self.offsets[k], self.offsets[k + 1]
            above = start + np.searchsorted(self.w[start:stop], t, side="right")
            out[row] = (self.wc[above] - self.wc[stop]) - t * (self.c[above] - self.c[stop])
        return out


def _suffix(x: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x) + 1)
    out[:-1] = np.cumsum(x[::-1])[::-1]
    return out


@dataclass(frozen=True)
class ExcessSums:
    """One excess term's records, ready for any threshold: per group and per scope."""

    groups: Segments
    scopes: Segments
    n_scopes: int

    @classmethod
    def of(
        cls, group: np.ndarray, w: np.ndarray, c: np.ndarray, n_groups: int, scopes: Scopes
    ) -> ExcessSums:
        by_group = Segments.of(group, w, c, n_groups)
        # Every record once in each scope it belongs to (the whole, its slice, …).
        keys = scopes.memberships(group)
        reps = len(keys)
        n = len(scopes.keys)
        by_scope = Segments.of(np.concatenate(keys), np.tile(w, reps), np.tile(c, reps), n)
        return cls(by_group, by_scope, n)

    def at_scopes(self, t: np.ndarray, rows: Sequence[int] | None = None) -> np.ndarray:
        """Per scope (or the scopes of the indices `rows`), per threshold."""
        return self.scopes.at(t, range(self.n_scopes) if rows is None else rows)

    def at_groups(self, t: np.ndarray, groups: slice) -> np.ndarray:
        n = len(self.groups.offsets) - 1
        return self.groups.at(t, range(*groups.indices(n)))
