"""Reads for co-sell: requests, the attachment gaps of open deals, the propensity panel of a deal."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from attribution import cosell
from attribution.mapping_models import CoSellRequest, PartnerPopulation
from attribution.mapping_selectors import partners_for_accounts
from attribution.models import Opportunity, OpportunityPartner, Touchpoint
from pom.models import Organization

INTEL_SLUG = "intel-shared"


def cosell_request_list(*, org: Organization, status: str = "", partnership_id=None) -> QuerySet[CoSellRequest]:
    qs = CoSellRequest.objects.for_org(org).select_related(
        "partnership__partner", "partnership__program", "account", "opportunity", "requested_by", "answered_by"
    )
    if status in CoSellRequest.Status.values:
        qs = qs.filter(status=status)
    if partnership_id:
        qs = qs.filter(partnership_id=partnership_id)
    return qs.order_by("-created_at", "-id")


def _required_case(bands: list[dict]):
    whens = [
        When(amount__gt=Decimal(str(b["above"])), then=Value(int(b["partners"])))
        for b in sorted(bands, key=lambda b: Decimal(str(b["above"])), reverse=True)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def attachment_gaps(*, org: Organization, q: str = "", below_only: bool = True) -> QuerySet[Opportunity]:
    """Open deals with the partners their size requires (`cosell.attachment_required`, computed in
    SQL) and the partners engaged on them; by default only those below the minimum."""
    bands = cosell.cosell_settings(org=org).attachment_bands
    qs = (
        Opportunity.objects.for_org(org)
        .filter(status=Opportunity.Status.OPEN)
        .select_related("account")
        .annotate(
            required_partners=_required_case(bands),
            engaged_partners=Count("partners__partnership", distinct=True),
        )
        .filter(required_partners__gt=0)
    )
    if below_only:
        from django.db.models import F

        qs = qs.filter(engaged_partners__lt=F("required_partners"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(account__name__icontains=q))
    return qs.order_by("-amount", "id")


def with_partners_in_account(*, org: Organization, opportunities) -> list:
    """Set on each opportunity `partners_in_account` (what the partners share: see
    `mapping_selectors.partners_for_accounts`), for a page of them in a fixed number of queries."""
    rows = list(opportunities)
    partners = partners_for_accounts(org=org, account_ids=list({o.account_id for o in rows}))
    for opportunity in rows:
        found = partners.get(opportunity.account_id, [])
        opportunity.partners_in_account = found
        opportunity.partners_in_account_count = len({p["partnership"].pk for p in found})
    return rows


def opportunity_cosell(*, org: Organization, opportunity: Opportunity) -> dict:
    """The co-sell panel of a deal: partners in the account, requests, attachment and propensity."""
    partners = partners_for_accounts(org=org, account_ids=[opportunity.account_id]).get(opportunity.account_id, [])
    requests = list(
        CoSellRequest.objects.for_org(org)
        .filter(account_id=opportunity.account_id)
        .select_related("partnership__partner", "requested_by", "answered_by")
        .order_by("-created_at", "-id")[:20]
    )
    engaged = (
        OpportunityPartner.objects.for_org(org)
        .filter(opportunity=opportunity)
        .values("partnership_id")
        .distinct()
        .count()
    )
    intel = Touchpoint.objects.for_org(org).filter(opportunity=opportunity, influence_type__slug=INTEL_SLUG).exists()
    economic_buyer = any(r.status == CoSellRequest.Status.ACCEPTED and r.reaches_economic_buyer for r in requests)
    integration = any(
        p["partnership"].program.kind == "technology" and p["kind"] == PartnerPopulation.CUSTOMER for p in partners
    )
    distinct_partners = len({p["partnership"].pk for p in partners})
    score, signals = cosell.propensity(
        partners_in_account=distinct_partners, economic_buyer=economic_buyer, intel=intel, integration=integration
    )
    bands = cosell.cosell_settings(org=org).attachment_bands
    required = cosell.attachment_required(opportunity.amount, bands)
    return {
        "partners": partners,
        "requests": requests,
        "engaged": engaged,
        "required": required,
        "below_attachment": engaged < required,
        "bands": bands,
        "score": score,
        "signals": signals,
        "propensity_doc": cosell.propensity.__doc__,
        "attachment_doc": cosell.attachment_required.__doc__,
    }
