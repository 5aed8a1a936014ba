"""Read-only figures for the Reports page, built from other apps' data with set-based queries."""

from __future__ import annotations

import plotly.graph_objects as go
from django.db.models import Count

from partners.models import JourneyStage, Partner, Partnership
from pom.charts import PALETTE, figure_html
from pom.models import Organization


def portfolio_summary(*, org: Organization) -> dict:
    """Partner counts by status, by journey stage (furthest reached) and partnerships by program.

    Three aggregate queries plus one for the stage names, whatever the portfolio size.
    """
    by_status = dict(
        Partner.objects.for_org(org).order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    by_stage_id = dict(
        Partner.objects.for_org(org)
        .filter(journey_stage__isnull=False)
        .order_by()
        .values_list("journey_stage")
        .annotate(n=Count("id"))
        .values_list("journey_stage", "n")
    )
    stages = list(
        JourneyStage.objects.for_org(org).filter(template__is_default=True).order_by("order").values("id", "name")
    )
    by_program = list(
        Partnership.objects.for_org(org)
        .order_by()
        .values("program__name")
        .annotate(n=Count("id"))
        .order_by("-n", "program__name")
    )
    return {
        "by_status": [(label, by_status.get(value, 0)) for value, label in Partner.Status.choices],
        "by_stage": [(s["name"], by_stage_id.get(s["id"], 0)) for s in stages],
        "by_program": [(row["program__name"], row["n"]) for row in by_program],
        "total": sum(by_status.values()),
    }


def portfolio_figures(*, summary: dict) -> dict[str, str]:
    """Plotly HTML fragments for the summary: journey funnel, status bars, program mix."""
    figures = {}
    if summary["by_stage"]:
        names, counts = zip(*summary["by_stage"], strict=True)
        funnel = go.Figure(go.Funnel(y=list(names), x=list(counts), marker={"color": PALETTE[0]}))
        figures["journey"] = figure_html(funnel)
    names, counts = zip(*summary["by_status"], strict=True)
    status = go.Figure(go.Bar(x=list(names), y=list(counts), marker={"color": PALETTE[1]}))
    figures["status"] = figure_html(status)
    if summary["by_program"]:
        names, counts = zip(*summary["by_program"], strict=True)
        mix = go.Figure(go.Pie(labels=list(names), values=list(counts), hole=0.5, marker={"colors": PALETTE}))
        figures["programs"] = figure_html(mix)
    return figures
