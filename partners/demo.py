"""Demo portfolio for Nimbus Cloud: four programs with tiers, 40 partners, contacts, journeys, certifications
(what they are: `partners.demo_data`). `seed_demo --size small` builds `demo_data.SMALL_PORTFOLIO` only.

Hands later seeds `ctx.data["partners"]`, `ctx.data["partnerships"]` and `ctx.data["programs"]` (by name).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from partners import program_services, services
from partners.demo_data import (
    CERTIFICATIONS,
    FIRST,
    LAST,
    PARTNERS,
    PROGRAMS,
    SMALL_PORTFOLIO,
    STAGES_BY_STATUS,
)
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


def portfolio(ctx) -> list[tuple]:
    """The partner rows this demo builds: all of them, or the small portfolio (`ctx.size == "small"`)."""
    if ctx.small:
        return [row for row in PARTNERS if row[0] in SMALL_PORTFOLIO]
    return PARTNERS


def seed(ctx) -> None:
    """Create programs, tiers, the partners with contacts, partnerships, journey progress and certifications."""
    org, rng = ctx.org, ctx.rng
    manager, admin = ctx.users.get("manager"), ctx.users.get("admin")
    actor = manager or ctx.users.get("owner")
    owners = [u for u in (manager, admin) if u is not None] or [actor]
    programs, tiers = _programs(org, actor)
    lookups = {
        "types": {t.slug: t for t in PartnerType.objects.for_org(org)},
        "archetypes": {a.slug: a for a in Archetype.objects.for_org(org)},
        "segments": {s.slug: s for s in Segment.objects.for_org(org)},
    }
    template = default_journey_template(org=org)
    stages = list(JourneyStage.objects.for_org(org).filter(template=template).prefetch_related("steps"))
    stages.sort(key=lambda s: s.order)

    partners, partnerships = [], []
    for index, row in enumerate(portfolio(ctx)):
        status, memberships = row[10], row[11]
        partner = _partner(org, actor, row, owner=owners[index % len(owners)], rng=rng, lookups=lookups)
        partners.append(partner)
        contacts = _contacts(org, actor, partner, status, rng)
        for program_name, tier_name in memberships:
            partnerships.append(
                _partnership(org, actor, partner, status, programs[program_name], tiers[(program_name, tier_name)], rng)
            )
            reached = rng.choice(STAGES_BY_STATUS.get(status, [1]))
            _advance(org, actor, partnerships[-1], stages[:reached], rng)
        if status in ("active", "at_risk", "onboarding"):
            _certifications(org, actor, partner, contacts, rng)

    ctx.data["partners"] = partners
    ctx.data["partnerships"] = partnerships
    ctx.data["programs"] = programs


def _programs(org, actor) -> tuple[dict, dict]:
    """The four programs with their ranked tiers: ({name: program}, {(program name, tier name): tier})."""
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
    return programs, tiers


def _partner(org, actor, row: tuple, *, owner, rng, lookups: dict) -> Partner:
    name, domain, type_slugs, archetype, segment, focus, region, country, size, industry, status, _ = row
    return services.partner_create(
        org=org,
        actor=actor,
        name=name,
        domain=domain,
        website=f"https://www.{domain}",
        types=[lookups["types"][s] for s in type_slugs],
        archetype=lookups["archetypes"][archetype],
        segment=lookups["segments"][segment],
        is_focus=focus,
        region=region,
        country=country,
        size_band=size,
        industry=industry,
        owner=owner,
        status=status,
        relationship_maturity=rng.choice(["sales", "advisor", "consultant", "business_partner"])
        if status == "active"
        else rng.choice(["sales", "advisor"]),
        description=f"{industry} company based in {country}.",
    )


def _contacts(org, actor, partner: Partner, status: str, rng) -> list:
    """An executive sponsor and a partner manager; most active partners also have a solutions engineer."""
    contacts = []
    for person, role, title in zip(
        rng.sample(FIRST, 2),
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
                email=f"{person.lower().replace('é', 'e')}.{surname.lower()}@{partner.domain}",
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
                email=f"presales@{partner.domain}",
            )
        )
    return contacts


def _partnership(org, actor, partner: Partner, partner_status: str, program, tier, rng):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=rng.randint(60, 900))
    status = {"active": "active", "at_risk": "active", "inactive": "ended"}.get(partner_status, "onboarding")
    return services.partnership_create(
        org=org,
        actor=actor,
        partner=partner,
        program=program,
        tier=tier,
        status=status,
        start_date=start,
        renewal_date=start + datetime.timedelta(days=365 * (1 + (today - start).days // 365)),
        agreement_signed_on=start - datetime.timedelta(days=rng.randint(3, 30)),
        owner=partner.owner,
        notes="",
    )


def _certifications(org, actor, partner: Partner, contacts: list, rng) -> None:
    today = timezone.localdate()
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


def _advance(org, actor, partnership, reached_stages, rng) -> None:
    """Move a partnership to the last of `reached_stages`, ticking earlier stages' steps and some of the
    current stage's; then spread the recorded dates between the start date and now, as if it happened."""
    now = timezone.now()
    last = reached_stages[-1]
    if last.order > 1:
        services.partnership_move_stage(org=org, actor=actor, partnership=partnership, stage=last)
    for stage in reached_stages:
        steps = list(stage.steps.all())
        done = steps if stage != last else steps[: rng.randint(0, max(0, len(steps) - 1))]
        for step in done:
            services.step_complete(org=org, actor=actor, partnership=partnership, step=step)
    start_at = datetime.datetime.combine(partnership.start_date, datetime.time(9), tzinfo=datetime.UTC)
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
