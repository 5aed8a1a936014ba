"""Partner unit economics (every metric partner-attached against direct) and the program view."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from pom.models import Organization
from reports import dashboard_metrics as m
from reports.dashboard_base import (
    Filters,
    Panel,
    _bars,
    _deals,
    _names,
    _no_data,
    _partnerships,
)
from reports.summary_models import (
    AccountSummary,
    Attachment,
    DealSummary,
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
        return [label, a, d, m.difference(a, d), reference, " ".join(fn.__doc__.split())]

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
