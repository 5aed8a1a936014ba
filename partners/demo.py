"""Demo portfolio for Nimbus Cloud: four programs with tiers, 40 partners, contacts, journeys, certifications.

Hands later seeds `ctx.data["partners"]`, `ctx.data["partnerships"]` and `ctx.data["programs"]` (by name).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from partners import program_services, services
from partners.models import (
    Archetype,
    JourneyStage,
    Partner,
    PartnerType,
    Segment,
    StageEntry,
    StepCompletion,
)
from partners.services import default_journey_template

PROGRAMS = [
    {
        "name": "Reseller",
        "kind": "reseller",
        "compensation_model": "percent",
        "rate": Decimal("20.00"),
        "description": "Partners who buy Nimbus licences and resell them with their own services.",
        "tiers": [
            ("Registered", None, 0, 0, ["Partner portal and sales playbook", "Not-for-resale demo tenant"]),
            (
                "Silver",
                Decimal("150000"),
                2,
                0,
                ["Deal registration protection (90 days)", "Quarterly pipeline review"],
            ),
            ("Gold", Decimal("500000"), 5, 0, ["Named partner manager", "Co-marketing funds (MDF)", "Joint QBR"]),
        ],
    },
    {
        "name": "Referral",
        "kind": "referral",
        "compensation_model": "fixed_fee",
        "rate": Decimal("1000.00"),
        "description": "Introduce a customer; earn a fixed fee for every converted lead.",
        "tiers": [
            ("Starter", None, 0, 0, ["Referral link and lead form"]),
            (
                "Advocate",
                None,
                0,
                500,
                ["Fee raised to 1,250 EUR per converted lead", "Listing in the partner directory"],
            ),
            ("Champion", None, 0, 2000, ["Fee raised to 1,500 EUR per converted lead", "Joint customer events"]),
        ],
    },
    {
        "name": "Technology",
        "kind": "technology",
        "compensation_model": "none",
        "rate": None,
        "description": "ISVs building integrations with the Nimbus platform.",
        "tiers": [
            ("Integrated", None, 0, 0, ["Sandbox and API support", "Marketplace listing"]),
            ("Certified integration", None, 1, 0, ["Certified badge", "Joint solution brief"]),
            ("Strategic ISV", None, 2, 0, ["Roadmap briefings", "Co-selling with Nimbus account executives"]),
        ],
    },
    {
        "name": "Services",
        "kind": "services",
        "compensation_model": "percent",
        "rate": Decimal("10.00"),
        "description": "Integrators and consultancies delivering Nimbus implementations.",
        "tiers": [
            ("Registered", None, 0, 0, ["Implementation methodology", "Partner training catalogue"]),
            ("Certified", Decimal("100000"), 3, 0, ["Referral of implementation projects", "Certified partner badge"]),
            ("Premier", Decimal("400000"), 8, 0, ["Priority project referrals", "Dedicated solution architect"]),
        ],
    },
]

# name, domain, types, archetype, segment, focus, region, country, size, industry, status, programs [(name, tier)]
PARTNERS = [
    (
        "Brightpath Consulting",
        "brightpath-consulting.example",
        ["systems-integrator"],
        "delivery-champion",
        "strategic",
        True,
        "EMEA",
        "DE",
        "201-500",
        "IT services",
        "active",
        [("Services", "Premier"), ("Reseller", "Gold")],
    ),
    (
        "Northwind Cloud Partners",
        "northwind-cloud.example",
        ["reseller", "msp"],
        "selling-ally",
        "strategic",
        True,
        "EMEA",
        "GB",
        "501-2000",
        "Managed services",
        "active",
        [("Reseller", "Gold")],
    ),
    (
        "Cobalt Data Systems",
        "cobaltdata.example",
        ["technology"],
        "joint-innovator",
        "strategic",
        True,
        "NAM",
        "US",
        "201-500",
        "Data platforms",
        "active",
        [("Technology", "Strategic ISV")],
    ),
    (
        "Helix Integrators",
        "helix-integrators.example",
        ["systems-integrator"],
        "delivery-champion",
        "strategic",
        True,
        "EMEA",
        "NL",
        "51-200",
        "IT services",
        "active",
        [("Services", "Certified"), ("Referral", "Advocate")],
    ),
    (
        "Atlas Digital Agency",
        "atlas-digital.example",
        ["agency"],
        "ecosystem-pioneer",
        "transactional",
        False,
        "EMEA",
        "FR",
        "51-200",
        "Marketing",
        "active",
        [("Referral", "Champion")],
    ),
    (
        "Meridian IT Distribution",
        "meridian-distribution.example",
        ["distributor"],
        "selling-ally",
        "strategic",
        True,
        "EMEA",
        "DE",
        "2001+",
        "Distribution",
        "active",
        [("Reseller", "Gold")],
    ),
    (
        "Quartz Analytics",
        "quartz-analytics.example",
        ["technology"],
        "joint-innovator",
        "transactional",
        False,
        "NAM",
        "CA",
        "0-50",
        "Analytics software",
        "active",
        [("Technology", "Certified integration")],
    ),
    (
        "Summit Managed Services",
        "summit-msp.example",
        ["msp"],
        "delivery-champion",
        "transactional",
        False,
        "NAM",
        "US",
        "51-200",
        "Managed services",
        "at_risk",
        [("Reseller", "Silver")],
    ),
    (
        "Lumen Security",
        "lumen-security.example",
        ["technology", "strategic-alliance"],
        "joint-innovator",
        "strategic",
        True,
        "NAM",
        "US",
        "501-2000",
        "Security software",
        "active",
        [("Technology", "Strategic ISV"), ("Referral", "Champion")],
    ),
    (
        "Fjord Solutions",
        "fjord-solutions.example",
        ["systems-integrator"],
        "delivery-champion",
        "transactional",
        False,
        "EMEA",
        "NO",
        "51-200",
        "IT services",
        "onboarding",
        [("Services", "Registered")],
    ),
    (
        "Pacifica Cloud Marketplace",
        "pacifica-market.example",
        ["cloud-marketplace"],
        "ecosystem-pioneer",
        "strategic",
        True,
        "APAC",
        "SG",
        "2001+",
        "Cloud marketplace",
        "active",
        [("Reseller", "Silver")],
    ),
    (
        "Tandem Referral Network",
        "tandem-referrals.example",
        ["referral", "affiliate"],
        "selling-ally",
        "transactional",
        False,
        "EMEA",
        "ES",
        "0-50",
        "Business services",
        "active",
        [("Referral", "Advocate")],
    ),
    (
        "Orbit Software House",
        "orbit-software.example",
        ["technology"],
        "joint-innovator",
        "transactional",
        False,
        "EMEA",
        "PL",
        "51-200",
        "Software",
        "onboarding",
        [("Technology", "Integrated")],
    ),
    (
        "Kestrel Advisory",
        "kestrel-advisory.example",
        ["referral"],
        "selling-ally",
        "transactional",
        False,
        "EMEA",
        "CH",
        "0-50",
        "Consulting",
        "active",
        [("Referral", "Starter")],
    ),
    (
        "Redwood Systems Integration",
        "redwood-si.example",
        ["systems-integrator", "reseller"],
        "delivery-champion",
        "strategic",
        True,
        "NAM",
        "US",
        "501-2000",
        "IT services",
        "active",
        [("Services", "Premier"), ("Reseller", "Silver")],
    ),
    (
        "Sakura Digital",
        "sakura-digital.example",
        ["agency", "referral"],
        "ecosystem-pioneer",
        "transactional",
        False,
        "APAC",
        "JP",
        "51-200",
        "Digital services",
        "vetting",
        [],
    ),
    (
        "Granite Networks",
        "granite-networks.example",
        ["msp", "reseller"],
        "selling-ally",
        "transactional",
        False,
        "EMEA",
        "IE",
        "201-500",
        "Telecom",
        "active",
        [("Reseller", "Registered")],
    ),
    (
        "Beacon Growth Partners",
        "beacon-growth.example",
        ["affiliate"],
        "selling-ally",
        "transactional",
        False,
        "NAM",
        "US",
        "0-50",
        "Marketing",
        "inactive",
        [("Referral", "Starter")],
    ),
    (
        "Vertex Cloud Services",
        "vertex-cloud.example",
        ["msp"],
        "delivery-champion",
        "strategic",
        True,
        "EMEA",
        "DE",
        "201-500",
        "Managed services",
        "active",
        [("Reseller", "Silver"), ("Services", "Certified")],
    ),
    (
        "Aurora Insights",
        "aurora-insights.example",
        ["technology"],
        "joint-innovator",
        "transactional",
        False,
        "EMEA",
        "FI",
        "0-50",
        "Analytics software",
        "prospect",
        [],
    ),
    (
        "Pinnacle Alliance Group",
        "pinnacle-alliance.example",
        ["strategic-alliance"],
        "ecosystem-pioneer",
        "strategic",
        True,
        "NAM",
        "US",
        "2001+",
        "Consulting",
        "onboarding",
        [("Services", "Registered")],
    ),
    (
        "Cedar Lane Consulting",
        "cedarlane.example",
        ["systems-integrator"],
        "delivery-champion",
        "transactional",
        False,
        "EMEA",
        "GB",
        "51-200",
        "Consulting",
        "active",
        [("Services", "Certified")],
    ),
    (
        "Mosaic Marketing Co",
        "mosaic-marketing.example",
        ["agency"],
        "ecosystem-pioneer",
        "transactional",
        False,
        "LATAM",
        "BR",
        "51-200",
        "Marketing",
        "onboarding",
        [("Referral", "Starter")],
    ),
    (
        "Ironclad Compliance",
        "ironclad-compliance.example",
        ["technology", "referral"],
        "joint-innovator",
        "transactional",
        False,
        "EMEA",
        "BE",
        "51-200",
        "Compliance software",
        "active",
        [("Technology", "Certified integration"), ("Referral", "Starter")],
    ),
    (
        "Harborview Partners",
        "harborview.example",
        ["reseller"],
        "selling-ally",
        "transactional",
        False,
        "NAM",
        "CA",
        "51-200",
        "IT services",
        "at_risk",
        [("Reseller", "Registered")],
    ),
    (
        "Nova Integrations",
        "nova-integrations.example",
        ["systems-integrator"],
        "delivery-champion",
        "transactional",
        False,
        "APAC",
        "AU",
        "201-500",
        "IT services",
        "active",
        [("Services", "Certified")],
    ),
    (
        "Silverline Distribution",
        "silverline-dist.example",
        ["distributor"],
        "selling-ally",
        "strategic",
        True,
        "APAC",
        "IN",
        "2001+",
        "Distribution",
        "vetting",
        [],
    ),
    (
        "Tidewater Tech",
        "tidewater-tech.example",
        ["msp"],
        "delivery-champion",
        "transactional",
        False,
        "NAM",
        "US",
        "0-50",
        "Managed services",
        "prospect",
        [],
    ),
    (
        "Polar Bear Software",
        "polarbear-software.example",
        ["technology"],
        "joint-innovator",
        "transactional",
        False,
        "EMEA",
        "SE",
        "51-200",
        "Software",
        "active",
        [("Technology", "Integrated")],
    ),
    (
        "Everest Business Solutions",
        "everest-bs.example",
        ["reseller", "systems-integrator"],
        "selling-ally",
        "strategic",
        True,
        "EMEA",
        "AT",
        "201-500",
        "IT services",
        "active",
        [("Reseller", "Silver"), ("Services", "Registered")],
    ),
    (
        "Canopy Referral Partners",
        "canopy-referrals.example",
        ["referral"],
        "selling-ally",
        "transactional",
        False,
        "EMEA",
        "DK",
        "0-50",
        "Business services",
        "active",
        [("Referral", "Advocate")],
    ),
    (
        "Solstice Cloud",
        "solstice-cloud.example",
        ["cloud-marketplace", "reseller"],
        "ecosystem-pioneer",
        "transactional",
        False,
        "LATAM",
        "MX",
        "201-500",
        "Cloud services",
        "onboarding",
        [("Reseller", "Registered")],
    ),
    (
        "Keystone Data Partners",
        "keystone-data.example",
        ["systems-integrator"],
        "delivery-champion",
        "transactional",
        False,
        "NAM",
        "US",
        "51-200",
        "Data services",
        "at_risk",
        [("Services", "Registered")],
    ),
    (
        "Zephyr Apps",
        "zephyr-apps.example",
        ["technology", "affiliate"],
        "joint-innovator",
        "transactional",
        False,
        "EMEA",
        "PT",
        "0-50",
        "Software",
        "vetting",
        [],
    ),
    (
        "Ridgeline Security Services",
        "ridgeline-sec.example",
        ["msp"],
        "delivery-champion",
        "transactional",
        False,
        "EMEA",
        "GB",
        "51-200",
        "Security services",
        "active",
        [("Reseller", "Registered")],
    ),
    (
        "Alder & Finch",
        "alderfinch.example",
        ["agency"],
        "ecosystem-pioneer",
        "transactional",
        False,
        "EMEA",
        "IT",
        "0-50",
        "Marketing",
        "prospect",
        [],
    ),
    (
        "Crestview Technologies",
        "crestview-tech.example",
        ["reseller"],
        "selling-ally",
        "transactional",
        False,
        "APAC",
        "NZ",
        "51-200",
        "IT services",
        "active",
        [("Reseller", "Silver")],
    ),
    (
        "Lighthouse Learning",
        "lighthouse-learning.example",
        ["agency", "referral"],
        "ecosystem-pioneer",
        "transactional",
        False,
        "EMEA",
        "IE",
        "0-50",
        "Training",
        "inactive",
        [],
    ),
    (
        "Monarch Consulting Group",
        "monarch-consulting.example",
        ["systems-integrator", "strategic-alliance"],
        "delivery-champion",
        "strategic",
        True,
        "EMEA",
        "FR",
        "2001+",
        "Consulting",
        "active",
        [("Services", "Premier"), ("Referral", "Champion")],
    ),
    (
        "Sequoia Cloud Labs",
        "sequoia-labs.example",
        ["technology"],
        "joint-innovator",
        "strategic",
        True,
        "NAM",
        "US",
        "201-500",
        "Cloud software",
        "onboarding",
        [("Technology", "Integrated")],
    ),
]

FIRST = ["Jana", "Lukas", "Amelia", "Oliver", "Sofia", "Mateo", "Yuki", "Priya", "Noah", "Elena", "Liam", "Chloé"]
LAST = ["Weber", "Clarke", "Jansen", "Moreau", "Rossi", "Santos", "Tanaka", "Sharma", "Nielsen", "Novak"]

# Journey stage reached (order 1..6) by partner status, chosen by the seeded random generator.
STAGES_BY_STATUS = {
    "onboarding": [1, 1, 2],
    "active": [2, 3, 3, 4, 4, 5, 6],
    "at_risk": [2, 3, 4],
    "inactive": [1, 2],
}
CERTIFICATIONS = ["Nimbus Certified Architect", "Nimbus Sales Professional", "Nimbus Implementation Specialist"]


def seed(ctx) -> None:
    """Create programs, tiers, 40 partners with contacts, partnerships, journey progress and certifications."""
    org, rng = ctx.org, ctx.rng
    manager, admin = ctx.users.get("manager"), ctx.users.get("admin")
    actor = manager or ctx.users.get("owner")
    owners = [u for u in (manager, admin) if u is not None] or [actor]
    today = timezone.localdate()
    now = timezone.now()

    programs, tiers = {}, {}
    for spec in PROGRAMS:
        program = program_services.program_create(
            org=org,
            actor=actor,
            name=spec["name"],
            kind=spec["kind"],
            description=spec["description"],
            compensation_model=spec["compensation_model"],
            rate=spec["rate"],
            currency=org.currency,
        )
        programs[program.name] = program
        for rank, (name, revenue, certs, points, benefits) in enumerate(spec["tiers"], 1):
            tiers[(program.name, name)] = program_services.tier_create(
                org=org,
                actor=actor,
                program=program,
                name=name,
                rank=rank,
                required_revenue=revenue,
                required_certifications=certs,
                required_points=points,
                benefits=benefits,
            )

    types = {t.slug: t for t in PartnerType.objects.for_org(org)}
    archetypes = {a.slug: a for a in Archetype.objects.for_org(org)}
    segments = {s.slug: s for s in Segment.objects.for_org(org)}
    template = default_journey_template(org=org)
    stages = list(JourneyStage.objects.for_org(org).filter(template=template).prefetch_related("steps"))
    stages.sort(key=lambda s: s.order)

    partners, partnerships = [], []
    for index, row in enumerate(PARTNERS):
        name, domain, type_slugs, archetype, segment, focus, region, country, size, industry, status, memberships = row
        partner = services.partner_create(
            org=org,
            actor=actor,
            name=name,
            domain=domain,
            website=f"https://www.{domain}",
            types=[types[s] for s in type_slugs],
            archetype=archetypes[archetype],
            segment=segments[segment],
            is_focus=focus,
            region=region,
            country=country,
            size_band=size,
            industry=industry,
            owner=owners[index % len(owners)],
            status=status,
            relationship_maturity=rng.choice(["sales", "advisor", "consultant", "business_partner"])
            if status == "active"
            else rng.choice(["sales", "advisor"]),
            description=f"{industry} company based in {country}.",
        )
        partners.append(partner)
        people = rng.sample(FIRST, 2)
        contacts = []
        for person, role, title in zip(
            people,
            ["executive_sponsor", "partner_manager"],
            ["Managing Director", "Head of Alliances"],
            strict=True,
        ):
            surname = rng.choice(LAST)
            contacts.append(
                services.contact_create(
                    org=org,
                    actor=actor,
                    partner=partner,
                    name=f"{person} {surname}",
                    title=title,
                    role=role,
                    email=f"{person.lower().replace('é', 'e')}.{surname.lower()}@{domain}",
                )
            )
        if status in ("active", "at_risk") and rng.random() < 0.7:
            contacts.append(
                services.contact_create(
                    org=org,
                    actor=actor,
                    partner=partner,
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    title="Solutions Engineer",
                    role="technical",
                    email=f"presales@{domain}",
                )
            )

        for program_name, tier_name in memberships:
            start = today - datetime.timedelta(days=rng.randint(60, 900))
            partnership_status = {"active": "active", "at_risk": "active", "inactive": "ended"}.get(
                status, "onboarding"
            )
            partnership = services.partnership_create(
                org=org,
                actor=actor,
                partner=partner,
                program=programs[program_name],
                tier=tiers[(program_name, tier_name)],
                status=partnership_status,
                start_date=start,
                renewal_date=start + datetime.timedelta(days=365 * (1 + (today - start).days // 365)),
                agreement_signed_on=start - datetime.timedelta(days=rng.randint(3, 30)),
                owner=partner.owner,
                notes="",
            )
            partnerships.append(partnership)
            reached = rng.choice(STAGES_BY_STATUS.get(status, [1]))
            _advance(org, actor, partnership, stages[:reached], rng, start, now)

        if status in ("active", "at_risk", "onboarding"):
            for cert_index in range(rng.randint(0, 3)):
                # Spread expiries so that some are expired, some expire within 60 days, most are valid.
                expires = today + datetime.timedelta(days=rng.choice([-40, -5, 12, 35, 55, 120, 240, 400]))
                services.certification_create(
                    org=org,
                    actor=actor,
                    partner=partner,
                    name=CERTIFICATIONS[cert_index],
                    issued_on=expires - datetime.timedelta(days=730),
                    expires_on=expires,
                    contact=rng.choice(contacts) if rng.random() < 0.6 else None,
                )

    ctx.data["partners"] = partners
    ctx.data["partnerships"] = partnerships
    ctx.data["programs"] = programs


def _advance(org, actor, partnership, reached_stages, rng, start, now) -> None:
    """Move a partnership to the last of `reached_stages`, ticking earlier stages' steps and some of the
    current stage's; then spread the recorded dates between the start date and now, as if it happened."""
    last = reached_stages[-1]
    if last.order > 1:
        services.partnership_move_stage(org=org, actor=actor, partnership=partnership, stage=last)
    for stage in reached_stages:
        steps = list(stage.steps.all())
        done = steps if stage != last else steps[: rng.randint(0, max(0, len(steps) - 1))]
        for step in done:
            services.step_complete(org=org, actor=actor, partnership=partnership, step=step)
    start_at = datetime.datetime.combine(start, datetime.time(9), tzinfo=datetime.UTC)
    span = max((now - start_at).total_seconds(), 86400)
    entries = list(StageEntry.objects.for_org(org).filter(partnership=partnership).order_by("entered_at", "pk"))
    for position, entry in enumerate(entries):
        entered = start_at + datetime.timedelta(seconds=span * position / (len(entries) + 1))
        StageEntry.objects.for_org(org).filter(pk=entry.pk).update(entered_at=entered)
        if entry.stage_id == partnership.current_stage_id:
            type(partnership).objects.for_org(org).filter(pk=partnership.pk).update(stage_entered_at=entered)
    completions = StepCompletion.objects.for_org(org).filter(partnership=partnership).order_by("step__stage__order")
    for position, completion in enumerate(completions):
        when = start_at + datetime.timedelta(seconds=span * (position + 1) / (completions.count() + 2))
        StepCompletion.objects.for_org(org).filter(pk=completion.pk).update(completed_at=when)
    Partner.objects.for_org(org).filter(pk=partnership.partner_id).update(updated_at=now)
