"""A restatement: what moved a published year's figures since the version before, line by line,
and the changes themselves (indicator definitions, proxy values, the entered data).

Only published values may be learnt from it. A line whose indicator is measured the same way
in both versions (same formula, same inputs, same baseline) is split into the shares of data,
proxy values and method by measuring the mixes of the two versions (`attribution`): with the same
formula, a mix is the published value scaled by published factors. A line whose formula or
inputs changed is not split: measuring the old formula on the new data (or the reverse) would
publish a new function of values that neither book published. Its whole difference goes to the
definitions, or to the data and definitions together when the data it read changed too; a line
that only one version has is a change of the data (a programme chose, or dropped, the indicator).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gachi.db.models import Publication
from gachi.domains.publishing.attribution import Version, as_published, attribute
from gachi.domains.runs import service as runs

SHOWN_DATA_CHANGES = 200
# Every cause a share can go to, in the order pages show them.
ORDER = ("data", "proxies", "method", "definitions", "data_and_definitions")
ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off", "duration")
Key = tuple[int, str]


def restatement(previous: Publication, book: Mapping[str, Any], new: Version) -> dict[str, Any]:
    """What moved the year's figures since `previous`: each line's difference with its shares
    by cause, the totals of those shares, and the changes themselves."""
    old = Version(previous.definitions, previous.inputs)
    split, shares, counted = attribute(old, new, runs.measure_values)
    before_book = previous.book
    was_in_totals = {i["id"]: i["in_totals"] for i in before_book["indicators"]}
    in_totals = {**was_in_totals, **{i["id"]: i["in_totals"] for i in book["indicators"]}}
    before = {(x["programme_id"], x["indicator"]): x for x in before_book["lines"]}
    after = {(x["programme_id"], x["indicator"]): x for x in book["lines"]}
    whole = _unsplit(before_book, book, old, new, set(before) & set(after))
    used: set[str] = set(split)
    out_lines = []
    effects_total: dict[str, float] = {}
    for key in sorted(set(before) | set(after) | set(shares) | set(counted)):
        b = before.get(key, {}).get("value", 0.0)
        a = after.get(key, {}).get("value", 0.0)
        delta = a - b
        if key in whole or (key in before) != (key in after):
            cause = whole.get(key, "data")
            # The line's part in the total, before and after (a line not counted is 0).
            b_in = b if was_in_totals.get(key[1], True) else 0.0
            a_in = a if in_totals.get(key[1], True) else 0.0
            line_shares, line_counted = {cause: delta}, {cause: a_in - b_in}
        else:
            line_shares = dict(shares.get(key, {}))
            line_counted = dict(counted.get(key, {}))
        used |= {f for f, v in line_shares.items() if abs(v) > 1e-9}
        used |= {f for f, v in line_counted.items() if abs(v) > 1e-9}
        for f, v in line_counted.items():
            effects_total[f] = effects_total.get(f, 0.0) + v
        residual = delta - sum(line_shares.values())
        moved = [delta, *line_shares.values(), *line_counted.values()]
        if all(abs(v) < 1e-9 for v in moved):
            continue
        name = (after.get(key) or before.get(key) or {}).get("programme", str(key[0]))
        out_lines.append(
            {
                "programme_id": key[0],
                "programme": name,
                "indicator": key[1],
                "in_totals": in_totals.get(key[1], True),
                "in_totals_before": was_in_totals.get(key[1], in_totals.get(key[1], True)),
                "before": b if key in before else None,
                "after": a if key in after else None,
                "delta": delta,
                "effects": line_shares,
                "residual": residual,
            }
        )
    factors = [f for f in ORDER if f in used] or list(split)
    for line in out_lines:
        line["effects"] = {f: line["effects"].get(f, 0.0) for f in factors}
    out_lines.sort(key=lambda x: -abs(x["delta"]))
    total_before = before_book["total"]["value"]
    total_after = book["total"]["value"]
    delta = total_after - total_before
    effects = {f: effects_total.get(f, 0.0) for f in factors}
    return {
        "from_version": previous.version,
        "reason": book["reason"],
        "total_before": total_before,
        "total_after": total_after,
        "delta": delta,
        "factors": factors if (split or whole or used) else [],
        "effects": effects,
        "residual": delta - sum(effects.values()),
        "lines": out_lines,
        "changes": _changes(before_book, book, old, new),
    }


# ---- which lines are not split ---------------------------------------------------------------


def _structure(book: Mapping[str, Any]) -> dict[str, Any]:
    """What each indicator's value is a function of: its formula, the columns it reads and its
    baseline, with those of what it builds on (scalars such as proxy values, adjustments and
    the price year only scale it)."""
    own = {
        i["id"]: (
            i["formula"],
            tuple(sorted((x["name"], x["column"]) for x in i["inputs"])),
            i["baseline"],
            tuple(sorted(i["depends_on"])),
        )
        for i in book["indicators"]
    }

    def closure(ident: str, seen: frozenset[str] = frozenset()) -> Any:
        if ident not in own or ident in seen:
            return None
        formula, inputs, baseline, deps = own[ident]
        parts = tuple(closure(d, seen | {ident}) for d in deps)
        return (formula, inputs, baseline, deps, parts)

    return {ident: closure(ident) for ident in own}


def _unsplit(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    old: Version,
    new: Version,
    both: set[Key],
) -> dict[Key, str]:
    """The lines of both versions whose indicator is measured another way now, each with the
    one cause its whole difference goes to: `definitions`, or `data_and_definitions` when a
    value it read in both versions changed too."""
    was, now = _structure(before), _structure(after)
    old_reads, new_reads = _read(before), _read(after)
    old_cells = _cells(as_published(old).inputs)
    new_cells = _cells(as_published(new).inputs)
    out: dict[Key, str] = {}
    for pid, ident in both:
        if was.get(ident) == now.get(ident):
            continue
        shared = old_reads.get(ident, set()) & new_reads.get(ident, set())
        moved = any(old_cells.get((pid, c)) != new_cells.get((pid, c)) for c in shared)
        out[(pid, ident)] = "data_and_definitions" if moved else "definitions"
    return out


def _cells(inputs: Mapping[str, Any]) -> dict[tuple[int, str], Any]:
    """Every entered value of a version, by (programme, column)."""
    columns = inputs["columns"]
    out: dict[tuple[int, str], Any] = {}
    for row in inputs["rows"]:
        rec = dict(zip(columns, row, strict=True))
        pid = int(rec["programme_id"])
        for column, value in rec.items():
            if value is not None:
                out[(pid, column)] = value
    return out


# ---- the changes themselves -----------------------------------------------------------------


def _changes(
    before: Mapping[str, Any], after: Mapping[str, Any], old: Version, new: Version
) -> dict[str, Any]:
    """The changes themselves: indicator versions, proxy values, and the entered data."""
    was = {i["id"]: i for i in before["indicators"]}
    now = {i["id"]: i for i in after["indicators"]}
    definitions = []
    for ident in sorted(set(was) | set(now)):
        a, b = was.get(ident), now.get(ident)
        if a and b and a["spec_hash"] == b["spec_hash"]:
            continue
        proxies = []
        pa = {p["name"]: p for p in (a or {}).get("proxies", [])}
        pb = {p["name"]: p for p in (b or {}).get("proxies", [])}
        for name in sorted(set(pa) | set(pb)):
            va = pa.get(name, {}).get("value")
            vb = pb.get(name, {}).get("value")
            if va != vb or pa.get(name, {}).get("unit") != pb.get(name, {}).get("unit"):
                proxies.append(
                    {
                        "name": name,
                        "before": va,
                        "after": vb,
                        "unit": (pb.get(name) or pa.get(name) or {}).get("unit"),
                    }
                )
        definitions.append(
            {
                "indicator": ident,
                "name": (b or a or {}).get("name"),
                "from_version": a["version"] if a else None,
                "to_version": b["version"] if b else None,
                "formula_before": a["formula"] if a else None,
                "formula_after": b["formula"] if b else None,
                "proxies": proxies,
                "adjustments": _adjustments(a, b),
                "baseline_before": a["baseline"] if a else None,
                "baseline_after": b["baseline"] if b else None,
                "in_totals_before": a["in_totals"] if a else None,
                "in_totals_after": b["in_totals"] if b else None,
            }
        )
    data = _data_changes(old.inputs, new.inputs, _read(before), _read(after))
    return {
        "settings": old.definitions.get("settings") != new.definitions.get("settings"),
        "definitions": definitions,
        "data": data[:SHOWN_DATA_CHANGES],
        "data_count": len(data),
    }


def _adjustments(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The adjustments of an indicator that changed between two versions that both have it."""
    if not a or not b:
        return []
    was, now = a["adjustments"], b["adjustments"]
    return [
        {"name": k, "before": was.get(k), "after": now.get(k)}
        for k in ADJUSTMENTS
        if was.get(k) != now.get(k)
    ]


def _read(book: Mapping[str, Any]) -> dict[str, set[str]]:
    """The input columns each indicator of `book` reads, with those of what it builds on."""
    own = {i["id"]: {x["column"] for x in i["inputs"]} for i in book["indicators"]}
    deps = {i["id"]: list(i["depends_on"]) for i in book["indicators"]}
    out: dict[str, set[str]] = {}
    for ident in own:
        seen, stack, columns = set(), [ident], set()
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            columns |= own.get(i, set())
            stack.extend(deps.get(i, []))
        out[ident] = columns
    return out


def _data_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_reads: Mapping[str, set[str]],
    new_reads: Mapping[str, set[str]],
) -> list[dict[str, Any]]:
    """The entered values of the year that changed, as (programme, input, change), for the
    programmes of either book. A value is compared only where both books read it (only then
    were both of its values published, as results); an input that one book reads and the other
    does not is listed as newly read or no longer read, its values left out."""

    def shown(inputs: Mapping[str, Any], reads: Mapping[str, set[str]]) -> dict[int, set[str]]:
        return {
            int(pid): set().union(*(reads.get(i, set()) for i in ids))
            for pid, ids in inputs["chosen"].items()
        }

    was, now = shown(old, old_reads), shown(new, new_reads)
    names = {int(k): v for k, v in old["programmes"].items()}
    names.update({int(k): v for k, v in new["programmes"].items()})
    a, b = _cells(old), _cells(new)
    found: list[tuple[str, str, str]] = []
    for pid in set(was) | set(now):
        old_columns, new_columns = was.get(pid, set()), now.get(pid, set())
        name = names.get(pid, str(pid))
        for c in old_columns & new_columns:
            if a.get((pid, c)) != b.get((pid, c)):
                found.append((name, c, _change(a.get((pid, c)), b.get((pid, c)))))
        if pid in was and pid in now:  # a programme added or dropped is in the lines already
            found += [(name, c, "now-read") for c in new_columns - old_columns]
            found += [(name, c, "no-longer-read") for c in old_columns - new_columns]
    return [{"programme": n, "input": c, "change": ch} for n, c, ch in sorted(found)]


def _change(before: float | None, after: float | None) -> str:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "changed"
