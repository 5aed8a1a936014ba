"""Reads on the pipeline, registrations, the credit ledger and the metrics built on them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from attribution.models import (
    Account,
    AttributionConfig,
    AttributionRun,
    CreditAllocation,
    DealRegistration,
    InfluenceType,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    RegistrationEvent,
    SplitRule,
    SplitRuleVersion,
    Touchpoint,
)
from attribution.normalize import NAME_SIMILARITY, name_similarity, normalise_name
from partners.models import Partnership
from pom.charts import PALETTE, figure_html
from pom.domains import normalize_domain
from pom.models import Organization


def attribution_config(*, org: Organization) -> AttributionConfig:
    """The organization's settings; an unsaved default row when none was stored yet."""
    return AttributionConfig.objects.for_org(org).first() or AttributionConfig(organization=org)


def influence_type_list(*, org: Organization, active_only: bool = True) -> QuerySet[InfluenceType]:
    qs = InfluenceType.objects.for_org(org)
    return qs.filter(is_active=True) if active_only else qs


def partnership_choices(*, org: Organization) -> QuerySet[Partnership]:
    """Partnerships of the organization, for pickers and filters."""
    return Partnership.objects.for_org(org).select_related("partner", "program").order_by("partner__name")


# Accounts and opportunities ------------------------------------------------------------------


def account_list(*, org: Organization) -> QuerySet[Account]:
    return Account.objects.for_org(org).annotate(
        open_count=Count("opportunities", filter=Q(opportunities__status=Opportunity.Status.OPEN))
    )


def opportunity_list(*, org: Organization, filters: dict | None = None) -> QuerySet[Opportunity]:
    """The pipeline with account and partner links prefetched, narrowed by `filters` (see opportunity_filter)."""
    links = OpportunityPartner.objects.for_org(org).select_related("partnership__partner", "partnership__program")
    qs = (
        Opportunity.objects.for_org(org)
        .select_related("account", "owner")
        .prefetch_related(Prefetch("partners", queryset=links))
    )
    return opportunity_filter(qs, filters=filters or {}).order_by("-created_on", "-id")


def opportunity_filter(qs: QuerySet[Opportunity], *, filters: dict) -> QuerySet[Opportunity]:
    """Narrow opportunities. Keys: stage, status, partner, program, partnership (ids), role, amount_min,
    amount_max, close_from, close_to (the close date, else the expected close), q (deal or account name,
    or exactly a campaign code).

    Partner, program, partnership and role apply to the SAME link: "Acme as sourced", not "Acme, and
    someone sourced".
    """
    if filters.get("stage"):
        qs = qs.filter(stage=filters["stage"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    link_filter = {}
    for key, lookup in (
        ("partner", "partnership__partner_id"),
        ("program", "partnership__program_id"),
        ("partnership", "partnership_id"),
        ("role", "role"),
    ):
        value = filters.get(key)
        if value not in (None, ""):
            link_filter[lookup] = getattr(value, "pk", value)
    if link_filter:
        qs = qs.filter(
            Exists(
                OpportunityPartner.objects.filter(
                    organization=OuterRef("organization"), opportunity_id=OuterRef("pk"), **link_filter
                )
            )
        )
    if filters.get("amount_min") not in (None, ""):
        qs = qs.filter(amount__gte=filters["amount_min"])
    if filters.get("amount_max") not in (None, ""):
        qs = qs.filter(amount__lte=filters["amount_max"])
    if filters.get("close_from"):
        start = filters["close_from"]
        qs = qs.filter(Q(closed_on__gte=start) | Q(closed_on__isnull=True, expected_close__gte=start))
    if filters.get("close_to"):
        end = filters["close_to"]
        qs = qs.filter(Q(closed_on__lte=end) | Q(closed_on__isnull=True, expected_close__lte=end))
    if filters.get("q"):
        qs = qs.filter(
            Q(name__icontains=filters["q"])
            | Q(account__name__icontains=filters["q"])
            | Q(campaign_code__iexact=filters["q"])  # the deals of one MDF campaign
        )
    return qs


def opportunity_partners(*, org: Organization, opportunity: Opportunity) -> QuerySet[OpportunityPartner]:
    return (
        OpportunityPartner.objects.for_org(org)
        .filter(opportunity=opportunity)
        .select_related("partnership__partner", "partnership__program", "added_by")
    )


def opportunity_touchpoints(*, org: Organization, opportunity: Opportunity) -> QuerySet[Touchpoint]:
    """Touchpoints on the deal and on its account, oldest first."""
    return (
        Touchpoint.objects.for_org(org)
        .filter(Q(opportunity=opportunity) | Q(opportunity__isnull=True, account_id=opportunity.account_id))
        .select_related("partnership__partner", "influence_type", "recorded_by", "confirmed_by")
        .order_by("occurred_at", "id")
    )


def opportunity_scores(*, org: Organization, opportunity: Opportunity) -> QuerySet[MaterialityScore]:
    return (
        MaterialityScore.objects.for_org(org)
        .filter(opportunity=opportunity)
        .select_related("partnership__partner", "partnership__program")
    )


def latest_done_run_id(*, org: Organization):
    """A subquery: the id of the organization's last finished run, whose ledger rows are current."""
    return Subquery(
        AttributionRun.objects.for_org(org).filter(status=AttributionRun.Status.DONE).order_by("-id").values("id")[:1]
    )


def credit_list(*, org: Organization, opportunity: Opportunity | None = None, model: str | None = None):
    """Current ledger rows (those of the last finished run), with partner names."""
    qs = (
        CreditAllocation.objects.for_org(org)
        .filter(run_id=latest_done_run_id(org=org))
        .select_related("partnership__partner", "partnership__program", "opportunity")
    )
    if opportunity is not None:
        qs = qs.filter(opportunity=opportunity)
    if model:
        qs = qs.filter(model=model)
    return qs.order_by("opportunity_id", "model", "partnership__partner__name", "id")


def credits_by_model(*, org: Organization, opportunity: Opportunity) -> list[dict]:
    """The deal's credit grouped per model: [{"model", "label", "rows", "total"}], in model order."""
    from attribution.models import AttributionModel

    groups: dict[str, dict] = {}
    for row in credit_list(org=org, opportunity=opportunity):
        group = groups.setdefault(
            row.model,
            {"model": row.model, "label": AttributionModel(row.model).label, "rows": [], "total": Decimal("0")},
        )
        group["rows"].append(row)
        group["total"] += row.amount
    order = [m.value for m in AttributionModel]
    return sorted(groups.values(), key=lambda g: order.index(g["model"]))


def attribution_run_latest(*, org: Organization) -> AttributionRun | None:
    return AttributionRun.objects.for_org(org).order_by("-created_at", "-id").first()


# Split rules -----------------------------------------------------------------------------------


def split_rule_list(*, org: Organization) -> QuerySet[SplitRule]:
    versions = SplitRuleVersion.objects.for_org(org).select_related("created_by").order_by("-version")
    return SplitRule.objects.for_org(org).prefetch_related(Prefetch("versions", queryset=versions))


def split_rule_versions_current(*, org: Organization) -> QuerySet[SplitRuleVersion]:
    """The current version of every active rule, best priority first: what the engine applies."""
    from django.db.models import F

    return (
        SplitRuleVersion.objects.for_org(org)
        .filter(rule__is_active=True, version=F("rule__current_version"))
        .select_related("rule")
        .order_by("rule__priority", "rule__name")
    )


# Deal registration ------------------------------------------------------------------------------


def registration_list(
    *, org: Organization, partnership_ids=None, status: str | list[str] | None = None
) -> QuerySet[DealRegistration]:
    """Registrations of the organization, newest first; a partner's view passes its partnership ids."""
    qs = DealRegistration.objects.for_org(org).select_related(
        "partnership__partner", "partnership__program", "submitted_by", "decided_by", "opportunity"
    )
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=list(partnership_ids))
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    return qs.order_by("-submitted_at", "-id")


def registration_trail(*, org: Organization, registration: DealRegistration, partner_view: bool) -> list:
    """The registration's steps, oldest first; the partner's view leaves out internal ones."""
    qs = RegistrationEvent.objects.for_org(org).filter(registration=registration)
    if partner_view:
        qs = qs.filter(visible_to_partner=True)
    return list(qs.order_by("at", "id"))


def registration_conflicts(
    *,
    org: Organization,
    partnership_id: int | None,
    customer_name: str,
    customer_domain: str,
    exclude_id: int | None = None,
    submitted_before: datetime.datetime | None = None,
    exclude_opportunity_id: int | None = None,
    today: datetime.date | None = None,
) -> list[dict]:
    """Who else already claims this customer: two queries, whatever the size of the pipeline.

    1. Registrations of OTHER partnerships that still hold the customer: pending ones, and approved
       ones whose protection window has not ended; matched on the same normalised domain or a name
       similar at NAME_SIMILARITY or more once legal suffixes are stripped.
    2. Accounts with an open opportunity in the vendor's pipeline, matched the same way.
    Each conflict is a JSON-ready dict with a `message` for reviewers and a `partner_message` that
    names no other partner.
    """
    today = today or timezone.localdate()
    domain = normalize_domain(customer_domain)
    name_key = normalise_name(customer_name)
    conflicts: list[dict] = []

    def match(other_domain: str, other_key: str) -> tuple[str, float] | None:
        if domain and other_domain and other_domain == domain:
            return "domain", 1.0
        ratio = name_similarity(name_key, other_key)
        if ratio >= NAME_SIMILARITY:
            return "name", round(ratio, 2)
        return None

    holding = DealRegistration.objects.for_org(org).filter(
        Q(status__in=DealRegistration.PENDING) | Q(status=DealRegistration.Status.APPROVED, protection_until__gte=today)
    )
    if partnership_id is not None:
        holding = holding.exclude(partnership_id=partnership_id)
    if exclude_id is not None:
        holding = holding.exclude(pk=exclude_id)
    if submitted_before is not None:
        holding = holding.filter(submitted_at__lt=submitted_before)
    rows = holding.values(
        "id",
        "customer_name",
        "customer_name_key",
        "customer_domain",
        "status",
        "submitted_at",
        "protection_until",
        "partnership_id",
        "partnership__partner__name",
    ).order_by("submitted_at", "id")
    for row in rows:
        found = match(row["customer_domain"], row["customer_name_key"])
        if not found:
            continue
        how, ratio = found
        reason = "same domain" if how == "domain" else f"similar name ({int(ratio * 100)} % alike)"
        state = (
            f"protected until {row['protection_until']:%d %b %Y}"
            if row["status"] == DealRegistration.Status.APPROVED
            else "pending review"
        )
        conflicts.append(
            {
                "kind": "registration",
                "match": how,
                "similarity": ratio,
                "registration_id": row["id"],
                "partnership_id": row["partnership_id"],
                "partner": row["partnership__partner__name"],
                "customer_name": row["customer_name"],
                "status": row["status"],
                "submitted_at": row["submitted_at"].isoformat(),
                "protection_until": row["protection_until"].isoformat() if row["protection_until"] else None,
                "message": (
                    f"{row['partnership__partner__name']} registered “{row['customer_name']}” on "
                    f"{row['submitted_at']:%d %b %Y} ({reason}; {state})."
                ),
                "partner_message": f"Another partner already registered this customer ({reason}; {state}).",
            }
        )

    accounts = (
        Account.objects.for_org(org)
        .annotate(open_count=Count("opportunities", filter=Q(opportunities__status=Opportunity.Status.OPEN)))
        .filter(open_count__gt=0)
        .values("id", "name", "name_key", "domain", "open_count")
    )
    if exclude_opportunity_id is not None:
        accounts = accounts.exclude(opportunities__id=exclude_opportunity_id)
    for row in accounts:
        found = match(row["domain"], row["name_key"])
        if not found:
            continue
        how, ratio = found
        reason = "same domain" if how == "domain" else f"similar name ({int(ratio * 100)} % alike)"
        conflicts.append(
            {
                "kind": "pipeline",
                "match": how,
                "similarity": ratio,
                "account_id": row["id"],
                "account": row["name"],
                "open_opportunities": row["open_count"],
                "message": (
                    f"Account “{row['name']}” already has {row['open_count']} open opportunit"
                    f"{'y' if row['open_count'] == 1 else 'ies'} in the pipeline ({reason})."
                ),
                "partner_message": f"This customer is already in the vendor's open pipeline ({reason}).",
            }
        )
    return conflicts


def registration_counts_for(*, org: Organization, partnership_id: int) -> dict:
    """A partnership's track record for reviewers: registrations per status and deals won with it."""
    counts = registration_counts(org=org, partnership_id=partnership_id)
    won = OpportunityPartner.objects.for_org(org).filter(
        partnership_id=partnership_id, opportunity__status=Opportunity.Status.WON
    )
    return {
        "registrations": counts,
        "total": sum(counts.values()),
        "approved": counts.get("approved", 0) + counts.get("expired", 0),
        "rejected": counts.get("rejected", 0),
        "won_deals": won.count(),
    }


def registration_counts(*, org: Organization, partnership_id: int | None = None) -> dict[str, int]:
    qs = DealRegistration.objects.for_org(org)
    if partnership_id is not None:
        qs = qs.filter(partnership_id=partnership_id)
    rows = qs.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


# Metrics: partner unit economics ----------------------------------------------------------------

_WON = Q(opportunity__status=Opportunity.Status.WON)
_LOST = Q(opportunity__status=Opportunity.Status.LOST)
_OPEN = Q(opportunity__status=Opportunity.Status.OPEN)
_SOURCED = Q(role=OpportunityPartner.Role.SOURCED)


def _economics(row: dict) -> dict:
    """Win rate, average deal size and sales cycle from summed counts."""
    decided = (row.get("won") or 0) + (row.get("lost") or 0)
    row["win_rate"] = round(100 * row["won"] / decided, 1) if decided else None
    row["avg_deal"] = (row["won_amount"] / row["won"]).quantize(Decimal("0.01")) if row.get("won") else None
    cycles = row.pop("_cycles", [])
    row["cycle_days"] = round(sum(cycles) / len(cycles)) if cycles else None
    return row


def pipeline_metrics(*, org: Organization, filters: dict | None = None) -> dict:
    """Sourced and influenced pipeline and revenue, win rate, average deal size and sales cycle, per
    partnership and per program, and partner-attached vs direct deals.

    Only deals in the organization's currency are counted (others are reported as `other_currency`).
    Four aggregate queries plus one over won links for cycle lengths, whatever the pipeline size.
    """
    filters = filters or {}
    opps = Opportunity.objects.for_org(org).filter(currency=org.currency)
    if filters.get("since"):
        opps = opps.filter(created_on__gte=filters["since"])
    links = OpportunityPartner.objects.for_org(org).filter(opportunity__in=opps)
    if filters.get("partnership_ids") is not None:
        links = links.filter(partnership_id__in=list(filters["partnership_ids"]))
    zero = Decimal("0")
    measures = {
        "sourced_pipeline": Sum("opportunity__amount", filter=_SOURCED & _OPEN, default=zero),
        "influenced_pipeline": Sum("opportunity__amount", filter=~_SOURCED & _OPEN, default=zero),
        "sourced_revenue": Sum("opportunity__amount", filter=_SOURCED & _WON, default=zero),
        "influenced_revenue": Sum("opportunity__amount", filter=~_SOURCED & _WON, default=zero),
        "won": Count("id", filter=_WON),
        "lost": Count("id", filter=_LOST),
        "deals": Count("id"),
        "won_amount": Sum("opportunity__amount", filter=_WON, default=zero),
    }
    by_partnership = list(
        links.values("partnership_id", "partnership__partner__name", "partnership__program__name")
        .annotate(**measures)
        .order_by("-sourced_revenue", "-influenced_revenue", "partnership__partner__name")
    )
    by_program = list(
        links.values("partnership__program_id", "partnership__program__name")
        .annotate(**measures)
        .order_by("partnership__program__name")
    )
    cycles_p: dict[int, list[int]] = {}
    cycles_g: dict[int, list[int]] = {}
    for pid, program_id, created, closed in links.filter(_WON, opportunity__closed_on__isnull=False).values_list(
        "partnership_id", "partnership__program_id", "opportunity__created_on", "opportunity__closed_on"
    ):
        cycles_p.setdefault(pid, []).append((closed - created).days)
        cycles_g.setdefault(program_id, []).append((closed - created).days)
    for row in by_partnership:
        row["_cycles"] = cycles_p.get(row["partnership_id"], [])
        _economics(row)
    for row in by_program:
        row["_cycles"] = cycles_g.get(row["partnership__program_id"], [])
        _economics(row)

    attached = Exists(
        OpportunityPartner.objects.filter(organization=OuterRef("organization"), opportunity_id=OuterRef("pk"))
    )
    split = {}
    for row in (
        opps.annotate(attached=attached)
        .values("attached")
        .annotate(
            deals=Count("id"),
            won=Count("id", filter=Q(status=Opportunity.Status.WON)),
            lost=Count("id", filter=Q(status=Opportunity.Status.LOST)),
            pipeline=Sum("amount", filter=Q(status=Opportunity.Status.OPEN), default=zero),
            won_amount=Sum("amount", filter=Q(status=Opportunity.Status.WON), default=zero),
        )
        .order_by()
    ):
        split[bool(row["attached"])] = row
    cycles_split: dict[bool, list[int]] = {True: [], False: []}
    for is_attached, created, closed in (
        opps.annotate(attached=attached)
        .filter(status=Opportunity.Status.WON, closed_on__isnull=False)
        .values_list("attached", "created_on", "closed_on")
    ):
        cycles_split[bool(is_attached)].append((closed - created).days)
    empty = {"deals": 0, "won": 0, "lost": 0, "pipeline": zero, "won_amount": zero}
    comparison = []
    for key, label in ((True, "Partner-attached"), (False, "Direct")):
        row = {**empty, **split.get(key, {}), "label": label, "_cycles": cycles_split[key]}
        row.pop("attached", None)
        comparison.append(_economics(row))
    other_currency = Opportunity.objects.for_org(org).exclude(currency=org.currency).count()
    return {
        "currency": org.currency,
        "by_partnership": by_partnership,
        "by_program": by_program,
        "comparison": comparison,
        "other_currency": other_currency,
    }


def metrics_figures(*, metrics: dict) -> dict[str, str]:
    """Plotly charts (HTML fragments, plotly.js loaded by the page) for the metrics page."""
    import plotly.graph_objects as go

    def html(fig, barmode: str = "stack", height: int = 320) -> str:
        return figure_html(
            fig,
            height=height,
            barmode=barmode,
            margin={"l": 10, "r": 10, "t": 60, "b": 10},
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        )

    top = metrics["by_partnership"][:15]
    names = [f"{r['partnership__partner__name']} · {r['partnership__program__name']}" for r in top]
    figures = {}
    if top:
        fig = go.Figure()
        for index, (key, label) in enumerate(
            (
                ("sourced_revenue", "Sourced revenue"),
                ("influenced_revenue", "Influenced revenue"),
                ("sourced_pipeline", "Sourced pipeline"),
                ("influenced_pipeline", "Influenced pipeline"),
            )
        ):
            fig.add_bar(
                y=names, x=[float(r[key]) for r in top], name=label, orientation="h", marker_color=PALETTE[index]
            )
        fig.update_yaxes(autorange="reversed", automargin=True)
        figures["partners"] = html(fig, height=120 + 24 * len(top))
    comparison = metrics["comparison"]
    if any(r["deals"] for r in comparison):
        fig = go.Figure()
        labels = [r["label"] for r in comparison]
        fig.add_bar(x=labels, y=[r["win_rate"] or 0 for r in comparison], name="Win rate (%)", marker_color=PALETTE[0])
        fig.add_bar(
            x=labels, y=[r["cycle_days"] or 0 for r in comparison], name="Sales cycle (days)", marker_color=PALETTE[1]
        )
        figures["comparison"] = html(fig, barmode="group")
    return figures


def partnership_pipeline(*, org: Organization, partnership_ids) -> QuerySet[OpportunityPartner]:
    """A partner's deals (for the partner page tab), newest first."""
    return (
        OpportunityPartner.objects.for_org(org)
        .filter(partnership_id__in=list(partnership_ids))
        .select_related("opportunity__account", "partnership__program")
        .order_by("-opportunity__created_on", "-id")
    )


def sourced_pipeline_total(*, org: Organization) -> Decimal:
    """Open pipeline (organization currency) of deals with at least one sourcing partnership."""
    sourced = OpportunityPartner.objects.filter(
        organization=OuterRef("organization"), opportunity_id=OuterRef("pk"), role=OpportunityPartner.Role.SOURCED
    )
    return (
        Opportunity.objects.for_org(org)
        .filter(Exists(sourced), status=Opportunity.Status.OPEN, currency=org.currency)
        .aggregate(total=Sum("amount", default=Decimal("0")))["total"]
    )
