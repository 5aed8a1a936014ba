"""Demo pipeline: accounts, ~150 opportunities (40 in the small demo) with partners, touchpoints and scores,
split rules, registrations in every status (one of them conflicting) and a finished attribution run."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from attribution import registrations, runs, services
from attribution.defaults import org_defaults
from attribution.models import (
    Account,
    AttributionConfig,
    AttributionRun,
    DealRegistration,
    InfluenceType,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    Touchpoint,
)
from partners.models import Partner, Partnership, Program
from pom.domains import domain_key
from pom.models import Role

COMPANIES = [
    "Globex", "Initech", "Umbrella Health", "Hooli", "Stark Logistics", "Wayne Foods", "Cyberdyne Systems",
    "Soylent Retail", "Tyrell Biotech", "Wonka Industries", "Aperture Labs", "Gringotts Bank", "Oscorp Energy",
    "Vandelay Imports", "Massive Dynamic", "Pied Piper", "Dunder Mifflin", "Monarch Insurance", "Nakatomi Trading",
    "Acme Mining", "Blue Sun Media", "Prestige Worldwide", "Gekko Capital", "Sterling Cooper", "Bluth Homes",
    "Krusty Foods", "Duff Beverages", "Virtucon", "Ollivander Tools", "Zorg Telecom", "Weyland Freight",
    "Rekall Travel", "Omni Consumer", "Paper Street Soap", "Los Pollos Group", "Central Perk Cafes",
    "Strickland Propane", "Ghostbusters Services", "Spacely Sprockets", "Cogswell Cogs",
]  # fmt: skip
PRODUCTS = ["Vault", "Edge", "Insight"]
SOLUTIONS = ["Joint SIEM", "Cloud migration", ""]
STAGES = [s for s in Opportunity.Stage.values if s != Opportunity.Stage.CLOSED]
NOTES = [
    "introduced the CFO",
    "ran the proof of concept with the data team",
    "shared that the incumbent contract ends in June",
    "joined the executive briefing",
    "answered the security questionnaire",
    "",
]


def _partnerships(ctx) -> list[Partnership]:
    """The demo's partnerships, or a small set when the partners app seeded none."""
    found = list(Partnership.objects.for_org(ctx.org).select_related("partner", "program").order_by("id"))
    if found:
        return found
    program, _ = Program.objects.get_or_create(organization=ctx.org, name="Resell", defaults={"kind": "reseller"})
    made = []
    for name in ("Alpha Consulting", "Beta Systems", "Gamma Integrations", "Delta Cloud"):
        partner, _ = Partner.objects.get_or_create(
            organization=ctx.org, name=name, defaults={"domain": name.split()[0].lower() + ".example"}
        )
        partnership, _ = Partnership.objects.get_or_create(
            organization=ctx.org, partner=partner, program=program, defaults={"status": "active"}
        )
        made.append(partnership)
    return made


def _status_over_time(org, accounts, opportunities, today) -> None:
    """Customer since / churned on, integrations in place, and deal types (a separate random stream, so the
    rest of the demo data stays as it was)."""
    import random

    rng = random.Random(f"status-{org.slug}")
    for account in accounts:
        account.integrations_count = rng.choice([0, 0, 1, 1, 2, 3, 4, 5])
        if account.type == Account.Type.CUSTOMER:
            account.customer_since = today - datetime.timedelta(days=rng.randint(200, 1500))
            if rng.random() < 0.15:
                account.churned_on = today - datetime.timedelta(days=rng.randint(10, 180))
    Account.objects.bulk_update(accounts, ["integrations_count", "customer_since", "churned_on"])
    for opp in opportunities:
        customer = opp.account.customer_since is not None and opp.account.customer_since < opp.created_on
        opp.type = rng.choice(["renewal", "expansion", "expansion"]) if customer else Opportunity.Type.NEW


def seed(ctx) -> None:
    org, rng = ctx.org, ctx.rng
    manager = ctx.users.get(Role.MANAGER) or ctx.users[Role.OWNER]
    admin = ctx.users.get(Role.ADMIN) or ctx.users[Role.OWNER]
    org_defaults(org=org)
    AttributionConfig.objects.for_org(org).update(own_domains=["nimbus.example", "nimbuscloud.com"])
    partnerships = _partnerships(ctx)
    kinds = list(InfluenceType.objects.for_org(org))
    today = timezone.localdate()
    now = timezone.now()

    accounts = Account.objects.bulk_create(
        [
            Account(
                organization=org,
                name=name,
                name_key=name.lower(),
                domain=name.split()[0].lower() + ".example",
                domain_key=domain_key(name.split()[0].lower() + ".example"),
                region=rng.choice(["EMEA", "NAM", "APAC"]),
                type=rng.choice(["customer", "prospect"]),
                crm_id=f"001D{index:04d}",
            )
            for index, name in enumerate(COMPANIES)
        ]
    )
    opportunities = []
    for index in range(40 if ctx.small else 150):
        created = today - datetime.timedelta(days=rng.randint(20, 420))
        status = rng.choices(["open", "won", "lost"], weights=[5, 3, 2])[0]
        closed = None
        if status != "open":
            closed = min(today - datetime.timedelta(days=1), created + datetime.timedelta(days=rng.randint(25, 160)))
        opportunities.append(
            Opportunity(
                organization=org,
                account=rng.choice(accounts),
                name=f"{rng.choice(['Platform', 'Expansion', 'Renewal', 'Pilot', 'Migration'])} {index + 1}",
                amount=Decimal(rng.randrange(5_000, 250_000, 500)),
                currency=org.currency,
                stage=Opportunity.Stage.CLOSED if closed else rng.choice(STAGES),
                status=status,
                created_on=created,
                expected_close=(closed or today + datetime.timedelta(days=rng.randint(10, 120))),
                closed_on=closed,
                products=rng.sample(PRODUCTS, rng.randint(1, 2)),
                joint_solution=rng.choice(SOLUTIONS),
                owner=manager,
                crm_id=f"006D{index:04d}",
            )
        )
    _status_over_time(org, accounts, opportunities, today)
    opportunities = Opportunity.objects.bulk_create(opportunities)

    links, touches, scores = [], [], []
    for opp in opportunities:
        if rng.random() < 0.3:
            continue  # direct deals, for the partner-attached vs direct comparison
        chosen = rng.sample(partnerships, min(len(partnerships), rng.choice([1, 1, 2, 2, 3])))
        for position, partnership in enumerate(chosen):
            role = "sourced" if position == 0 and rng.random() < 0.6 else rng.choice(OpportunityPartner.Role.values[1:])
            links.append(
                OpportunityPartner(
                    organization=org,
                    opportunity=opp,
                    partnership=partnership,
                    role=role,
                    added_by=manager,
                    ae_confirmed=rng.random() < 0.7,
                )
            )
            end = opp.closed_on or today
            for _ in range(rng.randint(0, 4)):
                day = opp.created_on + datetime.timedelta(days=rng.randint(0, max(0, (end - opp.created_on).days)))
                occurred = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17)), tzinfo=datetime.UTC)
                touches.append(
                    Touchpoint(
                        organization=org,
                        opportunity=opp,
                        account=opp.account,
                        partnership=partnership,
                        influence_type=rng.choice(kinds),
                        phase=rng.choice(Touchpoint.Phase.values),
                        occurred_at=min(occurred, now),
                        note=rng.choice(NOTES),
                        recorded_by=manager,
                        confirmed_by=manager if rng.random() < 0.5 else None,
                    )
                )
            if rng.random() < 0.35:
                scores.append(
                    MaterialityScore(
                        organization=org,
                        opportunity=opp,
                        partnership=partnership,
                        sales_motion=rng.randint(0, 5),
                        value_proposition=rng.randint(0, 5),
                        delivery=rng.randint(0, 5),
                        scored_by=manager,
                    )
                )
    OpportunityPartner.objects.bulk_create(links)
    Touchpoint.objects.bulk_create(touches)
    MaterialityScore.objects.bulk_create(scores)

    if len(partnerships) >= 2:
        a, b = partnerships[0], partnerships[1]
        services.split_rule_create(
            org=org, actor=admin, name="Joint SIEM", match_on="joint_solution", match_value="Joint SIEM",
            priority=10, shares=[{"partnership_id": a.pk, "percent": "50"}, {"partnership_id": b.pk, "percent": "30"}],
            note="Agreed in the Q1 alliance review",
        )  # fmt: skip
        rule = services.split_rule_create(
            org=org, actor=admin, name="Insight resale", match_on="product", match_value="Insight", priority=50,
            shares=[{"partnership_id": b.pk, "percent": "20"}],
        )  # fmt: skip
        services.split_rule_revise(
            org=org, actor=admin, rule=rule, shares=[{"partnership_id": b.pk, "percent": "25"}], note="Tier upgrade"
        )
    _registrations(ctx, partnerships, manager)
    run = AttributionRun.objects.create(organization=org, trigger="demo", requested_by=manager)
    runs.attribution_run_execute(org=org, run=run)
    ctx.data["opportunities"] = opportunities


def _registrations(ctx, partnerships: list[Partnership], manager) -> None:
    """One registration in every status, plus a second partner claiming the same customer (a conflict)."""
    org = ctx.org
    first = partnerships[0]
    # The conflict is between two different partners, not two programs of the same one.
    second = next((p for p in partnerships if p.partner_id != first.partner_id), partnerships[-1])

    def submit(partnership, name, domain, value, via="partner"):
        return registrations.registration_submit(
            org=org, actor=manager, partnership=partnership, customer_name=name, customer_domain=domain,
            value=Decimal(value), currency=org.currency, products=["Vault"],
            expected_close=timezone.localdate() + datetime.timedelta(days=75),
            notes="Met the IT director at the partner's roadshow; budget approved for Q3.", via=via,
        )  # fmt: skip

    submit(first, "Northwind Traders", "northwind.example", "42000")
    conflicting = submit(second, "Northwind Traders Ltd", "https://www.northwind.example", "45000")
    asked = submit(second, "Contoso Pharma", "contoso.example", "88000")
    registrations.registration_request_info(
        org=org, actor=manager, registration=asked, message="Who is the economic buyer, and is there a budget?"
    )
    approved = submit(first, "Fabrikam Motors", "fabrikam.example", "64000")
    registrations.registration_approve(org=org, actor=manager, registration=approved)
    rejected = submit(second, "Litware Games", "litware.example", "15000", via="vendor")
    registrations.registration_reject(
        org=org, actor=manager, registration=rejected, reason="Litware is an existing direct customer."
    )
    expired = submit(first, "Adatum Security", "adatum.example", "23000")
    registrations.registration_approve(org=org, actor=manager, registration=expired)
    DealRegistration.objects.for_org(org).filter(pk=expired.pk).update(
        protection_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    registrations.registration_expire_due(org=org)
    ctx.data["conflicting_registration"] = conflicting
