"""Benchmark: account mapping at a million by a million, against DuckDB, and the name matcher's quality.

    python -m bench.account_mapping [--n 1000000] [--overlap 0.3] [--names 20000] [--seed 7]

Builds a throwaway database (Django's test database for the configured backend: SQLite by default,
PostgreSQL when DATABASE_URL is set), then:

1. Generates N vendor accounts and N partner accounts (a share `--overlap` of them the same companies,
   their web addresses written differently: www., shop., paths, upper case) through the production
   key functions (`pom.domains.domain_key`), and inserts them in bulk.
2. Times POM's exact overlap as the map stores it for its pages: on PostgreSQL the production path of
   a big map (`attribution.mapping_compute`): `_stage_create` (a bare table), `_insert_exact` into it
   (the domain pairs: the SQL merge join by INSERT … SELECT, or with `MAPPING_DOMAIN_JOIN=numpy` each
   side's (domain key, id) read with one binary COPY, joined in numpy and COPYed in, `mapping_join`;
   then the registration numbers the list holds, in SQL), `_stage_seal` (the 4
   indexes, the tenant policy) and `_stage_swap` (attached under the map's own partition); elsewhere
   `_insert_exact` into the matches. Both ways of joining the domains are timed
   (`MAPPING_DOMAIN_JOIN`: "sql", the default, and "numpy"), and the numpy path's steps alone; then the
   matrix counts (`matrix_refresh`), then the whole recomputation job body.
3. Loads the same (id, key) pairs into an in-memory DuckDB, in the same run, and times the equivalent
   table: the same join written with the same nine columns, then the same four indexes (id + map,
   map + account, account, partner account); also the bare two-column `CREATE TABLE ... AS SELECT`.
   Prints the times and the ratios.
4. Generates a labelled set of `--names` real-looking company names per side (typos, legal suffixes,
   abbreviations, word order; `bench.company_names`), runs the production name matcher
   (`attribution.mapping_matching.match_names` at its THRESHOLD) and prints precision and recall.

The database is dropped at the end (kept with `--keep`; a later `--keep` run with the same N, overlap and
seed reuses its accounts instead of generating them). Not part of the test suite; duckdb is a dev dependency.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time

WORDS = ["nova", "terra", "alpha", "zen", "lumen", "vector", "orbit", "atlas", "delta", "pixel", "quant", "astra"]
THREADS = "SELECT current_setting('threads')"
TLDS = ["com", "de", "fr", "co.uk", "com.au", "nl", "io", "example"]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    import django

    django.setup()


def _domains(n: int, overlap: float, rng: random.Random) -> tuple[list[str], list[str]]:
    """Vendor domains and partner web addresses; the first `overlap` share of the partner's are the
    vendor's companies, written another way."""
    vendor = [f"{rng.choice(WORDS)}{i}.{rng.choice(TLDS)}" for i in range(n)]
    shared = int(n * overlap)
    partner = []
    for i in range(n):
        if i < shared:
            domain = vendor[i]
            partner.append(rng.choice([f"https://www.{domain}/", f"shop.{domain}", domain.upper(), f"{domain}/about"]))
        else:
            partner.append(f"p{rng.choice(WORDS)}{i}.{rng.choice(TLDS)}")
    rng.shuffle(partner)
    return vendor, partner


def generate(*, n: int, overlap: float, seed: int, log):
    """Insert an organization, a partnership, its agreed map and N accounts on each side."""
    from django.utils import timezone

    from attribution import mapping_services
    from attribution.mapping_models import AccountMap, PartnerAccount, PartnerAccountList
    from attribution.models import Account
    from partners.models import Partner, Partnership, Program
    from pom.domains import domain_key, registrable_domain
    from pom.models import Organization

    kept = Organization.objects.filter(slug="bench-vendor").first()
    if kept is not None:  # --keep: the previous run's accounts, if it generated the same
        account_map = AccountMap.objects.filter(organization=kept).first()
        same = (
            account_map is not None
            and Account.objects.filter(organization=kept).count() == n
            and PartnerAccount.objects.filter(account_map=account_map).count() == n
        )
        if same and kept.name == f"Bench Vendor {n} {overlap} {seed}":
            log(f"Reusing the kept {n:,} × {n:,} accounts")
            return kept, account_map
        raise SystemExit("The kept database holds another bench's accounts: run once without --keep to drop it.")
    rng = random.Random(seed)
    org = Organization.objects.create(name=f"Bench Vendor {n} {overlap} {seed}", slug="bench-vendor")
    program = Program.objects.create(organization=org, name="Resell", kind="reseller")
    partner = Partner.objects.create(organization=org, name="Bench Partner", domain="bench-partner.example")
    partnership = Partnership.objects.create(organization=org, partner=partner, program=program, status="active")
    account_map = mapping_services.account_map_ensure(org=org, partnership=partnership)
    now = timezone.now()
    type(account_map).objects.filter(pk=account_map.pk).update(vendor_opt_in_at=now, partner_opt_in_at=now)
    account_map.refresh_from_db()
    vendor, partner_web = _domains(n, overlap, rng)
    started = time.perf_counter()
    account_list = PartnerAccountList.objects.create(
        organization=org, account_map=account_map, status=PartnerAccountList.Status.CURRENT, row_count=n
    )
    vendor_rows = (
        Account(
            organization=org,
            name=d.split(".")[0].capitalize(),
            domain=d,
            domain_key=domain_key(d),
            type="customer" if i % 3 else "prospect",
            created_at=now,
            updated_at=now,
        )
        for i, d in enumerate(vendor)
    )
    partner_rows = (
        PartnerAccount(
            organization=org,
            account_map=account_map,
            account_list=account_list,
            row_number=i + 2,
            name=domain.split(".")[0].capitalize(),
            name_key=domain.split(".")[0],
            domain=domain,
            domain_key=domain_key(domain),
            population=rng.choice(["customer", "customer", "prospect", "opportunity"]),
            created_at=now,
            updated_at=now,
        )
        for i, domain in enumerate(registrable_domain(web) for web in partner_web)
    )
    for model, rows in ((Account, vendor_rows), (PartnerAccount, partner_rows)):
        _insert(model, rows)
    log(f"Inserted {n:,} vendor and {n:,} partner accounts in {time.perf_counter() - started:.1f} s")
    return org, account_map


def _insert(model, rows, batch: int = 50_000) -> None:
    """Insert generated rows in bulk: COPY on PostgreSQL (as the owner, before the timed part; the
    generated values hold no tab, newline or backslash), bulk_create elsewhere."""
    from itertools import islice

    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    rows = iter(rows)
    while chunk := list(islice(rows, batch)):
        if connection.vendor != "postgresql":
            model.objects.bulk_create(chunk)
            continue
        lines = []
        for row in chunk:
            values = (f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields)
            lines.append("\t".join("\\N" if v is None else str(v) for v in values) + "\n")
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN",
                io.StringIO("".join(lines)),
            )


def _vacuum(log) -> None:
    from django.db import connection

    from attribution.mapping_models import AccountMatch, PartnerAccount
    from attribution.models import Account

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Account, PartnerAccount, AccountMatch):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    log("VACUUM ANALYZE done (the state autovacuum leaves the tables in after an import)")


def _as_app_role(org, log) -> None:
    """From here on, work as the application role (POM_DB_APP_ROLE) under row-level security, the
    organization in scope for the session, as the web process and the worker do."""
    from django.conf import settings
    from django.db import connection

    role = settings.POM_DB_APP_ROLE
    if connection.vendor != "postgresql" or not role:
        log("Working as the database owner (set POM_DB_APP_ROLE to work under row-level security)")
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
        cursor.execute(
            "SELECT set_config('pom.all_orgs', '', false), set_config('pom.org_ids', %s, false)", [str(org.pk)]
        )
    log(f"Working as {role} under row-level security, organization {org.pk} in scope")


def pom_exact(account_map, log, join: str = "sql") -> dict:
    """The production path of a big map, timed step by step in one transaction: a fresh stage, the exact
    pairs (`_insert_exact`, the domains joined the `join` way: "sql" or "numpy", then the registration
    numbers), the seal (the 4 indexes, the tenant policy), the swap under the map's own
    partition; then the matrix counts."""
    from django.db import connection, transaction
    from django.test import override_settings

    from attribution.mapping_compute import _insert_exact, _stage_create, _stage_seal, _stage_swap, matrix_refresh
    from pom import rls

    times = {}
    with (
        override_settings(MAPPING_DOMAIN_JOIN=join),
        transaction.atomic(),
        rls.scope(org_ids=[account_map.organization_id]),  # as the job sets it
    ):
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            stage = _stage_create(account_map)
            times["create"] = time.perf_counter() - started
            mark = time.perf_counter()
            _insert_exact(account_map, stage)
            times["pairs"] = time.perf_counter() - mark
            mark = time.perf_counter()
            _stage_seal(account_map, stage)
            times["seal"] = time.perf_counter() - mark
            mark = time.perf_counter()
            _stage_swap(account_map, stage)
            times["swap"] = time.perf_counter() - mark
        else:
            _insert_exact(account_map)
        times["exact"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        result = matrix_refresh(account_map=account_map)
    times["counts"] = time.perf_counter() - started
    times["matches"] = result["matches"]
    return times


def pom_numpy_steps(account_map) -> dict:
    """The numpy join's own steps (read both sides, join, COPY into a stage), rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from attribution import mapping_join
    from attribution.mapping_compute import _stage_create
    from pom import rls

    times = {}
    with transaction.atomic(), rls.scope(org_ids=[account_map.organization_id]):
        stage = _stage_create(account_map)
        started = time.perf_counter()
        (vendor_keys, vendor_ids), (partner_keys, partner_ids) = mapping_join.domain_keys(account_map)
        times["read"] = time.perf_counter() - started
        started = time.perf_counter()
        accounts, partners = mapping_join.join_keys(vendor_keys, vendor_ids, partner_keys, partner_ids)
        times["join"] = time.perf_counter() - started
        started = time.perf_counter()
        mapping_join.copy_pairs(stage, account_map, accounts, partners, now=timezone.now(), method="domain")
        times["copy"] = time.perf_counter() - started
        transaction.set_rollback(True)
    return times


def pom_join_only(account_map) -> float:
    """The same integer join as the recomputation, counting instead of writing (best of 3)."""
    from django.db import connection, transaction

    from attribution.mapping_models import PartnerAccount
    from attribution.models import Account

    sql = (
        f"SELECT count(*) FROM {Account._meta.db_table} a JOIN {PartnerAccount._meta.db_table} p "
        "ON p.domain_key = a.domain_key WHERE a.organization_id = %s AND a.domain_key IS NOT NULL "
        "AND p.organization_id = %s AND p.account_map_id = %s"
    )
    best = None
    for _ in range(3):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_hashjoin = off")
            started = time.perf_counter()
            cursor.execute(sql, [account_map.organization_id, account_map.organization_id, account_map.pk])
            cursor.fetchone()
            elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def duckdb_exact(org, account_map, log) -> tuple[float, int]:
    import duckdb
    import pandas as pd

    from attribution.mapping_models import PartnerAccount
    from attribution.models import Account

    vendor = pd.DataFrame.from_records(
        Account.objects.for_org(org).exclude(domain_key=None).values_list("id", "domain_key").iterator(50_000),
        columns=["id", "k"],
    )
    partner = pd.DataFrame.from_records(
        PartnerAccount.objects.for_org(org)
        .filter(account_map=account_map)
        .exclude(domain_key=None)
        .values_list("id", "domain_key")
        .iterator(50_000),
        columns=["id", "k"],
    )
    con = duckdb.connect()
    con.register("vendor_df", vendor)
    con.register("partner_df", partner)
    con.execute("CREATE TABLE a AS SELECT * FROM vendor_df")
    con.execute("CREATE TABLE p AS SELECT * FROM partner_df")
    log(f"DuckDB {duckdb.__version__}, {con.execute(THREADS).fetchone()[0]} threads")
    best = None
    for _ in range(3):
        con.execute("DROP TABLE IF EXISTS m")
        started = time.perf_counter()
        con.execute(
            "CREATE TABLE m AS SELECT a.id AS account_id, p.id AS partner_account_id FROM a JOIN p ON a.k = p.k"
        )
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    pairs = con.execute("SELECT count(*) FROM m").fetchone()[0]
    equivalent = None
    for _ in range(3):
        con.execute("DROP TABLE IF EXISTS m")
        started = time.perf_counter()
        con.execute(
            "CREATE TABLE m AS SELECT row_number() OVER (ORDER BY a.id) AS id, now() AS created_at, "
            "now() AS updated_at, 1::BIGINT AS organization_id, 1::BIGINT AS account_map_id, a.id AS account_id, "
            "p.id AS partner_account_id, 'domain'::VARCHAR AS method, 1::DECIMAL(4, 3) AS confidence "
            "FROM a JOIN p ON a.k = p.k ORDER BY a.id"
        )
        con.execute("CREATE UNIQUE INDEX m_pk ON m (id, account_map_id)")
        con.execute("CREATE INDEX m_map_account ON m (account_map_id, account_id)")
        con.execute("CREATE INDEX m_account ON m (account_id)")
        con.execute("CREATE INDEX m_partner ON m (partner_account_id)")
        elapsed = time.perf_counter() - started
        equivalent = elapsed if equivalent is None else min(equivalent, elapsed)
    count_best = None
    for _ in range(3):
        started = time.perf_counter()
        con.execute("SELECT count(*) FROM a JOIN p ON a.k = p.k").fetchone()
        elapsed = time.perf_counter() - started
        count_best = elapsed if count_best is None else min(count_best, elapsed)
    return best, pairs, count_best, equivalent


def names_quality(count: int, seed: int) -> tuple[float, float, int, int, float]:
    from attribution.mapping_matching import match_names
    from attribution.normalize import match_name
    from bench.company_names import labelled_set

    left, right, truth = labelled_set(
        count, 0.4, random.Random(seed), key=lambda name: " ".join(sorted(match_name(name).split()))
    )
    started = time.perf_counter()
    found = match_names([(i, match_name(n)) for i, n in left], [(i, match_name(n)) for i, n in right])
    elapsed = time.perf_counter() - started
    predicted = {(c.left_id, c.right_id) for c in found}
    hits = len(predicted & truth)
    return hits / max(1, len(predicted)), hits / len(truth), len(predicted), len(truth), elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="accounts on each side (default 1,000,000)")
    parser.add_argument("--overlap", type=float, default=0.3, help="share of the partner's accounts in common")
    parser.add_argument("--names", type=int, default=20_000, help="names per side in the labelled set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database, and reuse the accounts a kept run generated"
    )
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, flush=True)

    _setup_django()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor == "postgresql":  # its own database: never the test suite's test_<name>
        connection.settings_dict["TEST"]["NAME"] = f"bench_mapping_{connection.settings_dict['NAME']}"
    log("Creating a throwaway database…")
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=args.keep, aliases={"default"})
    try:
        log(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        org, account_map = generate(n=args.n, overlap=args.overlap, seed=args.seed, log=log)
        _vacuum(log)
        _as_app_role(org, log)
        load_before = os.getloadavg()
        postgres = connection.vendor == "postgresql"
        runs = {
            join: [pom_exact(account_map, log, join) for _ in range(3)] for join in ("sql", "numpy")[: 1 + postgres]
        }
        best = {join: min(found, key=lambda r: r["exact"]) for join, found in runs.items()}
        exact, matches = best["sql"]["exact"], best["sql"]["matches"]
        counts = min(r["counts"] for r in runs["sql"])
        steps = min((pom_numpy_steps(account_map) for _ in range(3)), key=lambda r: sum(r.values())) if postgres else {}
        duck, pairs, duck_count, duck_table = duckdb_exact(org, account_map, log)
        join_only = pom_join_only(account_map)

        from attribution.mapping_compute import account_map_compute
        from pom import rls
        from pom.jobs import Progress
        from pom.models import Job

        Job.objects.filter(organization=org, kind="bench").delete()  # a kept database's earlier run
        job = Job.objects.create(
            organization=org,
            kind="bench",
            task_name="bench",
            status="running",
            params={"account_map_id": account_map.pk},
        )
        started = time.perf_counter()
        with rls.scope(org_ids=[org.pk]):  # as `pom.jobs` sets it for a task
            account_map_compute(job=job, progress=Progress(job))
        full = time.perf_counter() - started

        precision, recall, predicted, true_pairs, name_time = names_quality(args.names, args.seed)
        log("")
        log(f"Accounts:                    {args.n:,} × {args.n:,} ({matches:,} in common; DuckDB found {pairs:,})")
        log(f"Load average:                {load_before} before, {os.getloadavg()} after (2 cores)")
        log(
            f"POM exact overlap stored:    {exact:8.2f} s  (the SQL merge join written into a fresh bare table, then "
            "its 4 indexes and tenant policy, swapped in under the map's own partition; best of 3)"
        )
        if postgres:
            parts = ("create", "pairs", "seal", "swap")
            log("  of which:                 " + ", ".join(f"{name} {best['sql'][name]:.2f} s" for name in parts))
            numpy_best = best["numpy"]
            log(
                f"POM with the numpy join:     {numpy_best['exact']:8.2f} s  (MAPPING_DOMAIN_JOIN=numpy: "
                + ", ".join(f"{name} {numpy_best[name]:.2f} s" for name in parts)
                + f"; {numpy_best['exact'] / duck_table:.2f} x DuckDB)"
            )
            log(
                "  numpy pairs in steps:     "
                + ", ".join(f"{name} {value:.2f} s" for name, value in steps.items())
                + " (read: one binary COPY per side; join: numpy; copy: one binary COPY in)"
            )
        log(f"DuckDB equivalent table:     {duck_table:8.2f} s  (same join, same 9 columns, same 4 indexes; best of 3)")
        log(f"Ratio POM / DuckDB:          {exact / duck_table:8.2f} x")
        log(
            f"DuckDB bare join table:      {duck:8.2f} s  (CREATE TABLE AS of the 2 id columns, no index): "
            f"{exact / duck:.2f} x"
        )
        log(
            f"POM join only (count):       {join_only:8.2f} s  vs DuckDB {duck_count:.2f} s: "
            f"{join_only / duck_count:.2f} x"
        )
        log(f"POM matrix counts:           {counts:8.2f} s")
        log(f"POM whole recomputation job: {full:8.2f} s  (delete, exact, names, matrix)")
        log(
            f"Name matcher on {args.names:,} × {args.names:,} labelled names: precision {precision:.4f}, "
            f"recall {recall:.4f} ({predicted:,} predicted, {true_pairs:,} true pairs, {name_time:.1f} s)"
        )
        return 0
    finally:
        if args.keep:
            log("Database kept (--keep); drop it with a run without --keep")
        else:
            teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
