"""Benchmarks demo (issue 10, called from `reports.demo.seed`): Nimbus's peer-group profile and six
small peer vendors that share anonymised benchmarks, each with a different profile, so the
cross-tenant comparison shows.

The peers are kept small (four partnerships, a dozen deals each) and carry no people: nobody logs
in as them; they only contribute medians. Running the seed again rebuilds them.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

PEERS = [
    # name, size band, region, industry, programme model, partner-ops band, revenue share band
    ("Altura Analytics", "51-200", "EMEA", "software", "tiered", "1", "26-50"),
    ("Borealis Systems", "201-500", "EMEA", "software", "programmatic", "2-4", "51-75"),
    ("Cobalt Commerce", "0-50", "NAM", "software", "ad_hoc", "0", "1-25"),
    ("Deltaware", "501-2000", "NAM", "services", "programmatic", "5+", "76+"),
    ("Everpeak Telecom", "2001+", "APAC", "telecom", "tiered", "2-4", "26-50"),
    ("Fjord Media Tech", "201-500", "EMEA", "media", "none", "0", "1-25"),
]


def _peer(name, size, region, industry, model, ops, share, rng: random.Random, today: datetime.date):
    from attribution.models import Account, Opportunity, OpportunityPartner
    from partners.models import Certification, Partner, Partnership, Program
    from pom.models import Organization

    slug = "demo-peer-" + name.lower().split()[0]
    existing = Organization.objects.filter(slug=slug).first()
    if existing is not None:
        from pom.management.commands.seed_demo import _purge

        _purge(existing)
    org = Organization.objects.create(
        name=name,
        slug=slug,
        size_band=size,
        region=region,
        industry=industry,
        program_model=model,
        partner_ops_band=ops,
        partner_revenue_share=share,
        benchmark_opt_in=True,
    )
    program = Program.objects.create(organization=org, name="Partner program", kind=Program.Kind.RESELLER)
    partnerships = []
    for i in range(4):
        partner = Partner.objects.create(
            organization=org, name=f"{name} partner {i + 1}", status=Partner.Status.ACTIVE, region=region
        )
        partnerships.append(
            Partnership.objects.create(
                organization=org,
                partner=partner,
                program=program,
                status=Partnership.Status.ACTIVE,
                start_date=today - datetime.timedelta(days=rng.randint(60, 500)),
            )
        )
        for c in range(rng.randint(0, 4)):
            Certification.objects.create(
                organization=org, partner=partner, name=f"Certification {c + 1}", issued_on=today
            )
    account = Account.objects.create(organization=org, name=f"{name} customer")
    win_bias = rng.uniform(0.3, 0.7)
    for i in range(12):
        created = today - datetime.timedelta(days=rng.randint(40, 300))
        status = "open" if i % 4 == 0 else ("won" if rng.random() < win_bias else "lost")
        closed = None if status == "open" else created + datetime.timedelta(days=rng.randint(20, 150))
        opp = Opportunity.objects.create(
            organization=org,
            account=account,
            name=f"Deal {i + 1}",
            amount=Decimal(rng.randrange(5_000, 120_000, 500)),
            currency=org.currency,
            status=status,
            stage="closed" if closed else "proposal",
            created_on=created,
            closed_on=min(closed, today) if closed else None,
        )
        if i % 3:  # some direct deals, for the share of revenue via partners
            OpportunityPartner.objects.create(
                organization=org,
                opportunity=opp,
                partnership=rng.choice(partnerships),
                role=rng.choice(["sourced", "influenced"]),
            )
    return org


def seed(ctx) -> None:
    from reports.benchmarks.compute import compute_organization, cross_tenant_refresh

    org, today = ctx.org, timezone.localdate()
    rng = random.Random(1010)
    from pom.services import organization_update

    profile = {
        "partner_team_band": "4-10",
        "partner_ops_band": "1",
        "leader_reports_to": "cro",
        "program_model": "tiered",
        "partner_revenue_share": "26-50",
        "maturity_strategy": "walk",
        "maturity_data": "crawl",
        "maturity_technology": "walk",
        "maturity_way_of_working": "crawl",
        "benchmark_opt_in": True,
    }
    organization_update(org=org, actor=ctx.users.get("owner"), data=profile)
    peers = [_peer(*spec, rng=rng, today=today) for spec in PEERS]
    for each in [*peers, org]:
        compute_organization(org=each, today=today)
    cross_tenant_refresh(as_of=today)
