"""Reads for the benchmark pages and API. Tenant rows through `for_org`; cross-tenant rows are
the published quantiles only (no organization id), shown to organizations that opted in."""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from pom.charts import PALETTE, figure_html
from pom.models import Organization
from reports.benchmark_models import (
    BenchmarkGoal,
    CrossTenantDistribution,
    MetricValue,
    PeerDistribution,
    PeerPercentile,
    ReferenceFigure,
)
from reports.benchmarks.compute import CROSS_MIN_ORGS, LEVELS, WITHIN_MIN_PEERS, active_metrics, group_key
from reports.benchmarks.stats import QUANTILE_NAMES, median

LEVEL_LABELS = {
    "size_band+industry+region": _l("same company size, industry and region"),
    "size_band+industry": _l("same company size and industry"),
    "size_band": _l("same company size"),
    "industry": _l("same industry"),
    "region": _l("same region"),
    "all": _l("all organizations on POM that share benchmarks"),
}


def latest_as_of(*, org: Organization):
    return MetricValue.objects.for_org(org).aggregate(d=Max("as_of"))["d"]


def cross_tenant_for(*, org: Organization, metrics) -> dict[str, tuple[CrossTenantDistribution, str]]:
    """The narrowest published group matching the organization's profile, per metric (one query).
    Nothing unless the organization shares its own benchmarks (give to get)."""
    if not org.benchmark_opt_in:
        return {}
    profile = {"size_band": org.size_band, "industry": org.industry, "region": org.region}
    wanted = {("+".join(level) or "all", group_key(level, profile)): i for i, level in enumerate(LEVELS)}
    best: dict[str, tuple[int, CrossTenantDistribution]] = {}
    for dist in CrossTenantDistribution.objects.filter(
        is_current=True,
        metric__in=list(metrics),
        level__in=[k[0] for k in wanted],
        group_key__in=[k[1] for k in wanted],
    ):
        rank = wanted.get((dist.level, dist.group_key))
        if rank is not None and (dist.metric not in best or rank < best[dist.metric][0]):
            best[dist.metric] = (rank, dist)
    return {m: (d, str(LEVEL_LABELS.get(d.level, d.level))) for m, (_r, d) in best.items()}


def reference_for(*, org: Organization, metrics) -> dict[str, list[ReferenceFigure]]:
    """Published figures per metric that apply to this organization (segment blank or matching)."""
    out: dict[str, list[ReferenceFigure]] = {}
    for fig in ReferenceFigure.objects.filter(metric__in=list(metrics)).order_by("order"):
        # Revenue-share bands are a distribution over all bands: shown whatever the organization's band.
        segmented = fig.segment_field and fig.segment_field != "partner_revenue_share"
        if segmented and str(getattr(org, fig.segment_field, "")) != fig.segment_value:
            continue
        out.setdefault(fig.metric, []).append(fig)
    return out


def _quantiles(row) -> list[Decimal | None]:
    return [getattr(row, name) for name in QUANTILE_NAMES] if row is not None else []


def position_text(value: Decimal, quantiles: list, direction: str) -> str:
    """Motivating wording: upward comparison as a target, downward as reassurance."""
    if not quantiles or value is None or quantiles[2] is None:
        return ""
    p25, p50, p75 = quantiles[1], quantiles[2], quantiles[3]
    better = (lambda a, b: a >= b) if direction == "higher" else (lambda a, b: a <= b)
    if better(value, p75):
        return _("You are in the top quarter: the practices behind this number are worth writing down and sharing.")
    if better(value, p50):
        return _("Ahead of the median. The top quarter starts at %(p75)s: that is your next target.") % {
            "p75": _fmt(p75)
        }
    if better(value, p25):
        return _("Within reach of the median (%(p50)s): half your peers are there, so it is achievable.") % {
            "p50": _fmt(p50)
        }
    return _("Most peers are ahead here (median %(p50)s); small steps towards %(p25)s are the first goal.") % {
        "p50": _fmt(p50),
        "p25": _fmt(p25),
    }


def _fmt(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return (
        f"{value:,.0f}"
        if abs(value) >= 100
        else f"{value.normalize():f}"
        if value == value.to_integral()
        else f"{value:.1f}"
    )


def distribution_figure(*, label: str, rows: list[tuple[str, list]], you: Decimal | None) -> str:
    """Plotly: one box per distribution (p10, p25, median, p75, p90) and the organization's value."""
    fig = go.Figure()
    for i, (name, q) in enumerate(rows):
        if not q or q[2] is None:
            continue
        fig.add_trace(
            go.Box(
                name=name,
                y=[name],
                lowerfence=[float(q[0])],
                q1=[float(q[1])],
                median=[float(q[2])],
                q3=[float(q[3])],
                upperfence=[float(q[4])],
                orientation="h",
                marker={"color": PALETTE[i % len(PALETTE)]},
                hoverinfo="x",
            )
        )
    if you is not None:
        fig.add_trace(
            go.Scatter(
                x=[float(you)] * max(1, len(rows)),
                y=[name for name, _q in rows] or [label],
                mode="markers",
                name=_("You"),
                marker={"symbol": "diamond", "size": 14, "color": "#111"},
            )
        )
    fig.update_layout(showlegend=False, height=120 + 50 * len(rows), margin={"l": 10, "r": 10, "t": 10, "b": 30})
    return figure_html(fig)


def comparison_cards(*, org: Organization) -> dict:
    """One card per active metric: the organization's value (its own, or the median over its
    partnerships), the within-tenant spread, the anonymised peers (group used said) and the survey.
    Five queries whatever the number of partnerships."""
    metrics = active_metrics()
    as_of = latest_as_of(org=org)
    values: dict[str, list[Decimal]] = {}
    org_level: dict[str, Decimal] = {}
    within: dict[str, PeerDistribution] = {}
    if as_of:
        for metric, pid, value in (
            MetricValue.objects.for_org(org).filter(as_of=as_of).values_list("metric", "partnership_id", "value")
        ):
            if pid is None:
                org_level[metric] = value
            else:
                values.setdefault(metric, []).append(value)
        within = {d.metric: d for d in PeerDistribution.objects.for_org(org).filter(as_of=as_of, dimension="all")}
    cross = cross_tenant_for(org=org, metrics=metrics)
    reference = reference_for(org=org, metrics=metrics)
    goals = {g.metric: g for g in BenchmarkGoal.objects.for_org(org)}
    cards = []
    for code, metric in metrics.items():
        if metric.scope == "organization":
            you = org_level.get(code)
            how = _("your organization's value")
        else:
            own = values.get(code, [])
            you = Decimal(str(round(median(own), 4))) if own else None
            how = _("median of your %(n)s partnerships with data") % {"n": len(own)}
        dist_within = within.get(code)
        cross_dist, cross_label = cross.get(code, (None, ""))
        rows = []
        if dist_within is not None and dist_within.p50 is not None:
            rows.append((_("Your partnerships"), _quantiles(dist_within)))
        if cross_dist is not None:
            rows.append((_("Peer organizations"), _quantiles(cross_dist)))
        target_q = _quantiles(cross_dist) if cross_dist is not None else _quantiles(dist_within)
        cards.append(
            {
                "metric": metric,
                "value": you,
                "how": how,
                "within": dist_within,
                "cross": cross_dist,
                "cross_label": cross_label,
                "reference": reference.get(code, []),
                "goal": goals.get(code),
                "text": position_text(you, target_q, metric.direction) if you is not None else "",
                "suggested_goal": (target_q[3] if metric.direction == "higher" else target_q[1]) if target_q else None,
                "figure": distribution_figure(label=str(metric.label), rows=rows, you=you) if rows else "",
            }
        )
    return {
        "as_of": as_of,
        "cards": cards,
        "opted_in": org.benchmark_opt_in,
        "min_orgs": CROSS_MIN_ORGS,
        "min_peers": WITHIN_MIN_PEERS,
    }


def partnership_positions(*, org: Organization, partnership_ids, dimension: str = "all") -> dict[int, list[dict]]:
    """Per partnership: each metric's value, rank, band and its peer group's quantiles (latest day).
    Four queries whatever the number of partnerships."""
    as_of = latest_as_of(org=org)
    if as_of is None:
        return {}
    metrics = active_metrics()
    ranks = list(
        PeerPercentile.objects.for_org(org).filter(
            as_of=as_of, partnership_id__in=list(partnership_ids), dimension=dimension
        )
    )
    dists = {
        (d.metric, d.group_key): d
        for d in PeerDistribution.objects.for_org(org).filter(
            as_of=as_of, dimension=dimension, group_key__in={r.group_key for r in ranks}
        )
    }
    details = {
        (pid, metric): detail
        for pid, metric, detail in MetricValue.objects.for_org(org)
        .filter(as_of=as_of, partnership_id__in=list(partnership_ids))
        .values_list("partnership_id", "metric", "detail")
    }
    out: dict[int, list[dict]] = {}
    for r in sorted(ranks, key=lambda r: list(metrics).index(r.metric) if r.metric in metrics else 999):
        if r.metric not in metrics:
            continue
        dist = dists.get((r.metric, r.group_key))
        out.setdefault(r.partnership_id, []).append(
            {
                "metric": metrics[r.metric],
                "value": r.value,
                "rank": r.rank,
                "band": r.band,
                "peers": r.peers,
                "group": dist.group_label if dist else r.group_key,
                "quantiles": _quantiles(dist),
                "enough": r.rank is not None,
                "why": ", ".join(
                    f"{k.replace('_', ' ')} {v}" for k, v in (details.get((r.partnership_id, r.metric)) or {}).items()
                ),
            }
        )
    return out
