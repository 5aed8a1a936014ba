"""Benchmark: the dashboards at 10,000 partners and 1,000,000 opportunities, summary tables against naive.

    DATABASE_URL=postgres://… python -m bench.dashboards [--partners 10000] [--opportunities 1000000]

Builds a throwaway database (PostgreSQL when DATABASE_URL is set, else SQLite), inserts the data set with
bulk SQL (`INSERT … SELECT generate_series` on PostgreSQL, chunked bulk_create on SQLite): N partners and
partnerships over 4 programs and 8 tiers, 100,000 accounts (a third customers, some churned, 0–5
integrations), M opportunities over two years, 70% of them with a partnership attached (a third
sourced), then in the same process:

1. the first computation: `reports.summary.summary_refresh` (what the refresh job runs);
2. each dashboard page (portfolio, partner unit economics, program view) requested through Django's
   test client as a signed-in member, answered from the summary tables (median of 3 requests each);
3. the naive path: the same aggregates computed per request from the source tables (the deals grouped
   by attachment, month and dimensions; the customers' revenue windows; revenue per partnership), which
   is what a dashboard without summary tables would run on every request.

It prints each time and the ratio naive / dashboard (the goal: every dashboard under 1 s). Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time

ACCOUNTS = 100_000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    import django

    django.setup()


def generate(*, partners: int, opportunities: int, log):
    from django.db import connection
    from django.utils import timezone

    from attribution.models import Account, Opportunity, OpportunityPartner
    from partners.models import Partner, Partnership, PartnerType, Program, Tier
    from pom.models import Membership, Organization, User

    now = timezone.now()
    today = timezone.localdate()
    org = Organization.objects.create(name="Bench Dashboards", slug="bench-dashboards")
    user = User.objects.create_user(email="bench-dashboards@example.com")
    Membership.objects.create(organization=org, user=user, role="owner")
    programs = [Program.objects.create(organization=org, name=f"Program {i}", kind="reseller") for i in range(4)]
    tiers = [Tier.objects.create(organization=org, program=p, name=f"T{r}", rank=r) for p in programs for r in (1, 2)]
    types = [PartnerType.objects.create(organization=org, name=f"Type {i}", slug=f"type-{i}") for i in range(3)]

    def bulk(model, rows):
        return model.objects.bulk_create(rows, batch_size=5000)

    regions = ["EMEA", "NAM", "APAC", "LATAM"]
    made = bulk(
        Partner,
        [
            Partner(organization=org, name=f"Partner {i}", domain=f"p{i}.example", region=regions[i % 4])
            for i in range(partners)
        ],
    )
    Partner.types.through.objects.bulk_create(
        [
            Partner.types.through(organization=org, partner_id=p.pk, partner_type_id=types[i % 3].pk)
            for i, p in enumerate(made)
        ],
        batch_size=5000,
    )
    partnerships = bulk(
        Partnership,
        [
            Partnership(
                organization=org,
                partner=p,
                program=programs[i % 4],
                tier=tiers[(i % 4) * 2 + i % 2],
                status="active",
                owner=user,
            )
            for i, p in enumerate(made)
        ],
    )
    log(f"  {partners:,} partners and partnerships")
    accounts = bulk(
        Account,
        [
            Account(
                organization=org,
                name=f"Account {i}",
                name_key=f"account {i}",
                domain=f"a{i}.example",
                region=regions[i % 4],
                type="customer" if i % 3 == 0 else "prospect",
                customer_since=today - datetime.timedelta(days=400 + i % 900) if i % 3 == 0 else None,
                churned_on=today - datetime.timedelta(days=i % 300) if i % 30 == 0 else None,
                integrations_count=i % 6,
            )
            for i in range(ACCOUNTS)
        ],
    )
    log(f"  {ACCOUNTS:,} accounts")
    first_account, first_partnership = accounts[0].pk, partnerships[0].pk
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO attribution_opportunity (organization_id, created_at, updated_at, account_id, name,
                    amount, currency, stage, status, type, created_on, expected_close, closed_on, products,
                    joint_solution, campaign_code, owner_id, crm_id)
                SELECT %(org)s, %(now)s, %(now)s, %(acc)s + (i %% %(accounts)s), 'Deal ' || i,
                    (1000 + (i * 37) %% 99000)::numeric, 'EUR',
                    CASE WHEN i %% 10 < 6 THEN 'closed' ELSE 'proposal' END,
                    CASE WHEN i %% 10 < 3 THEN 'won' WHEN i %% 10 < 6 THEN 'lost' ELSE 'open' END,
                    CASE i %% 4 WHEN 0 THEN 'renewal' WHEN 1 THEN 'expansion' ELSE 'new' END,
                    %(today)s::date - (i %% 730), %(today)s::date - (i %% 730) + 60,
                    CASE WHEN i %% 10 < 6 THEN %(today)s::date - (i %% 730) + (i %% 120) END,
                    '[]'::jsonb, '', '', %(user)s, ''
                FROM generate_series(0, %(n)s - 1) AS i
                """,
                {
                    "org": org.pk,
                    "now": now,
                    "acc": first_account,
                    "accounts": ACCOUNTS,
                    "today": today,
                    "user": user.pk,
                    "n": opportunities,
                },
            )
            cursor.execute(
                """
                INSERT INTO attribution_opportunitypartner (organization_id, created_at, updated_at, opportunity_id,
                    partnership_id, role, added_by_id, ae_confirmed)
                SELECT %(org)s, %(now)s, %(now)s, o.id, %(ps)s + (o.id %% %(partners)s),
                    CASE WHEN o.id %% 3 = 0 THEN 'sourced' ELSE 'influenced' END, NULL, false
                FROM attribution_opportunity o WHERE o.organization_id = %(org)s AND o.id %% 10 < 7
                """,
                {"org": org.pk, "now": now, "ps": first_partnership, "partners": partners},
            )
            cursor.execute("ANALYZE attribution_opportunity; ANALYZE attribution_opportunitypartner")
    else:
        chunk = 20_000
        for start in range(0, opportunities, chunk):
            rows = []
            for i in range(start, min(opportunities, start + chunk)):
                created = today - datetime.timedelta(days=i % 730)
                closed = created + datetime.timedelta(days=i % 120) if i % 10 < 6 else None
                rows.append(
                    Opportunity(
                        organization=org,
                        account_id=first_account + i % ACCOUNTS,
                        name=f"Deal {i}",
                        amount=1000 + (i * 37) % 99000,
                        currency="EUR",
                        stage="closed" if closed else "proposal",
                        status="won" if i % 10 < 3 else ("lost" if i % 10 < 6 else "open"),
                        type=("renewal", "expansion", "new", "new")[i % 4],
                        created_on=created,
                        closed_on=closed,
                        owner=user,
                    )
                )
            made_opps = Opportunity.objects.bulk_create(rows, batch_size=5000)
            OpportunityPartner.objects.bulk_create(
                [
                    OpportunityPartner(
                        organization=org,
                        opportunity=o,
                        partnership_id=first_partnership + o.pk % partners,
                        role="sourced" if o.pk % 3 == 0 else "influenced",
                    )
                    for o in made_opps
                    if o.pk % 10 < 7
                ],
                batch_size=5000,
            )
    log(f"  {opportunities:,} opportunities, 70% with a partner attached")
    return org, user


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    _setup_django()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases
    from django.urls import reverse
    from django.utils import timezone

    from pom.models import Job
    from reports import dashboard_selectors, summary

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        print(f"Database: {connection.vendor}", flush=True)
        started = time.perf_counter()
        org, user = generate(
            partners=args.partners, opportunities=args.opportunities, log=lambda m: print(m, flush=True)
        )
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)

        started = time.perf_counter()
        result = summary.summary_refresh(org=org)
        first = time.perf_counter() - started
        Job.objects.create(
            organization=org,
            kind=summary.JOB_KIND,
            status=Job.Status.DONE,
            task_name="bench",
            finished_at=timezone.now(),
        )
        print(f"First computation (summary refresh): {first:.1f} s, {result['deal_rows']:,} deal summary rows")

        client = Client()
        client.force_login(user)
        times = {}
        for key in dashboard_selectors.DASHBOARDS:
            url = reverse("reports:dashboard", args=[org.slug, key])
            samples = []
            for _ in range(3):
                started = time.perf_counter()
                response = client.get(url)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            times[key] = statistics.median(samples)
            print(f"Dashboard {key}: {times[key] * 1000:.0f} ms (median of 3 requests)", flush=True)

        today = timezone.localdate()
        started = time.perf_counter()
        summary._deal_rows(org, today)
        summary._account_rows(org, today)
        summary._partnership_month_rows(org, today)
        naive = time.perf_counter() - started
        print(f"Naive per request (the same aggregates from the source tables): {naive:.2f} s")
        slowest = max(times.values())
        print(f"Ratio naive / slowest dashboard: {naive / slowest:.0f}x; slowest dashboard {slowest * 1000:.0f} ms")
        print(f"Goal (every dashboard under 1 s): {'met' if slowest < 1 else 'NOT met'}")
        return 0 if slowest < 1 else 1
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
