"""Reads of TACAM scores: latest per partnership, peers, history, portfolio heat map, roll-up, and the
rows behind each signal. Every function is a fixed number of queries."""

from __future__ import annotations

import datetime
import inspect
from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import Avg, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.models import Opportunity, OpportunityPartner
from partners.models import Certification, Contact, Partnership
from plans.models import Activity, KeyResult, Meeting, Plan
from pom.charts import PALETTE, figure_html
from reports import scoring
from reports.models import ELEMENTS, Element, ScoreSnapshot, ScoreTarget
from workspaces.models import Comment, WorkspaceFile

ELEMENT_LABELS = dict(Element.choices)
SORTS = {"overall", *ELEMENTS, "name"}


def latest_for(*, org, partnership_ids) -> dict[int, ScoreSnapshot]:
    return {
        s.partnership_id: s
        for s in ScoreSnapshot.objects.for_org(org)
        .filter(is_latest=True, partnership_id__in=list(partnership_ids))
        .select_related("model", "partnership__program")
    }


def peer_averages(*, org, groups=None) -> dict[tuple, dict]:
    """Mean of each element over the latest scores of partnerships in the same program and tier
    (one aggregate query): {(program_id, tier_id): {element: Decimal, "n": count}}."""
    qs = ScoreSnapshot.objects.for_org(org).filter(is_latest=True)
    if groups is not None:
        cond = Q(pk__in=[])
        for program_id, tier_id in groups:
            cond |= (
                Q(program_id=program_id, tier_id=tier_id) if tier_id else Q(program_id=program_id, tier__isnull=True)
            )
        qs = qs.filter(cond)
    from django.db.models import Count

    rows = (
        qs.order_by()
        .values("program_id", "tier_id")
        .annotate(n=Count("id"), overall_avg=Avg("overall"), **{f"{e}_avg": Avg(e) for e in ELEMENTS})
    )
    return {
        (r["program_id"], r["tier_id"]): {
            "n": r["n"],
            **{e: None if r[f"{e}_avg"] is None else scoring.q(r[f"{e}_avg"]) for e in ["overall", *ELEMENTS]},
        }
        for r in rows
    }


def targets_for(*, org, partnership_ids) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict] = {}
    for t in ScoreTarget.objects.for_org(org).filter(partnership_id__in=list(partnership_ids)):
        out.setdefault(t.partnership_id, {})[t.element] = t.value
    return out


def history(*, org, partnership_ids, days: int = 400):
    since = timezone.localdate() - datetime.timedelta(days=days)
    return list(
        ScoreSnapshot.objects.for_org(org)
        .filter(partnership_id__in=list(partnership_ids), as_of__gte=since)
        .order_by("partnership_id", "as_of")
        .only("partnership_id", "as_of", "overall", *ELEMENTS, "model_id")
    )


def radar_html(*, value: dict, target: dict, peer: dict | None, elements=ELEMENTS) -> str:
    """The hexagon chart: the partnership's score, its target and the peer average per element."""
    labels = [str(ELEMENT_LABELS[e]) for e in elements]
    theta = [*labels, labels[0]]

    def trace(values, name, color, dash=None, fill=None):
        r = [float(values.get(e)) if values.get(e) is not None else 0 for e in elements]
        return go.Scatterpolar(
            r=[*r, r[0]], theta=theta, name=name, line={"color": color, "dash": dash}, fill=fill, mode="lines+markers"
        )

    fig = go.Figure()
    fig.add_trace(trace(value, _("Score"), PALETTE[0], fill="toself"))
    if target:
        fig.add_trace(trace(target, _("Target"), PALETTE[2], dash="dash"))
    if peer:
        fig.add_trace(trace(peer, _("Peer average"), PALETTE[1], dash="dot"))
    return figure_html(
        fig,
        height=320,
        polar={"radialaxis": {"range": [0, 100], "visible": True}},
        showlegend=True,
        legend={"orientation": "h"},
    )


def trend_html(*, snapshots: list) -> str:
    fig = go.Figure()
    for i, element in enumerate(["overall", *ELEMENTS]):
        fig.add_trace(
            go.Scatter(
                x=[s.as_of.isoformat() for s in snapshots],
                y=[None if getattr(s, element) is None else float(getattr(s, element)) for s in snapshots],
                name=str(ELEMENT_LABELS.get(element, _("Overall"))),
                mode="lines",
                line={"color": PALETTE[i % len(PALETTE)], "width": 3 if element == "overall" else 1.5},
            )
        )
    return figure_html(fig, height=260, yaxis={"range": [0, 100]}, legend={"orientation": "h"})


def weakest(snapshot: ScoreSnapshot) -> str | None:
    values = [(getattr(snapshot, e), e) for e in ELEMENTS if getattr(snapshot, e) is not None]
    return min(values)[1] if values else None


def portfolio(*, org, program=None, tier=None, owner=None, sort: str = "overall", descending: bool = False):
    """The latest score of every partnership, filtered and sorted (a queryset to paginate)."""
    qs = (
        ScoreSnapshot.objects.for_org(org)
        .filter(is_latest=True)
        .select_related("partnership__partner", "partnership__program", "partnership__tier", "partnership__owner")
    )
    if program:
        qs = qs.filter(partnership__program_id=program)
    if tier:
        qs = qs.filter(partnership__tier_id=tier)
    if owner:
        qs = qs.filter(partnership__owner_id=owner)
    sort = sort if sort in SORTS else "overall"
    if sort == "name":
        key = F("partnership__partner__name")
        return qs.order_by(key.desc() if descending else key.asc(), "partnership_id")
    key = F(sort)
    return qs.order_by(key.desc(nulls_last=True) if descending else key.asc(nulls_last=True), "partnership_id")


def rollup(*, snapshots: list[ScoreSnapshot]) -> dict:
    """A partner's scores across its partnerships: the mean weighted by each partnership's credited won
    revenue of the last 12 months; when none has revenue, every partnership weighs the same. Partnerships
    without data on an element are left out of that element."""
    by_revenue = any(s.weight_basis > 0 for s in snapshots)
    out = {"by_revenue": by_revenue, "rows": []}
    for s in snapshots:
        out["rows"].append({"snapshot": s, "weight": s.weight_basis if by_revenue else Decimal(1)})
    for element in ["overall", *ELEMENTS]:
        pairs = [(getattr(r["snapshot"], element), r["weight"]) for r in out["rows"]]
        pairs = [(v, w) for v, w in pairs if v is not None and w > 0]
        total = sum((w for _v, w in pairs), Decimal(0))
        out[element] = scoring.q(sum(v * w for v, w in pairs) / total) if total else None
    keys = ["overall", *ELEMENTS]
    out["table"] = [
        {
            "name": r["snapshot"].partnership.program.name,
            "weight": r["weight"],
            "values": [getattr(r["snapshot"], k) for k in keys],
        }
        for r in out["rows"]
    ]
    out["totals"] = [out[k] for k in keys]
    return out


def explanations() -> dict[str, str]:
    """Each element's docstring (the "How is this computed?" text)."""
    docs = {e: inspect.getdoc(fn) for e, fn in scoring.ELEMENT_FUNCTIONS.items()}
    docs["combine"] = inspect.getdoc(scoring.combine)
    docs["sixcs"] = inspect.getdoc(scoring.sixcs)
    return docs


# The rows behind a signal ---------------------------------------------------------------------------


def _url(name, *args):
    return reverse(name, args=list(args))


def signal_rows(*, org, partnership: Partnership, code: str, thresholds: dict) -> tuple[list[str], list[list]]:
    """The rows a signal was computed from, as (headers, rows of (text, url)); empty headers: unknown."""
    t = {**scoring.DEFAULT_THRESHOLDS, **thresholds}
    today = timezone.localdate()
    slug = org.slug
    open_plans = Plan.objects.for_org(org).filter(partnership=partnership).exclude(status=Plan.Status.CLOSED)
    activities = Activity.objects.for_org(org).filter(plan__in=open_plans).select_related("plan", "assignee")

    def activity_rows(qs):
        return [
            [
                (a.title, _url("plans:detail", slug, a.plan_id) + f"#activity-{a.pk}"),
                (a.get_owner_side_display(), ""),
                (str(a.assignee or "—"), ""),
                (a.due_date.isoformat() if a.due_date else "—", ""),
                (a.get_status_display(), ""),
                (a.completed_at.date().isoformat() if a.completed_at else "—", ""),
            ]
            for a in qs[:200]
        ]

    activity_headers = [_("Activity"), _("Owner side"), _("Assignee"), _("Due"), _("Status"), _("Done on")]
    due = Q(due_date__isnull=False, due_date__lte=today) & ~Q(status=Activity.Status.CANCELLED)
    if code == "both_sides_own":
        return activity_headers, activity_rows(activities)
    if code == "done_on_time":
        return activity_headers, activity_rows(activities.filter(due, assignee__isnull=False))
    if code == "overdue":
        return activity_headers, activity_rows(activities.filter(due))
    if code == "plan_validated":
        return [_("Plan"), _("Status"), _("Vendor approved"), _("Partner approved")], [
            [
                (p.name, _url("plans:detail", slug, p.pk)),
                (p.get_status_display(), ""),
                (p.vendor_approved_at.date().isoformat() if p.vendor_approved_at else "—", ""),
                (p.partner_approved_at.date().isoformat() if p.partner_approved_at else "—", ""),
            ]
            for p in open_plans
        ]
    if code == "executive_sponsor":
        return [_("Contact"), _("Role"), _("Title")], [
            [(c.name, ""), (c.get_role_display(), ""), (c.title, "")]
            for c in Contact.objects.for_org(org).filter(partner_id=partnership.partner_id).order_by("role", "name")
        ]
    if code == "governance_cadence":
        since = today - datetime.timedelta(days=t["governance_days"])
        return [_("Meeting"), _("Date")], [
            [(str(m), _url("plans:meetings", slug, partnership.pk)), (m.date.isoformat(), "")]
            for m in Meeting.objects.for_org(org).filter(partnership=partnership, date__gt=since, date__lte=today)
        ]
    if code in ("checkins_on_schedule", "plan_vs_realised", "checkin_frequency"):
        return [_("Key result"), _("Frequency"), _("Last check-in"), _("Current"), _("Target")], [
            [
                (k.name, _url("plans:detail", slug, k.plan_id) + f"#kr-{k.pk}"),
                (k.get_update_frequency_display(), ""),
                (k.last_checkin_at.date().isoformat() if k.last_checkin_at else "—", ""),
                (str(k.current_value if k.current_value is not None else "—"), ""),
                (str(k.target if k.target is not None else "—"), ""),
            ]
            for k in KeyResult.objects.for_org(org).filter(plan__in=open_plans)[:200]
        ]
    if code == "workspace_sharing":
        since = today - datetime.timedelta(days=t["sharing_days"])
        comments = Comment.objects.for_org(org).filter(
            workspace__partnership_links__partnership=partnership, internal=False, created_at__date__gt=since
        )
        files = WorkspaceFile.objects.for_org(org).filter(
            workspace__partnership_links__partnership=partnership, created_at__date__gt=since
        )
        rows = [[(_("Comment"), ""), (c.body[:120], ""), (c.created_at.date().isoformat(), "")] for c in comments[:100]]
        rows += [[(_("File"), ""), (f.original_name, ""), (f.created_at.date().isoformat(), "")] for f in files[:100]]
        return [_("Kind"), _("What"), _("When")], rows
    if code == "profile_freshness":
        partner = partnership.partner
        return [_("Partner"), _("Profile changed")], [
            [(partner.name, _url("partners:detail", slug, partner.pk)), (partner.updated_at.date().isoformat(), "")]
        ]
    if code in ("trust_assessment", "health_assessment", "swot_freshness"):
        from reports.inputs import assessment_facts

        name = {"trust_assessment": "trust_by_partnership", "health_assessment": "health_by_partnership"}.get(
            code, "swot_updated_at"
        )
        fact = assessment_facts(name, org=org, partnership_ids=[partnership.pk]).get(partnership.pk)
        if fact is None:
            return [_("Assessment")], []
        if code == "swot_freshness":
            return [_("SWOT changed")], [[(fact.date().isoformat(), "")]]
        headers = [_("Round"), _("Answered"), _("Response ids")]
        answered = getattr(fact, "answered_at", None)
        return headers, [
            [
                (str(fact.round_id), ""),
                (answered.date().isoformat() if answered else "—", ""),
                (", ".join(map(str, getattr(fact, "response_ids", []) or [])), ""),
            ]
        ]
    if code == "sixcs_coverage":
        year_ago = today - datetime.timedelta(days=365)
        won = (
            OpportunityPartner.objects.for_org(org)
            .filter(partnership=partnership, opportunity__status=Opportunity.Status.WON)
            .select_related("opportunity__account")
        )
        rows = [
            [
                (_("Won deal"), ""),
                (o.opportunity.name, _url("attribution:opportunity", slug, o.opportunity_id)),
                (str(o.opportunity.closed_on or "—"), ""),
            ]
            for o in won.filter(opportunity__closed_on__gte=year_ago)[:100]
        ]
        rows += [
            [(_("Certification"), ""), (c.name, ""), (str(c.expires_on or "—"), "")]
            for c in Certification.objects.for_org(org).filter(partner_id=partnership.partner_id)
        ]
        return [_("Kind"), _("What"), _("Date")], rows
    return [], []
