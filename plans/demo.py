"""Demo plans: every partnership in onboarding or active gets a plan from a template, with weeks of
check-in history (some on track, some behind), activities done or overdue, and governance meetings."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from partners.models import Contact, Partnership, Program
from plans import checkin_services, meeting_services, services, template_services
from plans.defaults import org_defaults
from plans.models import Activity, KeyResult, Meeting, PlanTemplate
from pom.models import Role

# How far along each plan is compared with the time elapsed: on track, at risk, behind.
PACE = [Decimal("1.15"), Decimal("1.0"), Decimal("0.95"), Decimal("0.7"), Decimal("0.4")]


def _partnerships(ctx) -> list[Partnership]:
    given = ctx.data.get("partnerships")
    qs = Partnership.objects.for_org(ctx.org).select_related("partner", "program")
    if given:
        qs = qs.filter(pk__in=[p.pk for p in given])
    return list(qs.filter(status__in=[Partnership.Status.ONBOARDING, Partnership.Status.ACTIVE]))


def _template_for(partnership: Partnership, templates: dict[str, PlanTemplate]) -> PlanTemplate:
    if partnership.program.kind == Program.Kind.TECHNOLOGY and "Technology partner launch" in templates:
        return templates["Technology partner launch"]
    if partnership.status == Partnership.Status.ONBOARDING:
        return templates["Partner onboarding"]
    return templates["Joint business plan"]


def _plan_name(org, partnership: Partnership, template: PlanTemplate, start: datetime.date) -> str:
    """What a partner manager would call it: “Atlas × Nimbus — FY27 joint business plan”."""
    fiscal_start = org.fiscal_year_start_month or 1
    fiscal_year = start.year + (1 if fiscal_start > 1 and start.month >= fiscal_start else 0)
    what = KIND_NAMES.get(template.name, template.name.lower())
    return f"{partnership.partner.name} × {org.name.split()[0]} — FY{fiscal_year % 100:02d} {what}"


KIND_NAMES = {
    "Joint business plan": "joint business plan",
    "Partner onboarding": "onboarding plan",
    "Technology partner launch": "integration launch plan",
}


def partner_person(ctx, partnership: Partnership):
    """The partner's own person for this partnership: its first contact with an e-mail address, with a
    login (the workspaces demo makes them the editor of the partnership's workspace). None without one."""
    people = ctx.data.setdefault("partner_people", {})
    if partnership.pk not in people:
        contact = (
            Contact.objects.for_org(ctx.org)
            .filter(partner=partnership.partner)
            .exclude(email="")
            .order_by("id")
            .first()
        )
        people[partnership.pk] = ctx.user(contact.email.lower(), contact.name) if contact else None
    return people[partnership.pk]


def seed(ctx) -> None:
    org, rng = ctx.org, ctx.rng
    manager = ctx.users.get(Role.MANAGER) or ctx.users[Role.OWNER]
    owner = ctx.users[Role.OWNER]
    org_defaults(org=org)
    templates = {t.name: t for t in PlanTemplate.objects.for_org(org).filter(is_default=True)}
    today = timezone.localdate()
    plans, awaiting_partner = [], []
    for index, partnership in enumerate(_partnerships(ctx)):
        template = _template_for(partnership, templates)
        start = today - datetime.timedelta(days=rng.randint(35, 80))
        plan = template_services.plan_create_from_template(
            org=org,
            actor=manager,
            template=template,
            partnerships=[partnership],
            period_start=start,
            owner=manager if index % 3 else owner,
            name=_plan_name(org, partnership, template, start),
        )[0]
        pace = PACE[index % len(PACE)]
        partner = partner_person(ctx, partnership)
        _history(ctx, plan=plan, pace=pace, today=today, actor=manager, partner=partner)
        if index % 2 == 0:
            # Each side approves with its own people: the vendor's manager now, the partner's person once
            # they are in the workspace (workspaces.demo).
            services.plan_approve(org=org, actor=manager, plan=plan, side="vendor")
            awaiting_partner.append(plan)
        _meetings(ctx, plan=plan, partnership=partnership, actor=manager, pace=pace, index=index)
        plans.append(plan)
    ctx.data["plans"] = plans
    ctx.data["plans_awaiting_partner_approval"] = awaiting_partner


def _history(ctx, *, plan, pace: Decimal, today: datetime.date, actor, partner=None) -> None:
    """Fortnightly check-ins from the plan start to today, following `pace` with some noise. Each side
    checks in on its own key results (both sides take turns on shared ones); the partner's person on
    partner-owned ones when the partner has one. Written per key result with one bulk service call."""
    org, rng = ctx.org, ctx.rng
    span = Decimal((plan.period_end - plan.period_start).days)
    for kr in KeyResult.objects.for_org(org).filter(plan=plan).order_by("id"):
        due = kr.due_date or plan.period_end
        day = plan.period_start + datetime.timedelta(days=rng.randint(5, 12))
        entries = []
        while day <= today:
            elapsed = min(Decimal(1), Decimal((day - plan.period_start).days) / max(Decimal(1), span))
            if kr.due_date:
                elapsed = min(
                    Decimal(1), Decimal((day - plan.period_start).days) / max(1, (due - plan.period_start).days)
                )
            noise = Decimal(rng.randint(90, 110)) / 100
            if kr.unit == KeyResult.Unit.BOOLEAN:
                value = Decimal(1) if elapsed * pace > Decimal("0.8") else Decimal(0)
            else:
                share = min(Decimal("1.05"), elapsed * pace * noise)
                value = kr.baseline + (kr.target - kr.baseline) * share
                value = max(Decimal(0), value.quantize(Decimal("1")))
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
            who = actor
            if partner is not None and (
                kr.responsible_side == "partner" or (kr.responsible_side == "both" and len(entries) % 2)
            ):
                who = partner
            entries.append((who, moment, value, rng.choice(NOTES)))
            day += datetime.timedelta(days=14)
        checkin_services.checkin_history_record(org=org, key_result=kr, entries=entries)
    for activity in Activity.objects.for_org(org).filter(plan=plan, due_date__lt=today).order_by("due_date"):
        # Plans on pace get their past-due work done; slower ones leave some of it overdue. The partner's
        # person marks the partner's own activities.
        who = partner if partner is not None and activity.owner_side == "partner" else actor
        if rng.random() < float(min(Decimal("0.95"), pace * Decimal("0.8"))):
            services.activity_update(org=org, actor=who, activity=activity, data={"status": "done"})
        elif rng.random() < 0.5:
            services.activity_update(
                org=org, actor=who, activity=activity, data={"status": "in_progress", "progress": 40}
            )


def _meetings(ctx, *, plan, partnership, actor, pace: Decimal, index: int = 0) -> None:
    org = ctx.org
    contacts = list(Contact.objects.for_org(org).filter(partner=partnership.partner)[:2])
    meeting_services.meeting_create(
        org=org,
        actor=actor,
        partnership=partnership,
        plan=plan,
        kind=Meeting.Kind.KICK_OFF,
        date=plan.period_start,
        title=f"Kick-off {partnership.partner.name} × {org.name.split()[0]}",
        vendor_attendees=[actor],
        partner_attendees=contacts,
        agenda="Goals for the period\nKey results and owners\nGovernance cadence",
        decisions="Monthly review on the first Tuesday\nPartner names an executive sponsor",
    )
    review_day = timezone.localdate() - datetime.timedelta(days=10)
    if review_day <= plan.period_start:
        return
    follow_ups = []
    if pace < 1:
        follow_ups = [
            {
                "title": "Recovery plan for the key results behind",
                "owner_side": "both",
                "due_date": min(plan.period_end, timezone.localdate() + datetime.timedelta(days=14)),
            }
        ]
    meeting_services.meeting_create(
        org=org,
        actor=actor,
        partnership=partnership,
        plan=plan,
        kind=Meeting.Kind.MONTHLY_REVIEW,
        date=review_day,
        vendor_attendees=[actor],
        partner_attendees=contacts[:1],
        notes="Reviewed realised versus target key result by key result.",
        decisions="Keep the cadence" if pace >= 1 else "Add a joint pipeline review every two weeks",
        follow_ups=follow_ups,
    )
    # Governance above the monthly review: a QBR for every third plan, a steering committee for every fifth.
    if index % 3 == 0 and review_day - datetime.timedelta(days=20) > plan.period_start:
        meeting_services.meeting_create(
            org=org,
            actor=actor,
            partnership=partnership,
            plan=plan,
            kind=Meeting.Kind.QBR,
            date=review_day - datetime.timedelta(days=20),
            title=f"Q{(review_day.month - 1) // 3 + 1} business review — {partnership.partner.name}",
            vendor_attendees=[actor],
            partner_attendees=contacts,
            agenda="Revenue and pipeline against plan\nCertifications and enablement\nNext quarter's priorities",
            notes="Pipeline coverage reviewed deal by deal; two joint campaigns planned.",
            decisions="Focus the next quarter on the mid-market segment",
        )
    if index % 5 == 0 and review_day - datetime.timedelta(days=5) > plan.period_start:
        meeting_services.meeting_create(
            org=org,
            actor=actor,
            partnership=partnership,
            plan=plan,
            kind=Meeting.Kind.STEERING,
            date=review_day + datetime.timedelta(days=5),
            title=f"Steering committee {partnership.partner.name} × {org.name.split()[0]}",
            vendor_attendees=[actor],
            partner_attendees=contacts[:1],
            agenda="Executive sponsor check-in\nInvestment and MDF for next half\nEscalations",
            decisions="Sponsors meet again at the half-year review",
        )


NOTES = [
    "Updated from the CRM export",
    "Two more deals registered this fortnight",
    "Slower month: summer holidays",
    "Good progress after the enablement session",
    "Partner confirmed the numbers on the call",
    "",
]
