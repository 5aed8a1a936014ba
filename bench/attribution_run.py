"""Benchmark: a full set-based attribution run against a per-opportunity ORM baseline, in one process.

    python -m bench.attribution_run [--n 200000] [--baseline-budget 180] [--seed 7]

Builds a throwaway database (Django's test database for the configured backend: SQLite by default,
PostgreSQL when DATABASE_URL is set), generates a pipeline with bulk inserts (N opportunities,
~3 partners each, ~10 touchpoints each, materiality scores on a third of the links, split rules),
then times:

1. the production path, `attribution.runs.attribution_run_execute` (one streamed query per
   table, pure engine, batched inserts, one switch-over transaction);
2. a baseline written the straightforward way: for each opportunity, query its partners, its
   touchpoints, its account touchpoints and its scores, compute the same models, delete and insert
   its ledger rows. The baseline runs on the full set when it fits in the time budget; otherwise on
   a random sample, and its full time is extrapolated (the output says which).

The database is dropped at the end. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    import django

    django.setup()


def generate(*, n: int, seed: int, log) -> tuple:
    """Bulk-insert an organization with n opportunities and their involvement; returns (org, counts)."""
    from django.utils import timezone

    from attribution.defaults import org_defaults
    from attribution.models import (
        Account,
        InfluenceType,
        MaterialityScore,
        Opportunity,
        OpportunityPartner,
        SplitRule,
        SplitRuleVersion,
        Touchpoint,
    )
    from partners.models import Partner, Partnership, Program
    from pom.models import Organization

    rng = random.Random(seed)
    org = Organization.objects.create(name="Bench Vendor", slug="bench-vendor")
    org_defaults(org=org)
    kinds = list(InfluenceType.objects.for_org(org).values_list("id", flat=True))
    programs = [
        Program.objects.create(organization=org, name=name, kind=kind)
        for name, kind in (("Resell", "reseller"), ("Technology", "technology"), ("Services", "services"))
    ]
    partners = Partner.objects.bulk_create(
        [Partner(organization=org, name=f"Partner {i}", domain=f"partner{i}.example") for i in range(60)]
    )
    partnerships = Partnership.objects.bulk_create(
        [
            Partnership(organization=org, partner=p, program=programs[i % 3], status="active")
            for i, p in enumerate(partners)
        ]
    )
    pids = [p.id for p in partnerships]
    for index, (name, match_on, value) in enumerate(
        (("Joint SIEM", "joint_solution", "Joint SIEM"), ("Vault", "product", "Vault"), ("Edge", "product", "Edge"))
    ):
        rule = SplitRule.objects.create(
            organization=org, name=name, match_on=match_on, match_value=value, priority=index, current_version=1
        )
        shares = [{"partnership_id": pid, "percent": "30.00"} for pid in rng.sample(pids, 2)]
        SplitRuleVersion.objects.create(organization=org, rule=rule, version=1, shares=shares)
    accounts = Account.objects.bulk_create(
        [
            Account(organization=org, name=f"Customer {i}", name_key=f"customer {i}", domain=f"customer{i}.example")
            for i in range(max(1, n // 5))
        ],
        batch_size=5000,
    )
    account_ids = [a.id for a in accounts]
    today = timezone.localdate()
    now = timezone.now()
    counts = {"opportunities": 0, "links": 0, "touchpoints": 0, "scores": 0}
    chunk = 2000
    for start in range(0, n, chunk):
        opps = []
        for i in range(start, min(n, start + chunk)):
            created = today - datetime.timedelta(days=rng.randint(30, 700))
            status = rng.choices(["open", "won", "lost"], weights=[5, 3, 2])[0]
            closed = created + datetime.timedelta(days=rng.randint(10, 29)) if status != "open" else None
            opps.append(
                Opportunity(
                    organization=org,
                    account_id=rng.choice(account_ids),
                    name=f"Deal {i}",
                    amount=Decimal(rng.randrange(0, 500_000_00)) / 100,
                    currency="EUR",
                    stage="closed" if closed else "proposal",
                    status=status,
                    created_on=created,
                    expected_close=closed or today + datetime.timedelta(days=rng.randint(5, 200)),
                    closed_on=closed,
                    products=rng.sample(["Vault", "Edge", "Insight"], rng.randint(1, 2)),
                    joint_solution=rng.choice(["Joint SIEM", "", "", ""]),
                    crm_id=f"OPP{i}",
                )
            )
        opps = Opportunity.objects.bulk_create(opps, batch_size=chunk)
        links, touches, scores = [], [], []
        for opp in opps:
            chosen = rng.sample(pids, rng.randint(1, 5))  # 3 on average
            end = opp.closed_on or today
            span = max(0, (end - opp.created_on).days)
            for position, pid in enumerate(chosen):
                role = (
                    "sourced"
                    if position == 0 and rng.random() < 0.5
                    else rng.choice(["influenced", "fulfilment", "technical", "referral"])
                )
                links.append(OpportunityPartner(organization=org, opportunity_id=opp.id, partnership_id=pid, role=role))
                if rng.random() < 0.33:
                    motion, value, delivery = rng.randint(0, 5), rng.randint(0, 5), rng.randint(0, 5)
                    scores.append(
                        MaterialityScore(
                            organization=org, opportunity_id=opp.id, partnership_id=pid,
                            sales_motion=motion, value_proposition=value, delivery=delivery,
                        )
                    )  # fmt: skip
            for _ in range(rng.randint(5, 15)):  # 10 on average
                day = opp.created_on + datetime.timedelta(days=rng.randint(0, span))
                occurred = min(
                    now, datetime.datetime.combine(day, datetime.time(rng.randint(0, 23)), tzinfo=datetime.UTC)
                )
                touches.append(
                    Touchpoint(
                        organization=org, opportunity_id=opp.id, account_id=opp.account_id,
                        partnership_id=rng.choice(chosen), influence_type_id=rng.choice(kinds),
                        phase=rng.choice(["pre_sale", "point_of_sale", "post_sale"]), occurred_at=occurred,
                    )
                )  # fmt: skip
        OpportunityPartner.objects.bulk_create(links, batch_size=5000)
        Touchpoint.objects.bulk_create(touches, batch_size=5000)
        MaterialityScore.objects.bulk_create(scores, batch_size=5000)
        counts["opportunities"] += len(opps)
        counts["links"] += len(links)
        counts["touchpoints"] += len(touches)
        counts["scores"] += len(scores)
        if (start // chunk) % 10 == 0:
            log(f"  generated {counts['opportunities']:,} / {n:,} opportunities")
    return org, counts


def baseline(*, org, opportunity_ids: list[int]) -> int:
    """The straightforward way: per opportunity, read its rows with the ORM and write its ledger rows."""
    from django.db import transaction
    from django.utils import timezone

    from attribution import engine, runs, selectors
    from attribution.models import AttributionModel, CreditAllocation, MaterialityScore, Opportunity, Touchpoint

    config = selectors.attribution_config(org=org)
    params = runs.engine_params(config, timezone.localdate())
    rules = runs.engine_rules(org)
    models = [m for m in AttributionModel.values if m in config.models_enabled]
    written = 0
    for opp_id in opportunity_ids:
        with transaction.atomic():
            opp = Opportunity.objects.for_org(org).get(pk=opp_id)
            partners = list(opp.partners.all())
            touches = list(Touchpoint.objects.for_org(org).filter(opportunity=opp).select_related("influence_type"))
            touches += list(
                Touchpoint.objects.for_org(org)
                .filter(opportunity__isnull=True, account_id=opp.account_id)
                .select_related("influence_type")
            )
            scores = list(MaterialityScore.objects.for_org(org).filter(opportunity=opp))
            facts = engine.Facts(
                opportunity_id=opp.id,
                amount=opp.amount,
                status=opp.status,
                close_date=opp.close_date,
                products=tuple(opp.products),
                joint_solution=opp.joint_solution,
                partners=[engine.Involvement(p.partnership_id, p.role) for p in partners],
                touches=[
                    engine.Touch(t.partnership_id, t.occurred_at, t.influence_type.name, t.phase, t.note, t.id)
                    for t in touches
                ],
                scores=[
                    engine.Score(s.partnership_id, s.sales_motion, s.value_proposition, s.delivery) for s in scores
                ],
            )
            CreditAllocation.objects.for_org(org).filter(opportunity=opp).delete()
            rows = [
                CreditAllocation(
                    organization=org,
                    opportunity=opp,
                    partnership_id=share.partnership_id,
                    model=model,
                    amount=share.amount,
                    currency=opp.currency,
                    share=share.share,
                    rule_version=share.rule_version,
                    explanation=share.explanation,
                )  # fmt: skip
                for model in models
                for share in engine.credit(model, facts, params, rules)
            ]
            CreditAllocation.objects.bulk_create(rows)
            written += len(rows)
    return written


def floor(*, org) -> tuple[float, float, int]:
    """What this machine can do at best (PostgreSQL): (seconds to read the inputs, seconds to write the ledger,
    rows). Reading: the run's input queries, one each, fully fetched. Writing: COPY of the very ledger rows the
    run wrote into a bare copy of the ledger table, then building its indexes once."""
    import io

    from django.db import connection

    from attribution import runs

    started = time.perf_counter()
    for qs in runs.run_inputs(org).values():  # the run's own input queries, one each
        for _ in qs.iterator(chunk_size=20_000):
            pass
    read = time.perf_counter() - started

    columns = ", ".join(runs.LEDGER_COLUMNS)
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY (SELECT {columns} FROM {runs.LEDGER_TABLE} WHERE organization_id = {int(org.id)}) "
            "TO STDOUT WITH (FORMAT csv)",
            buffer,
        )
        rows = buffer.getvalue().count("\n")
        buffer.seek(0)
        cursor.execute(
            f"DROP TABLE IF EXISTS bench_floor; CREATE TABLE bench_floor (LIKE {runs.LEDGER_TABLE} INCLUDING DEFAULTS)"
        )
        cursor.execute(
            "ALTER TABLE bench_floor ALTER COLUMN id SET DEFAULT "
            f"nextval(pg_get_serial_sequence('{runs.LEDGER_TABLE}', 'id'))"
        )
        started = time.perf_counter()
        cursor.cursor.copy_expert(f"COPY bench_floor ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute("SELECT pom_ledger_index_sql('bench_floor')")  # the ledger's indexes, as a run seals
        for statement in cursor.fetchone()[0]:
            cursor.execute(statement)
        write = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_floor")
    return read, write, rows


def ledger_size(org) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(relid)), 0) FROM pg_partition_tree(%s) WHERE isleaf",
            ["attribution_creditallocation"],
        )
        return int(cursor.fetchone()[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="number of opportunities (default 200,000)")
    parser.add_argument(
        "--baseline-budget", type=float, default=180.0, help="seconds the baseline may run before it is sampled"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, flush=True)

    _setup_django()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from attribution import runs
    from attribution.models import AttributionRun, CreditAllocation, Opportunity

    load_start = os.getloadavg()
    log("Creating a throwaway database…")
    old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        log(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        started = time.perf_counter()
        org, counts = generate(n=args.n, seed=args.seed, log=log)
        elapsed = time.perf_counter() - started
        log(
            f"Generated {counts['opportunities']:,} opportunities, {counts['links']:,} partner links, "
            f"{counts['touchpoints']:,} touchpoints, {counts['scores']:,} scores in {elapsed:.1f} s"
        )

        log("Set-based run (production path)…")
        run = AttributionRun.objects.create(organization=org, trigger="bench")
        started = time.perf_counter()
        run = runs.attribution_run_execute(org=org, run=run)
        fast = time.perf_counter() - started
        if run.status != "done":
            log(f"The run failed: {run.error}")
            return 1
        log(f"  {run.allocations_count:,} ledger rows in {fast:.1f} s ({run.opportunities_count / fast:,.0f} deals/s)")

        floor_read = floor_write = 0.0
        if connection.vendor == "postgresql":
            log("Floor: the inputs read with one query each, COPY of the same rows into a bare table + its indexes…")
            floor_read, floor_write, floor_rows = floor(org=org)
            log(f"  read {floor_read:.1f} s, COPY + indexes {floor_write:.1f} s ({floor_rows:,} rows)")
            sizes = [ledger_size(org)]
            for _ in range(2):
                again = runs.attribution_run_execute(org=org, run=AttributionRun.objects.create(organization=org))
                assert again.status == "done", again.error
                sizes.append(ledger_size(org))
            log("  ledger size after runs 1, 2, 3: " + ", ".join(f"{size / 2**20:.1f} MB" for size in sizes))

        log(f"Per-opportunity ORM baseline (budget {args.baseline_budget:.0f} s)…")
        ids = list(Opportunity.objects.for_org(org).values_list("id", flat=True))
        random.Random(args.seed).shuffle(ids)
        done, written, started = 0, 0, time.perf_counter()
        step = 200
        while done < len(ids) and time.perf_counter() - started < args.baseline_budget:
            written += baseline(org=org, opportunity_ids=ids[done : done + step])
            done += len(ids[done : done + step])
        slow_measured = time.perf_counter() - started
        CreditAllocation.objects.for_org(org).filter(run__isnull=True).delete()
        if done == len(ids):
            slow, how = slow_measured, f"measured on all {done:,} opportunities"
        else:
            slow = slow_measured / done * len(ids)
            how = (
                f"measured on a random sample of {done:,} opportunities ({slow_measured:.1f} s, {written:,} rows) "
                f"and extrapolated to {len(ids):,}"
            )
        log("")
        load = (
            ", ".join(f"{a:.1f}" for a in load_start)
            + " at the start; "
            + ", ".join(f"{a:.1f}" for a in os.getloadavg())
        )
        log(f"Load average (1/5/15 min): {load} at the end ({os.cpu_count()} cores)")
        log(f"Opportunities:           {len(ids):,}")
        log(f"Set-based run:           {fast:10.1f} s")
        log(f"Per-opportunity baseline:{slow:10.1f} s  ({how})")
        log(f"Speed-up:                {slow / fast:10.1f} x")
        if floor_read or floor_write:
            total_floor = floor_read + floor_write
            log(
                f"Floor:                   {total_floor:10.1f} s  "
                f"(read {floor_read:.1f} s + COPY and indexes {floor_write:.1f} s)"
            )
            log(f"Production / floor:      {fast / total_floor:10.2f} x  (goal: at most 2)")
            log("Ledger size, runs 1-3:   " + ", ".join(f"{size / 2**20:.1f} MB" for size in sizes))
        return 0
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
