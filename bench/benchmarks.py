"""Benchmark: within-tenant percentiles over 5 million metric rows, POM's path against DuckDB on the
same data in the same run.

    python -m bench.benchmarks [--rows 5000000] [--groups 1000] [--seed 10]

Builds a throwaway PostgreSQL (or SQLite) database with Django's test-database machinery, fills a
table of metric rows (partnership, metric, peer group, value; values drawn with many ties) with
one INSERT … SELECT, then times:

1. read: the rows out of the database into numpy arrays (COPY … TO STDOUT, pandas' C parser);
2. compute, POM: `reports.benchmarks.stats.grouped_percentiles` (one lexsort: p10/p25/median/p75/
   p90 per group and every row's mid-rank percentile) — the function the nightly job uses;
3. compute, DuckDB: `quantile_cont` per group and the same mid-rank from window functions, over
   the same arrays (materialised with CREATE TABLE … AS, so no transfer is timed);
4. write: every row's rank and band and the per-group quantiles back (COPY … FROM STDIN).

It checks that both engines agree (largest absolute difference) and prints compute times, their
ratio (the target is POM within 2× of DuckDB) and the end-to-end time (read + compute + write).
The database is dropped at the end. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    import django

    django.setup()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--groups", type=int, default=1_000, help="peer groups (metric × program)")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, flush=True)

    _setup_django()
    import duckdb
    import numpy as np
    import pandas as pd
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from reports.benchmarks.stats import QUANTILES, band, grouped_percentiles

    if connection.vendor != "postgresql":
        log("This benchmark needs PostgreSQL (set DATABASE_URL).")
        return 2
    log("Creating a throwaway database…")
    old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        raw = connection.cursor().cursor
        raw.execute(
            "CREATE UNLOGGED TABLE bench_metric (partnership_id int, metric smallint, group_id int, value float8)"
        )
        raw.execute(
            "CREATE UNLOGGED TABLE bench_rank (partnership_id int, metric smallint, group_id int, "
            "rank numeric(5,1), band varchar(6))"
        )
        raw.execute(
            "CREATE UNLOGGED TABLE bench_distribution (group_id int, members int, p10 float8, p25 float8, "
            "p50 float8, p75 float8, p90 float8)"
        )
        started = time.perf_counter()
        raw.execute("SELECT setseed(%s)", [args.seed / 1000])
        raw.execute(
            "INSERT INTO bench_metric SELECT i / 25, i %% 25, (i::bigint * 7919) %% %s, "
            "round((random() * 200)::numeric, 1) FROM generate_series(0, %s - 1) AS i",
            [args.groups, args.rows],
        )
        elapsed = time.perf_counter() - started
        log(f"Generated {args.rows:,} metric rows in {args.groups:,} peer groups in {elapsed:.1f} s")

        # 1. Read.
        started = time.perf_counter()
        buffer = io.StringIO()
        raw.copy_expert("COPY bench_metric (partnership_id, metric, group_id, value) TO STDOUT WITH CSV", buffer)
        buffer.seek(0)
        frame = pd.read_csv(
            buffer,
            header=None,
            names=["partnership_id", "metric", "group_id", "value"],
            dtype={"partnership_id": np.int32, "metric": np.int16, "group_id": np.int32, "value": np.float64},
        )
        read_s = time.perf_counter() - started
        groups = frame["group_id"].to_numpy(np.int64)
        values = frame["value"].to_numpy(np.float64)

        # 2. POM.
        started = time.perf_counter()
        result = grouped_percentiles(groups, values, min_size=3)
        pom_s = time.perf_counter() - started

        # 3. DuckDB on the same arrays.
        duck = duckdb.connect()
        duck.execute("SET enable_progress_bar = false")
        duck.register("m", pd.DataFrame({"g": groups, "v": values}))
        started = time.perf_counter()
        duck.execute(
            f"CREATE TABLE q AS SELECT g, count(*) AS n, quantile_cont(v, [{', '.join(map(str, QUANTILES))}]) AS qs "
            "FROM m GROUP BY g"
        )
        duck.execute(
            "CREATE TABLE r AS SELECT g, v, 100.0 * ((rank() OVER w - 1) + 0.5 * count(*) OVER (PARTITION BY g, v)) "
            "/ count(*) OVER (PARTITION BY g) AS pct FROM m WINDOW w AS (PARTITION BY g ORDER BY v)"
        )
        duck_s = time.perf_counter() - started
        threads = duck.execute("SELECT current_setting('threads')").fetchone()[0]

        # Agreement: quantiles per group, and the multiset of (group, value, rank).
        dq = duck.execute("SELECT g, qs FROM q ORDER BY g").fetchall()
        duck_q = np.array([row[1] for row in dq])
        q_diff = float(
            np.nanmax(np.abs(duck_q - result.quantiles[np.searchsorted(result.group_codes, [r[0] for r in dq])]))
        )
        dr = duck.execute("SELECT g, v, pct FROM r ORDER BY g, v").fetchnumpy()
        order = np.lexsort((values, groups))
        r_diff = float(np.max(np.abs(dr["pct"] - result.ranks[order])))

        # 4. Write ranks, bands and quantiles back.
        started = time.perf_counter()
        ranks = np.round(result.ranks, 1)
        bands = np.where(ranks >= 75, "high", np.where(ranks < 25, "low", "medium"))
        out = pd.DataFrame(
            {
                "partnership_id": frame["partnership_id"],
                "metric": frame["metric"],
                "group_id": frame["group_id"],
                "rank": ranks,
                "band": bands,
            }
        )
        buffer = io.StringIO()
        out.to_csv(buffer, header=False, index=False)
        buffer.seek(0)
        raw.copy_expert("COPY bench_rank FROM STDIN WITH CSV", buffer)
        dist = pd.DataFrame(result.quantiles, columns=["p10", "p25", "p50", "p75", "p90"])
        dist.insert(0, "members", result.counts)
        dist.insert(0, "group_id", result.group_codes)
        buffer = io.StringIO()
        dist.to_csv(buffer, header=False, index=False)
        buffer.seek(0)
        raw.copy_expert("COPY bench_distribution FROM STDIN WITH CSV", buffer)
        write_s = time.perf_counter() - started
        assert band(80.0) == "high"  # the same thresholds as the vectorised bands above

        log("")
        log(f"Metric rows:                 {args.rows:,} in {len(result.group_codes):,} groups")
        log(f"Compute, POM (numpy):        {pom_s:8.2f} s")
        log(f"Compute, DuckDB ({threads} threads): {duck_s:8.2f} s")
        log(f"POM ÷ DuckDB:                {pom_s / duck_s:8.2f} ×  (target ≤ 2)")
        log(f"Agreement:                   quantiles ±{q_diff:.2e}, ranks ±{r_diff:.2e}")
        log(f"Read (COPY → numpy):         {read_s:8.2f} s")
        log(f"Write (COPY ranks + quantiles): {write_s:8.2f} s")
        log(f"End to end, POM:             {read_s + pom_s + write_s:8.2f} s")
        return 0
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
