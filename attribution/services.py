"""Writes on accounts, opportunities, touchpoints, attribution settings, split rules and influence types.

Every service is keyword-only, runs in one transaction, validates before saving and records an
audit event. Changes that move partner credit ask for a recomputation once committed
(`attribution.runs.attribution_recompute_request`). Deal registration lives in
`attribution.registrations`, the ledger recomputation in `attribution.runs`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from attribution.models import (
    Account,
    AttributionConfig,
    AttributionModel,
    InfluenceType,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    SplitRule,
    SplitRuleVersion,
    Touchpoint,
)
from attribution.normalize import normalise_duns, normalise_name, normalise_siret, normalise_vat
from attribution.runs import attribution_recompute_request
from partners.models import Partnership
from pom import hooks
from pom.audit import Actor, create_instance, delete_instance, update_fields
from pom.common import actor_user, same_org
from pom.domains import domain_key, normalize_domain
from pom.models import Organization

_user = actor_user  # pom.common


_same_org = same_org  # pom.common


def _products(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(item).strip() for item in value if str(item).strip()]


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: gettext("Enter an amount such as 12500.00.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: gettext("Enter an amount such as 12500.00.")})
    if amount < 0:
        raise ValidationError({field: gettext("The amount cannot be negative.")})
    return amount.quantize(Decimal("0.01"))


# Accounts and opportunities ---------------------------------------------------------------------


_REGISTRATION = {
    "duns": (normalise_duns, "A D-U-N-S number has 9 digits, e.g. 15-048-3782."),
    "vat": (normalise_vat, "A VAT number starts with its country code, e.g. BE0123456789."),
    "siret": (normalise_siret, "A SIRET has 14 digits."),
}


def _account_keys(data: dict) -> dict:
    """Normalised domain and name, the domain's integer key and registration numbers in one spelling."""
    data = dict(data)
    if "domain" in data:
        data["domain"] = normalize_domain(data["domain"])
        data["domain_key"] = domain_key(data["domain"])
    if "name" in data:
        data["name_key"] = normalise_name(data["name"])
    for field, (normalise, message) in _REGISTRATION.items():
        if data.get(field):
            value = normalise(str(data[field]))
            if not value:
                raise ValidationError({field: message})
            data[field] = value
    return data


@transaction.atomic
def account_create(*, org: Organization, actor: Actor, data: dict) -> Account:
    """Create an account; its domain and name are normalised for conflict checks and account mapping."""
    from attribution.mapping_services import account_maps_inputs_changed

    account = Account(organization=org, **_account_keys({"domain": "", **data}))
    create_instance(org=org, actor=actor, instance=account)
    account_maps_inputs_changed(org=org, actor=actor)
    return account


@transaction.atomic
def account_update(*, org: Organization, actor: Actor, account: Account, data: dict) -> Account:
    """Update an account, keeping its normalised keys in step; account maps are recomputed."""
    from attribution.mapping_services import account_maps_inputs_changed

    account = update_fields(org=org, actor=actor, instance=account, data=_account_keys(data))
    account_maps_inputs_changed(org=org, actor=actor)
    return account


OPPORTUNITY_FIELDS = (
    "account",
    "name",
    "amount",
    "currency",
    "stage",
    "status",
    "type",
    "created_on",
    "expected_close",
    "closed_on",
    "products",
    "joint_solution",
    "campaign_code",
    "owner",
    "crm_id",
)


def _opportunity_data(org: Organization, data: dict) -> dict:
    data = {k: v for k, v in data.items() if k in OPPORTUNITY_FIELDS}
    if "account" in data:
        _same_org(org, data["account"], "account")
    if "amount" in data:
        data["amount"] = _money(data["amount"], "amount")
    if "products" in data:
        data["products"] = _products(data["products"])
    if data.get("status") in (Opportunity.Status.WON, Opportunity.Status.LOST):
        data.setdefault("stage", Opportunity.Stage.CLOSED)
    return data


@transaction.atomic
def opportunity_create(*, org: Organization, actor: Actor, data: dict) -> Opportunity:
    """Create an opportunity; partner credit is recomputed once committed."""
    data = _opportunity_data(org, data)
    data.setdefault("created_on", timezone.localdate())
    opportunity = create_instance(org=org, actor=actor, instance=Opportunity(organization=org, **data))
    _check_closed(opportunity)
    attribution_recompute_request(org=org, actor=actor)
    _emit_won(org, actor, opportunity, was_won=False)
    return opportunity


def _emit_won(org: Organization, actor: Actor, opportunity: Opportunity, *, was_won: bool) -> None:
    """Tell the apps that react to wins (points, incentives) when a deal turns won."""
    if was_won or opportunity.status != Opportunity.Status.WON:
        return
    opportunities_won_emit(org=org, actor=actor, opportunities=[opportunity])


def opportunities_won_emit(*, org: Organization, actor: Actor, opportunities: list[Opportunity]) -> int:
    """Emit `opportunity.won` once per deal that just turned won (single edits, CRM upserts, CSV imports).

    The callers pass only deals that were not won before; one query reads every deal's partnerships.
    Returns the number of events emitted.
    """
    if not opportunities:
        return 0
    links: dict[int, list[int]] = {}
    rows = OpportunityPartner.objects.for_org(org).filter(opportunity__in=[o.pk for o in opportunities])
    for opportunity_id, partnership_id in rows.values_list("opportunity_id", "partnership_id").order_by("pk"):
        links.setdefault(opportunity_id, []).append(partnership_id)
    for opportunity in opportunities:
        hooks.emit(
            "opportunity.won",
            org=org,
            actor=actor,
            opportunity=opportunity,
            partnership_ids=links.get(opportunity.pk, []),
        )
    return len(opportunities)


def _check_closed(opportunity: Opportunity) -> None:
    if opportunity.status != Opportunity.Status.OPEN and opportunity.closed_on is None:
        raise ValidationError({"closed_on": gettext("A won or lost opportunity needs its close date.")})


@transaction.atomic
def opportunity_update(*, org: Organization, actor: Actor, opportunity: Opportunity, data: dict) -> Opportunity:
    """Update an opportunity (stage, amount, status…); partner credit is recomputed once committed."""
    was_won = opportunity.status == Opportunity.Status.WON
    opportunity = update_fields(org=org, actor=actor, instance=opportunity, data=_opportunity_data(org, data))
    _check_closed(opportunity)
    attribution_recompute_request(org=org, actor=actor)
    _emit_won(org, actor, opportunity, was_won=was_won)
    return opportunity


@transaction.atomic
def opportunity_partner_add(
    *,
    org: Organization,
    actor: Actor,
    opportunity: Opportunity,
    partnership: Partnership,
    role: str,
    ae_confirmed: bool = False,
) -> OpportunityPartner:
    """Attach a partnership to a deal with a role, or change its role if already attached."""
    _same_org(org, opportunity, "opportunity")
    _same_org(org, partnership, "partnership")
    link = OpportunityPartner.objects.for_org(org).filter(opportunity=opportunity, partnership=partnership).first()
    if link is not None:
        link = update_fields(org=org, actor=actor, instance=link, data={"role": role, "ae_confirmed": ae_confirmed})
    else:
        link = create_instance(
            org=org,
            actor=actor,
            instance=OpportunityPartner(
                organization=org,
                opportunity=opportunity,
                partnership=partnership,
                role=role,
                ae_confirmed=ae_confirmed,
                added_by=_user(actor),
            ),
        )
    attribution_recompute_request(org=org, actor=actor)
    return link


@transaction.atomic
def opportunity_partner_remove(*, org: Organization, actor: Actor, link: OpportunityPartner) -> None:
    """Detach a partnership from a deal."""
    delete_instance(org=org, actor=actor, instance=link)
    attribution_recompute_request(org=org, actor=actor)


@transaction.atomic
def touchpoint_create(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    influence_type: InfluenceType,
    occurred_at: datetime.datetime,
    opportunity: Opportunity | None = None,
    account: Account | None = None,
    phase: str = Touchpoint.Phase.PRE_SALE,
    note: str = "",
    link: str = "",
    confirmed: bool = False,
) -> Touchpoint:
    """Record a partner contribution on a deal or an account; refuses dates in the future."""
    for field, obj in (
        ("partnership", partnership),
        ("influence_type", influence_type),
        ("opportunity", opportunity),
        ("account", account),
    ):
        _same_org(org, obj, field)
    if opportunity is None and account is None:
        raise ValidationError({"opportunity": gettext("Attach the touchpoint to an opportunity or an account.")})
    if occurred_at is None:
        raise ValidationError({"occurred_at": gettext("Say when it happened.")})
    if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"occurred_at": gettext("A touchpoint cannot be dated in the future.")})
    touchpoint = Touchpoint(
        organization=org,
        opportunity=opportunity,
        account=account or (opportunity.account if opportunity else None),
        partnership=partnership,
        influence_type=influence_type,
        phase=phase,
        occurred_at=occurred_at,
        note=note,
        link=link,
        recorded_by=_user(actor),
        confirmed_by=_user(actor) if confirmed else None,
    )
    create_instance(org=org, actor=actor, instance=touchpoint)
    attribution_recompute_request(org=org, actor=actor)
    return touchpoint


@transaction.atomic
def touchpoint_confirm(*, org: Organization, actor: Actor, touchpoint: Touchpoint) -> Touchpoint:
    """Mark a touchpoint as confirmed by the acting user."""
    return update_fields(org=org, actor=actor, instance=touchpoint, data={"confirmed_by": _user(actor)})


@transaction.atomic
def materiality_score_set(
    *,
    org: Organization,
    actor: Actor,
    opportunity: Opportunity,
    partnership: Partnership,
    sales_motion: int,
    value_proposition: int,
    delivery: int,
) -> MaterialityScore:
    """Score a partnership's weight on a deal (0–5 on each axis); replaces an earlier score."""
    _same_org(org, opportunity, "opportunity")
    _same_org(org, partnership, "partnership")
    data = {"sales_motion": sales_motion, "value_proposition": value_proposition, "delivery": delivery}
    for field, value in data.items():
        if not isinstance(value, int) or not 0 <= value <= 5:
            raise ValidationError({field: gettext("Scores go from 0 to 5.")})
    score = MaterialityScore.objects.for_org(org).filter(opportunity=opportunity, partnership=partnership).first()
    if score is not None:
        score = update_fields(org=org, actor=actor, instance=score, data={**data, "scored_by": _user(actor)})
    else:
        score = create_instance(
            org=org,
            actor=actor,
            instance=MaterialityScore(
                organization=org, opportunity=opportunity, partnership=partnership, scored_by=_user(actor), **data
            ),
        )
    attribution_recompute_request(org=org, actor=actor)
    return score


# Settings and split rules -----------------------------------------------------------------------


CONFIG_FIELDS = (
    "models_enabled",
    "primary_model",
    "sourced_weight",
    "influenced_weight",
    "half_life_days",
    "position_first",
    "position_middle",
    "position_last",
    "protection_days",
    "own_domains",
)


@transaction.atomic
def attribution_config_update(*, org: Organization, actor: Actor, data: dict) -> AttributionConfig:
    """Change the attribution settings; weights must be positive, positions must total 100."""
    config, _ = AttributionConfig.objects.get_or_create(organization=org)
    data = {k: v for k, v in data.items() if k in CONFIG_FIELDS}
    if "own_domains" in data:
        data["own_domains"] = sorted({normalize_domain(d) for d in _products(data["own_domains"]) if d})
    if "models_enabled" in data:
        unknown = set(data["models_enabled"]) - set(AttributionModel.values)
        if unknown:
            raise ValidationError(
                {"models_enabled": gettext("Unknown models: %(join)s.") % {"join": ", ".join(sorted(unknown))}}
            )
        if not data["models_enabled"]:
            raise ValidationError({"models_enabled": gettext("Enable at least one model.")})
    merged = {field: data.get(field, getattr(config, field)) for field in CONFIG_FIELDS}
    for field in ("sourced_weight", "influenced_weight", "position_first", "position_middle", "position_last"):
        if Decimal(str(merged[field])) < 0:
            raise ValidationError({field: gettext("Weights cannot be negative.")})
    if Decimal(str(merged["sourced_weight"])) + Decimal(str(merged["influenced_weight"])) <= 0:
        raise ValidationError({"sourced_weight": gettext("Sourced and influenced weights cannot both be zero.")})
    positions = sum(Decimal(str(merged[f])) for f in ("position_first", "position_middle", "position_last"))
    if positions != 100:
        raise ValidationError(
            {
                "position_first": gettext("First, middle and last must total 100 %% (now %(positions)s %%).")
                % {"positions": positions}
            }
        )
    if merged["primary_model"] not in merged["models_enabled"]:
        raise ValidationError({"primary_model": gettext("The primary model must be one of the enabled models.")})
    config = update_fields(org=org, actor=actor, instance=config, data=data)
    attribution_recompute_request(org=org, actor=actor, trigger="settings")
    return config


def _clean_shares(org: Organization, shares) -> list[dict]:
    """[{"partnership_id", "percent"}] with known partnerships, positive percents, total <= 100."""
    cleaned: list[dict] = []
    if not shares:
        raise ValidationError({"shares": gettext("Give at least one partnership and its percent.")})
    ids = [int(s["partnership_id"]) if str(s.get("partnership_id", "")).isdigit() else None for s in shares]
    known = set(Partnership.objects.for_org(org).filter(id__in=[i for i in ids if i]).values_list("id", flat=True))
    seen = set()
    for index, (share, pid) in enumerate(zip(shares, ids, strict=True), 1):
        if pid is None or pid not in known:
            raise ValidationError(
                {"shares": gettext("Row %(index)s: unknown partnership in this organization.") % {"index": index}}
            )
        if pid in seen:
            raise ValidationError(
                {"shares": gettext("Row %(index)s: the partnership appears twice.") % {"index": index}}
            )
        seen.add(pid)
        try:
            percent = Decimal(str(share.get("percent"))).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError(
                {"shares": gettext("Row %(index)s: the percent must be a number.") % {"index": index}}
            ) from None
        if percent <= 0 or percent > 100:
            raise ValidationError(
                {"shares": gettext("Row %(index)s: the percent must be above 0 and at most 100.") % {"index": index}}
            )
        cleaned.append({"partnership_id": pid, "percent": str(percent)})
    total = sum(Decimal(s["percent"]) for s in cleaned)
    if total > 100:
        raise ValidationError(
            {"shares": gettext("The shares total %(total)s %%, more than 100 %%.") % {"total": total}}
        )
    return cleaned


@transaction.atomic
def split_rule_create(
    *,
    org: Organization,
    actor: Actor,
    name: str,
    match_on: str,
    match_value: str,
    shares: list[dict],
    priority: int = 100,
    note: str = "",
) -> SplitRule:
    """Create a split rule with its first version (shares total at most 100 %, the rest unattributed)."""
    cleaned = _clean_shares(org, shares)
    rule = create_instance(
        org=org,
        actor=actor,
        instance=SplitRule(
            organization=org,
            name=name,
            match_on=match_on,
            match_value=match_value.strip(),
            priority=priority,
            current_version=1,
        ),
    )
    create_instance(
        org=org,
        actor=actor,
        instance=SplitRuleVersion(
            organization=org, rule=rule, version=1, shares=cleaned, note=note, created_by=_user(actor)
        ),
    )
    attribution_recompute_request(org=org, actor=actor, trigger="rules")
    return rule


@transaction.atomic
def split_rule_revise(
    *, org: Organization, actor: Actor, rule: SplitRule, shares: list[dict], note: str = ""
) -> SplitRuleVersion:
    """Add a new version of a rule's shares and make it current; earlier versions stay for the record."""
    _same_org(org, rule, "rule")
    cleaned = _clean_shares(org, shares)
    rule = SplitRule.objects.for_org(org).select_for_update().get(pk=rule.pk)
    version = create_instance(
        org=org,
        actor=actor,
        instance=SplitRuleVersion(
            organization=org,
            rule=rule,
            version=rule.current_version + 1,
            shares=cleaned,
            note=note,
            created_by=_user(actor),
        ),
    )
    update_fields(org=org, actor=actor, instance=rule, data={"current_version": version.version})
    attribution_recompute_request(org=org, actor=actor, trigger="rules")
    return version


@transaction.atomic
def split_rule_update(*, org: Organization, actor: Actor, rule: SplitRule, data: dict) -> SplitRule:
    """Rename, re-target, re-prioritise or (de)activate a rule."""
    data = {k: v for k, v in data.items() if k in ("name", "match_on", "match_value", "priority", "is_active")}
    rule = update_fields(org=org, actor=actor, instance=rule, data=data)
    attribution_recompute_request(org=org, actor=actor, trigger="rules")
    return rule


@transaction.atomic
def influence_type_create(*, org: Organization, actor: Actor, name: str) -> InfluenceType:
    """Add a kind of touchpoint to the organization's list."""
    from django.utils.text import slugify

    name = (name or "").strip()
    slug = slugify(name)[:80]
    if not slug:
        raise ValidationError({"name": gettext("Name the influence type.")})
    if InfluenceType.objects.for_org(org).filter(slug=slug).exists():
        raise ValidationError({"name": gettext("“%(name)s” is already in the list.") % {"name": name}})
    order = InfluenceType.objects.for_org(org).count()
    return create_instance(
        org=org, actor=actor, instance=InfluenceType(organization=org, name=name, slug=slug, order=order)
    )


@transaction.atomic
def influence_type_toggle(*, org: Organization, actor: Actor, influence_type: InfluenceType) -> InfluenceType:
    """Retire an influence type from new touchpoints (past ones keep it), or bring it back."""
    _same_org(org, influence_type, "influence_type")
    return update_fields(
        org=org, actor=actor, instance=influence_type, data={"is_active": not influence_type.is_active}
    )
