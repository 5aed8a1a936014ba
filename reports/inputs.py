"""The facts TACAM scores are computed from, for many partnerships at once.

`gather(org=, partnership_ids=None, today=)` returns {partnership_id: facts} in a fixed number of
queries whatever the number of partnerships: one aggregate (or narrow values) query per input table,
plus the constant-query assessment facts of `partners.assessment_facts` and attribution's revenue
facts. `partnership_ids=None` means every partnership of the organization (no IN list at all).
The facts are plain dicts read by the pure functions of `reports.scoring`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Max, Q

from attribution.models import Opportunity, OpportunityPartner
from partners.models import Certification, Contact, Partnership
from plans import rules as plan_rules
from plans.models import Activity, CheckIn, KeyResult, Meeting, Plan
from pom import hooks
from workspaces.models import Comment, WorkspaceFile, WorkspacePartnership

MARKETING_TYPES = ("campaign", "event", "content", "training")
OPEN = plan_rules.OPEN_ACTIVITY_STATUSES


def assessment_facts(name: str, *, org, partnership_ids, as_of: datetime.date | None = None) -> dict:
    """`partners.assessment_facts.<name>`: what was known at the end of `as_of` (SWOT: now)."""
    from partners import assessment_facts as facts

    kwargs = {} if name == "swot_updated_at" else {"as_of": as_of}
    return getattr(facts, name)(org=org, partnership_ids=partnership_ids, **kwargs)


def _scope(qs, field: str, ids):
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})


def gather(*, org, partnership_ids=None, today: datetime.date) -> dict[int, dict]:
    ids = None if partnership_ids is None else sorted(set(partnership_ids))
    rows = list(
        _scope(Partnership.objects.for_org(org), "id", ids)
        .order_by("id")
        .values("id", "partner_id", "program_id", "tier_id", "owner_id", "partner__updated_at")
    )
    if not rows:
        return {}
    facts: dict[int, dict] = {}
    for row in rows:
        facts[row["id"]] = {
            "partnership_id": row["id"],
            "partner_id": row["partner_id"],
            "program_id": row["program_id"],
            "tier_id": row["tier_id"],
            "owner_id": row["owner_id"],
            "profile_updated_at": row["partner__updated_at"],
            "key_results": [],
        }
    by_partner = defaultdict(list)
    for pid, f in facts.items():
        by_partner[f["partner_id"]].append(pid)
    partner_ids = None if ids is None else sorted(by_partner)
    all_ids = sorted(facts)

    # Plans (open ones): counts of validated and half-approved per partnership.
    open_plans = Plan.objects.for_org(org).exclude(status=Plan.Status.CLOSED)
    for row in (
        _scope(open_plans, "partnership_id", ids)
        .order_by()
        .values("partnership_id")
        .annotate(
            n=Count("id"),
            validated=Count(
                "id",
                filter=Q(status=Plan.Status.VALIDATED)
                | Q(vendor_approved_at__isnull=False, partner_approved_at__isnull=False),
            ),
            half=Count("id", filter=Q(vendor_approved_at__isnull=False) | Q(partner_approved_at__isnull=False)),
        )
    ):
        f = facts[row["partnership_id"]]
        f.update(plans=row["n"], plans_validated=row["validated"], plans_half_approved=row["half"])

    # Activities of open plans: ownership, due, on time, overdue; co-marketing done in 12 months.
    year_ago = today - datetime.timedelta(days=365)
    done_on_time = Q(status=Activity.Status.DONE, completed_at__isnull=False, completed_at__date__lte=F("due_date"))
    due = Q(due_date__isnull=False, due_date__lte=today) & ~Q(status=Activity.Status.CANCELLED)
    for row in (
        _scope(Activity.objects.for_org(org).exclude(plan__status=Plan.Status.CLOSED), "plan__partnership_id", ids)
        .order_by()
        .values("plan__partnership_id")
        .annotate(
            vendor=Count("id", filter=Q(owner_side__in=("vendor", "both"))),
            partner=Count("id", filter=Q(owner_side__in=("partner", "both"))),
            due=Count("id", filter=due),
            due_owned=Count("id", filter=due & Q(assignee__isnull=False)),
            on_time=Count("id", filter=due & Q(assignee__isnull=False) & done_on_time),
            overdue=Count("id", filter=due & Q(status__in=OPEN)),
            marketing=Count(
                "id",
                filter=Q(type__in=MARKETING_TYPES, status=Activity.Status.DONE, completed_at__date__gte=year_ago),
            ),
        )
    ):
        facts[row["plan__partnership_id"]].update(
            activities_vendor=row["vendor"],
            activities_partner=row["partner"],
            due=row["due"],
            due_owned=row["due_owned"],
            done_on_time=row["on_time"],
            overdue=row["overdue"],
            marketing_done=row["marketing"],
        )

    # Key results of open plans, with their check-ins in the window.
    t_window = today - datetime.timedelta(days=90)
    checkins = dict(
        _scope(
            CheckIn.objects.for_org(org)
            .filter(created_at__date__gte=t_window)
            .exclude(plan__status=Plan.Status.CLOSED),
            "plan__partnership_id",
            ids,
        )
        .order_by()
        .values_list("key_result_id")
        .annotate(n=Count("id"))
    )
    for kr in (
        _scope(KeyResult.objects.for_org(org).exclude(plan__status=Plan.Status.CLOSED), "plan__partnership_id", ids)
        .order_by()
        .values(
            "id",
            "plan__partnership_id",
            "unit",
            "baseline",
            "target",
            "current_value",
            "weight",
            "start_date",
            "due_date",
            "plan__period_start",
            "plan__period_end",
            "update_frequency",
            "last_checkin_at",
        )
    ):
        start = kr["start_date"] or kr["plan__period_start"]
        end = kr["due_date"] or kr["plan__period_end"]
        elapsed = None
        if start and end and today > start:
            span = max((end - start).days, 1)
            elapsed = min(Decimal(100), Decimal((today - start).days) * 100 / span)
        progress = plan_rules.kr_progress(
            unit=kr["unit"], baseline=kr["baseline"], target=kr["target"], current=kr["current_value"]
        )
        facts[kr["plan__partnership_id"]]["key_results"].append(
            {
                "id": kr["id"],
                "frequency": kr["update_frequency"],
                "last_checkin_at": kr["last_checkin_at"],
                "checkins": checkins.get(kr["id"], 0),
                "progress": progress,
                "elapsed": elapsed,
                "weight": kr["weight"],
            }
        )

    # Governance meetings in the window.
    for pid, n in (
        _scope(
            Meeting.objects.for_org(org).filter(date__gt=today - datetime.timedelta(days=92), date__lte=today),
            "partnership_id",
            ids,
        )
        .order_by()
        .values_list("partnership_id")
        .annotate(n=Count("id"))
    ):
        facts[pid]["meetings"] = n

    # Workspaces: which partnerships have one, and what both sides share there.
    for pid in set(
        _scope(WorkspacePartnership.objects.for_org(org), "partnership_id", ids).values_list(
            "partnership_id", flat=True
        )
    ):
        facts[pid]["has_workspace"] = True
    since = today - datetime.timedelta(days=90)
    for model, extra in ((Comment, {"internal": False}), (WorkspaceFile, {})):
        for pid, n in (
            _scope(
                model.objects.for_org(org).filter(created_at__date__gt=since, **extra),
                "workspace__partnership_links__partnership_id",
                ids,
            )
            .order_by()
            .values_list("workspace__partnership_links__partnership_id")
            .annotate(n=Count("id", distinct=True))
        ):
            if pid in facts:
                facts[pid]["shared_items"] = facts[pid].get("shared_items", 0) + n

    # Partner-level facts: executive sponsors and valid certifications.
    for partner_id, n in (
        _scope(Contact.objects.for_org(org).filter(role=Contact.Role.EXECUTIVE_SPONSOR), "partner_id", partner_ids)
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("id"))
    ):
        for pid in by_partner.get(partner_id, ()):
            facts[pid]["sponsors"] = n
    for partner_id, n in (
        _scope(
            Certification.objects.for_org(org).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today)),
            "partner_id",
            partner_ids,
        )
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("id"))
    ):
        for pid in by_partner.get(partner_id, ()):
            facts[pid]["certifications"] = n

    # Pipeline: won deals of 12 months (coverage), earlier customers won again (consumption).
    won = _scope(
        OpportunityPartner.objects.for_org(org).filter(opportunity__status=Opportunity.Status.WON),
        "partnership_id",
        ids,
    )
    for row in (
        won.filter(opportunity__closed_on__gte=year_ago)
        .order_by()
        .values("partnership_id")
        .annotate(
            n=Count("opportunity_id", distinct=True),
            regions=Count("opportunity__account__region", distinct=True, filter=~Q(opportunity__account__region="")),
            industries=Count(
                "opportunity__account__industry", distinct=True, filter=~Q(opportunity__account__industry="")
            ),
        )
    ):
        facts[row["partnership_id"]].update(
            won_deals=row["n"], regions_won=row["regions"], industries_won=row["industries"]
        )
    for pid, _account, first, recent in (
        won.order_by()
        .values_list("partnership_id", "opportunity__account_id")
        .annotate(
            first=Max("opportunity__closed_on", filter=Q(opportunity__closed_on__lt=year_ago)),
            recent=Count("id", filter=Q(opportunity__closed_on__gte=year_ago)),
        )
        .values_list("partnership_id", "opportunity__account_id", "first", "recent")
    ):
        if first is not None:
            f = facts[pid]
            f["earlier_customers"] = f.get("earlier_customers", 0) + 1
            if recent:
                f["retained_customers"] = f.get("retained_customers", 0) + 1

    # Revenue credited by the primary attribution model (the roll-up weight and Contribution).
    for pid, by_currency in hooks.partnership_revenue(
        org=org, partnership_ids=all_ids, start=year_ago, end=today
    ).items():
        if pid in facts:
            facts[pid]["revenue"] = by_currency.get(org.currency, Decimal(0))

    # Assessments (partners.assessment_facts): trust, health, SWOT freshness, satisfaction.
    for name, key in (
        ("trust_by_partnership", "trust"),
        ("health_by_partnership", "health"),
        ("swot_updated_at", "swot_updated_at"),
        ("satisfaction_by_partnership", "satisfaction"),
    ):
        for pid, value in assessment_facts(name, org=org, partnership_ids=ids, as_of=today).items():
            if pid in facts:
                facts[pid][key] = value
    return facts
