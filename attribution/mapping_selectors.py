"""Reads on account mapping, and the ONE place where sharing levels are applied.

Every page, export and API response about a map goes through `map_view(...)` and the functions
taking its `MapView`: they decide, for the side that looks, which cells show a count, which show
accounts, which of the other side's fields appear (`row_payload` builds every row that leaves this
module) and which of the other side's populations are shared whole. What one side sees of the
other's data is what the OTHER side chose (`SharingRule`, counts only by default), and nothing at
all until both sides opted in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from attribution.mapping_models import (
    SHARE_RANK,
    AccountMap,
    AccountMatch,
    MappingSide,
    PartnerAccount,
    PartnerAccountList,
    PartnerPopulation,
    Population,
    ShareLevel,
    SharingRule,
)
from attribution.models import Account, Opportunity
from pom.models import Organization

# Populations ------------------------------------------------------------------------------------


def population_list(*, org: Organization, active_only: bool = True) -> QuerySet[Population]:
    qs = Population.objects.for_org(org)
    return qs.filter(is_active=True) if active_only else qs


def _open_opportunities(account_ref: str, min_amount=None):
    opportunities = Opportunity.objects.filter(
        organization=OuterRef("organization"), account_id=OuterRef(account_ref), status=Opportunity.Status.OPEN
    )
    if min_amount is not None:
        opportunities = opportunities.filter(amount__gte=Decimal(str(min_amount)))
    return Exists(opportunities)


def population_q(population: Population, *, prefix: str = "", account_ref: str = "pk") -> Q:
    """The condition an Account meets to be in `population`; `prefix` (e.g. "account__") and
    `account_ref` (e.g. "account_id") apply it from a row that points at the account."""
    kind = population.kind
    if kind == Population.Kind.CUSTOMERS:
        return Q(**{f"{prefix}type": Account.Type.CUSTOMER})
    if kind == Population.Kind.PROSPECTS:
        return Q(**{f"{prefix}type": Account.Type.PROSPECT})
    if kind == Population.Kind.OPEN_OPPORTUNITIES:
        return Q(_open_opportunities(account_ref))
    filters, condition = population.filters or {}, Q()
    if filters.get("type"):
        condition &= Q(**{f"{prefix}type": filters["type"]})
    if filters.get("region"):
        condition &= Q(**{f"{prefix}region": filters["region"]})
    if filters.get("industry"):
        condition &= Q(**{f"{prefix}industry__iexact": filters["industry"]})
    if filters.get("has_open_opportunity") or filters.get("min_open_amount"):
        condition &= Q(_open_opportunities(account_ref, filters.get("min_open_amount")))
    return condition


def population_explanation(population: Population) -> str:
    """What puts an account in the population, in words (shown next to its name)."""
    kind = population.kind
    if kind == Population.Kind.CUSTOMERS:
        return _("Accounts of type customer.")
    if kind == Population.Kind.PROSPECTS:
        return _("Accounts of type prospect.")
    if kind == Population.Kind.OPEN_OPPORTUNITIES:
        return _("Accounts with at least one open opportunity.")
    parts = []
    filters = population.filters or {}
    if filters.get("type"):
        parts.append(_("type %(value)s") % {"value": filters["type"]})
    if filters.get("region"):
        parts.append(_("region %(value)s") % {"value": filters["region"]})
    if filters.get("industry"):
        parts.append(_("industry %(value)s") % {"value": filters["industry"]})
    if filters.get("min_open_amount"):
        parts.append(_("an open opportunity of at least %(value)s") % {"value": filters["min_open_amount"]})
    elif filters.get("has_open_opportunity"):
        parts.append(_("an open opportunity"))
    return _("Accounts with %(conditions)s.") % {"conditions": ", ".join(parts)}


# Maps -------------------------------------------------------------------------------------------


def current_list(*, account_map: AccountMap) -> PartnerAccountList | None:
    """The partner's list in use (its rows are what the map compares), with who uploaded it."""
    return (
        PartnerAccountList.objects.for_org(account_map.organization_id)
        .filter(account_map=account_map, status=PartnerAccountList.Status.CURRENT)
        .select_related("uploaded_by")
        .order_by("-committed_at", "-id")
        .first()
    )


def list_history(*, account_map: AccountMap) -> QuerySet[PartnerAccountList]:
    return (
        PartnerAccountList.objects.for_org(account_map.organization_id)
        .filter(account_map=account_map)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )


@dataclass
class MapView:
    """One side's view of a map: what the other side shares with it, and what it shares."""

    account_map: AccountMap
    side: str
    populations: list[Population]
    shared_with_me: dict[tuple[int, str], str] = field(default_factory=dict)
    shared_by_me: dict[tuple[int, str], str] = field(default_factory=dict)

    @property
    def other_side(self) -> str:
        return MappingSide.PARTNER if self.side == MappingSide.VENDOR else MappingSide.VENDOR

    @property
    def active(self) -> bool:
        return self.account_map.both_opted_in

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return list(PartnerPopulation.choices)

    def level(self, population_id: int, kind: str) -> str:
        """What this side may see of the pair: the other side's rule, counts only by default."""
        if not self.active:
            return ShareLevel.HIDDEN
        return self.shared_with_me.get((population_id, kind), ShareLevel.COUNTS)

    def my_level(self, population_id: int, kind: str) -> str:
        return self.shared_by_me.get((population_id, kind), ShareLevel.COUNTS)

    def can_count(self, population_id: int, kind: str) -> bool:
        return SHARE_RANK[self.level(population_id, kind)] >= SHARE_RANK[ShareLevel.COUNTS]

    def can_list(self, population_id: int, kind: str) -> bool:
        return SHARE_RANK[self.level(population_id, kind)] >= SHARE_RANK[ShareLevel.OVERLAP]

    @property
    def their_fields(self) -> list[str]:
        """The other side's fields shown with its accounts (its choice)."""
        return list(
            self.account_map.partner_fields if self.side == MappingSide.VENDOR else self.account_map.vendor_fields
        )

    def fully_shared(self) -> set:
        """The other side's populations shared whole: partner kinds (vendor looking) or vendor
        population ids (partner looking) for which at least one pair is set to everything."""
        if not self.active:
            return set()
        if self.side == MappingSide.VENDOR:
            return {kind for (_p, kind), level in self.shared_with_me.items() if level == ShareLevel.FULL}
        return {pid for (pid, _k), level in self.shared_with_me.items() if level == ShareLevel.FULL}

    def population(self, population_id) -> Population | None:
        return next((p for p in self.populations if str(p.pk) == str(population_id)), None)


def map_view(*, account_map: AccountMap, side: str) -> MapView:
    """The view of `side` (vendor or partner) on the map: two queries (populations, rules)."""
    rules = SharingRule.objects.for_org(account_map.organization_id).filter(account_map=account_map)
    view = MapView(
        account_map=account_map,
        side=side,
        populations=list(population_list(org=account_map.organization_id)),
    )
    for rule in rules:
        key = (rule.vendor_population_id, rule.partner_population)
        if rule.side == side:
            view.shared_by_me[key] = rule.level
        else:
            view.shared_with_me[key] = rule.level
    return view


def matrix(view: MapView) -> dict:
    """The overlap matrix as this side may see it: rows are its own populations, columns the other's.

    Each cell: {"count" (None when hidden), "level", "can_list", "v", "p"}. Totals of the other side's
    populations only appear when that population is shared whole.
    """
    stored = view.account_map.matrix or {}
    cells = stored.get("cells", {})
    vendor_totals = stored.get("vendor_totals", {})
    partner_totals = stored.get("partner_totals", {})
    full = view.fully_shared()

    def cell(population: Population, kind: str) -> dict:
        visible = view.can_count(population.pk, kind) and view.account_map.computed_at is not None
        return {
            "count": cells.get(f"{population.pk}:{kind}", 0) if visible else None,
            "level": view.level(population.pk, kind),
            "can_list": view.can_list(population.pk, kind) and visible,
            "v": population.pk,
            "p": kind,
        }

    if view.side == MappingSide.VENDOR:
        columns = [
            {"label": label, "key": kind, "total": partner_totals.get(kind) if kind in full else None}
            for kind, label in view.kinds
        ]
        rows = [
            {
                "label": p.name,
                "key": p.pk,
                "total": vendor_totals.get(str(p.pk)),
                "hint": population_explanation(p),
                "cells": [cell(p, kind) for kind, _l in view.kinds],
            }
            for p in view.populations
        ]
    else:
        columns = [
            {"label": p.name, "key": p.pk, "total": vendor_totals.get(str(p.pk)) if p.pk in full else None}
            for p in view.populations
        ]
        rows = [
            {
                "label": label,
                "key": kind,
                "total": partner_totals.get(kind),
                "hint": "",
                "cells": [cell(p, kind) for p in view.populations],
            }
            for kind, label in view.kinds
        ]
    return {"rows": rows, "columns": columns, "computed": view.account_map.computed_at is not None}


def overlap_explanation() -> str:
    """How a cell of the matrix is counted (shown under "How is this computed?")."""
    return _(
        "A cell counts the vendor's accounts of the row or column population that are the same company as "
        "at least one of the partner's accounts of the other population. Two accounts are the same company "
        "when they share a registrable web domain (sub-domains, www and country suffixes are understood: "
        "shop.acme.co.uk is acme.co.uk), a D-U-N-S, VAT or SIRET number, or, for accounts without a domain, "
        "when their names match at a confidence of at least 90 % (legal forms, word order, abbreviations "
        "and single typos forgiven) or a person confirmed the match. Rejected matches never count. Each "
        "side decides what the other sees of its accounts: nothing, the count, the accounts in common, or "
        "the whole population."
    )


def _open_count_annotation(account_ref: str):
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    counts = (
        Opportunity.objects.filter(
            organization=OuterRef("organization"), account_id=OuterRef(account_ref), status=Opportunity.Status.OPEN
        )
        .order_by()
        .values("account_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def overlap_rows(view: MapView, *, population_id, kind: str, q: str = "") -> QuerySet[AccountMatch]:
    """The accounts in common in one cell, when the other side shares at least the overlap.

    Empty (never an error that would tell the count) when it does not. `q` searches the names this
    side may see: its own, and the other side's in this cell.
    """
    population = view.population(population_id)
    org_id = view.account_map.organization_id
    if population is None or kind not in PartnerPopulation.values or not view.can_list(population.pk, kind):
        return AccountMatch.objects.none()
    qs = (
        AccountMatch.objects.for_org(org_id)
        .filter(account_map=view.account_map, partner_account__population=kind)
        .filter(population_q(population, prefix="account__", account_ref="account_id"))
        .select_related("account", "partner_account")
        .annotate(open_count=_open_count_annotation("account_id"))
    )
    if q:
        qs = qs.filter(Q(account__name__icontains=q) | Q(partner_account__name__icontains=q))
    return qs.order_by("account__name", "id")


def their_rows(view: MapView, *, key, unmatched_only: bool = False, q: str = ""):
    """The other side's whole population `key` (a partner kind, or a vendor population id), when it
    is shared whole; `unmatched_only` keeps the accounts that match none of this side's."""
    org_id = view.account_map.organization_id
    if view.side == MappingSide.VENDOR:
        if key not in view.fully_shared():
            return PartnerAccount.objects.none()
        qs = PartnerAccount.objects.for_org(org_id).filter(account_map=view.account_map, population=key)
        if unmatched_only:
            qs = qs.exclude(Exists(AccountMatch.objects.for_org(org_id).filter(partner_account_id=OuterRef("pk"))))
        if q:
            qs = qs.filter(name__icontains=q)
        return qs.order_by("name", "id")
    population = view.population(key)
    if population is None or population.pk not in view.fully_shared():
        return Account.objects.none()
    qs = (
        Account.objects.for_org(org_id)
        .filter(population_q(population))
        .annotate(open_count=_open_count_annotation("pk"))
    )
    if unmatched_only:
        qs = qs.exclude(
            Exists(AccountMatch.objects.for_org(org_id).filter(account_map=view.account_map, account_id=OuterRef("pk")))
        )
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name", "id")


def _vendor_fields(account: Account, fields: list[str]) -> dict:
    data = {"name": account.name}
    if "domain" in fields:
        data["domain"] = account.domain
    if "industry" in fields:
        data["industry"] = account.industry
    if "region" in fields:
        data["region"] = account.region
    if "open_opportunities" in fields:
        data["open_opportunities"] = getattr(account, "open_count", None)
    return data


def _partner_fields(row: PartnerAccount, fields: list[str]) -> dict:
    data = {"name": row.name}
    for name in ("domain", "industry", "country", "owner_name"):
        if name in fields:
            data[name] = getattr(row, name)
    return data


def _own_vendor(account: Account) -> dict:
    return {
        "id": account.pk,
        "name": account.name,
        "domain": account.domain,
        "type": account.type,
        "open_opportunities": getattr(account, "open_count", None),
    }


def _own_partner(row: PartnerAccount) -> dict:
    return {
        "id": row.pk,
        "name": row.name,
        "domain": row.domain,
        "population": row.population,
        "industry": row.industry,
        "country": row.country,
        "owner_name": row.owner_name,
    }


def row_payload(view: MapView, match: AccountMatch) -> dict:
    """One account in common as this side may see it: its own account in full, the other side's
    name and the fields the other side chose. Every page, export and API row is built here."""
    if view.side == MappingSide.VENDOR:
        ours, theirs = _own_vendor(match.account), _partner_fields(match.partner_account, view.their_fields)
    else:
        match.account.open_count = getattr(match, "open_count", None)
        ours, theirs = _own_partner(match.partner_account), _vendor_fields(match.account, view.their_fields)
    return {
        "id": match.pk,
        "ours": ours,
        "theirs": theirs,
        "method": match.method,
        "method_label": AccountMatch.Method(match.method).label,
        "confidence": float(match.confidence),
        "fuzzy": match.method == AccountMatch.Method.NAME,
    }


def their_payload(view: MapView, row) -> dict:
    """One account of a population the other side shares whole, with the fields it chose."""
    if view.side == MappingSide.VENDOR:
        return {"id": row.pk, "theirs": _partner_fields(row, view.their_fields)}
    return {"id": row.pk, "theirs": _vendor_fields(row, view.their_fields)}


def white_space(view: MapView) -> dict:
    """The other side's customers that are this side's prospects, or unknown to it, as far as shared.

    {"prospects": queryset or None (not shared), "unknown": queryset or None}.
    """
    customers = next((p for p in view.populations if p.kind == Population.Kind.CUSTOMERS), None)
    prospects = next((p for p in view.populations if p.kind == Population.Kind.PROSPECTS), None)
    if view.side == MappingSide.VENDOR:
        # their customers (kind customer) who are our prospects
        pair = (prospects.pk, PartnerPopulation.CUSTOMER) if prospects else None
        unknown_key = PartnerPopulation.CUSTOMER
    else:
        pair = (customers.pk, PartnerPopulation.PROSPECT) if customers else None
        unknown_key = customers.pk if customers else None
    prospects_rows = None
    if pair and view.can_list(*pair):
        prospects_rows = overlap_rows(view, population_id=pair[0], kind=pair[1])
    unknown_rows = None
    if unknown_key is not None and unknown_key in view.fully_shared():
        unknown_rows = their_rows(view, key=unknown_key, unmatched_only=True)
    return {"prospects": prospects_rows, "unknown": unknown_rows, "pair": pair}


def fuzzy_matches(view: MapView) -> QuerySet[AccountMatch]:
    """Name matches this side may review: in cells where the other side shares at least the overlap."""
    org_id = view.account_map.organization_id
    qs = AccountMatch.objects.for_org(org_id).filter(
        account_map=view.account_map, method__in=[AccountMatch.Method.NAME, AccountMatch.Method.CONFIRMED]
    )
    allowed = Q(pk__in=[])
    for population in view.populations:
        kinds = [kind for kind, _l in view.kinds if view.can_list(population.pk, kind)]
        if kinds:
            allowed |= Q(partner_account__population__in=kinds) & population_q(
                population, prefix="account__", account_ref="account_id"
            )
    return (
        qs.filter(allowed)
        .select_related("account", "partner_account")
        .annotate(open_count=_open_count_annotation("account_id"))
        .order_by("method", "confidence", "account__name", "id")
    )


# The vendor's accounts across maps ----------------------------------------------------------------


def partners_for_accounts(*, org: Organization, account_ids: list[int]) -> dict[int, list[dict]]:
    """For each of the vendor's accounts, the partners that have it, as far as each partner shares:
    {account id: [{"partnership", "kind", "name", "account_map_id", "match_id"}]}.

    A partner's row shows only when, for a vendor population holding the account, the partner shares
    at least the overlap with that row's population. A fixed number of queries: matches, rules,
    one per active population.
    """
    if not account_ids:
        return {}
    matches = list(
        AccountMatch.objects.for_org(org)
        .filter(
            account_id__in=account_ids,
            account_map__vendor_opt_in_at__isnull=False,
            account_map__partner_opt_in_at__isnull=False,
        )
        .select_related("partner_account", "account_map__partnership__partner", "account_map__partnership__program")
    )
    if not matches:
        return {}
    map_ids = {m.account_map_id for m in matches}
    rules: dict[tuple[int, int, str], str] = {}
    for rule in SharingRule.objects.for_org(org).filter(account_map_id__in=map_ids, side=MappingSide.PARTNER):
        rules[(rule.account_map_id, rule.vendor_population_id, rule.partner_population)] = rule.level
    memberships: dict[int, set[int]] = {}
    for population in population_list(org=org):
        for account_id in (
            Account.objects.for_org(org)
            .filter(population_q(population), pk__in=account_ids)
            .values_list("pk", flat=True)
        ):
            memberships.setdefault(account_id, set()).add(population.pk)
    result: dict[int, list[dict]] = {}
    for match in matches:
        kind = match.partner_account.population
        levels = [
            rules.get((match.account_map_id, pid, kind), ShareLevel.COUNTS)
            for pid in memberships.get(match.account_id, ())
        ]
        if not any(SHARE_RANK[level] >= SHARE_RANK[ShareLevel.OVERLAP] for level in levels):
            continue
        result.setdefault(match.account_id, []).append(
            {
                "partnership": match.account_map.partnership,
                "kind": kind,
                "kind_label": PartnerPopulation(kind).label,
                "name": match.partner_account.name,
                "account_map_id": match.account_map_id,
                "match_id": match.pk,
            }
        )
    return result


def account_mapping_rows(*, org: Organization, q: str = "", has_partners: str = "") -> QuerySet[Account]:
    """The vendor's accounts with how many maps matched them (not yet filtered by sharing: the page
    shows per account only what `partners_for_accounts` lets through)."""
    qs = Account.objects.for_org(org).annotate(
        match_count=Count("mapping_matches", distinct=True),
        open_count=_open_count_annotation("pk"),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(domain__icontains=q))
    if has_partners == "1":
        qs = qs.filter(match_count__gt=0)
    return qs.order_by("name", "id")


# The one cross-tenant read ------------------------------------------------------------------------


def linked_partner_accounts(*, account_map: AccountMap):
    """The accounts of the partner's OWN organization (`Partner.linked_organization`), read across
    tenants on purpose: only when that organization's owner consented on this map and both sides
    opted in. This is the only place account mapping reads another tenant's rows.

    Returns a list of (id, name, domain, domain_key, duns, vat, siret, industry, population), or [].
    """
    linked_id = account_map.partnership.partner.linked_organization_id
    if (
        linked_id is None
        or account_map.source != AccountMap.Source.LINKED
        or account_map.linked_consent_at is None
        or not account_map.both_opted_in
    ):
        return []
    open_ids = set(
        Opportunity.objects.for_org(linked_id)
        .filter(status=Opportunity.Status.OPEN)
        .values_list("account_id", flat=True)
    )
    rows = []
    for row in Account.objects.for_org(linked_id).values_list(
        "id", "name", "domain", "domain_key", "duns", "vat", "siret", "industry", "type"
    ):
        population = (
            PartnerPopulation.OPPORTUNITY
            if row[0] in open_ids
            else PartnerPopulation.CUSTOMER
            if row[8] == Account.Type.CUSTOMER
            else PartnerPopulation.PROSPECT
        )
        rows.append((*row[:8], population))
    return rows
