"""Demo plans: every partnership in onboarding or active gets a plan from a template, with weeks of
check-in history (some on track, some behind), activities done or overdue, and governance meetings."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from partners.models import Contact, Partnership, Program
from plans import services
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


def seed(ctx) -> None:
    org, rng = ctx.org, ctx.rng
    manager = ctx.users.get(Role.MANAGER) or ctx.users[Role.OWNER]
    owner = ctx.users[Role.OWNER]
    org_defaults(org=org)
    templates = {t.name: t for t in PlanTemplate.objects.for_org(org).filter(is_default=True)}
    today = timezone.localdate()
    plans = []
    for index, partnership in enumerate(_partnerships(ctx)):
        template = _template_for(partnership, templates)
        start = today - datetime.timedelta(days=rng.randint(35, 80))
        plan = services.plan_create_from_template(
            org=org,
            actor=manager,
            template=template,
            partnerships=[partnership],
            period_start=start,
            owner=manager if index % 3 else owner,
        )[0]
        pace = PACE[index % len(PACE)]
        _history(ctx, plan=plan, pace=pace, today=today, actor=manager)
        if index % 2 == 0:
            services.plan_approve(org=org, actor=manager, plan=plan, side="vendor")
            services.plan_approve(
                org=org,
                actor=manager,
                plan=plan,
                side="partner",
                note=f"Approved by {partnership.partner.name}'s partner manager on the kick-off call",
            )
        _meetings(ctx, plan=plan, partnership=partnership, actor=manager, pace=pace)
        plans.append(plan)
    ctx.data["plans"] = plans


def _history(ctx, *, plan, pace: Decimal, today: datetime.date, actor) -> None:
    """Fortnightly check-ins from the plan start to today, following `pace` with some noise."""
    org, rng = ctx.org, ctx.rng
    span = Decimal((plan.period_end - plan.period_start).days)
    for kr in KeyResult.objects.for_org(org).filter(plan=plan).order_by("id"):
        due = kr.due_date or plan.period_end
        day = plan.period_start + datetime.timedelta(days=rng.randint(5, 12))
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
            services.checkin_create(org=org, actor=actor, key_result=kr, value=value, note=rng.choice(NOTES), at=moment)
            day += datetime.timedelta(days=14)
    for activity in Activity.objects.for_org(org).filter(plan=plan, due_date__lt=today).order_by("due_date"):
        # Plans on pace get their past-due work done; slower ones leave some of it overdue.
        if rng.random() < float(min(Decimal("0.95"), pace * Decimal("0.8"))):
            services.activity_update(org=org, actor=actor, activity=activity, data={"status": "done"})
        elif rng.random() < 0.5:
            services.activity_update(
                org=org, actor=actor, activity=activity, data={"status": "in_progress", "progress": 40}
            )


def _meetings(ctx, *, plan, partnership, actor, pace: Decimal) -> None:
    org = ctx.org
    contacts = list(Contact.objects.for_org(org).filter(partner=partnership.partner)[:2])
    services.meeting_create(
        org=org,
        actor=actor,
        partnership=partnership,
        plan=plan,
        kind=Meeting.Kind.KICK_OFF,
        date=plan.period_start,
        title=f"Kick-off {partnership.partner.name}",
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
    services.meeting_create(
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


NOTES = [
    "Updated from the CRM export",
    "Two more deals registered this fortnight",
    "Slower month: summer holidays",
    "Good progress after the enablement session",
    "Partner confirmed the numbers on the call",
    "",
]
