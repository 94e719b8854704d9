"""The uncertain assumptions of a catalogue — proxies and SROI adjustments with a distribution —
and their seeded draws.

A proxy declared identically in several indicators (same name, value, unit, currency, base year
and distribution: the social cost of carbon used by three emission indicators, say) is *one*
assumption, drawn once and shared, so that the indicators move together as they would if the
figure were wrong. Each assumption's draws come from its own random stream, derived from the seed
and the assumption's identity: adding an indicator to a catalogue does not change the draws of
the others.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gachi.engine.catalog import Catalog, Entry, ResolvedProxy
from gachi.engine.spec import Adjustment, LogNormal, Normal, Triangular, Uncertainty, Uniform
from gachi.kernel.money import format_number

DEFAULT_DRAWS = 10_000
ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off")


@dataclass(frozen=True)
class Parameter:
    """One uncertain assumption, in the units it is written in (a proxy in its own unit, currency
    and base year; an adjustment as a fraction). Each indicator using a proxy scales the draws to
    its own currency and report-year prices (`proxy_scale`), so one draw serves them all."""

    key: str  # stable identity, also the seed of its random stream
    label: str  # what people read: the proxy's name, or `indicator.attribution`
    kind: str  # "proxy" or "adjustment"
    point: float
    uncertainty: Uncertainty
    unit: str  # e.g. "USD/tCO2e (2020)"; "" for a fraction
    used_by: tuple[str, ...]

    def describe(self) -> str:
        """The distribution as written in the definition, e.g. `triangular(0.3, 0.5, 0.7)`."""
        u = self.uncertainty
        match u:
            case Triangular():
                return f"triangular({_n(u.low)}, {_n(u.mode)}, {_n(u.high)})"
            case Uniform():
                return f"uniform({_n(u.low)}, {_n(u.high)})"
            case Normal():
                return f"normal(sd={_n(u.sd)})"
            case LogNormal():
                return f"lognormal(gsd={_n(u.gsd)})"
        return "fixed"

    def draw(self, n: int, seed: int) -> np.ndarray:
        """`n` draws, the same for the same seed whatever else the catalogue holds."""
        digest = hashlib.sha256(self.key.encode("utf-8")).digest()
        words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
        rng = np.random.default_rng([seed, *words])
        u = self.uncertainty
        value = self.point
        match u:
            case Triangular():
                x = rng.triangular(u.low, u.mode, u.high, n)
            case Uniform():
                x = rng.uniform(u.low, u.high, n)
            case Normal():
                x = rng.normal(value, u.sd, n)
            case LogNormal():
                x = value * np.exp(rng.normal(0.0, math.log(u.gsd), n))
            case _:
                x = np.full(n, value)
        if self.kind == "adjustment":
            # A normal or log-normal share can stray outside 0–100 %; a share cannot.
            np.clip(x, 0.0, 1.0, out=x)
        return x


def _n(x: float) -> str:
    return format_number(x, 6)


def is_uncertain(u: Uncertainty) -> bool:
    return u.distribution != "fixed"


def proxy_key(entry: Entry, name: str) -> str:
    p = entry.proxies[name].spec
    return "proxy:" + repr(
        (p.name, p.value, p.unit, p.currency, p.base_year, p.uncertainty.model_dump_json())
    )


def adjustment_key(indicator: str, name: str) -> str:
    return f"adjustment:{indicator}.{name}"


def proxy_scale(p: ResolvedProxy) -> float:
    """From the figure as written to what the indicator computes with: re-based to its currency
    and the report year, in base units (the same factor its value went through)."""
    return p.unit.scale * p.rebased.fx_rate * p.rebased.cpi_factor


@dataclass(frozen=True)
class Parameters:
    """Every uncertain assumption of some indicators, in a stable order."""

    items: tuple[Parameter, ...]

    @property
    def index(self) -> Mapping[str, int]:
        return {p.key: i for i, p in enumerate(self.items)}

    def __len__(self) -> int:
        return len(self.items)

    def draw(self, n: int, seed: int) -> np.ndarray:
        """A (parameters × n) matrix of draws."""
        if not self.items:
            return np.empty((0, n))
        return np.stack([p.draw(n, seed) for p in self.items])

    def points(self, n: int = 1) -> np.ndarray:
        """A (parameters × n) matrix of every assumption at its estimate."""
        return np.repeat(np.array([p.point for p in self.items], dtype=float)[:, None], n, axis=1)


def collect(catalog: Catalog, ids: Iterable[str]) -> Parameters:
    """The uncertain assumptions of `ids` and everything they depend on."""
    found: dict[str, Parameter] = {}
    users: dict[str, list[str]] = {}
    for ident in catalog.closure(ids):
        entry = catalog.entries[ident]
        for name, proxy in entry.proxies.items():
            if not is_uncertain(proxy.spec.uncertainty):
                continue
            key = proxy_key(entry, name)
            users.setdefault(key, []).append(ident)
            if key not in found:
                spec = proxy.spec
                found[key] = Parameter(
                    key,
                    name,
                    "proxy",
                    spec.value,
                    spec.uncertainty,
                    f"{spec.unit} ({spec.base_year})",
                    (),
                )
        adjustments = entry.spec.adjustments
        for name in ADJUSTMENTS:
            adj = getattr(adjustments, name)
            if isinstance(adj, Adjustment) and is_uncertain(adj.uncertainty):
                key = adjustment_key(ident, name)
                users[key] = [ident]
                found[key] = Parameter(
                    key, f"{ident}.{name}", "adjustment", adj.value, adj.uncertainty, "", ()
                )
    # Labels people read must be unique: two different proxies called `wage` get their indicator.
    counts: dict[str, int] = {}
    for p in found.values():
        counts[p.label] = counts.get(p.label, 0) + 1
    items = []
    for key, p in found.items():
        label = p.label if counts[p.label] == 1 else f"{p.label} ({users[key][0]})"
        items.append(
            Parameter(p.key, label, p.kind, p.point, p.uncertainty, p.unit, tuple(users[key]))
        )
    return Parameters(tuple(items))


def adjustment_factor(
    entry: Entry, discount_rate: float, values: Mapping[str, np.ndarray] | None = None
) -> np.ndarray | float:
    """`Entry.adjustment_factor`, with any of its four fractions replaced by arrays of draws."""
    a = entry.spec.adjustments
    v: dict[str, np.ndarray | float] = {n: a.fraction(n) for n in ADJUSTMENTS}
    v.update(values or {})
    factor = (1 - v["deadweight"]) * (1 - v["displacement"]) * (1 - v["attribution"])
    stream: np.ndarray | float = 0.0
    for t in range(a.duration):
        stream = stream + (1 - v["drop_off"]) ** t / (1 + discount_rate) ** (a.outcome_start + t)
    return factor * stream


def quantiles(x: np.ndarray, qs: Sequence[float] = (0.05, 0.5, 0.95)) -> tuple[float, ...]:
    return tuple(float(v) for v in np.quantile(x, qs))
