"""The dashboards' panels, read from the summary tables: portfolio, partner unit economics, program view.

A panel is what a chart shows and its table view at once: `columns` and `rows` are exactly the figure's
data, so the table (the chart's text alternative), the CSV/XLSX download and the mailed copy all hold
the same numbers. Every panel is a handful of grouped queries over summary rows, whatever the size of
the portfolio; nothing here reads the source tables of deals.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import Count, F, Max, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import JourneyStage, PartnerType, Program, Tier
from pom.charts import PALETTE, figure_html
from pom.models import Organization, Region
from pom.selectors import member_users
from reports import dashboard_metrics as m
from reports.summary_models import (
    AccountSummary,
    Attachment,
    DealSummary,
    PartnershipMonth,
    PartnershipSummary,
    PlanSummary,
    StageFact,
)

PERIODS = (3, 6, 12, 24)
MOVERS = 5
PLAN_MOVER_DAYS = 30


@dataclass(frozen=True)
class Filters:
    """The filter bar every chart of a dashboard shares."""

    months: int = 12
    program: int | None = None
    tier: int | None = None
    owner: int | None = None
    region: str = ""
    today: datetime.date = field(default_factory=datetime.date.today)

    @property
    def start(self) -> datetime.date:
        return _add_months(self.today.replace(day=1), -(self.months - 1))

    @property
    def previous_start(self) -> datetime.date:
        return _add_months(self.start, -self.months)

    def params(self) -> dict:
        values = {"months": self.months, "program": self.program, "tier": self.tier, "owner": self.owner}
        values["region"] = self.region
        return {k: v for k, v in values.items() if v not in (None, "")}


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def filters_from(params, *, org: Organization, today: datetime.date) -> Filters:
    """Filters from query parameters; unknown or foreign ids are dropped (they would match nothing)."""

    def number(name):
        value = str(params.get(name) or "")
        return int(value) if value.isdigit() else None

    months = number("months")
    program, tier, owner = number("program"), number("tier"), number("owner")
    if program and not Program.objects.for_org(org).filter(pk=program).exists():
        program = None
    if tier and not Tier.objects.for_org(org).filter(pk=tier).exists():
        tier = None
    if owner and not member_users(org=org).filter(pk=owner).exists():
        owner = None
    region = str(params.get("region") or "")
    return Filters(
        months=months if months in PERIODS else 12,
        program=program,
        tier=tier,
        owner=owner,
        region=region if region in Region.values else "",
        today=today,
    )


def filter_options(*, org: Organization) -> dict:
    """Choices of the filter bar (four small queries)."""
    return {
        "periods": [(n, _("Last %(n)s months") % {"n": n}) for n in PERIODS],
        "programs": list(Program.objects.for_org(org).order_by("name").values_list("id", "name")),
        "tiers": [
            (t.pk, f"{t.program.name} · {t.name}")
            for t in Tier.objects.for_org(org).select_related("program").order_by("program__name", "rank")
        ],
        "owners": [(u.pk, u.name or u.email) for u in member_users(org=org)],
        "regions": list(Region.choices),
    }


@dataclass
class Panel:
    key: str
    title: str
    how: str
    columns: list[str]
    rows: list[list]
    figure: str = ""
    empty_message: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def _names(org: Organization) -> dict:
    return {
        "program": dict(Program.objects.for_org(org).values_list("id", "name")),
        "tier": dict(Tier.objects.for_org(org).values_list("id", "name")),
        "type": dict(PartnerType.objects.for_org(org).values_list("id", "name")),
    }


def _deals(org: Organization, filters: Filters, *, basis: str, previous: bool = False):
    start, end = (filters.previous_start, filters.start) if previous else (filters.start, None)
    rows = DealSummary.objects.for_org(org).filter(basis=basis, month__gte=start)
    rows = rows.filter(month__lt=end) if end else rows.filter(month__lte=filters.today)
    if filters.program:
        rows = rows.filter(program_id=filters.program)
    if filters.tier:
        rows = rows.filter(tier_id=filters.tier)
    if filters.owner:
        rows = rows.filter(owner_id=filters.owner)
    if filters.region:
        rows = rows.filter(region=filters.region)
    return rows.order_by()


def _partnerships(org: Organization, filters: Filters):
    rows = PartnershipSummary.objects.for_org(org)
    if filters.program:
        rows = rows.filter(program_id=filters.program)
    if filters.tier:
        rows = rows.filter(tier_id=filters.tier)
    if filters.owner:
        rows = rows.filter(owner_id=filters.owner)
    if filters.region:
        rows = rows.filter(region=filters.region)
    return rows.order_by()


def _month_label(day: datetime.date) -> str:
    return day.strftime("%Y-%m")


def _months(filters: Filters) -> list[datetime.date]:
    return [_add_months(filters.start, i) for i in range(filters.months)]


def _no_data() -> str:
    return _("No data for this period and these filters. Widen the period or clear a filter.")


def _bars(x, series: dict[str, list], *, stacked: bool = False, horizontal: bool = False) -> str:
    fig = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        if horizontal:
            fig.add_trace(
                go.Bar(y=x, x=[float(v or 0) for v in values], name=name, orientation="h", marker_color=color)
            )
        else:
            fig.add_trace(go.Bar(x=x, y=[float(v or 0) for v in values], name=name, marker_color=color))
    return figure_html(fig, barmode="stack" if stacked else "group", legend={"orientation": "h", "y": -0.2})


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
        .filter(partnership_id__in=list(partnerships))
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
    ids = list(_partnerships(org, filters).values_list("partnership_id", flat=True))
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


def _partner_names(org: Organization, filters: Filters) -> dict[int, str]:
    return dict(_partnerships(org, filters).values_list("partnership_id", "partner_name"))


def movers_revenue_panel(*, org: Organization, filters: Filters) -> Panel:
    """Partnerships whose won revenue moved most between the previous period and this one."""
    names = _partner_names(org, filters)
    rows = (
        PartnershipMonth.objects.for_org(org)
        .filter(partnership_id__in=list(names), month__gte=filters.previous_start, month__lte=filters.today)
        .order_by()
        .values("partnership_id")
        .annotate(
            now=Sum("won_amount", filter=Q(month__gte=filters.start)),
            before=Sum("won_amount", filter=Q(month__lt=filters.start)),
        )
    )
    items = [(names[r["partnership_id"]], r["before"] or Decimal(0), r["now"] or Decimal(0)) for r in rows]
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


# Partner unit economics -----------------------------------------------------------------------------


def _deal_sums(org: Organization, filters: Filters) -> dict:
    created = {
        row["attachment"]: row
        for row in _deals(org, filters, basis=DealSummary.Basis.CREATED)
        .values("attachment")
        .annotate(deals=Sum("deals"), won=Sum("won_deals"))
    }
    closed = {
        row["attachment"]: row
        for row in _deals(org, filters, basis=DealSummary.Basis.CLOSED)
        .values("attachment")
        .annotate(
            won=Sum("won_deals"),
            lost=Sum("deals", filter=Q(status="lost")),
            amount=Sum("amount", filter=Q(status="won")),
            days=Sum("cycle_days", filter=Q(status="won")),
        )
    }
    return {"created": created, "closed": closed}


def _side(sums: dict, kinds) -> dict:
    def total(table, key):
        return sum((sums[table].get(k, {}).get(key) or 0) for k in kinds)

    return {
        "lead_conversion": m.lead_conversion(created=total("created", "deals"), won=total("created", "won")),
        "win_rate": m.win_rate(won=total("closed", "won"), lost=total("closed", "lost")),
        "deal_size": m.deal_size(won_amount=total("closed", "amount"), won=total("closed", "won")),
        "sales_cycle": m.sales_cycle(cycle_days=total("closed", "days"), won=total("closed", "won")),
    }


def _customers(org: Organization, filters: Filters, today: datetime.date) -> dict:
    """Customer metrics per side (attached True/False), from AccountSummary (one query per figure set)."""
    start = today - datetime.timedelta(days=365)
    rows = AccountSummary.objects.for_org(org).order_by()
    if filters.region:
        rows = rows.filter(region=filters.region)
    base = Q(customer_since__lte=start) & (Q(churned_on__isnull=True) | Q(churned_on__gt=start))
    sums = {
        row["attached"]: row
        for row in rows.values("attached").annotate(
            base=Count("id", filter=base),
            churned=Count("id", filter=base & Q(churned_on__lte=today)),
            arr=Sum("arr", filter=base),
            arr_prior=Sum("arr_prior", filter=base),
            expansion=Sum("expansion", filter=base),
            lifetime=Sum("lifetime_revenue"),
            customers=Count("id"),
        )
    }
    by_integrations = defaultdict(lambda: {"arr": Decimal(0), "n": 0})
    for row in rows.filter(arr__gt=0).values("attached", "integrations_count").annotate(arr=Sum("arr"), n=Count("id")):
        bucket = min(row["integrations_count"], 3)
        by_integrations[(row["attached"], bucket)]["arr"] += row["arr"] or 0
        by_integrations[(row["attached"], bucket)]["n"] += row["n"]
    result = {}
    for attached in (True, False):
        s = sums.get(attached, {})
        result[attached] = {
            "retention": m.retention(base=s.get("base", 0), churned=s.get("churned", 0)),
            "churn": m.churn(base=s.get("base", 0), churned=s.get("churned", 0)),
            "nrr": m.net_revenue_retention(arr=s.get("arr") or 0, arr_prior=s.get("arr_prior") or 0),
            "expansion": m.expansion_rate(expansion=s.get("expansion") or 0, arr_prior=s.get("arr_prior") or 0),
            "lifetime_value": m.lifetime_value(
                lifetime_revenue=s.get("lifetime") or 0, customers=s.get("customers", 0)
            ),
        }
        for bucket in range(4):
            b = by_integrations[(attached, bucket)]
            result[attached][f"arr_{bucket}"] = m.arr_per_customer(arr=b["arr"], customers=b["n"])
    return result


def unit_economics_panels(*, org: Organization, filters: Filters, as_of: datetime.date | None = None) -> list[Panel]:
    """Every metric twice, partner-attached against direct, with the published deltas (seed 4.9) beside."""
    sums = _deal_sums(org, filters)
    attached = _side(sums, [Attachment.SOURCED, Attachment.INFLUENCED])
    sourced = _side(sums, [Attachment.SOURCED])
    influenced = _side(sums, [Attachment.INFLUENCED])
    direct = _side(sums, [Attachment.DIRECT])
    customers = _customers(org, filters, as_of or filters.today)
    ref = m.PUBLISHED_DELTAS

    def line(label, key, a, d, fn, reference=""):
        return [label, a, d, m.difference(a, d), reference, fn.__doc__.strip().splitlines()[0]]

    def reference(key):
        return f"{ref[key][0]} ({ref[key][1]})" if key in ref else ""

    deal_rows = [
        line(
            _("Lead conversion %"),
            "lead_conversion",
            attached["lead_conversion"],
            direct["lead_conversion"],
            m.lead_conversion,
        ),
        line(_("Win rate %"), "win_rate", attached["win_rate"], direct["win_rate"], m.win_rate),
        line(
            _("Win rate %, partner-sourced"),
            "win_rate_sourced",
            sourced["win_rate"],
            direct["win_rate"],
            m.win_rate,
            reference("win_rate_sourced"),
        ),
        line(
            _("Win rate %, partner-influenced"),
            "win_rate_influenced",
            influenced["win_rate"],
            direct["win_rate"],
            m.win_rate,
            reference("win_rate_influenced"),
        ),
        line(_("Average deal size"), "deal_size", attached["deal_size"], direct["deal_size"], m.deal_size),
        line(
            _("Sales cycle (days)"),
            "sales_cycle",
            attached["sales_cycle"],
            direct["sales_cycle"],
            m.sales_cycle,
            reference("sales_cycle"),
        ),
    ]
    ca, cd = customers[True], customers[False]
    customer_rows = [
        line(_("Retention %"), "retention", ca["retention"], cd["retention"], m.retention),
        line(_("Churn %"), "churn", ca["churn"], cd["churn"], m.churn),
        line(_("Net revenue retention %"), "nrr", ca["nrr"], cd["nrr"], m.net_revenue_retention),
        line(_("Expansion %"), "expansion", ca["expansion"], cd["expansion"], m.expansion_rate),
        line(
            _("Customer lifetime value"),
            "lifetime_value",
            ca["lifetime_value"],
            cd["lifetime_value"],
            m.lifetime_value,
            reference("lifetime_value"),
        ),
    ]
    arr_rows = [
        line(
            _("ARR per customer, %(n)s integrations") % {"n": "3+" if b == 3 else b},
            f"arr_{b}",
            ca[f"arr_{b}"],
            cd[f"arr_{b}"],
            m.arr_per_customer,
            reference("arr_3_integrations") if b == 3 else "",
        )
        for b in range(4)
    ]
    columns = [_("Metric"), _("Partner-attached"), _("Direct"), _("Difference %"), _("Published reference"), _("How")]
    panels = []
    for key, title, how, rows in (
        (
            "deals",
            _("Deals: partner-attached against direct"),
            _(
                "Deals with at least one partnership attached (sourced: a partnership sourced it; influenced: any "
                "other role) against deals with none, created or closed in the period. Difference: "
            )
            + m.difference.__doc__.strip(),
            deal_rows,
        ),
        (
            "customers",
            _("Customers: partner-attached against direct"),
            _(
                "Customers with at least one won deal that had a partner attached against the others, over the "
                "twelve months up to the last refresh (the period filter does not apply; region does)."
            ),
            customer_rows,
        ),
        (
            "arr_integrations",
            _("ARR by number of integrations"),
            m.arr_per_customer.__doc__.strip() + " " + _("Customers grouped by the integrations in place."),
            arr_rows,
        ),
    ):
        if all(r[1] is None and r[2] is None for r in rows):
            panels.append(Panel(key, title, how, columns, [], empty_message=_no_data()))
            continue
        panel = Panel(key, title, how, columns, rows)
        panel.figure = _bars(
            [r[0] for r in rows], {_("Partner-attached"): [r[1] for r in rows], _("Direct"): [r[2] for r in rows]}
        )
        panels.append(panel)
    return panels


# Program view ------------------------------------------------------------------------------------------


def program_panels(*, org: Organization, filters: Filters) -> list[Panel]:
    """Per program and tier: partnerships, revenue, plan and certification coverage, tier requirements met."""
    names = _names(org)
    groups = {
        (row["program_id"], row["tier_id"]): row
        for row in _partnerships(org, filters)
        .values("program_id", "tier_id")
        .annotate(
            n=Count("id"),
            planned=Count("id", filter=Q(has_plan=True)),
            certified=Count("id", filter=Q(certified=True)),
            reviewed=Count("id", filter=Q(tier_checks_total__gt=0)),
            met=Count("id", filter=Q(tier_checks_total__gt=0, tier_checks_met=F("tier_checks_total"))),
        )
    }
    revenue = {
        (row["program_id"], row["tier_id"]): row["total"] or Decimal(0)
        for row in _deals(org, filters, basis=DealSummary.Basis.CLOSED)
        .exclude(attachment=Attachment.DIRECT)
        .filter(status="won")
        .values("program_id", "tier_id")
        .annotate(total=Sum("amount"))
    }
    rows = []
    for (program_id, tier_id), g in sorted(
        groups.items(), key=lambda item: (names["program"].get(item[0][0], ""), names["tier"].get(item[0][1], ""))
    ):
        rows.append(
            [
                names["program"].get(program_id, "—"),
                names["tier"].get(tier_id) or _("No tier"),
                g["n"],
                revenue.get((program_id, tier_id), Decimal(0)),
                m.share(g["planned"], g["n"]),
                m.share(g["certified"], g["n"]),
                m.share(g["met"], g["reviewed"]),
            ]
        )
    panel = Panel(
        "programs",
        _("Programs and tiers"),
        _(
            "Per program and tier: partnerships; won revenue of the deals they lead in the period; plan coverage "
            "(share with a plan that is not closed); certification coverage (share whose partner holds a valid "
            "certification); tier requirement attainment (share of active or onboarding partnerships meeting "
            "every requirement of their current tier, partners.tiers)."
        ),
        [
            _("Program"),
            _("Tier"),
            _("Partnerships"),
            _("Revenue"),
            _("Plan coverage %"),
            _("Certification coverage %"),
            _("Tier requirements met %"),
        ],
        rows,
        empty_message=_("No partnership matches these filters."),
    )
    if rows:
        labels = [f"{r[0]} · {r[1]}" for r in rows]
        panel.figure = _bars(
            labels,
            {
                _("Plan coverage %"): [r[4] for r in rows],
                _("Certification coverage %"): [r[5] for r in rows],
                _("Tier requirements met %"): [r[6] for r in rows],
            },
        )
    return [panel]


DASHBOARDS = {
    "portfolio": (gettext_lazy("Portfolio"), portfolio_panels),
    "unit-economics": (gettext_lazy("Partner unit economics"), unit_economics_panels),
    "programs": (gettext_lazy("Program view"), program_panels),
}


def dashboard_panels(*, org: Organization, key: str, filters: Filters) -> list[Panel]:
    """The panels of one dashboard (`portfolio`, `unit-economics`, `programs`)."""
    return DASHBOARDS[key][1](org=org, filters=filters)
