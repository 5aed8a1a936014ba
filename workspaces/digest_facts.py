"""The facts a digest and the next-best-action rules are written from, gathered for many workspaces at once.

`gather(org=, workspace_ids=, today=)` returns {workspace_id: facts} in a fixed number of queries whatever
the number of workspaces (tests/workspaces/test_digest_facts.py counts them at two batch sizes). The facts
are plain JSON (stored on the digest, sent to the LLM writer, checked by the grounding check), and every
figure carries the `url` of the row behind it: a key result, an activity, a plan, a registration, an
opportunity.

Higher apps add facts through the hook `<app>.digest_facts.facts(org=, partnership_ids=, today=)`, which
returns {partnership_id: {name: value}}; they land in `facts["extra"][<app>]` per partnership (for example
reports' TACAM scores and their change since last week, see docs/digests.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from functools import cache

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from attribution.models import DealRegistration, OpportunityPartner
from partners.models import Certification, StepCompletion
from plans import rules as plan_rules
from plans.models import Activity, CheckIn, KeyResult, Meeting, Plan
from plans.selectors import annotate_key_result
from pom.hooks import app_modules
from pom.models import Organization
from workspaces.models import Digest, Workspace, WorkspacePartnership

LOOKAHEAD_DAYS = 14
REMINDER_DAYS = 3
CERTIFICATION_DAYS = 30
PROTECTION_DAYS = 7


def number(value) -> str:
    """A figure as text: no trailing zeros ("200000", "82.5"); the writer adds grouping per language."""
    if value is None:
        return ""
    value = Decimal(value)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def percent_completed(progress) -> int | None:
    """Percent completed as printed in a digest: the key result's progress (plans.rules.kr_progress,
    (realised − baseline) ÷ (target − baseline)) truncated to a whole percent, so a digest never claims
    more than was achieved: 200,000 of 240,000 prints 83 % (83.3 % exactly)."""
    if progress is None:
        return None
    return int(Decimal(progress))


def week_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The ISO week before `today`'s week: what a Monday digest reports on."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday - datetime.timedelta(days=7), monday - datetime.timedelta(days=1)


def period_key(kind: str, today: datetime.date) -> str:
    """The period a digest of `kind` sent on `today` covers: the ISO week, e.g. "2026-W49"."""
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def _ws_url(public_id, anchor: str = "", name: str = "workspaces:detail") -> str:
    return _url_template(name, public_id=True).replace("00000000-0000-0000-0000-000000000000", str(public_id)) + anchor


def json_safe(value):
    """A contributed value as the digest stores it (JSON): Decimals and lazy texts as strings, dates ISO."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)  # Decimal, lazy translations


@cache
def _url_template(name: str, *, public_id: bool = False, slug: str = "", extra: tuple = ()) -> str:
    """A reversed URL with a placeholder id, reversed once per process (reverse() costs per call)."""
    if public_id:
        return reverse(name, args=["00000000-0000-0000-0000-000000000000"])
    return reverse(name, args=[slug, 987654321, *extra])


def _vendor_url(name: str, slug: str, pk: int, *extra) -> str:
    return _url_template(name, slug=slug, extra=tuple(extra)).replace("987654321", str(pk))


def gather(*, org: Organization, workspace_ids, today: datetime.date | None = None) -> dict[int, dict]:
    """Facts for each workspace of `workspace_ids` (one organization), in a fixed number of queries."""
    today = today or timezone.localdate()
    now = timezone.now()
    start, end = week_bounds(today)
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    workspaces = list(
        Workspace.objects.for_org(org).filter(pk__in=list(workspace_ids)).select_related("opportunity__account")
    )
    if not workspaces:
        return {}
    ws_ids = [w.pk for w in workspaces]
    links = list(
        WorkspacePartnership.objects.for_org(org)
        .filter(workspace_id__in=ws_ids)
        .select_related("partnership__partner", "partnership__program", "partnership__owner")
    )
    ws_partnerships: dict[int, list] = defaultdict(list)
    for link in links:
        ws_partnerships[link.workspace_id].append(link.partnership)
    partnership_ids = sorted({link.partnership_id for link in links})
    partner_ids = sorted({link.partnership.partner_id for link in links})

    plans = list(
        Plan.objects.for_org(org).filter(partnership_id__in=partnership_ids).exclude(status=Plan.Status.CLOSED)
    )
    plan_by_id = {p.pk: p for p in plans}
    krs = list(KeyResult.objects.for_org(org).filter(plan_id__in=list(plan_by_id)).select_related("responsible"))
    checkins = list(
        CheckIn.objects.for_org(org)
        .filter(plan_id__in=list(plan_by_id), created_at__gte=since)
        .order_by("created_at", "id")
    )
    activities = list(
        Activity.objects.for_org(org)
        .filter(plan_id__in=list(plan_by_id))
        .filter(
            Q(completed_at__gte=since)
            | Q(status__in=plan_rules.OPEN_ACTIVITY_STATUSES, due_date__lte=today + datetime.timedelta(LOOKAHEAD_DAYS))
        )
        .select_related("assignee")
        .order_by("due_date", "id")
    )
    last_meeting = dict(
        Meeting.objects.for_org(org)
        .filter(partnership_id__in=partnership_ids, date__lte=today)
        .values_list("partnership_id")
        .annotate(last=Max("date"))
    )
    last_step = dict(
        StepCompletion.objects.for_org(org)
        .filter(partnership_id__in=partnership_ids)
        .values_list("partnership_id")
        .annotate(last=Max("completed_at"))
    )
    registrations = list(
        DealRegistration.objects.for_org(org)
        .filter(partnership_id__in=partnership_ids)
        .filter(
            Q(submitted_at__gte=since)
            | Q(
                status=DealRegistration.Status.APPROVED,
                protection_until__gte=today,
                protection_until__lte=today + datetime.timedelta(PROTECTION_DAYS),
            )
        )
        .order_by("submitted_at", "id")
    )
    deal_room_opportunities = {w.opportunity_id for w in workspaces if w.opportunity_id}
    opp_links = list(
        OpportunityPartner.objects.for_org(org)
        .filter(partnership_id__in=partnership_ids)
        .filter(
            Q(opportunity__created_on__gte=start)
            | Q(opportunity__closed_on__gte=start)
            | Q(opportunity_id__in=deal_room_opportunities)
        )
        .select_related("opportunity__account")
        .order_by("opportunity__created_on", "opportunity_id")
    )
    certifications = list(
        Certification.objects.for_org(org)
        .filter(
            partner_id__in=partner_ids,
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(CERTIFICATION_DAYS),
        )
        .order_by("expires_on", "id")
    )
    digested = set(
        Digest.objects.for_org(org)
        .filter(workspace_id__in=ws_ids, kind="weekly", created_at__lt=since + datetime.timedelta(days=7))
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    extra: dict[str, dict] = {}
    for module in app_modules("digest_facts"):
        contribute = getattr(module, "facts", None)  # this module is found by the hook too; it has none
        if contribute is not None:
            app = module.__name__.rsplit(".", 1)[0].split(".")[-1]
            contributed = contribute(org=org, partnership_ids=partnership_ids, today=today) or {}
            extra[app] = {int(pid): json_safe(values) for pid, values in contributed.items()}

    krs_by_plan: dict[int, list] = defaultdict(list)
    kr_by_id = {}
    for kr in krs:
        annotate_key_result(kr, plan=plan_by_id[kr.plan_id], today=today, now=now)
        krs_by_plan[kr.plan_id].append(kr)
        kr_by_id[kr.pk] = kr
    checkins_by_plan: dict[int, list] = defaultdict(list)
    for c in checkins:
        checkins_by_plan[c.plan_id].append(c)
    plans_by_partnership: dict[int, list] = defaultdict(list)
    for plan in plans:
        plans_by_partnership[plan.partnership_id].append(plan)
    acts_by_plan: dict[int, list] = defaultdict(list)
    for a in activities:
        acts_by_plan[a.plan_id].append(a)
    regs_by_partnership: dict[int, list] = defaultdict(list)
    for r in registrations:
        regs_by_partnership[r.partnership_id].append(r)
    opps_by_partnership: dict[int, list] = defaultdict(list)
    for link in opp_links:
        opps_by_partnership[link.partnership_id].append(link.opportunity)
    certs_by_partner: dict[int, list] = defaultdict(list)
    for cert in certifications:
        certs_by_partner[cert.partner_id].append(cert)

    result = {}
    for ws in workspaces:
        pid = ws.public_id
        facts = {
            "workspace": {"id": ws.pk, "name": ws.name, "url": _ws_url(pid), "deal_room": bool(ws.opportunity_id)},
            "organization": org.name,
            "currency": org.currency,
            "today": today.isoformat(),
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "first_digest": ws.pk not in digested,
            "partnerships": [],
            "plans": [],
            "key_results": [],
            "checkins": [],
            "activities_done": [],
            "activities_overdue": [],
            "activities_next": [],
            "registrations": [],
            "protection_ending": [],
            "opportunities_new": [],
            "wins": [],
            "deal_room": None,
            "certifications_expiring": [],
            "extra": {},
        }
        if ws.opportunity_id:
            opp = ws.opportunity
            facts["deal_room"] = {
                "id": opp.pk,
                "name": opp.name,
                "account": opp.account.name,
                "amount": number(opp.amount),
                "currency": opp.currency,
                "stage": opp.get_stage_display(),
                "status": opp.status,
                "expected_close": opp.expected_close.isoformat() if opp.expected_close else "",
                "url": _ws_url(pid, name="workspaces:deals"),
                "vendor_url": _vendor_url("attribution:opportunity", org.slug, opp.pk),
            }
        seen_opps = set()
        for partnership in ws_partnerships[ws.pk]:
            facts["partnerships"].append(
                {
                    "id": partnership.pk,
                    "partner": partnership.partner.name,
                    "program": partnership.program.name,
                    "owner_id": partnership.owner_id,
                    "owner": partnership.owner.display_name if partnership.owner else "",
                    "stage_entered_at": partnership.stage_entered_at.isoformat()
                    if partnership.stage_entered_at
                    else "",
                    "current_stage_id": partnership.current_stage_id,
                    "last_step_at": last_step[partnership.pk].isoformat() if partnership.pk in last_step else "",
                    "last_meeting": last_meeting[partnership.pk].isoformat() if partnership.pk in last_meeting else "",
                    "vendor_url": _vendor_url("partners:detail", org.slug, partnership.partner_id),
                }
            )
            for app, per_partnership in extra.items():
                if partnership.pk in per_partnership:
                    facts["extra"].setdefault(app, {})[str(partnership.pk)] = per_partnership[partnership.pk]
            for plan in plans_by_partnership[partnership.pk]:
                _plan_facts(facts, plan, pid, krs_by_plan, checkins_by_plan, acts_by_plan, kr_by_id, today)
            for r in regs_by_partnership[partnership.pk]:
                row = {
                    "id": r.pk,
                    "customer": r.customer_name,
                    "value": number(r.value),
                    "currency": r.currency,
                    "status": r.get_status_display(),
                    "protection_until": r.protection_until.isoformat() if r.protection_until else "",
                    "partnership_id": partnership.pk,
                    "url": _ws_url(pid, name="workspaces:deals") + f"#registration-{r.pk}",
                    "vendor_url": _vendor_url("attribution:registration", org.slug, r.pk),
                }
                if r.submitted_at >= since:
                    facts["registrations"].append(row)
                ending = r.protection_until and today <= r.protection_until <= today + datetime.timedelta(
                    PROTECTION_DAYS
                )
                if r.status == DealRegistration.Status.APPROVED and ending:
                    facts["protection_ending"].append(row)
            for opp in opps_by_partnership[partnership.pk]:
                if opp.pk in seen_opps:
                    continue
                seen_opps.add(opp.pk)
                row = {
                    "id": opp.pk,
                    "name": opp.name,
                    "account": opp.account.name,
                    "amount": number(opp.amount),
                    "currency": opp.currency,
                    "stage": opp.get_stage_display(),
                    "partnership_id": partnership.pk,
                    "url": _ws_url(pid, name="workspaces:deals"),
                    "vendor_url": _vendor_url("attribution:opportunity", org.slug, opp.pk),
                }
                if opp.status == "won" and opp.closed_on and opp.closed_on >= start:
                    facts["wins"].append(row)
                elif opp.created_on >= start:
                    facts["opportunities_new"].append(row)
            for cert in certs_by_partner[partnership.partner_id]:
                facts["certifications_expiring"].append(
                    {
                        "id": cert.pk,
                        "name": cert.name,
                        "expires_on": cert.expires_on.isoformat(),
                        "partnership_id": partnership.pk,
                        "vendor_url": _vendor_url("partners:tab", org.slug, partnership.partner_id, "certifications"),
                        "url": _ws_url(pid),
                    }
                )
        result[ws.pk] = facts
    return result


def _plan_facts(facts, plan, pid, krs_by_plan, checkins_by_plan, acts_by_plan, kr_by_id, today) -> None:
    facts["plans"].append(
        {
            "id": plan.pk,
            "name": plan.name,
            "status": plan.status,
            "partnership_id": plan.partnership_id,
            "created": timezone.localdate(plan.created_at).isoformat(),
            "vendor_approved": plan.vendor_approved_at is not None,
            "partner_approved": plan.partner_approved_at is not None,
            "owner_id": plan.owner_id,
            "url": _ws_url(pid, f"#plan-{plan.pk}"),
        }
    )
    first_in_week: dict[int, Decimal] = {}
    for c in checkins_by_plan[plan.pk]:
        kr = kr_by_id.get(c.key_result_id)
        if kr is None:
            continue
        facts["checkins"].append(
            {
                "id": c.pk,
                "kr_id": kr.pk,
                "kr": kr.name,
                "value": number(c.value),
                "by": c.created_by_label,
                "at": c.created_at.isoformat(),
                "url": _ws_url(pid, f"#kr-{kr.pk}"),
            }
        )
        first_in_week.setdefault(kr.pk, c.value)
    now = timezone.now()
    for kr in krs_by_plan[plan.pk]:
        freq = plan_rules.FREQUENCY_DAYS.get(kr.update_frequency, 31)
        next_due = (
            timezone.localdate(kr.last_checkin_at) + datetime.timedelta(days=freq)
            if kr.last_checkin_at
            else kr.period_start
        )
        facts["key_results"].append(
            {
                "id": kr.pk,
                "name": kr.name,
                "plan_id": plan.pk,
                "plan": plan.name,
                "partnership_id": plan.partnership_id,
                "unit": kr.unit,
                "realised": number(kr.current_value if kr.current_value is not None else kr.baseline),
                "target": number(kr.target),
                "percent": percent_completed(kr.progress),
                "status": kr.status,
                "started": kr.period_start <= today,
                "fresh": kr.is_fresh,
                "frequency": kr.update_frequency,
                "last_checkin": kr.last_checkin_at.isoformat() if kr.last_checkin_at else "",
                "next_checkin_due": next_due.isoformat(),
                "checkin_soon": kr.period_start <= today + datetime.timedelta(REMINDER_DAYS)
                and next_due <= today + datetime.timedelta(REMINDER_DAYS)
                and kr.status != "complete"
                and now.date() <= kr.period_end,
                "responsible_side": kr.responsible_side,
                "responsible_id": kr.responsible_id,
                "responsible": kr.responsible.display_name if kr.responsible else "",
                "moved_from": number(first_in_week[kr.pk]) if kr.pk in first_in_week else "",
                "url": _ws_url(pid, f"#kr-{kr.pk}"),
            }
        )
    for a in acts_by_plan[plan.pk]:
        row = {
            "id": a.pk,
            "title": a.title,
            "plan_id": plan.pk,
            "due": a.due_date.isoformat() if a.due_date else "",
            "owner_side": a.owner_side,
            "assignee_id": a.assignee_id,
            "assignee": a.assignee.display_name if a.assignee else "",
            "url": _ws_url(pid, f"#activity-{a.pk}"),
        }
        if a.status == Activity.Status.DONE:
            facts["activities_done"].append(row)
        elif a.due_date is not None and a.due_date < today:
            facts["activities_overdue"].append(row)
        elif a.due_date is not None:
            facts["activities_next"].append(row)
