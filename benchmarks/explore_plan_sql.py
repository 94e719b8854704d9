"""Where does gachi's grouped query spend its time? Variants of `Plan.query`, timed by hand.

    .venv/bin/python benchmarks/explore_plan_sql.py --rows 10000000 --repeat 5

Loads the benchmark data with `open_dataset` (as `bench_measure.py` does), then times, on that
one table, interleaved and `--repeat` times each:

- `gachi`: `plan.sql(...)` exactly as generated (value, records and undefined per indicator);
- `values-only`: the same inner query, only `SUM(v) * factor` per indicator — a lower bound for
  this query shape, not a proposal (it loses the counts);
- `undefined-if-division`: as generated, except that `undefined` is the literal 0 for every
  indicator whose formula (dependencies included) has no division, because only `x / 0` can
  leave a record with all its inputs but no value; the rest are unchanged;
- `…+count-if`: the above, with the remaining undefined counts as `COUNT_IF(p AND v IS NULL)`
  instead of `SUM(CASE WHEN p AND v IS NULL THEN 1 ELSE 0 END)`;
- `hoisted`: no inner query; per indicator `SUM(core) * (constant × factor)` and `COUNT(core)`,
  where `core` is the per-record value with its constant multipliers taken out (see `peel`),
  and the undefined count only where there is a division (`SUM(CASE …)` as now). Identical cores
  of different indicators (`persons * months`, `cases`, `mwh`, `krw_sales` here) then make identical
  aggregates, which DuckDB computes once;
- `hand`: `bench_measure.HAND_SQL`.

Every variant but `values-only` is also checked to give gachi's counts exactly and its values
to 1e-12 relative. It also times the Python work in `measure` around the query, and `measure`
end to end as it is and as it would be with the `hoisted` query (same `assemble`).
Nothing here changes gachi: the variants are built beside it, from the plan's own pieces.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlglot import exp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_data  # noqa: E402
from bench_measure import CATALOG, GROUP_BY, HAND_SQL  # noqa: E402
from gachi.engine.catalog import Catalog, Entry, load_catalog  # noqa: E402
from gachi.engine.data import open_dataset  # noqa: E402
from gachi.engine.expr.nodes import Arith, Node, children  # noqa: E402
from gachi.engine.expr.to_sql import column, number  # noqa: E402
from gachi.engine.plan import Plan, compile_plan, record_value  # noqa: E402
from gachi.engine.run import assemble, data_rules, measure  # noqa: E402


def has_division(catalog: Catalog, entry: Entry) -> bool:
    def walk(n: Node) -> bool:
        if isinstance(n, Arith) and n.op == "/":
            return True
        return any(walk(c) for c in children(n))

    return walk(entry.formula) or any(
        has_division(catalog, catalog.entries[d]) for d in entry.depends_on
    )


def variant(plan: Plan, table: str, counts: str) -> str:
    """`plan.query` with the outer aggregates rebuilt; `counts` picks how."""
    subquery = plan.query(table).find(exp.Subquery)
    assert subquery is not None
    inner = subquery.this  # the inner SELECT, as gachi builds it
    outer = exp.select(*(column(g) for g in plan.group_by)).from_(
        exp.alias_(exp.Subquery(this=inner), "records", quoted=True)
    )
    for p in plan.indicators:
        v = column(f"v__{p.id}")
        cols: list[exp.Expression] = [
            exp.alias_(
                exp.Mul(this=exp.Sum(this=v), expression=number(p.factor)),
                f"value__{p.id}",
                quoted=True,
            )
        ]
        if counts != "none":
            cols.append(exp.alias_(exp.Count(this=v.copy()), f"records__{p.id}", quoted=True))
            undefined_cond = exp.and_(
                column(f"p__{p.id}"), exp.Is(this=v.copy(), expression=exp.Null())
            )
            if not has_division(plan.catalog, plan.catalog.entries[p.id]):
                undefined: exp.Expression = exp.Literal.number(0)
            elif counts == "division-only-count-if":
                undefined = exp.func("count_if", undefined_cond)
            else:
                undefined = exp.Sum(
                    this=exp.Case()
                    .when(undefined_cond, exp.Literal.number(1))
                    .else_(exp.Literal.number(0))
                )
            cols.append(exp.alias_(undefined, f"undefined__{p.id}", quoted=True))
        outer = outer.select(*cols, copy=False)
    keys = [column(g) for g in plan.group_by]
    return outer.group_by(*keys).order_by(*[k.copy() for k in keys]).sql("duckdb")


def peel(e: exp.Expression) -> tuple[exp.Expression | None, float]:
    """Split a per-record SQL value into (core, constant): `(x * 2.0) * -(3.0)` → (x, -6.0).

    Only products, negations and parentheses are looked through; `None` as the core means the
    whole expression is a constant. v = core × constant, so v is NULL exactly when core is.
    """
    if isinstance(e, exp.Paren):
        return peel(e.this)
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal) and not e.this.is_string:
        return None, float(e.this.this)
    if isinstance(e, exp.Neg):
        core, k = peel(e.this)
        return core, -k
    if isinstance(e, exp.Mul):
        (ca, ka), (cb, kb) = peel(e.this), peel(e.expression)
        if ca is None:
            return cb, ka * kb
        if cb is None:
            return ca, ka * kb
        return exp.Mul(this=exp.Paren(this=ca), expression=exp.Paren(this=cb)), ka * kb
    return e, 1.0


def hoisted(plan: Plan, table: str) -> str:
    """Constants out of the SUM: `SUM(core) * (constant × factor)`, `COUNT(core)`, and the
    undefined count only where there is a division. Equal per-record cores (`persons * months`
    in three indicators here) then become one aggregate, which DuckDB computes once."""
    q = exp.select(*(column(g) for g in plan.group_by)).from_(exp.to_table(table, quoted=True))
    for p in plan.indicators:
        entry = plan.catalog.entries[p.id]
        v = record_value(plan.catalog, entry, "duckdb")
        core, k = peel(v)
        if core is None or k == 0.0:
            core, k = v, 1.0
        present = (
            exp.and_(
                *(exp.Not(this=exp.Is(this=column(c), expression=exp.Null())) for c in p.columns)
            )
            if p.columns
            else exp.true()
        )
        undefined: exp.Expression = exp.Literal.number(0)
        if has_division(plan.catalog, entry):  # SUM(CASE …), as now: PostgreSQL has no COUNT_IF
            undefined = exp.Sum(
                this=exp.Case()
                .when(
                    exp.and_(present, exp.Is(this=core.copy(), expression=exp.Null())),
                    exp.Literal.number(1),
                )
                .else_(exp.Literal.number(0))
            )
        q = q.select(
            exp.alias_(
                exp.Mul(this=exp.Sum(this=core.copy()), expression=number(k * p.factor)),
                f"value__{p.id}",
                quoted=True,
            ),
            exp.alias_(exp.Count(this=core.copy()), f"records__{p.id}", quoted=True),
            exp.alias_(undefined, f"undefined__{p.id}", quoted=True),
            copy=False,
        )
    keys = [column(g) for g in plan.group_by]
    return q.group_by(*keys).order_by(*[k.copy() for k in keys]).sql("duckdb")


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--print", action="store_true", help="print the variants' SQL")
    args = ap.parse_args()

    path = gen_data.ensure(args.rows, threads=args.threads)
    plan = compile_plan(load_catalog(CATALOG), group_by=GROUP_BY)
    divisions = [
        p.id for p in plan.indicators if has_division(plan.catalog, plan.catalog.entries[p.id])
    ]
    print(f"indicators with a division: {', '.join(divisions)}")
    with open_dataset(path, data_rules(plan), threads=args.threads) as ds:
        queries = {
            "gachi": plan.sql(ds.table),
            "values-only": variant(plan, ds.table, "none"),
            "undefined-if-division": variant(plan, ds.table, "division-only"),
            "undefined-if-division+count-if": variant(plan, ds.table, "division-only-count-if"),
            "hoisted": hoisted(plan, ds.table),
            "hand": HAND_SQL,
        }
        if args.print:
            for name, sql in queries.items():
                print(f"-- {name}\n{sql}\n")
        times: dict[str, list[float]] = {k: [] for k in queries}
        results = {}
        for _ in range(args.repeat):
            for name, sql in queries.items():
                t, rows = timed(lambda sql=sql: ds.con.execute(sql).fetchall())
                times[name].append(t)
                results[name] = rows

        # same answers as gachi's own query?
        ref = results["gachi"]
        k = len(plan.group_by)
        for name in ("undefined-if-division", "undefined-if-division+count-if", "hoisted"):
            got = results[name]
            assert len(got) == len(ref)
            for a, b in zip(got, ref, strict=True):
                assert a[:k] == b[:k]
                for x, y in zip(a[k:], b[k:], strict=True):
                    if isinstance(y, float):
                        assert abs(x - y) <= 1e-12 * max(abs(x), abs(y)), (name, x, y)
                    else:
                        assert x == y, (name, a[:k], x, y)
        print("every variant but values-only gives gachi's counts exactly and its values to 1e-12")

        # Python around the query in `measure`
        t_sqlgen = [timed(lambda: plan.sql(ds.table))[0] for _ in range(args.repeat)]
        t_assemble = [
            timed(lambda: assemble(plan, ref, ds.info, backend="duckdb"))[0]
            for _ in range(args.repeat)
        ]
        t_measure: list[float] = []
        t_measure_hoisted: list[float] = []
        for _ in range(args.repeat):
            t_measure.append(timed(lambda: measure(plan, ds))[0])
            # what `measure` would cost with the hoisted query: generate, run, fetch, assemble
            t_measure_hoisted.append(
                timed(
                    lambda: assemble(
                        plan,
                        ds.con.execute(hoisted(plan, ds.table)).fetchall(),
                        ds.info,
                        backend="duckdb",
                    )
                )[0]
            )

    hand = statistics.median(times["hand"])
    print(f"\n{args.rows:,} rows, {args.threads} threads, median of {args.repeat}\n")
    print("| query | median (s) | min–max (s) | ÷ hand SQL |")
    print("|---|---:|---:|---:|")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"| {name} | {m:.3f} | {min(ts):.3f}–{max(ts):.3f} | {m / hand:.2f}× |")
    print()
    print(
        f"Python in `measure`: plan.sql {statistics.median(t_sqlgen) * 1000:.0f} ms, "
        f"assemble (rows → Result) {statistics.median(t_assemble) * 1000:.0f} ms."
    )
    print()
    print("| end to end (SQL generation + query + fetch + `assemble`) | median (s) | ÷ hand SQL |")
    print("|---|---:|---:|")
    for name, ts in (
        ("`measure` as is", t_measure),
        ("`measure` with the hoisted query", t_measure_hoisted),
    ):
        m = statistics.median(ts)
        print(f"| {name} | {m:.3f} | {m / hand:.2f}× |")


if __name__ == "__main__":
    main()
