"""Publishing a reporting year, restating it, and the organisation's own view of what it has
published. Services flush; the request commits. Public reading is in `public`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from gachi.config import Settings
from gachi.db.base import utcnow
from gachi.db.models import Organisation, Publication, PublishingProfile, Run, User
from gachi.db.tenancy import TenantRepository
from gachi.domains.audit.service import record
from gachi.domains.programmes.service import own_definitions
from gachi.domains.publishing.attribution import Version, attribute
from gachi.domains.publishing.book import Line, formula_book
from gachi.domains.runs import service as runs
from gachi.engine.catalog import SETTINGS_FILE, Catalog
from gachi.engine.plan import compile_plan
from gachi.engine.result import lineage_of
from gachi.errors import Conflict, InvalidInput, Issue
from gachi.kernel.text import hidden_issue, normalised, shows_nothing

MAX_REASON = 2000
MIN_YEAR, MAX_YEAR = 1990, 2100
SHOWN_DATA_CHANGES = 200


def publications(repo: TenantRepository) -> Sequence[Publication]:
    """Every version the organisation published, newest year and version first (the books
    themselves are not read)."""
    query = repo.select(Publication).order_by(Publication.year.desc(), Publication.version.desc())
    return repo.db.scalars(query).all()


def latest(repo: TenantRepository, year: int) -> Publication | None:
    query = (
        repo.select(Publication)
        .where(Publication.year == year)
        .order_by(Publication.version.desc())
        .limit(1)
    )
    return repo.db.scalar(query)


def publishable_years(repo: TenantRepository) -> tuple[Run | None, list[int]]:
    """The latest finished run and the years it measured (what can be published now)."""
    run = runs.latest_done(repo)
    if run is None or not run.summary:
        return run, []
    return run, [int(p) for p in run.summary.get("periods", [])]


def freshness(repo: TenantRepository, settings: Settings, run: Run) -> list[Issue]:
    """Why `run` no longer shows the organisation's data and definitions (empty: it does)."""
    inputs = runs.load_inputs(repo, settings)
    return _stale(run, inputs.catalog, inputs.data_version)


def _stale(run: Run, catalog: Catalog, data_version: str) -> list[Issue]:
    issues = []
    if run.data_version != data_version:
        issues.append(Issue("publish.stale-data", {"run": run.id}))
    for ident, seen in sorted((run.indicator_versions or {}).items()):
        entry = catalog.entries.get(ident)
        if entry is None or entry.spec.spec_hash() != seen.get("spec_hash"):
            issues.append(Issue("publish.stale-definition", {"run": run.id, "indicator": ident}))
    if not issues and runs.plan_fingerprint_now(catalog, run) != run.plan_fingerprint:
        # Same data, same definitions: the catalogue's settings (report year, currency, price
        # index, discount rate) changed since the run.
        issues.append(Issue("publish.stale-settings", {"run": run.id}))
    return issues


def publish(
    repo: TenantRepository,
    user: User,
    settings: Settings,
    *,
    year: object,
    reason: str = "",
) -> Publication:
    """Publish `year` from the latest finished run: its first version, or a restatement of the
    version published before, which needs a reason and records what moved the figures."""
    year = _year(year)
    reason = normalised(reason)
    if shows_nothing(reason):
        reason = ""  # zero-width spaces or fillers say nothing: no reason given
    if hidden := hidden_issue(reason, "reason", multiline=True):
        raise InvalidInput.of([hidden])
    run, years = publishable_years(repo)
    if run is None:
        raise InvalidInput("publish.no-run")
    if year not in years:
        raise InvalidInput(
            "publish.year-not-measured",
            field="year",
            year=year,
            years=", ".join(str(y) for y in years) or "—",
        )
    inputs = runs.load_inputs(repo, settings)
    stale = _stale(run, inputs.catalog, inputs.data_version)
    if stale:
        raise Conflict.of(stale)
    previous = latest(repo, year)
    if previous is not None:
        if not reason:
            raise InvalidInput("restate.reason-required", field="reason", year=year)
        if previous.run_id == run.id:
            raise InvalidInput("publish.unchanged", year=year, version=previous.version)
    if len(reason) > MAX_REASON:
        raise InvalidInput("publish.reason-too-long", field="reason", limit=MAX_REASON)

    lines = _lines(repo, run, year)
    if not lines:
        raise InvalidInput("publish.year-not-measured", field="year", year=year, years="—")
    chosen: dict[int, list[str]] = {}
    for line in lines:
        chosen.setdefault(line.programme_id, []).append(line.indicator)
    used = sorted({line.indicator for line in lines})
    catalog = inputs.catalog
    plan = compile_plan(catalog, used)
    lineage = {p.id: lineage_of(catalog, catalog.entries[p.id], p.factor) for p in plan.indicators}
    lineage = {k: _public_lineage(v) for k, v in lineage.items()}
    version = previous.version + 1 if previous else 1
    now = utcnow()
    org = repo.db.get(Organisation, repo.organisation_id)
    assert org is not None
    book = formula_book(
        organisation={
            "id": org.id,
            "name": org.name,
            "kind": org.kind,
            "region_sido": org.region_sido,
            "region_sigungu": org.region_sigungu,
            "industry": org.industry,
        },
        year=year,
        version=version,
        published_at=now.isoformat(timespec="seconds"),
        reason=reason,
        summary=run.summary or {},
        lines=lines,
        catalog=catalog,
        lineage=lineage,
        data_version=run.data_version or "",
        plan_fingerprint=run.plan_fingerprint or "",
    )
    private_inputs = _inputs_of(inputs.frame, year, chosen, inputs.programmes)
    definitions = _definitions(repo, settings, catalog, list(lineage))
    if previous is not None:
        book["restatement"] = restatement(previous, book, Version(definitions, private_inputs))
    try:
        publication = repo.add(
            Publication(
                year=year,
                version=version,
                run_id=run.id,
                reason=reason,
                total=book["total"]["value"],
                book=book,
                inputs=private_inputs,
                definitions=definitions,
                published_by=user.id,
                published_at=now,
            )
        )
    except IntegrityError:  # the same year published a moment ago, by another request
        raise Conflict("publish.conflict", year=year, version=version) from None
    record(
        repo.db,
        organisation_id=repo.organisation_id,
        user_id=user.id,
        entity="publication",
        entity_id=f"{year} v{version}",
        action="restate" if previous else "publish",
        before={"version": previous.version, "total": previous.total} if previous else None,
        after={"version": version, "total": publication.total, "reason": reason},
    )
    return publication


def _year(raw: object) -> int:
    try:
        year = int(str(raw).strip())
    except ValueError:
        raise InvalidInput("publish.year-invalid", field="year", value=str(raw)[:20]) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput("publish.year-invalid", field="year", value=str(year))
    return year


def _lines(repo: TenantRepository, run: Run, year: int) -> list[Line]:
    count = runs.count_values(repo, run, period=year)
    rows = runs.values(repo, run, period=year, limit=max(count, 1))
    return [
        Line(
            programme_id=r.programme_id or 0,
            programme=r.programme,
            indicator=r.indicator_id,
            value=float(r.value or 0.0),
            records=r.records,
            p5=r.p5,
            p50=r.p50,
            p95=r.p95,
        )
        for r in rows
        if r.value is not None
    ]


def _public_lineage(lin: Any) -> Any:
    """Lineage without the server's file paths: a shipped indicator is named by its file in
    the catalogue, an own one as `own/<id>.yaml`."""
    from dataclasses import replace

    name = lin.file if lin.file.startswith("own/") else f"catalogue/{Path(lin.file).name}"
    return replace(lin, file=name)


def _inputs_of(
    frame: pd.DataFrame, year: int, chosen: Mapping[int, list[str]], programmes: Mapping[int, str]
) -> dict[str, Any]:
    """The year's records of the programmes the book shows, and which indicators each of them
    published (kept private: what a later restatement measures again)."""
    if not frame.empty:
        mine = frame[(frame["period"] == year) & frame["programme_id"].isin(list(chosen))]
    else:
        mine = frame
    rows = [
        [None if isinstance(v, float) and math.isnan(v) else _plain(v) for v in row]
        for row in mine.itertuples(index=False, name=None)
    ]
    return {
        "columns": [str(c) for c in mine.columns],
        "rows": rows,
        "chosen": {str(pid): ids for pid, ids in chosen.items()},
        "programmes": {str(pid): programmes.get(pid, str(pid)) for pid in chosen},
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return value


def _definitions(
    repo: TenantRepository, settings: Settings, catalog: Catalog, ids: Sequence[str]
) -> dict[str, Any]:
    """The YAML text of every indicator the book uses, and the catalogue's settings."""
    own = dict(own_definitions(repo))
    texts = {}
    for ident in catalog.closure(ids):
        if ident in own:
            texts[ident] = own[ident]
        else:
            texts[ident] = Path(catalog.entries[ident].file).read_text(encoding="utf-8")
    settings_file = Path(settings.catalog_dir) / SETTINGS_FILE
    return {
        "settings": settings_file.read_text(encoding="utf-8") if settings_file.exists() else None,
        "indicators": texts,
    }


# ---- restatements --------------------------------------------------------------------------


def restatement(previous: Publication, book: Mapping[str, Any], new: Version) -> dict[str, Any]:
    """What moved the year's figures since `previous`: each line's difference with its shares
    of data, proxy values and method, the totals of those shares, and the changes themselves."""
    old = Version(previous.definitions, previous.inputs)
    factors, shares, counted = attribute(old, new, runs.measure_values)
    before_book = previous.book
    was_in_totals = {i["id"]: i["in_totals"] for i in before_book["indicators"]}
    in_totals = {**was_in_totals, **{i["id"]: i["in_totals"] for i in book["indicators"]}}
    before = {(x["programme_id"], x["indicator"]): x for x in before_book["lines"]}
    after = {(x["programme_id"], x["indicator"]): x for x in book["lines"]}
    out_lines = []
    effects_total = dict.fromkeys(factors, 0.0)
    nothing = dict.fromkeys(factors, 0.0)
    for key in sorted(set(before) | set(after) | set(shares) | set(counted)):
        b = before.get(key, {}).get("value", 0.0)
        a = after.get(key, {}).get("value", 0.0)
        line_shares = shares.get(key, nothing)
        line_counted = counted.get(key, nothing)
        for f in factors:
            effects_total[f] += line_counted.get(f, 0.0)
        delta = a - b
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
    out_lines.sort(key=lambda x: -abs(x["delta"]))
    total_before = before_book["total"]["value"]
    total_after = book["total"]["value"]
    delta = total_after - total_before
    return {
        "from_version": previous.version,
        "reason": book["reason"],
        "total_before": total_before,
        "total_after": total_after,
        "delta": delta,
        "factors": list(factors),
        "effects": effects_total,
        "residual": delta - sum(effects_total.values()),
        "lines": out_lines,
        "changes": _changes(before_book, book, old, new),
    }


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


ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off", "duration")


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
    """Every entered value of the year that differs, as (programme, input, change), for the
    programmes of either book and only the inputs their published indicators read: the values
    were published as results only, so this names inputs, never values, and nothing of a
    programme or an input that was not published."""

    def shown(inputs: Mapping[str, Any], reads: Mapping[str, set[str]]) -> dict[int, set[str]]:
        return {
            int(pid): set().union(*(reads.get(i, set()) for i in ids))
            for pid, ids in inputs["chosen"].items()
        }

    allowed: dict[int, set[str]] = shown(old, old_reads)
    for pid, columns in shown(new, new_reads).items():
        allowed[pid] = allowed.get(pid, set()) | columns
    names = {int(k): v for k, v in old["programmes"].items()}
    names.update({int(k): v for k, v in new["programmes"].items()})

    def cells(inputs: Mapping[str, Any]) -> dict[tuple[int, str], float]:
        columns = inputs["columns"]
        out = {}
        for row in inputs["rows"]:
            rec = dict(zip(columns, row, strict=True))
            pid = int(rec["programme_id"])
            for c in allowed.get(pid, ()):
                if rec.get(c) is not None:
                    out[(pid, c)] = rec[c]
        return out

    a, b = cells(old), cells(new)
    changed = sorted(
        (names.get(pid, str(pid)), c, pid)
        for pid, c in set(a) | set(b)
        if a.get((pid, c)) != b.get((pid, c))
    )
    return [
        {"programme": name, "input": c, "change": _change(a.get((pid, c)), b.get((pid, c)))}
        for name, c, pid in changed
    ]


def _change(before: float | None, after: float | None) -> str:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "changed"


# ---- the organisation's choices -------------------------------------------------------------


def profile(repo: TenantRepository) -> PublishingProfile | None:
    return repo.db.scalar(repo.select(PublishingProfile))


def set_peer_comparison(repo: TenantRepository, user: User, enabled: bool) -> PublishingProfile:
    found = profile(repo)
    before = found.peer_comparison if found else False
    if found is None:
        try:
            found = repo.add(PublishingProfile(peer_comparison=enabled))
        except IntegrityError:  # the first choice made twice at once
            raise Conflict("conflict") from None
    else:
        found.peer_comparison = enabled
        repo.db.flush()
    if before != enabled:
        record(
            repo.db,
            organisation_id=repo.organisation_id,
            user_id=user.id,
            entity="publishing",
            entity_id=repo.organisation_id,
            action="peer-comparison",
            before={"peer_comparison": before},
            after={"peer_comparison": enabled},
        )
    return found


def count_published(repo: TenantRepository) -> int:
    query = repo.select(Publication).with_only_columns(func.count(Publication.id))
    return int(repo.db.scalar(query) or 0)
