"""What every dashboard shares: the filter bar, the panel (a chart and its table), the summary-table reads.

A panel is what a chart shows and its table view at once: `columns` and `rows` are exactly the figure's
data, so the table (the chart's text alternative), the CSV/XLSX download and the mailed copy all hold
the same numbers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from partners.models import PartnerType, Program, Tier
from pom.charts import PALETTE, figure_html
from pom.models import Organization, Region
from pom.selectors import member_users
from reports.summary_models import (
    DealSummary,
    PartnershipSummary,
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
    return _narrowed(rows, filters)


def _partnerships(org: Organization, filters: Filters):
    return _narrowed(PartnershipSummary.objects.for_org(org), filters)


def _narrowed(rows, filters: Filters):
    """Summary rows narrowed by the filter bar's program, tier, owner and region (each when chosen)."""
    chosen = {
        "program_id": filters.program,
        "tier_id": filters.tier,
        "owner_id": filters.owner,
        "region": filters.region,
    }
    return rows.filter(**{field: value for field, value in chosen.items() if value}).order_by()


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
