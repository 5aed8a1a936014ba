"""The portfolio dashboard's panels, read from the summary tables (a few grouped queries each)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import JourneyStage
from pom.charts import PALETTE, figure_html
from pom.models import Organization
from reports import dashboard_metrics as m
from reports.dashboard_base import (
    MOVERS,
    PLAN_MOVER_DAYS,
    Filters,
    Panel,
    _bars,
    _deals,
    _month_label,
    _months,
    _names,
    _no_data,
    _partnerships,
)
from reports.summary_models import (
    Attachment,
    DealSummary,
    PartnershipMonth,
    PlanSummary,
    StageFact,
)

# Portfolio ----------------------------------------------------------------------------------------


def portfolio_panels(*, org: Organization, filters: Filters) -> list[Panel]:
    """Every panel of the portfolio dashboard, in page order."""
    names = _names(org)
    return [
        pipeline_panel(org=org, filters=filters),
        revenue_by_panel(org=org, filters=filters, by="program", names=names["program"]),
        revenue_by_panel(org=org, filters=filters, by="type", names=names["type"]),
        plan_vs_realised_panel(org=org, filters=filters, names=names["program"]),
        plan_health_panel(org=org, filters=filters),
        journey_panel(org=org, filters=filters),
        movers_revenue_panel(org=org, filters=filters),
        movers_tacam_panel(org=org, filters=filters),
        movers_plan_panel(org=org, filters=filters),
    ]


def pipeline_panel(*, org: Organization, filters: Filters) -> Panel:
    """Partner-sourced and influenced pipeline (deals created, by month) and won revenue (by close month)."""
    attached = [Attachment.SOURCED, Attachment.INFLUENCED]
    pipeline = defaultdict(Decimal)
    for row in (
        _deals(org, filters, basis=DealSummary.Basis.CREATED)
        .filter(attachment__in=attached)
        .values("month", "attachment")
        .annotate(total=Sum("amount"))
    ):
        pipeline[(row["month"], row["attachment"])] += row["total"] or 0
    revenue = defaultdict(Decimal)
    for row in (
        _deals(org, filters, basis=DealSummary.Basis.CLOSED)
        .filter(attachment__in=attached, status="won")
        .values("month", "attachment")
        .annotate(total=Sum("amount"))
    ):
        revenue[(row["month"], row["attachment"])] += row["total"] or 0
    months = _months(filters) if pipeline or revenue else []
    rows = [
        [
            _month_label(month),
            pipeline[(month, Attachment.SOURCED)],
            pipeline[(month, Attachment.INFLUENCED)],
            revenue[(month, Attachment.SOURCED)],
            revenue[(month, Attachment.INFLUENCED)],
        ]
        for month in months
    ]
    columns = [
        _("Month"),
        _("Sourced pipeline"),
        _("Influenced pipeline"),
        _("Sourced revenue"),
        _("Influenced revenue"),
    ]
    panel = Panel(
        "pipeline",
        _("Partner pipeline and revenue over time"),
        _(
            "Pipeline: amount of the deals created in the month with a partner attached, sourced when a "
            "partnership sourced it, influenced otherwise. Revenue: amount of those deals won, by close month. "
            "Amounts in %(currency)s."
        )
        % {"currency": org.currency},
        columns,
        rows,
        empty_message=_no_data(),
    )
    if rows:
        x = [r[0] for r in rows]
        panel.figure = _bars(x, {columns[i]: [r[i] for r in rows] for i in range(1, 5)})
    return panel


def revenue_by_panel(*, org: Organization, filters: Filters, by: str, names: dict) -> Panel:
    """Won partner-attached revenue by close month, split by the lead partnership's program or partner type."""
    field_name = "program_id" if by == "program" else "partner_type_id"
    totals = defaultdict(Decimal)
    for row in (
        _deals(org, filters, basis=DealSummary.Basis.CLOSED)
        .exclude(attachment=Attachment.DIRECT)
        .filter(status="won")
        .values("month", field_name)
        .annotate(total=Sum("amount"))
    ):
        label = names.get(row[field_name]) or _("None")
        totals[(row["month"], label)] += row["total"] or 0
    labels = sorted({label for _month, label in totals})
    months = _months(filters)
    rows = [[_month_label(month)] + [totals[(month, label)] for label in labels] for month in months] if totals else []
    title = _("Partner revenue by program") if by == "program" else _("Partner revenue by partner type")
    how = (
        _("Won revenue of partner-attached deals by close month, under the program of the deal's lead partnership.")
        if by == "program"
        else _(
            "Won revenue of partner-attached deals by close month, under the first partner type of the "
            "deal's lead partner."
        )
    )
    panel = Panel(f"revenue_{by}", title, how, [_("Month"), *labels], rows, empty_message=_no_data())
    if rows:
        x = [r[0] for r in rows]
        panel.figure = _bars(x, {label: [r[i + 1] for r in rows] for i, label in enumerate(labels)}, stacked=True)
    return panel


def _latest_plans(org: Organization, filters: Filters):
    """Each plan's newest snapshot, for plans whose period overlaps the filter period and whose partnership
    passes the filters."""
    latest = PlanSummary.objects.for_org(org).aggregate(day=Max("as_of"))["day"]
    if latest is None:
        return PlanSummary.objects.none(), {}
    partnerships = dict(_partnerships(org, filters).values_list("partnership_id", "program_id"))
    plans = (
        PlanSummary.objects.for_org(org)
        .filter(as_of=latest, period_end__gte=filters.start, period_start__lte=filters.today)
        .filter(partnership_id__in=_partnerships(org, filters).values("partnership_id"))
        .order_by("name", "plan_id")
    )
    return plans, partnerships


def plan_vs_realised_panel(*, org: Organization, filters: Filters, names: dict) -> Panel:
    """Targets against realised values of amount key results, and mean progress, per program."""
    plans, partnerships = _latest_plans(org, filters)
    groups: dict = defaultdict(lambda: {"plans": 0, "target": Decimal(0), "realised": Decimal(0), "progress": []})
    for plan in plans:
        group = groups[names.get(partnerships.get(plan.partnership_id), _("None"))]
        group["plans"] += 1
        group["target"] += plan.target_amount
        group["realised"] += plan.realised_amount
        if plan.progress is not None:
            group["progress"].append(plan.progress)
    rows = [
        [
            label,
            g["plans"],
            g["target"],
            g["realised"],
            m.share(g["realised"], g["target"]),
            m._q(sum(g["progress"]) / len(g["progress"])) if g["progress"] else None,
        ]
        for label, g in sorted(groups.items())
    ]
    panel = Panel(
        "plan_vs_realised",
        _("Plan versus realised"),
        _(
            "Per program, across the plans whose period overlaps the filter period: the sum of the targets of "
            "amount key results against the sum of their current values, and the plans' mean progress "
            "(weighted over objectives, plans.rules)."
        ),
        [_("Program"), _("Plans"), _("Target"), _("Realised"), _("Realised %"), _("Mean progress %")],
        rows,
        empty_message=_("No plan overlaps this period with these filters."),
    )
    if rows:
        x = [r[0] for r in rows]
        panel.figure = _bars(x, {_("Target"): [r[2] for r in rows], _("Realised"): [r[3] for r in rows]})
    return panel


HEALTH_LABELS = {
    "healthy": gettext_lazy("Healthy (70 and up)"),
    "attention": gettext_lazy("Needs attention (40–70)"),
    "at_risk": gettext_lazy("At risk (under 40)"),
    "not_measured": gettext_lazy("Not measured yet"),
}


def plan_health_panel(*, org: Organization, filters: Filters) -> Panel:
    """Plans by health band (plans.rules.plan_health), for the plans the filters select."""
    plans, _partnerships_map = _latest_plans(org, filters)
    counts = defaultdict(int)
    for health in plans.values_list("health", flat=True):
        counts[m.health_band(health)] += 1
    rows = [[str(label), counts[key]] for key, label in HEALTH_LABELS.items()] if counts else []
    panel = Panel(
        "plan_health",
        _("Plans by health"),
        m.health_band.__doc__.strip(),
        [_("Health"), _("Plans")],
        rows,
        empty_message=_("No plan overlaps this period with these filters."),
    )
    if rows:
        panel.figure = _bars([r[0] for r in rows], {_("Plans"): [r[1] for r in rows]})
    return panel


def journey_panel(*, org: Organization, filters: Filters) -> Panel:
    """Journey funnel: partnerships that entered each stage in the period, conversion and median days."""
    stages = list(
        JourneyStage.objects.for_org(org).filter(template__is_default=True).order_by("order").values_list("id", "name")
    )
    ids = _partnerships(org, filters).values("partnership_id")  # a subquery, not a list of ids
    facts = (
        StageFact.objects.for_org(org)
        .filter(partnership_id__in=ids, entered_at__date__gte=filters.start, entered_at__date__lte=filters.today)
        .values_list("stage_id", "partnership_id", "days_in_stage")
    )
    reached: dict[int, set] = defaultdict(set)
    days: dict[int, list] = defaultdict(list)
    for stage_id, pid, stay in facts:
        reached[stage_id].add(pid)
        if stay is not None:
            days[stage_id].append(stay)
    rows, previous = [], None
    for stage_id, name in stages:
        count = len(reached[stage_id])
        rows.append(
            [name, count, m.share(count, previous) if previous is not None else None, m.median_days(days[stage_id])]
        )
        previous = count
    if not any(r[1] for r in rows):
        rows = []
    panel = Panel(
        "journey",
        _("Journey funnel"),
        _(
            "Partnerships that entered each stage of the default journey in the period; conversion is the "
            "share of the previous stage's count. "
        )
        + m.median_days.__doc__.strip(),
        [_("Stage"), _("Partnerships"), _("Conversion from previous %"), _("Median days in stage")],
        rows,
        empty_message=_("No partnership entered a journey stage in this period."),
    )
    if rows:
        fig = go.Figure(go.Funnel(y=[r[0] for r in rows], x=[r[1] for r in rows], marker={"color": PALETTE[0]}))
        panel.figure = figure_html(fig)
    return panel


def _movers(items: list[tuple[str, Decimal | None, Decimal | None]]) -> list[list]:
    """Top MOVERS up and down by change (now − before); rows: direction, partner, before, now, change."""
    changes = [
        (name, before, now, now - before) for name, before, now in items if before is not None and now is not None
    ]
    changes = [c for c in changes if c[3]]
    up = sorted((c for c in changes if c[3] > 0), key=lambda c: (-c[3], c[0]))[:MOVERS]
    down = sorted((c for c in changes if c[3] < 0), key=lambda c: (c[3], c[0]))[:MOVERS]
    return [[_("Up"), *c] for c in up] + [[_("Down"), *c] for c in down]


def _movers_panel(key, title, how, rows) -> Panel:
    panel = Panel(
        key,
        title,
        how,
        [_("Direction"), _("Partner"), _("Before"), _("Now"), _("Change")],
        rows,
        empty_message=_("Nothing moved in this period with these filters."),
    )
    if rows:
        labels = [f"{r[1]} ({r[0].lower()})" for r in rows]
        panel.figure = _bars(labels, {_("Change"): [r[4] for r in rows]}, horizontal=True)
    return panel


def movers_revenue_panel(*, org: Organization, filters: Filters) -> Panel:
    """Partnerships whose won revenue moved most between the previous period and this one.

    The change is computed in the database for every partnership; only the top movers' names are read.
    """
    change = (
        PartnershipMonth.objects.for_org(org)
        .filter(
            partnership_id__in=_partnerships(org, filters).values("partnership_id"),
            month__gte=filters.previous_start,
            month__lte=filters.today,
        )
        .order_by()
        .values("partnership_id")
        .annotate(
            now=Coalesce(Sum("won_amount", filter=Q(month__gte=filters.start)), Value(Decimal(0))),
            before=Coalesce(Sum("won_amount", filter=Q(month__lt=filters.start)), Value(Decimal(0))),
        )
        .annotate(delta=F("now") - F("before"))
        .exclude(delta=0)
    )
    top = list(change.filter(delta__gt=0).order_by("-delta", "partnership_id")[:MOVERS]) + list(
        change.filter(delta__lt=0).order_by("delta", "partnership_id")[:MOVERS]
    )
    names = dict(
        _partnerships(org, filters)
        .filter(partnership_id__in=[r["partnership_id"] for r in top])
        .values_list("partnership_id", "partner_name")
    )
    items = [(names.get(r["partnership_id"], ""), r["before"], r["now"]) for r in top]
    return _movers_panel(
        "movers_revenue",
        _("Top movers: revenue"),
        _(
            "Won revenue of deals each partnership is attached to (any role), this period against the period "
            "of the same length before it."
        ),
        _movers(items),
    )


def movers_tacam_panel(*, org: Organization, filters: Filters) -> Panel:
    """Partnerships whose TACAM score moved most over the last 90 days (reports.scoring snapshots)."""
    items = list(_partnerships(org, filters).values_list("partner_name", "tacam_before", "tacam_now"))
    return _movers_panel(
        "movers_tacam",
        _("Top movers: TACAM score"),
        _(
            "The partnership's latest overall TACAM score against its latest score at least 90 days older "
            "(reports.scoring, daily snapshots)."
        ),
        _movers(items),
    )


def movers_plan_panel(*, org: Organization, filters: Filters) -> Panel:
    """Plans whose progress moved most since the snapshot at least 30 days older."""
    plans, _map = _latest_plans(org, filters)
    latest = {p.plan_id: p for p in plans}
    if latest:
        day = next(iter(latest.values())).as_of - datetime.timedelta(days=PLAN_MOVER_DAYS)
        earlier = {}
        for plan_id, progress in (
            PlanSummary.objects.for_org(org)
            .filter(plan_id__in=list(latest), as_of__lte=day)
            .order_by("plan_id", "as_of")
            .values_list("plan_id", "progress")
        ):
            earlier[plan_id] = progress  # the newest snapshot at least 30 days old wins
        items = [(p.name, earlier.get(pid), p.progress) for pid, p in latest.items()]
    else:
        items = []
    return _movers_panel(
        "movers_plan",
        _("Top movers: plan progress"),
        _("A plan's progress today against its progress in the newest daily snapshot at least 30 days older."),
        _movers(items),
    )
