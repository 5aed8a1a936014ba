"""Benchmark: TACAM scores of 10,000 partnerships, set-based against a per-partnership ORM baseline.

    python -m bench.tacam_scores [--n 10000] [--sample 200] [--seed 9]

Builds a throwaway database (SQLite, or PostgreSQL when DATABASE_URL is set), bulk-inserts N
partnerships over a large plan and pipeline history (per partnership: a plan, 6 activities, 3 key
results with 8 check-ins each, 3 governance meetings, a workspace with comments, contacts and
certifications; 6 won or open deals on their own accounts), then times in the same process:

1. the set-based path the nightly job runs: `reports.services.compute` over the whole organization
   (`reports.inputs.gather`: one query per input table, then the pure functions) plus `store`;
2. the per-partnership ORM baseline: the same facts read partnership by partnership
   (`inputs.gather(partnership_ids=[one])`, the queries a naive loop issues for each), scored by the
   same functions. The baseline runs on a random sample of `--sample` partnerships and is extrapolated
   to N linearly (its cost per partnership does not depend on N); the output says so.

It prints both times, the query counts and the ratio (the goal is at least 20x). The scores of the
sample are checked to be identical on both paths. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    import django

    django.setup()


def generate(*, n: int, seed: int, log):
    from django.utils import timezone

    from attribution.models import Account, Opportunity, OpportunityPartner
    from partners.models import Certification, Contact, Partner, Partnership, Program, Tier
    from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan
    from pom.models import Organization, User
    from workspaces.models import Comment, Workspace, WorkspacePartnership

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    org = Organization.objects.create(name="Bench Vendor", slug="bench-tacam")
    user = User.objects.create_user(email="bench-tacam@example.com")
    programs = [Program.objects.create(organization=org, name=f"Program {i}", kind="reseller") for i in range(4)]
    tiers = [Tier.objects.create(organization=org, program=p, name=f"T{r}", rank=r) for p in programs for r in (1, 2)]

    def bulk(model, rows):
        return model.objects.bulk_create(rows, batch_size=5000)

    partners = bulk(Partner, [Partner(organization=org, name=f"Partner {i}", domain=f"p{i}.example") for i in range(n)])
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
            for i, p in enumerate(partners)
        ],
    )
    log(f"  {n:,} partnerships")
    bulk(
        Contact, [Contact(organization=org, partner=p, name="Sponsor", role="executive_sponsor") for p in partners[::2]]
    )
    bulk(
        Certification, [Certification(organization=org, partner=p, name="Cert", issued_on=today) for p in partners[::3]]
    )
    start = today - datetime.timedelta(days=60)
    plans = bulk(
        Plan,
        [
            Plan(
                organization=org,
                partnership=ps,
                name="Joint plan",
                period_start=start,
                period_end=today + datetime.timedelta(days=30),
                status="validated" if i % 3 else "draft",
                vendor_approved_at=now if i % 3 else None,
                partner_approved_at=now if i % 3 else None,
            )
            for i, ps in enumerate(partnerships)
        ],
    )
    objectives = bulk(Objective, [Objective(organization=org, plan=p, title="Grow") for p in plans])
    activities = []
    for plan in plans:
        for k in range(6):
            due = today + datetime.timedelta(days=rng.randint(-40, 30))
            done = rng.random() < 0.5
            activities.append(
                Activity(
                    organization=org,
                    plan=plan,
                    title=f"Activity {k}",
                    type=rng.choice(["campaign", "meeting", "content", "technical"]),
                    owner_side=rng.choice(["vendor", "partner", "both"]),
                    assignee=user if k % 2 else None,
                    due_date=due,
                    status="done" if done else "in_progress",
                    completed_at=now - datetime.timedelta(days=rng.randint(0, 50)) if done else None,
                )
            )
    bulk(Activity, activities)
    log(f"  {len(activities):,} activities")
    krs = []
    for plan, objective in zip(plans, objectives, strict=True):
        for k in range(3):
            krs.append(
                KeyResult(
                    organization=org,
                    plan=plan,
                    objective=objective,
                    name=f"KR {k}",
                    target=100,
                    current_value=rng.randint(0, 100),
                    update_frequency="monthly",
                    last_checkin_at=now - datetime.timedelta(days=rng.randint(0, 60)),
                )
            )
    krs = bulk(KeyResult, krs)
    checkins = [
        CheckIn(organization=org, plan_id=kr.plan_id, key_result=kr, value=rng.randint(0, 100))
        for kr in krs
        for _ in range(8)
    ]
    checkins = bulk(CheckIn, checkins)
    CheckIn.objects.filter(organization=org).update(created_at=now - datetime.timedelta(days=20))
    log(f"  {len(krs):,} key results, {len(checkins):,} check-ins")
    bulk(
        Meeting,
        [
            Meeting(organization=org, partnership=ps, date=today - datetime.timedelta(days=30 * k + 5))
            for ps in partnerships
            for k in range(3)
        ],
    )
    workspaces = bulk(Workspace, [Workspace(organization=org, name=f"WS {i}", is_default=True) for i in range(n)])
    bulk(
        WorkspacePartnership,
        [
            WorkspacePartnership(organization=org, workspace=w, partnership=p)
            for w, p in zip(workspaces, partnerships, strict=True)
        ],
    )
    bulk(
        Comment,
        [Comment(organization=org, workspace=w, author=user, body="Update") for w in workspaces for _ in range(3)],
    )
    accounts = bulk(
        Account,
        [
            Account(
                organization=org, name=f"Customer {i}", region=rng.choice(["EMEA", "NAM", "APAC"]), industry="software"
            )
            for i in range(n * 3)
        ],
    )
    opps = []
    for i in range(len(partnerships)):
        for k in range(6):
            won = k < 3
            opps.append(
                Opportunity(
                    organization=org,
                    account=accounts[(i * 3 + k) % len(accounts)],
                    name=f"Deal {i}-{k}",
                    amount=rng.randint(1000, 90000),
                    currency="EUR",
                    status="won" if won else "open",
                    stage="closed_won" if won else "proposal",
                    created_on=today - datetime.timedelta(days=500),
                    closed_on=today - datetime.timedelta(days=rng.randint(1, 700)) if won else None,
                )
            )
    opps = bulk(Opportunity, opps)
    bulk(
        OpportunityPartner,
        [
            OpportunityPartner(organization=org, opportunity=o, partnership=partnerships[i // 6])
            for i, o in enumerate(opps)
        ],
    )
    log(f"  {len(opps):,} opportunities on {len(accounts):,} accounts")
    return org, [p.pk for p in partnerships]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    _setup_django()

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext, setup_databases, setup_test_environment, teardown_databases
    from django.utils import timezone

    from reports import inputs, scoring, services

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        print(f"Database: {connection.vendor}; generating {args.n:,} partnerships…", flush=True)
        started = time.perf_counter()
        org, ids = generate(n=args.n, seed=args.seed, log=lambda m: print(m, flush=True))
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
        model = services.model_current(org=org)
        today = timezone.localdate()

        reset_queries()
        with CaptureQueriesContext(connection) as set_queries:
            started = time.perf_counter()
            results, facts = services.compute(org=org, model=model, today=today)
            computed = time.perf_counter() - started
            services.store(org=org, model=model, today=today, results=results, facts=facts, full=True)
            set_based = time.perf_counter() - started
        print(
            f"Set-based: {len(results):,} partnerships scored in {computed:.2f} s, "
            f"stored in {set_based - computed:.2f} s "
            f"(total {set_based:.2f} s, {len(set_queries)} queries)",
            flush=True,
        )

        rng = random.Random(args.seed)
        sample = rng.sample(ids, min(args.sample, len(ids)))
        max_revenue = max((f.get("revenue") or 0 for f in facts.values()), default=0)
        with CaptureQueriesContext(connection) as base_queries:
            started = time.perf_counter()
            per = {}
            for pid in sample:
                one = inputs.gather(org=org, partnership_ids=[pid], today=today)
                per[pid] = scoring.score_partnership(
                    one[pid],
                    weights=model.weights,
                    element_weights=model.element_weights,
                    thresholds=model.thresholds,
                    today=today,
                    portfolio_max_revenue=max_revenue,
                )
            baseline_sample = time.perf_counter() - started
        baseline = baseline_sample / len(sample) * len(ids)
        same = all(per[pid].values() == results[pid].values() for pid in sample)
        print(
            f"Per-partnership ORM baseline: {len(sample)} partnerships (random sample) in {baseline_sample:.2f} s, "
            f"{len(base_queries) / len(sample):.0f} queries each; extrapolated to {len(ids):,}: {baseline:.1f} s",
            flush=True,
        )
        print(f"Same scores on the sample: {'yes' if same else 'NO'}")
        ratio = baseline / set_based
        print(f"Speed-up (baseline / set-based incl. storing): {ratio:.1f}x (goal: at least 20x)")
        return 0 if ratio >= 20 and same else 1
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
