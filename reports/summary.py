"""Refreshing the dashboards' summary tables (reports.summary_models): one `pom.jobs` job per organization.

The refresh is set-based: one grouped query per table over the organization's deals, partnerships,
plans and journey entries, then the organization's rows are replaced in one transaction. It runs
  - from beat, nightly, for every organization with partners (`summary_nightly`);
  - after writes that move a figure (a credited attribution run, a check-in, a tier change…), debounced:
    `summary_request(countdown=DEBOUNCE_SECONDS)` joins a refresh already queued (reports.events);
  - on demand from the dashboard ("Refresh now").
Amounts are in the organization's currency; deals in another currency are left out and counted in the
job's result (`other_currency_deals`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.models import Account, Opportunity, OpportunityPartner
from partners import tiers as partner_tiers
from partners.models import Certification, JourneyStage, Partner, Partnership, StageEntry
from plans.models import KeyResult, Plan
from plans.selectors import plan_metrics
from pom import jobs
from pom.audit import Actor
from pom.models import Job, Organization
from reports.models import ScoreSnapshot
from reports.summary_models import (
    AccountSummary,
    Attachment,
    DealSummary,
    PartnershipMonth,
    PartnershipSummary,
    PlanSummary,
    StageFact,
)

JOB_KIND = "reports.summary"
DEBOUNCE_SECONDS = 60
TACAM_LOOKBACK_DAYS = 90
ZERO = Decimal("0")
BATCH = 2000


def summary_request(*, org: Organization, actor: Actor = None, countdown: int | None = None):
    """Queue a refresh of the organization's summary tables (a request while one is queued joins it)."""
    from reports.tasks import heavy_summary_refresh

    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        task=heavy_summary_refresh,
        actor=actor,
        label=_("Refresh the dashboards"),
        countdown=countdown,
    )


def summary_changed(*, org: Organization) -> None:
    """A write moved a dashboard figure: queue a debounced refresh, for organizations whose dashboards were
    computed once (the others get their first computation on the first visit or at night). One query when
    there is nothing to do."""
    if not Job.objects.for_org(org).filter(kind=JOB_KIND, status=Job.Status.DONE).exists():
        return
    with transaction.atomic():
        summary_request(org=org, countdown=DEBOUNCE_SECONDS)


def summary_done(*, org: Organization):
    """The newest finished refresh: what the dashboards read (None before the first one)."""
    return (
        Job.objects.for_org(org).filter(kind=JOB_KIND, status=Job.Status.DONE).order_by("-finished_at", "-id").first()
    )


def summary_latest(*, org: Organization):
    """The newest refresh job (what the dashboard shows as "computed at" or "refreshing now")."""
    return jobs.job_latest(org=org, kind=JOB_KIND)


def run_summary(*, job, progress) -> dict:
    """The body of a `reports.summary` job: rebuild every summary table of the organization."""
    today = datetime.date.fromisoformat(job.params["as_of"]) if job.params.get("as_of") else timezone.localdate()
    return summary_refresh(org=job.organization, today=today, progress=progress)


def summary_refresh(*, org: Organization, today: datetime.date | None = None, progress=None) -> dict:
    """Compute every table, then replace the organization's rows in one transaction (safe to run twice).

    1. Deals: two grouped queries (created and closed basis) over opportunities annotated with their
       lead partnership's program, tier and partner type.
    2. Partnerships, revenue per partnership and month, plans (today's snapshot), journey entries, customers.
    3. One transaction deletes the organization's previous rows (today's plan snapshot only) and inserts.
    """
    today = today or timezone.localdate()
    steps = [
        ("deals", _deal_rows, DealSummary),
        ("partnerships", _partnership_rows, PartnershipSummary),
        ("partnership months", _partnership_month_rows, PartnershipMonth),
        ("plans", _plan_rows, PlanSummary),
        ("journey", _stage_rows, StageFact),
        ("customers", _account_rows, AccountSummary),
    ]
    computed = {}
    for done, (name, compute, _model) in enumerate(steps):
        if progress is not None:
            progress.update(done=done, total=len(steps) + 1, message=_("Computing %(what)s") % {"what": name})
        computed[name] = compute(org, today)
    if progress is not None:
        progress.update(done=len(steps), total=len(steps) + 1, message=_("Saving"))
    with transaction.atomic():
        for model in (DealSummary, PartnershipSummary, PartnershipMonth, StageFact, AccountSummary):
            model.objects.for_org(org).delete()
        PlanSummary.objects.for_org(org).filter(as_of=today).delete()
        for name, _compute, model in steps:
            model.objects.bulk_create(computed[name], batch_size=BATCH)
    other = Opportunity.objects.for_org(org).exclude(currency=org.currency).count()
    return {
        "as_of": today.isoformat(),
        "deal_rows": len(computed["deals"]),
        "partnerships": len(computed["partnerships"]),
        "plans": len(computed["plans"]),
        "customers": len(computed["customers"]),
        "other_currency_deals": other,
    }


# Deals --------------------------------------------------------------------------------------------


def _deals_annotated(org: Organization):
    """The organization's deals in its currency with attachment, lead partnership and its dimensions."""
    links = OpportunityPartner.objects.for_org(org).filter(opportunity=OuterRef("pk"))
    sourced = links.filter(role=OpportunityPartner.Role.SOURCED)
    lead = Coalesce(
        Subquery(sourced.order_by("id").values("partnership_id")[:1]),
        Subquery(links.order_by("id").values("partnership_id")[:1]),
    )
    partnership = Partnership.objects.for_org(org).filter(pk=OuterRef("lead_id"))
    types = Partner.types.through.objects.filter(partner__partnerships=OuterRef("lead_id")).order_by("partner_type_id")
    return (
        Opportunity.objects.for_org(org)
        .filter(currency=org.currency)
        .annotate(lead_id=lead)
        .annotate(
            attachment=Case(
                When(Exists(sourced), then=Value(Attachment.SOURCED)),
                When(Exists(links), then=Value(Attachment.INFLUENCED)),
                default=Value(Attachment.DIRECT),
            ),
            lead_program=Subquery(partnership.values("program_id")[:1]),
            lead_tier=Subquery(partnership.values("tier_id")[:1]),
            lead_type=Subquery(types.values("partner_type_id")[:1]),
        )
        .order_by()
    )


DEAL_DIMENSIONS = ["attachment", "lead_program", "lead_tier", "lead_type", "owner_id", "account__region", "type"]


def _deal_rows(org: Organization, today: datetime.date) -> list[DealSummary]:
    rows = []
    deals = _deals_annotated(org)
    created = (
        deals.annotate(month=TruncMonth("created_on"))
        .values("month", "status", *DEAL_DIMENSIONS)
        .annotate(n=Count("id"), won=Count("id", filter=Q(status=Opportunity.Status.WON)), total=Sum("amount"))
    )
    cycle = ExpressionWrapper(F("closed_on") - F("created_on"), output_field=DurationField())
    closed = (
        deals.filter(status__in=[Opportunity.Status.WON, Opportunity.Status.LOST], closed_on__isnull=False)
        .annotate(month=TruncMonth("closed_on"), cycle=cycle)
        .values("month", "status", *DEAL_DIMENSIONS)
        .annotate(
            n=Count("id"),
            won=Count("id", filter=Q(status=Opportunity.Status.WON)),
            total=Sum("amount"),
            days=Sum("cycle"),
        )
    )
    for basis, query in ((DealSummary.Basis.CREATED, created), (DealSummary.Basis.CLOSED, closed)):
        for row in query.iterator(chunk_size=BATCH):
            rows.append(
                DealSummary(
                    organization=org,
                    basis=basis,
                    month=_as_date(row["month"]),
                    attachment=row["attachment"],
                    program_id=row["lead_program"],
                    tier_id=row["lead_tier"],
                    partner_type_id=row["lead_type"],
                    owner_id=row["owner_id"],
                    region=row["account__region"] or "",
                    deal_type=row["type"],
                    status=row["status"],
                    deals=row["n"],
                    won_deals=row["won"],
                    amount=row["total"] or ZERO,
                    cycle_days=_days(row.get("days")),
                )
            )
    return rows


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _days(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.timedelta):
        return value.days
    return int(value)


# Partnerships -------------------------------------------------------------------------------------


def _partnership_rows(org: Organization, today: datetime.date) -> list[PartnershipSummary]:
    """Dimensions, plan and certification coverage, tier requirements met and TACAM now vs 90 days ago."""
    snapshots = ScoreSnapshot.objects.for_org(org).filter(partnership=OuterRef("pk")).order_by("-as_of")
    before = today - datetime.timedelta(days=TACAM_LOOKBACK_DAYS)
    types = Partner.types.through.objects.filter(partner_id=OuterRef("partner_id")).order_by("partner_type_id")
    open_plans = Plan.objects.for_org(org).filter(partnership=OuterRef("pk")).exclude(status=Plan.Status.CLOSED)
    certified = (
        Certification.objects.for_org(org)
        .filter(partner_id=OuterRef("partner_id"), issued_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    )
    partnerships = list(
        Partnership.objects.for_org(org)
        .select_related("partner", "program", "tier")
        .prefetch_related("program__tiers")
        .annotate(
            tacam_now=Subquery(snapshots.values("overall")[:1]),
            tacam_before=Subquery(snapshots.filter(as_of__lte=before).values("overall")[:1]),
            partner_type=Subquery(types.values("partner_type_id")[:1]),
            has_plan=Exists(open_plans),
            certified=Exists(certified),
        )
        .order_by("pk")
    )
    reviewed = [p for p in partnerships if p.tier_id and p.status in ("active", "onboarding")]
    facts = partner_tiers.review_facts(org=org, partnerships=reviewed, today=today) if reviewed else {}
    rows = []
    for p in partnerships:
        met = total = 0
        if p.pk in facts:
            checks = partner_tiers.tier_checks(
                tier=p.tier, facts=partner_tiers._facts_for_tier(facts[p.pk], p.tier), today=today
            )
            met, total = sum(c.met for c in checks), len(checks)
        rows.append(
            PartnershipSummary(
                organization=org,
                partnership_id=p.pk,
                partner_id=p.partner_id,
                partner_name=p.partner.name[:200],
                program_id=p.program_id,
                tier_id=p.tier_id,
                partner_type_id=p.partner_type,
                owner_id=p.owner_id,
                region=p.partner.region or "",
                status=p.status,
                has_plan=p.has_plan,
                certified=p.certified,
                tier_checks_met=met,
                tier_checks_total=total,
                tacam_now=p.tacam_now,
                tacam_before=p.tacam_before,
            )
        )
    return rows


def _partnership_month_rows(org: Organization, today: datetime.date) -> list[PartnershipMonth]:
    """Won revenue per partnership (any role) and close month, in the organization's currency."""
    query = (
        OpportunityPartner.objects.for_org(org)
        .filter(
            opportunity__status=Opportunity.Status.WON,
            opportunity__closed_on__isnull=False,
            opportunity__currency=org.currency,
        )
        .annotate(month=TruncMonth("opportunity__closed_on"))
        .order_by()
        .values("partnership_id", "month")
        .annotate(total=Sum("opportunity__amount"), n=Count("id"))
    )
    return [
        PartnershipMonth(
            organization=org,
            partnership_id=row["partnership_id"],
            month=_as_date(row["month"]),
            won_amount=row["total"] or ZERO,
            won_deals=row["n"],
        )
        for row in query.iterator(chunk_size=BATCH)
    ]


# Plans, journey, customers ----------------------------------------------------------------------------


def _plan_rows(org: Organization, today: datetime.date) -> list[PlanSummary]:
    """Today's progress and health of every plan (plans.selectors.plan_metrics), amounts of amount KRs."""
    plans = plan_metrics(org=org, plans=list(Plan.objects.for_org(org).order_by("pk")))
    money = {
        row["plan_id"]: row
        for row in KeyResult.objects.for_org(org)
        .filter(unit=KeyResult.Unit.CURRENCY)
        .order_by()
        .values("plan_id")
        .annotate(target=Sum("target"), realised=Sum("current_value"))
    }
    rows = []
    for plan in plans:
        amounts = money.get(plan.pk, {})
        rows.append(
            PlanSummary(
                organization=org,
                plan_id=plan.pk,
                as_of=today,
                name=plan.name[:150],
                partnership_id=plan.partnership_id,
                status=plan.status,
                period_start=plan.period_start,
                period_end=plan.period_end,
                progress=plan.progress,
                health=plan.health_score,
                target_amount=amounts.get("target") or ZERO,
                realised_amount=amounts.get("realised") or ZERO,
            )
        )
    return rows


def _stage_rows(org: Organization, today: datetime.date) -> list[StageFact]:
    """Each entry into a stage of the default journey, with the days until the partnership's next entry."""
    stage_ids = set(JourneyStage.objects.for_org(org).filter(template__is_default=True).values_list("id", flat=True))
    entries = (
        StageEntry.objects.for_org(org)
        .filter(stage_id__in=stage_ids)
        .order_by("partnership_id", "entered_at", "id")
        .values_list("partnership_id", "stage_id", "entered_at")
    )
    by_partnership: dict[int, list] = defaultdict(list)
    for pid, stage_id, entered_at in entries.iterator(chunk_size=BATCH):
        by_partnership[pid].append((stage_id, entered_at))
    rows = []
    for pid, items in by_partnership.items():
        for index, (stage_id, entered_at) in enumerate(items):
            following = items[index + 1][1] if index + 1 < len(items) else None
            rows.append(
                StageFact(
                    organization=org,
                    partnership_id=pid,
                    stage_id=stage_id,
                    entered_at=entered_at,
                    days_in_stage=(following - entered_at).days if following else None,
                )
            )
    return rows


def _account_rows(org: Organization, today: datetime.date) -> list[AccountSummary]:
    """Customers (accounts with a customer-since date or a won deal) and their revenue windows."""
    year_ago = today - datetime.timedelta(days=365)
    two_years_ago = today - datetime.timedelta(days=730)
    won = Q(opportunities__status=Opportunity.Status.WON, opportunities__currency=org.currency)
    money = DecimalField(max_digits=18, decimal_places=2)
    attached_deals = OpportunityPartner.objects.for_org(org).filter(
        opportunity__account=OuterRef("pk"), opportunity__status=Opportunity.Status.WON
    )
    won_deals = Opportunity.objects.for_org(org).filter(account=OuterRef("pk"), status=Opportunity.Status.WON)
    accounts = (
        Account.objects.for_org(org)
        .filter(Q(customer_since__isnull=False) | Exists(won_deals))
        .annotate(
            attached=Exists(attached_deals),
            arr=Coalesce(
                Sum(
                    "opportunities__amount",
                    filter=won & Q(opportunities__closed_on__gt=year_ago, opportunities__closed_on__lte=today),
                ),
                Value(ZERO),
                output_field=money,
            ),
            arr_prior=Coalesce(
                Sum(
                    "opportunities__amount",
                    filter=won & Q(opportunities__closed_on__gt=two_years_ago, opportunities__closed_on__lte=year_ago),
                ),
                Value(ZERO),
                output_field=money,
            ),
            expansion=Coalesce(
                Sum(
                    "opportunities__amount",
                    filter=won
                    & Q(opportunities__type=Opportunity.Type.EXPANSION)
                    & Q(opportunities__closed_on__gt=year_ago, opportunities__closed_on__lte=today),
                ),
                Value(ZERO),
                output_field=money,
            ),
            lifetime=Coalesce(Sum("opportunities__amount", filter=won), Value(ZERO), output_field=money),
        )
        .values(
            "pk",
            "attached",
            "region",
            "customer_since",
            "churned_on",
            "integrations_count",
            "arr",
            "arr_prior",
            "expansion",
            "lifetime",
        )
        .order_by()
    )
    return [
        AccountSummary(
            organization=org,
            account_id=row["pk"],
            attached=row["attached"],
            region=row["region"] or "",
            customer_since=row["customer_since"],
            churned_on=row["churned_on"],
            integrations_count=row["integrations_count"],
            arr=row["arr"],
            arr_prior=row["arr_prior"],
            expansion=row["expansion"],
            lifetime_revenue=row["lifetime"],
        )
        for row in accounts.iterator(chunk_size=BATCH)
    ]
