"""Why a restated figure moved: the difference between two published versions of a year,
attributed, line by line, to what changed — the data, the proxy values, the method (formula,
inputs, adjustments, settings).

Each version keeps what it was computed from (its data of the year and the YAML texts of its
definitions). Every mix of old and new parts is measured again, and each part gets its Shapley
share: the average of the change it makes over every order in which the parts could have been
changed. The shares of a line add up to the line's difference exactly, whatever the order, and
the shares of the total to the total's.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from gachi.engine.catalog import SETTINGS_FILE, Catalog, load_catalog
from gachi.engine.plan import columns_of
from gachi.errors import GachiError

FACTORS = ("data", "proxies", "method")
FALLBACK = ("data", "definitions")  # when proxies and method cannot be mixed
Key = tuple[int, str]  # programme id, indicator
Values = Mapping[Key, float]
Evaluate = Callable[
    [Catalog, Mapping[int, Sequence[str]], pd.DataFrame, Mapping[int, str]],
    "Mapping[tuple[int, int, str], float] | None",
]


@dataclass(frozen=True)
class Version:
    """What one published version was computed from (the private part of a publication)."""

    definitions: Mapping[str, Any]  # {"settings": text | None, "indicators": {id: YAML text}}
    inputs: Mapping[str, Any]  # {"columns", "rows", "chosen": {pid: [ids]}, "programmes"}


# ---------------------------------------------------------------- pure: the Shapley shares


def shapley(
    values: Mapping[frozenset[str], Values], factors: Sequence[str]
) -> dict[Key, dict[str, float]]:
    """Each line's share of each factor. `values[S]` are the lines measured with the factors in
    `S` new and the others old (a line missing from a measurement is 0)."""
    n = len(factors)
    keys = {k for v in values.values() for k in v}
    out: dict[Key, dict[str, float]] = {}
    for key in keys:
        shares = {}
        for f in factors:
            others = [g for g in factors if g != f]
            total = 0.0
            for size in range(n):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                for subset in itertools.combinations(others, size):
                    s = frozenset(subset)
                    total += weight * (values[s | {f}].get(key, 0.0) - values[s].get(key, 0.0))
            shares[f] = total
        out[key] = shares
    return out


# ------------------------------------------------------------- rebuilding what was computed


_catalogs: OrderedDict[str, Catalog | None] = OrderedDict()
_KEEP = 16
_lock = threading.Lock()  # requests run in threads: the cache is shared


def catalog_of(definitions: Mapping[str, Any]) -> Catalog | None:
    """The catalogue of a version's definition texts, or None when they do not check (a mix of
    one version's method with another's proxies may not)."""
    key = hashlib.sha256(json.dumps(definitions, sort_keys=True).encode()).hexdigest()
    with _lock:
        if key in _catalogs:
            _catalogs.move_to_end(key)
            return _catalogs[key]
    with tempfile.TemporaryDirectory(prefix="gachi-restate-") as tmp:
        root = Path(tmp)
        if definitions.get("settings"):
            (root / SETTINGS_FILE).write_text(definitions["settings"], encoding="utf-8")
        for ident, text in definitions["indicators"].items():
            (root / f"{ident}.yaml").write_text(text, encoding="utf-8")
        try:
            catalog: Catalog | None = load_catalog(root)
        except GachiError:
            catalog = None
    with _lock:
        _catalogs[key] = catalog
        while len(_catalogs) > _KEEP:
            _catalogs.popitem(last=False)
    return catalog


def mixed(method: Mapping[str, Any], proxies: Mapping[str, Any]) -> dict[str, Any]:
    """`method`'s definitions with the proxy values of `proxies` wherever both define the
    indicator."""
    out: dict[str, str] = {}
    for ident, text in method["indicators"].items():
        other = proxies["indicators"].get(ident)
        if other is None or other == text:
            out[ident] = text
            continue
        mine, theirs = yaml.safe_load(text), yaml.safe_load(other)
        if not isinstance(mine, dict) or not isinstance(theirs, dict):
            out[ident] = text
            continue
        if "proxies" in theirs:
            mine["proxies"] = theirs["proxies"]
        else:
            mine.pop("proxies", None)
        out[ident] = yaml.safe_dump(mine, allow_unicode=True, sort_keys=False)
    return {"settings": method.get("settings"), "indicators": out}


def frame_of(inputs: Mapping[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(inputs["rows"], columns=inputs["columns"])
    for column in frame.columns:
        if column not in ("organisation", "programme"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def chosen_of(inputs: Mapping[str, Any]) -> dict[int, list[str]]:
    return {int(pid): list(ids) for pid, ids in inputs["chosen"].items()}


def programmes_of(inputs: Mapping[str, Any]) -> dict[int, str]:
    return {int(pid): name for pid, name in inputs["programmes"].items()}


KEY_COLUMNS = frozenset({"organisation", "programme", "programme_id", "period"})


def as_published(version: Version) -> Version:
    """`version` with every entered value blanked that none of its own published indicators
    read. A mix measures one version's data under the other's definitions; without this, an
    input that only the other version reads would be measured at a value never published, and
    the shares (which are public) would give it away."""
    columns = list(version.inputs["columns"])
    if "programme_id" not in columns:  # no way to tell whose a value is: keep none
        return Version(version.definitions, {**version.inputs, "rows": []})
    catalog = catalog_of(version.definitions)
    read: dict[int, set[str]] = {}
    for pid, ids in chosen_of(version.inputs).items():
        read[pid] = set()
        for ident in ids:
            if catalog is not None and ident in catalog.entries:
                read[pid].update(columns_of(catalog, catalog.entries[ident]))
    at = columns.index("programme_id")
    rows = []
    for row in version.inputs["rows"]:
        allowed = read.get(int(row[at]), set()) | KEY_COLUMNS
        rows.append([v if c in allowed else None for c, v in zip(columns, row, strict=True)])
    return Version(version.definitions, {**version.inputs, "rows": rows})


# ------------------------------------------------------------------------- the attribution


def attribute(
    old: Version, new: Version, evaluate: Evaluate
) -> tuple[tuple[str, ...], dict[Key, dict[str, float]], dict[Key, dict[str, float]]]:
    """(the factors used, each line's share of each in the line's value, each line's share of
    each in the total). The two differ where a definition changes whether a line counts in the
    total (`in_totals`): the line's value may not move while the total does. Proxies and method
    are told apart when every mix of them checks; otherwise the definitions count as one
    factor. `((), {}, {})` when not even the versions themselves can be measured again.

    An indicator that only one version uses is measured with that version's definition in
    every mix: choosing it (or no longer choosing it) for a programme is a change of the data,
    not of its formula. Each version's data counts only as its own book read it."""
    old, new = as_published(old), as_published(new)
    old, new = _completed(old, new), _completed(new, old)
    for factors in (FACTORS, FALLBACK):
        values: dict[frozenset[str], Values] = {}
        counted: dict[frozenset[str], Values] = {}
        for size in range(len(factors) + 1):
            for subset in itertools.combinations(factors, size):
                measured = _measure(frozenset(subset), factors, old, new, evaluate)
                if measured is None:
                    break
                values[frozenset(subset)], counted[frozenset(subset)] = measured
        if len(values) < 2 ** len(factors):
            continue
        return factors, shapley(values, factors), shapley(counted, factors)
    return (), {}, {}


def _completed(mine: Version, other: Version) -> Version:
    """`mine` with the definitions of the indicators only `other` has (when they still check
    together with `mine`'s)."""
    have = mine.definitions["indicators"]
    missing = {i: t for i, t in other.definitions["indicators"].items() if i not in have}
    if not missing:
        return mine
    definitions = {**mine.definitions, "indicators": {**have, **missing}}
    if catalog_of(definitions) is None:
        return mine
    return Version(definitions, mine.inputs)


def _measure(
    s: frozenset[str],
    factors: Sequence[str],
    old: Version,
    new: Version,
    evaluate: Evaluate,
) -> tuple[Values, Values] | None:
    """The lines measured with the factors in `s` new, and the part of each in the total (its
    value, or 0 when its indicator is not counted in the totals under those definitions)."""
    data = new.inputs if "data" in s else old.inputs
    if "definitions" in factors:
        definitions: Mapping[str, Any] = (new if "definitions" in s else old).definitions
    else:
        definitions = mixed(
            (new if "method" in s else old).definitions,
            (new if "proxies" in s else old).definitions,
        )
    catalog = catalog_of(definitions)
    if catalog is None:
        return None
    measured = evaluate(catalog, chosen_of(data), frame_of(data), programmes_of(data))
    if measured is None:
        return None
    out: dict[Key, float] = {}
    for (pid, _period, ident), value in measured.items():
        out[(pid, ident)] = out.get((pid, ident), 0.0) + value
    counted = {k: v for k, v in out.items() if catalog.entries[k[1]].spec.in_totals}
    return out, counted
