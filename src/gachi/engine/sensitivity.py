"""Which assumption drives the spread, and where the total would break even.

The share of variance is the first-order (Sobol) index S_k = Var(E[Y | X_k]) / Var(Y), estimated
from the same draws as the ranges: sort the draws by X_k, cut them into equal bins, and take the
variance of the bin means (less the part of it that is only noise in finite bins). For a total
that is a sum of independent terms, the shares are each term's variance over the total's and add
up to one; what they leave is interaction between assumptions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BINS = 50


def first_order(x: np.ndarray, y: np.ndarray, bins: int | None = None) -> float:
    """The first-order variance share of `y` explained by `x` (both one draw per element)."""
    return float(first_order_rows(x, y[np.newaxis, :], bins)[0])


def first_order_rows(x: np.ndarray, ys: np.ndarray, bins: int | None = None) -> np.ndarray:
    """The first-order share of each row of `ys` (rows × draws) explained by `x`: one sort of
    `x` serves every row (the totals of several scopes, say)."""
    n = ys.shape[1]
    out = np.zeros(ys.shape[0])
    # About a hundred draws per bin at least: fewer, and noise passes for signal.
    bins = bins or max(5, min(BINS, n // 100))
    if n < 2 * bins or float(np.ptp(x)) == 0.0:
        return out
    # Centred first, so that sums of squares of large totals keep their precision.
    centred = ys - ys.mean(axis=1, keepdims=True)
    var = np.mean(centred**2, axis=1)
    ordered = centred[:, np.argsort(x, kind="stable")]
    sizes = np.array([len(c) for c in np.array_split(np.empty(n), bins)])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    sums = np.add.reduceat(ordered, starts, axis=1)
    squares = np.add.reduceat(ordered**2, starts, axis=1)
    means = sums / sizes
    within = np.sum(squares - sums * means, axis=1) / n
    between = np.sum(sizes * means**2, axis=1) / n
    # Finite bins see noise as signal: E[between] ≈ V(E[Y|X]) + (bins − 1)/n · E[within].
    corrected = between - (bins - 1) / (n - bins) * within
    ok = var > 0.0
    out[ok] = np.clip(corrected[ok] / var[ok], 0.0, 1.0)
    return out


def break_even(
    total_at: Callable[[np.ndarray], np.ndarray], point: float, spread: float
) -> float | None:
    """The value of one assumption that makes `total_at` zero, nearest its point value, or None.

    `total_at` values the total for an array of values of this assumption, everything else at
    its estimate. A total linear in the assumption (nearly always: a proxy multiplies) is solved
    exactly; otherwise the sign change is looked for on a grid around the point.
    """
    step = spread if spread > 0 else max(abs(point), 1.0) * 0.1
    xs = np.array([point, point + step, point + 2 * step])
    f0, f1, f2 = total_at(xs)
    if f0 == f1 == f2 == 0.0:
        return None  # zero whatever the value: no break-even to speak of
    if f0 == 0.0:
        return point
    scale = max(abs(f0), abs(f1), abs(f2), 1e-300)
    if abs(f2 - 2 * f1 + f0) <= 1e-9 * scale:  # linear
        if f1 == f0:
            return None
        x = point - f0 * step / (f1 - f0)
        return float(x)
    grid = np.linspace(point - 50 * step, point + 50 * step, 2001)
    values = total_at(grid)
    signs = np.sign(values)
    change = np.nonzero(signs[:-1] * signs[1:] <= 0)[0]
    if len(change) == 0:
        return None
    i = change[np.argmin(np.abs(grid[change] - point))]
    a, b, fa, fb = grid[i], grid[i + 1], values[i], values[i + 1]
    return float(a if fb == fa else a - fa * (b - a) / (fb - fa))
