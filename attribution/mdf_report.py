"""MDF reporting: utilisation and the unused share per program beside WorkSpan's 40 % reference, and the
leads, pipeline and revenue traced to each request's campaign code (reads only)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from attribution.mdf_selectors import MONEY_FIELD, ZERO, budget_usage, mdf_budget_list
from attribution.models import MdfRequest, Opportunity
from pom.models import Organization

UNUSED_REFERENCE = Decimal("40")  # WorkSpan: about 40 % of market development funds typically go unused


def unused_share(*, allocated: Decimal, reimbursed: Decimal) -> Decimal | None:
    """Unused share of a budget: (allocated − reimbursed) ÷ allocated, in percent (one decimal).
    WorkSpan reports that about 40 % of market development funds go unused; it is shown beside it."""
    if not allocated:
        return None
    return ((allocated - reimbursed) * 100 / allocated).quantize(Decimal("0.1"))


def mdf_report(*, org: Organization) -> dict:
    """Utilisation per program (per currency) and leads, pipeline and revenue traced by campaign code.

    Three queries whatever the number of budgets and requests.
    """
    budgets = list(mdf_budget_list(org=org))
    usage = budget_usage(org=org, budget_ids=[b.pk for b in budgets])
    programs: dict[tuple, dict] = {}
    for budget in budgets:
        row = programs.setdefault(
            (budget.program.name, budget.currency),
            {
                "program": budget.program.name,
                "currency": budget.currency,
                "allocated": ZERO,
                "held": ZERO,
                "approved": ZERO,
                "claimed": ZERO,
                "reimbursed": ZERO,
            },
        )
        row["allocated"] += budget.amount
        for key in ("held", "approved", "claimed", "reimbursed"):
            row[key] += usage.get(budget.pk, {}).get(key, ZERO)
    for row in programs.values():
        row["unused_percent"] = unused_share(allocated=row["allocated"], reimbursed=row["reimbursed"])
        row["reference_percent"] = UNUSED_REFERENCE
    codes = dict(MdfRequest.objects.for_org(org).values_list("campaign_code", "activity"))
    traced = (
        Opportunity.objects.for_org(org)
        .filter(campaign_code__in=list(codes))
        .order_by()
        .values("campaign_code", "currency")
        .annotate(
            leads=Count("id"),
            pipeline=Coalesce(
                Sum("amount", filter=Q(status=Opportunity.Status.OPEN)), Value(ZERO), output_field=MONEY_FIELD
            ),
            revenue=Coalesce(
                Sum("amount", filter=Q(status=Opportunity.Status.WON)), Value(ZERO), output_field=MONEY_FIELD
            ),
        )
        .order_by("campaign_code", "currency")
    )
    campaigns = [{**row, "activity": codes.get(row["campaign_code"], "")} for row in traced]
    return {
        "programs": sorted(programs.values(), key=lambda r: (r["program"], r["currency"])),
        "campaigns": campaigns,
        "how": " ".join(unused_share.__doc__.split()),
    }


def mdf_report_figure(report: dict) -> str:
    """Allocated versus reimbursed per program, as a bar chart (the table beside it is the same data)."""
    import plotly.graph_objects as go

    from pom.charts import PALETTE, figure_html

    rows = report["programs"]
    labels = [f"{r['program']} ({r['currency']})" for r in rows]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[float(r["allocated"]) for r in rows], name=_("Allocated"), marker_color=PALETTE[6])
    fig.add_bar(x=labels, y=[float(r["held"]) for r in rows], name=_("Committed"), marker_color=PALETTE[1])
    fig.add_bar(x=labels, y=[float(r["reimbursed"]) for r in rows], name=_("Reimbursed"), marker_color=PALETTE[2])
    return figure_html(fig, barmode="group", height=280)
