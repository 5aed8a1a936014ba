"""The metric catalogue: every benchmark metric with its unit, direction and how it is computed.

`partnership_values(org=, today=)` and `organization_values(org=, today=)` compute every metric at
once, set-based: one query per input table whatever the number of partnerships (a test counts
them). A metric without data for a partnership has no entry (shown as "no data", never 0).
Money is in the organization's currency (deals in other currencies are left out, as the pipeline
report does).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils.translation import gettext_lazy as _

from pom.models import Organization

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    scope: str  # "partnership" or "organization"
    unit: str  # "money", "percent", "days", "count", "score", "per_quarter"
    direction: str  # "higher" or "lower"
    description: str


def _m(code, label, scope, unit, direction, description) -> Metric:
    return Metric(code, label, scope, unit, direction, description)


P, ORG = "partnership", "organization"
METRICS: list[Metric] = [
    _m(
        "sourced_pipeline",
        _("Sourced pipeline"),
        P,
        "money",
        "higher",
        _("Open deal amount where the partnership is linked as sourcing partner."),
    ),
    _m(
        "influenced_pipeline",
        _("Influenced pipeline"),
        P,
        "money",
        "higher",
        _("Open deal amount where the partnership is linked in any other role."),
    ),
    _m(
        "sourced_revenue",
        _("Sourced revenue"),
        P,
        "money",
        "higher",
        _("Won deal amount where the partnership is linked as sourcing partner."),
    ),
    _m(
        "influenced_revenue",
        _("Influenced revenue"),
        P,
        "money",
        "higher",
        _("Won deal amount where the partnership is linked in any other role."),
    ),
    _m("win_rate", _("Win rate"), P, "percent", "higher", _("Won ÷ (won + lost) linked deals × 100.")),
    _m("avg_deal_size", _("Average deal size"), P, "money", "higher", _("Won amount ÷ won linked deals.")),
    _m("sales_cycle", _("Sales cycle"), P, "days", "lower", _("Mean days from creation to close of won linked deals.")),
    _m(
        "time_to_first_deal",
        _("Time to first deal"),
        P,
        "days",
        "lower",
        _("Days from the partnership's start (or creation) to its first won deal."),
    ),
    _m(
        "plan_progress",
        _("Plan progress"),
        P,
        "percent",
        "higher",
        _("Weighted progress of the key results of its plans that are not closed."),
    ),
    _m(
        "plan_execution",
        _("Plan execution rate"),
        P,
        "percent",
        "higher",
        _("Activities done ÷ activities due by today (cancelled ones left out) × 100."),
    ),
    _m(
        "checkin_age",
        _("Days since the last check-in"),
        P,
        "days",
        "lower",
        _("Days since the latest key-result check-in of its plans."),
    ),
    _m(
        "certifications",
        _("Valid certifications"),
        P,
        "count",
        "higher",
        _("Certifications of the partner that have not expired."),
    ),
    _m("tacam_overall", _("TACAM score"), P, "score", "higher", _("Latest overall TACAM score (0–100).")),
    _m("tacam_trust", _("TACAM: trust"), P, "score", "higher", _("Latest trust element score.")),
    _m("tacam_analysis", _("TACAM: analysis"), P, "score", "higher", _("Latest analysis element score.")),
    _m("tacam_commitment", _("TACAM: commitment"), P, "score", "higher", _("Latest commitment element score.")),
    _m(
        "tacam_accountability",
        _("TACAM: accountability"),
        P,
        "score",
        "higher",
        _("Latest accountability element score."),
    ),
    _m("tacam_measurement", _("TACAM: measurement"), P, "score", "higher", _("Latest measurement element score.")),
    *[
        _m(f"sixc_{c}", _("6Cs: %(c)s") % {"c": c}, P, "score", "higher", _("Latest 6Cs scorecard value."))
        for c in ("contribution", "capability", "coverage", "commitment", "consumption", "credibility")
    ],
    _m("partner_count", _("Active partners"), ORG, "count", "higher", _("Partners with status active.")),
    _m(
        "onboarded_per_quarter",
        _("Partners onboarded per quarter"),
        ORG,
        "per_quarter",
        "higher",
        _("Partnerships started in the last 365 days ÷ 4."),
    ),
    _m(
        "partner_revenue_share",
        _("Share of revenue via partners"),
        ORG,
        "percent",
        "higher",
        _("Won amount of deals with a partner linked ÷ all won amount, last 365 days × 100."),
    ),
    _m(
        "kpis_tracked",
        _("Partner KPIs tracked"),
        ORG,
        "count",
        "higher",
        _(
            "Survey KPI kinds POM sees measured in the last 365 days: sourced revenue, influenced revenue, "
            "leads (deal registrations), plan key results."
        ),
    ),
    _m(
        "mdf_utilisation",
        _("MDF utilisation"),
        ORG,
        "percent",
        "higher",
        _("Reimbursed ÷ allocated market development funds (organization currency) × 100."),
    ),
]
BY_CODE = {m.code: m for m in METRICS}


def _q(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.0001"))


def partnership_values(*, org: Organization, today: datetime.date) -> dict[int, dict[str, tuple[Decimal, dict]]]:
    """{partnership_id: {metric: (value, detail)}} for every metric with data. One query per input:
    deal links (pipeline report), won links' cycles, first won deal, key results, activities,
    certifications, latest TACAM snapshots, plus the partnership list."""
    from attribution.models import OpportunityPartner
    from attribution.selectors import pipeline_metrics
    from partners.models import Certification, Partnership
    from plans.models import Activity, KeyResult, Plan
    from plans.rules import kr_progress, weighted_progress
    from reports.models import ScoreSnapshot

    out: dict[int, dict[str, tuple[Decimal, dict]]] = {}
    partnerships = list(Partnership.objects.for_org(org).values_list("id", "partner_id", "start_date", "created_at"))
    for pid, *_rest in partnerships:
        out[pid] = {}

    def put(pid, code, value, **detail):
        if value is not None and pid in out:
            out[pid][code] = (_q(value), detail)

    report = pipeline_metrics(org=org)
    for row in report["by_partnership"]:
        pid = row["partnership_id"]
        counts = {"deals": row["deals"], "won": row["won"], "lost": row["lost"]}
        for code in ("sourced_pipeline", "influenced_pipeline", "sourced_revenue", "influenced_revenue"):
            put(pid, code, row[code], currency=org.currency, **counts)
        put(pid, "win_rate", row["win_rate"], **counts)
        put(pid, "avg_deal_size", row["avg_deal"], won_amount=str(row["won_amount"]), won=row["won"])
        put(pid, "sales_cycle", row["cycle_days"], won=row["won"])

    first_won = dict(
        OpportunityPartner.objects.for_org(org)
        .filter(opportunity__status="won", opportunity__closed_on__isnull=False)
        .order_by()
        .values_list("partnership_id")
        .annotate(first=Min("opportunity__closed_on"))
    )
    for pid, _partner, start, created in partnerships:
        first = first_won.get(pid)
        if first:
            begin = start or created.date()
            put(pid, "time_to_first_deal", max(0, (first - begin).days), start=str(begin), first_won=str(first))

    krs: dict[int, list] = {}
    last_checkin: dict[int, datetime.datetime] = {}
    for pid, unit, baseline, target, current, weight, checked in (
        KeyResult.objects.for_org(org)
        .exclude(plan__status=Plan.Status.CLOSED)
        .values_list("plan__partnership_id", "unit", "baseline", "target", "current_value", "weight", "last_checkin_at")
    ):
        krs.setdefault(pid, []).append(
            (kr_progress(unit=unit, baseline=baseline, target=target, current=current), weight)
        )
        if checked and (pid not in last_checkin or checked > last_checkin[pid]):
            last_checkin[pid] = checked
    for pid, items in krs.items():
        put(pid, "plan_progress", weighted_progress(items), key_results=len(items))
    for pid, checked in last_checkin.items():
        put(pid, "checkin_age", max(0, (today - checked.date()).days), last=checked.date().isoformat())

    for row in (
        Activity.objects.for_org(org)
        .filter(due_date__lte=today)
        .exclude(status=Activity.Status.CANCELLED)
        .order_by()
        .values("plan__partnership_id")
        .annotate(due=Count("id"), done=Count("id", filter=Q(status=Activity.Status.DONE)))
    ):
        if row["due"]:
            put(
                row["plan__partnership_id"],
                "plan_execution",
                Decimal(row["done"]) * HUNDRED / row["due"],
                due=row["due"],
                done=row["done"],
            )

    certs = dict(
        Certification.objects.for_org(org)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("id"))
    )
    for pid, partner_id, *_rest in partnerships:
        put(pid, "certifications", certs.get(partner_id, 0))

    for snap in (
        ScoreSnapshot.objects.for_org(org)
        .filter(is_latest=True)
        .values(
            "partnership_id",
            "as_of",
            "overall",
            "trust",
            "analysis",
            "commitment",
            "accountability",
            "measurement",
            "sixcs",
        )
    ):
        pid = snap["partnership_id"]
        put(pid, "tacam_overall", snap["overall"], as_of=str(snap["as_of"]))
        for element in ("trust", "analysis", "commitment", "accountability", "measurement"):
            put(pid, f"tacam_{element}", snap[element], as_of=str(snap["as_of"]))
        for c, entry in (snap["sixcs"] or {}).items():
            if f"sixc_{c}" in BY_CODE and isinstance(entry, dict):
                put(pid, f"sixc_{c}", entry.get("value"), as_of=str(snap["as_of"]))
    return out


def organization_values(*, org: Organization, today: datetime.date) -> dict[str, tuple[Decimal, dict]]:
    """{metric: (value, detail)} for the organization-level metrics that have data (five queries)."""
    from attribution.mdf_selectors import budget_usage
    from attribution.models import DealRegistration, Opportunity, OpportunityPartner
    from attribution.models_mdf import MdfBudget
    from partners.models import Partner, Partnership
    from plans.models import KeyResult

    out: dict[str, tuple[Decimal, dict]] = {}
    year_ago = today - datetime.timedelta(days=365)
    active = Partner.objects.for_org(org).filter(status=Partner.Status.ACTIVE).count()
    out["partner_count"] = (_q(active), {"active_partners": active})
    started = (
        Partnership.objects.for_org(org)
        .filter(
            Q(start_date__gt=year_ago, start_date__lte=today)
            | Q(start_date__isnull=True, created_at__date__gt=year_ago)
        )
        .count()
    )
    out["onboarded_per_quarter"] = (_q(Decimal(started) / 4), {"started_last_365_days": started})

    won_qs = Opportunity.objects.for_org(org).filter(
        status=Opportunity.Status.WON, currency=org.currency, closed_on__gt=year_ago, closed_on__lte=today
    )
    won = {
        "total": won_qs.aggregate(s=Sum("amount"))["s"],
        "attached": won_qs.filter(models_outer_ref()).aggregate(s=Sum("amount"))["s"],
    }
    if won["total"]:
        share = (won["attached"] or Decimal(0)) * HUNDRED / won["total"]
        out["partner_revenue_share"] = (
            _q(share),
            {"won_total": str(won["total"]), "won_with_partner": str(won["attached"] or 0), "currency": org.currency},
        )

    kinds = (
        OpportunityPartner.objects.for_org(org)
        .filter(opportunity__status=Opportunity.Status.WON, opportunity__closed_on__gt=year_ago)
        .aggregate(
            sourced=Count("id", filter=Q(role=OpportunityPartner.Role.SOURCED)),
            influenced=Count("id", filter=~Q(role=OpportunityPartner.Role.SOURCED)),
        )
    )
    tracked = {
        "sourced_revenue": bool(kinds["sourced"]),
        "influenced_revenue": bool(kinds["influenced"]),
        "leads": DealRegistration.objects.for_org(org).filter(submitted_at__date__gt=year_ago).exists(),
        "plan_key_results": KeyResult.objects.for_org(org).filter(last_checkin_at__date__gt=year_ago).exists(),
    }
    out["kpis_tracked"] = (_q(sum(tracked.values())), tracked)

    budgets = list(MdfBudget.objects.for_org(org).filter(currency=org.currency).values_list("id", "amount"))
    allocated = sum((amount for _id, amount in budgets), Decimal(0))
    if allocated:
        usage = budget_usage(org=org, budget_ids=[b for b, _a in budgets])
        reimbursed = sum((u.get("reimbursed", Decimal(0)) for u in usage.values()), Decimal(0))
        out["mdf_utilisation"] = (
            _q(reimbursed * HUNDRED / allocated),
            {"allocated": str(allocated), "reimbursed": str(reimbursed), "currency": org.currency},
        )
    return out


def models_outer_ref():
    """`Exists(...)` over a deal's partner links, for the revenue-share aggregate."""
    from django.db.models import Exists, OuterRef

    from attribution.models import OpportunityPartner

    return Exists(
        OpportunityPartner.objects.filter(organization=OuterRef("organization"), opportunity_id=OuterRef("pk"))
    )
