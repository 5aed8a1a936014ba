"""Two more vendors in the demo, so a partner person sees several vendors at /w/.

Helios Analytics and Orbit Security each run a small programme with three of Nimbus's partners; the
partner people Nimbus's demo gave a login (the first contacts of its partner workspaces) are invited
into those vendors' workspaces too, and each vendor's plan with that partner has check-ins from both
sides and a comment from the partner's person. Built through the services, like the rest of the demo.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from partners import program_services
from partners import services as partner_services
from partners.models import Partner
from plans import checkin_services, template_services
from plans.defaults import org_defaults
from plans.models import KeyResult, PlanTemplate
from pom import services as pom_services
from pom.models import Industry, Membership, Region, Role, SizeBand
from workspaces import invitation_services, selectors, services
from workspaces.models import WorkspaceRole

VENDORS = [
    {
        "name": "Helios Analytics",
        "owner": ("hanna.helios@helios.example", "Hanna Hoffmann"),
        "manager": ("hugo.helios@helios.example", "Hugo Hendriks"),
        "program": ("Helios Alliance", "reseller"),
        "industry": Industry.SOFTWARE,
    },
    {
        "name": "Orbit Security",
        "owner": ("olga.orbit@orbit.example", "Olga Olsen"),
        "manager": ("oscar.orbit@orbit.example", "Oscar Ortiz"),
        "program": ("Orbit Partner Network", "services"),
        "industry": Industry.SOFTWARE,
    },
]


def seed(ctx, *, partner_people: list[tuple[Partner, object]]) -> list:
    """`partner_people`: (Nimbus's partner, its person with a login). Returns the vendors made."""
    made = []
    today = timezone.localdate()
    for spec in VENDORS:
        owner = ctx.user(*spec["owner"])
        manager = ctx.user(*spec["manager"])
        org = pom_services.organization_create(
            user=owner,
            name=spec["name"],
            size_band=SizeBand.S,
            region=Region.EMEA,
            industry=spec["industry"],
            currency="EUR",
        )
        Membership.objects.get_or_create(organization=org, user=manager, defaults={"role": Role.MANAGER})
        ctx.logins.append((f"Vendor: {spec['name']}", owner.email, ctx.password))
        program_name, kind = spec["program"]
        program = program_services.program_create(org=org, actor=owner, name=program_name, kind=kind)
        org_defaults(org=org)
        template = PlanTemplate.objects.for_org(org).filter(is_default=True, name="Joint business plan").first()
        for source, person in partner_people[:3]:
            partner = partner_services.partner_create(
                org=org,
                actor=manager,
                name=source.name,
                domain=source.domain,
                country=source.country,
                region=source.region,
                status="active",
                owner=manager,
            )
            partner_services.contact_create(
                org=org, actor=manager, partner=partner, name=person.name, email=person.email, role="partner_manager"
            )
            start = today - datetime.timedelta(days=200)
            partnership = partner_services.partnership_create(
                org=org, actor=manager, partner=partner, program=program, status="active", start_date=start
            )
            workspace = selectors.workspace_for_partnership(org=org, partnership=partnership)
            access = selectors.workspace_access(user=owner, workspace=workspace)
            _invitation, raw = invitation_services.invitation_create(
                access=access, actor=owner, email=person.email, role=WorkspaceRole.EDITOR, side="partner", send=False
            )
            invitation_services.invitation_accept(raw_token=raw, user=person)
            if template is None:
                continue
            plan_start = today - datetime.timedelta(days=45)
            fiscal_year = f"FY{(plan_start.year + 1) % 100:02d}"
            plan = template_services.plan_create_from_template(
                org=org,
                actor=manager,
                template=template,
                partnerships=[partnership],
                period_start=plan_start,
                owner=manager,
                name=f"{partner.name} × {org.name.split()[0]} — {fiscal_year} joint business plan",
            )[0]
            for kr in KeyResult.objects.for_org(org).filter(plan=plan).order_by("id")[:4]:
                who = person if kr.responsible_side == "partner" else manager
                target = kr.target if kr.target is not None else Decimal(1)
                entries = []
                for step in range(3):
                    at = timezone.make_aware(
                        datetime.datetime.combine(plan_start + datetime.timedelta(days=7 + 14 * step), datetime.time(9))
                    )
                    value = Decimal(1) if kr.unit == KeyResult.Unit.BOOLEAN and step == 2 else Decimal(0)
                    if kr.unit != KeyResult.Unit.BOOLEAN:
                        value = (kr.baseline + (target - kr.baseline) * Decimal(step + 1) / 8).quantize(Decimal(1))
                    entries.append((who, at, max(Decimal(0), value), "Numbers from our CRM"))
                checkin_services.checkin_history_record(org=org, key_result=kr, entries=entries)
            services.comment_create(
                access=selectors.workspace_access(user=person, workspace=workspace),
                actor=person,
                body=f"Our numbers for {org.name} are in; see you at the monthly review.",
            )
        made.append(org)
    return made
