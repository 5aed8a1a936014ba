"""Writes on the pipeline, deal registration, attribution settings and the credit ledger.

Every service is keyword-only, runs in one transaction, validates before saving and records an
audit event. Changes that move partner credit ask for a recomputation once committed.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from attribution import selectors
from attribution.models import (
    Account,
    AttributionConfig,
    AttributionModel,
    AttributionRun,
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
from attribution.normalize import normalise_domain, normalise_name
from partners.models import Partnership
from pom import hooks
from pom.audit import Actor, actor_label, audit_action, create_instance, delete_instance, update_fields
from pom.models import Organization, User


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _same_org(org: Organization, obj, field: str) -> None:
    """Refuse a related row of another organization as if it did not exist."""
    if obj is not None and obj.organization_id != org.id:
        raise ValidationError({field: "Unknown in this organization."})


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
        raise ValidationError({field: "Enter an amount such as 12500.00."}) from None
    if not amount.is_finite():
        raise ValidationError({field: "Enter an amount such as 12500.00."})
    if amount < 0:
        raise ValidationError({field: "The amount cannot be negative."})
    return amount.quantize(Decimal("0.01"))


# Recomputation ------------------------------------------------------------------------------------


def attribution_recompute_request(*, org: Organization, actor: Actor = None, trigger: str = "change") -> AttributionRun:
    """Ask for a ledger recomputation once the current transaction commits.

    Debounced per organization: while a run is still queued, further changes join it instead of
    queueing another one. Side effect: enqueues `heavy_attribution_run` on commit.
    """
    queued = AttributionRun.objects.for_org(org).filter(status=AttributionRun.Status.QUEUED).first()
    if queued is not None:
        return queued
    run = AttributionRun.objects.create(organization=org, trigger=trigger, requested_by=_user(actor))
    from attribution.tasks import heavy_attribution_run

    transaction.on_commit(lambda: heavy_attribution_run.delay(org.id, run.id))
    return run


# Accounts and opportunities ---------------------------------------------------------------------


@transaction.atomic
def account_create(*, org: Organization, actor: Actor, data: dict) -> Account:
    """Create an account; its domain and name are normalised for conflict checks."""
    account = Account(organization=org, **data)
    account.domain = normalise_domain(account.domain)
    account.name_key = normalise_name(account.name)
    return create_instance(org=org, actor=actor, instance=account)


@transaction.atomic
def account_update(*, org: Organization, actor: Actor, account: Account, data: dict) -> Account:
    """Update an account, keeping its normalised keys in step."""
    data = dict(data)
    if "domain" in data:
        data["domain"] = normalise_domain(data["domain"])
    if "name" in data:
        data["name_key"] = normalise_name(data["name"])
    return update_fields(org=org, actor=actor, instance=account, data=data)


OPPORTUNITY_FIELDS = (
    "account",
    "name",
    "amount",
    "currency",
    "stage",
    "status",
    "created_on",
    "expected_close",
    "closed_on",
    "products",
    "joint_solution",
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
    return opportunity


def _check_closed(opportunity: Opportunity) -> None:
    if opportunity.status != Opportunity.Status.OPEN and opportunity.closed_on is None:
        raise ValidationError({"closed_on": "A won or lost opportunity needs its close date."})


@transaction.atomic
def opportunity_update(*, org: Organization, actor: Actor, opportunity: Opportunity, data: dict) -> Opportunity:
    """Update an opportunity (stage, amount, status…); partner credit is recomputed once committed."""
    opportunity = update_fields(org=org, actor=actor, instance=opportunity, data=_opportunity_data(org, data))
    _check_closed(opportunity)
    attribution_recompute_request(org=org, actor=actor)
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
        raise ValidationError({"opportunity": "Attach the touchpoint to an opportunity or an account."})
    if occurred_at is None:
        raise ValidationError({"occurred_at": "Say when it happened."})
    if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"occurred_at": "A touchpoint cannot be dated in the future."})
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
            raise ValidationError({field: "Scores go from 0 to 5."})
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
        data["own_domains"] = sorted({normalise_domain(d) for d in _products(data["own_domains"]) if d})
    if "models_enabled" in data:
        unknown = set(data["models_enabled"]) - set(AttributionModel.values)
        if unknown:
            raise ValidationError({"models_enabled": f"Unknown models: {', '.join(sorted(unknown))}."})
        if not data["models_enabled"]:
            raise ValidationError({"models_enabled": "Enable at least one model."})
    merged = {field: data.get(field, getattr(config, field)) for field in CONFIG_FIELDS}
    for field in ("sourced_weight", "influenced_weight", "position_first", "position_middle", "position_last"):
        if Decimal(str(merged[field])) < 0:
            raise ValidationError({field: "Weights cannot be negative."})
    if Decimal(str(merged["sourced_weight"])) + Decimal(str(merged["influenced_weight"])) <= 0:
        raise ValidationError({"sourced_weight": "Sourced and influenced weights cannot both be zero."})
    positions = sum(Decimal(str(merged[f])) for f in ("position_first", "position_middle", "position_last"))
    if positions != 100:
        raise ValidationError({"position_first": f"First, middle and last must total 100 % (now {positions} %)."})
    if merged["primary_model"] not in merged["models_enabled"]:
        raise ValidationError({"primary_model": "The primary model must be one of the enabled models."})
    config = update_fields(org=org, actor=actor, instance=config, data=data)
    attribution_recompute_request(org=org, actor=actor, trigger="settings")
    return config


def _clean_shares(org: Organization, shares) -> list[dict]:
    """[{"partnership_id", "percent"}] with known partnerships, positive percents, total <= 100."""
    cleaned: list[dict] = []
    if not shares:
        raise ValidationError({"shares": "Give at least one partnership and its percent."})
    ids = [int(s["partnership_id"]) if str(s.get("partnership_id", "")).isdigit() else None for s in shares]
    known = set(Partnership.objects.for_org(org).filter(id__in=[i for i in ids if i]).values_list("id", flat=True))
    seen = set()
    for index, (share, pid) in enumerate(zip(shares, ids, strict=True), 1):
        if pid is None or pid not in known:
            raise ValidationError({"shares": f"Row {index}: unknown partnership in this organization."})
        if pid in seen:
            raise ValidationError({"shares": f"Row {index}: the partnership appears twice."})
        seen.add(pid)
        try:
            percent = Decimal(str(share.get("percent"))).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError({"shares": f"Row {index}: the percent must be a number."}) from None
        if percent <= 0 or percent > 100:
            raise ValidationError({"shares": f"Row {index}: the percent must be above 0 and at most 100."})
        cleaned.append({"partnership_id": pid, "percent": str(percent)})
    total = sum(Decimal(s["percent"]) for s in cleaned)
    if total > 100:
        raise ValidationError({"shares": f"The shares total {total} %, more than 100 %."})
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
    rule = SplitRule.objects.select_for_update().get(pk=rule.pk)
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


# Deal registration ------------------------------------------------------------------------------


def _event(
    *, org: Organization, registration: DealRegistration, actor: Actor, kind: str, message: str, visible: bool = True
) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        organization=org,
        registration=registration,
        at=timezone.now(),
        actor_label=actor_label(actor)[:200],
        kind=kind,
        message=message,
        visible_to_partner=visible,
    )


@transaction.atomic
def registration_submit(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    customer_name: str,
    customer_domain: str,
    value,
    currency: str,
    products,
    expected_close: datetime.date | None,
    notes: str,
    via: str,
) -> DealRegistration:
    """Register a deal for a partnership and check conflicts at once.

    The conflicts (other partnerships' live registrations, open pipeline) are stored on the row so the
    submitter sees them immediately. A registration for one of the vendor's own domains is refused.
    Side effects: a trail event, an audit event, the "registration.submitted" hook.
    """
    _same_org(org, partnership, "partnership")
    if via not in DealRegistration.Via.values:
        raise ValidationError({"via": "Use partner or vendor."})
    domain = normalise_domain(customer_domain)
    config = selectors.attribution_config(org=org)
    if domain and any(domain == own or domain.endswith("." + own) for own in config.own_domains):
        raise ValidationError({"customer_domain": f"{domain} is the vendor's own domain: register a customer."})
    if not (customer_name or "").strip():
        raise ValidationError({"customer_name": "Name the customer."})
    registration = DealRegistration(
        organization=org,
        partnership=partnership,
        customer_name=customer_name.strip(),
        customer_name_key=normalise_name(customer_name),
        customer_domain=domain,
        value=_money(value, "value"),
        currency=(currency or "").upper(),
        products=_products(products),
        expected_close=expected_close,
        notes=notes or "",
        via=via,
        submitted_at=timezone.now(),
        submitted_by=_user(actor),
    )
    registration.conflicts = selectors.registration_conflicts(
        org=org,
        partnership_id=partnership.id,
        customer_name=registration.customer_name,
        customer_domain=domain,
    )
    create_instance(org=org, actor=actor, instance=registration)
    who = "the partner" if via == DealRegistration.Via.PARTNER else "the vendor on the partner's behalf"
    _event(org=org, registration=registration, actor=actor, kind="submitted", message=f"Submitted by {who}.")
    if registration.conflicts:
        _event(
            org=org,
            registration=registration,
            actor=None,
            kind="conflict",
            message=" ".join(c["partner_message"] for c in registration.conflicts),
        )
        _event(
            org=org,
            registration=registration,
            actor=None,
            kind="conflict_detail",
            message=" ".join(c["message"] for c in registration.conflicts),
            visible=False,
        )
    hooks.emit("registration.submitted", org=org, actor=actor, registration=registration)
    return registration


def _pending(registration: DealRegistration) -> None:
    if not registration.is_pending:
        raise ValidationError({"status": f"This registration is already {registration.get_status_display().lower()}."})


def _decided(org: Organization, actor: Actor, registration: DealRegistration, verb: str, changes: dict) -> None:
    audit_action(org=org, actor=actor, obj=registration, verb=verb, changes=changes)
    hooks.emit("registration.decided", org=org, actor=actor, registration=registration)


@transaction.atomic
def registration_approve(
    *,
    org: Organization,
    actor: Actor,
    registration: DealRegistration,
    opportunity: Opportunity | None = None,
    override_reason: str = "",
) -> DealRegistration:
    """Approve a registration: first-in wins unless the reviewer writes why it should not.

    Conflicts are re-checked now (earlier live registrations of other partnerships, open pipeline
    other than the linked deal); any left requires `override_reason`. Links `opportunity` or creates
    the account and the opportunity, sets the partnership as sourced, starts the protection window.
    Side effects: trail events, audit, "registration.decided", a credit recomputation.
    """
    _same_org(org, registration, "registration")
    _same_org(org, opportunity, "opportunity")
    registration = DealRegistration.objects.select_for_update().get(pk=registration.pk)
    _pending(registration)
    blocking = selectors.registration_conflicts(
        org=org,
        partnership_id=registration.partnership_id,
        customer_name=registration.customer_name,
        customer_domain=registration.customer_domain,
        exclude_id=registration.id,
        submitted_before=registration.submitted_at,
        exclude_opportunity_id=opportunity.id if opportunity else None,
    )
    override_reason = (override_reason or "").strip()
    if blocking and not override_reason:
        raise ValidationError(
            {
                "override_reason": "First in wins: "
                + " ".join(c["message"] for c in blocking)
                + " Write a reason to approve it anyway."
            }
        )
    if opportunity is None:
        opportunity = _opportunity_for_registration(org=org, actor=actor, registration=registration)
    link = OpportunityPartner.objects.for_org(org).filter(
        opportunity=opportunity, partnership_id=registration.partnership_id
    )
    link = link.first()
    if link is None:
        create_instance(
            org=org,
            actor=actor,
            instance=OpportunityPartner(
                organization=org,
                opportunity=opportunity,
                partnership_id=registration.partnership_id,
                role=OpportunityPartner.Role.SOURCED,
                added_by=_user(actor),
                ae_confirmed=True,
            ),
        )
    elif link.role != OpportunityPartner.Role.SOURCED:
        update_fields(org=org, actor=actor, instance=link, data={"role": OpportunityPartner.Role.SOURCED})
    config = selectors.attribution_config(org=org)
    now = timezone.now()
    registration.status = DealRegistration.Status.APPROVED
    registration.decided_at = now
    registration.decided_by = _user(actor)
    registration.decision_reason = override_reason
    registration.opportunity = opportunity
    registration.protection_until = timezone.localdate(now) + datetime.timedelta(days=config.protection_days)
    registration.full_clean()
    registration.save()
    _event(
        org=org,
        registration=registration,
        actor=actor,
        kind="approved",
        message=f"Approved; protected until {registration.protection_until:%d %b %Y}.",
    )
    if blocking:
        _event(
            org=org,
            registration=registration,
            actor=actor,
            kind="override",
            message=f"Approved over {len(blocking)} conflict(s): {override_reason}",
            visible=False,
        )
    _decided(
        org,
        actor,
        registration,
        "registration.approved",
        {"opportunity": opportunity.id, "override_reason": override_reason, "conflicts": len(blocking)},
    )
    attribution_recompute_request(org=org, actor=actor)
    return registration


def _opportunity_for_registration(*, org: Organization, actor: Actor, registration: DealRegistration) -> Opportunity:
    account = None
    if registration.customer_domain:
        account = Account.objects.for_org(org).filter(domain=registration.customer_domain).first()
    if account is None:
        account = Account.objects.for_org(org).filter(name_key=registration.customer_name_key).first()
    if account is None:
        account = account_create(
            org=org,
            actor=actor,
            data={"name": registration.customer_name, "domain": registration.customer_domain},
        )
    return create_instance(
        org=org,
        actor=actor,
        instance=Opportunity(
            organization=org,
            account=account,
            name=f"{registration.customer_name} (registered deal)",
            amount=registration.value,
            currency=registration.currency,
            stage=Opportunity.Stage.QUALIFICATION,
            status=Opportunity.Status.OPEN,
            created_on=timezone.localdate(),
            expected_close=registration.expected_close,
            products=registration.products,
        ),
    )


@transaction.atomic
def registration_reject(
    *, org: Organization, actor: Actor, registration: DealRegistration, reason: str
) -> DealRegistration:
    """Reject a registration; the reason is required and shown to the partner."""
    _same_org(org, registration, "registration")
    registration = DealRegistration.objects.select_for_update().get(pk=registration.pk)
    _pending(registration)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the registration is rejected."})
    registration.status = DealRegistration.Status.REJECTED
    registration.decided_at = timezone.now()
    registration.decided_by = _user(actor)
    registration.decision_reason = reason
    registration.save()
    _event(org=org, registration=registration, actor=actor, kind="rejected", message=f"Rejected: {reason}")
    _decided(org, actor, registration, "registration.rejected", {"reason": reason})
    return registration


@transaction.atomic
def registration_request_info(
    *, org: Organization, actor: Actor, registration: DealRegistration, message: str
) -> DealRegistration:
    """Ask the partner for more information; the registration waits for their answer."""
    _same_org(org, registration, "registration")
    registration = DealRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != DealRegistration.Status.SUBMITTED:
        raise ValidationError({"status": "Information can only be requested on a submitted registration."})
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Say what information is needed."})
    registration.status = DealRegistration.Status.INFO_REQUESTED
    registration.save(update_fields=["status", "updated_at"])
    _event(org=org, registration=registration, actor=actor, kind="info_requested", message=message)
    audit_action(
        org=org, actor=actor, obj=registration, verb="registration.info_requested", changes={"message": message}
    )
    hooks.emit("registration.decided", org=org, actor=actor, registration=registration)
    return registration


@transaction.atomic
def registration_respond_info(
    *, org: Organization, actor: Actor, registration: DealRegistration, message: str
) -> DealRegistration:
    """The partner answers a request for information; the registration goes back to review."""
    _same_org(org, registration, "registration")
    registration = DealRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != DealRegistration.Status.INFO_REQUESTED:
        raise ValidationError({"status": "No information was requested on this registration."})
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Write your answer."})
    registration.status = DealRegistration.Status.SUBMITTED
    registration.save(update_fields=["status", "updated_at"])
    _event(org=org, registration=registration, actor=actor, kind="info_provided", message=message)
    audit_action(
        org=org, actor=actor, obj=registration, verb="registration.info_provided", changes={"message": message}
    )
    hooks.emit("registration.submitted", org=org, actor=actor, registration=registration)
    return registration


@transaction.atomic
def registration_expire_due(*, org: Organization, today: datetime.date | None = None) -> int:
    """Expire approved registrations whose protection window has ended; returns how many.

    Safe to run twice: only approved rows past their window are touched.
    """
    today = today or timezone.localdate()
    due = list(
        DealRegistration.objects.for_org(org)
        .select_for_update()
        .filter(status=DealRegistration.Status.APPROVED, protection_until__lt=today)
    )
    for registration in due:
        registration.status = DealRegistration.Status.EXPIRED
        registration.save(update_fields=["status", "updated_at"])
        _event(
            org=org,
            registration=registration,
            actor=None,
            kind="expired",
            message=f"Protection window ended on {registration.protection_until:%d %b %Y}.",
        )
        audit_action(org=org, actor=None, obj=registration, verb="registration.expired")
        hooks.emit("registration.decided", org=org, actor=None, registration=registration)
    return len(due)


# The attribution run ----------------------------------------------------------------------------

RUN_CHUNK = 2000  # opportunities computed and written per batch; bounds memory, not the query count per row
INSERT_BATCH = 2000


def _grouped(rows, key_index: int = 0):
    """Yield (opportunity_id, [rows]) from rows already ordered by opportunity id."""
    current, bucket = None, []
    for row in rows:
        if row[key_index] != current:
            if bucket:
                yield current, bucket
            current, bucket = row[key_index], []
        bucket.append(row)
    if bucket:
        yield current, bucket


class _Cursor:
    """Walks one ordered stream of per-opportunity groups alongside the opportunity stream."""

    def __init__(self, rows):
        self._groups = _grouped(rows)
        self._head = next(self._groups, None)

    def take(self, opportunity_id: int) -> list:
        while self._head is not None and self._head[0] < opportunity_id:
            self._head = next(self._groups, None)
        if self._head is not None and self._head[0] == opportunity_id:
            rows = self._head[1]
            self._head = next(self._groups, None)
            return rows
        return []


LEDGER_COLUMNS = (
    "organization_id", "opportunity_id", "partnership_id", "model", "amount", "currency", "share",
    "rule_version", "explanation", "run_id", "created_at", "updated_at",
)  # fmt: skip


def _ledger_insert(rows: list[tuple]) -> int:
    """Write ledger rows in bulk: COPY on PostgreSQL, executemany elsewhere. Returns how many.

    Model instances and per-row SQL would dominate a run over hundreds of thousands of deals; the rows
    are plain tuples in LEDGER_COLUMNS order, already validated by the engine (cents, never negative).
    """
    from attribution.models import CreditAllocation

    table = connection.ops.quote_name(CreditAllocation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in LEDGER_COLUMNS)
    # One transaction per batch: in autocommit mode SQLite would commit (and sync) every single row.
    with transaction.atomic(), connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy_expert"):
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(rows)
            buffer.seek(0)
            # QUOTE_NONNUMERIC writes None as a quoted "": FORCE_NULL reads it back as NULL ("unattributed").
            raw.copy_expert(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NULL (partnership_id))", buffer
            )
        else:
            placeholders = ", ".join(["%s"] * len(LEDGER_COLUMNS))
            for start in range(0, len(rows), INSERT_BATCH):
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows[start : start + INSERT_BATCH]
                )
    return len(rows)


def engine_params(config: AttributionConfig, as_of: datetime.date):
    from attribution import engine

    return engine.Params(
        sourced_weight=config.sourced_weight,
        influenced_weight=config.influenced_weight,
        half_life_days=config.half_life_days,
        position_first=config.position_first,
        position_middle=config.position_middle,
        position_last=config.position_last,
        as_of=as_of,
    )


def engine_rules(org: Organization) -> list:
    from attribution import engine

    return [
        engine.Rule(
            rule_id=v.rule_id,
            name=v.rule.name,
            version=v.version,
            match_on=v.rule.match_on,
            match_value=v.rule.match_value,
            shares=tuple((int(s["partnership_id"]), Decimal(str(s["percent"]))) for s in v.shares),
        )
        for v in selectors.split_rule_versions_current(org=org)
    ]


def attribution_run_execute(*, org: Organization, run: AttributionRun) -> AttributionRun:
    """Recompute the whole credit ledger of an organization, set-based.

    1. Claim the run (queued -> running); a run already claimed elsewhere is left alone.
    2. Stream opportunities, partner links, touchpoints and scores, each as ONE query ordered by
       opportunity id, and merge them in Python; account-level touchpoints come from one more query.
    3. Compute every enabled model per opportunity (pure functions in attribution.engine) and
       bulk-insert the rows tagged with this run, chunk by chunk, updating the progress between chunks.
    4. In one transaction, delete the rows of older runs and mark the run done: readers switch from
       the old ledger to the new one at once (they read the rows of the last finished run).
    On error the run's partial rows are deleted and the run is marked failed with the message.
    """
    from attribution import engine
    from attribution.models import CreditAllocation

    claimed = AttributionRun.objects.for_org(org).filter(pk=run.pk, status=AttributionRun.Status.QUEUED)
    if not claimed.update(status=AttributionRun.Status.RUNNING, started_at=timezone.now(), progress=0):
        run.refresh_from_db()
        return run
    run.refresh_from_db()
    try:
        config = selectors.attribution_config(org=org)
        today = timezone.localdate()
        params = engine_params(config, today)
        rules = engine_rules(org)
        model_names = [m for m in AttributionModel.values if m in config.models_enabled]
        total = Opportunity.objects.for_org(org).count()
        opportunities = (
            Opportunity.objects.for_org(org)
            .order_by("id")
            .values_list(
                "id",
                "account_id",
                "amount",
                "currency",
                "status",
                "closed_on",
                "expected_close",
                "products",
                "joint_solution",
            )
            .iterator(chunk_size=RUN_CHUNK)
        )
        links = _Cursor(
            OpportunityPartner.objects.for_org(org)
            .order_by("opportunity_id", "id")
            .values_list("opportunity_id", "partnership_id", "role")
            .iterator(chunk_size=RUN_CHUNK * 3)
        )
        touches = _Cursor(
            Touchpoint.objects.for_org(org)
            .filter(opportunity__isnull=False)
            .order_by("opportunity_id", "occurred_at", "id")
            .values_list(
                "opportunity_id", "partnership_id", "occurred_at", "influence_type__name", "phase", "note", "id"
            )
            .iterator(chunk_size=RUN_CHUNK * 10)
        )
        scores = _Cursor(
            MaterialityScore.objects.for_org(org)
            .order_by("opportunity_id", "id")
            .values_list("opportunity_id", "partnership_id", "sales_motion", "value_proposition", "delivery")
            .iterator(chunk_size=RUN_CHUNK)
        )
        account_touches: dict[int, list] = {}
        for row in (
            Touchpoint.objects.for_org(org)
            .filter(opportunity__isnull=True)
            .order_by("account_id", "occurred_at", "id")
            .values_list("account_id", "partnership_id", "occurred_at", "influence_type__name", "phase", "note", "id")
        ):
            account_touches.setdefault(row[0], []).append(row)

        done = 0
        written = 0
        batch: list[tuple] = []
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        for opp in opportunities:
            opp_id, account_id, amount, currency, status, closed_on, expected_close, products, joint = opp
            close_date = closed_on or expected_close
            touch_rows = touches.take(opp_id) + [
                r for r in account_touches.get(account_id, ()) if close_date is None or r[2].date() <= close_date
            ]
            facts = engine.Facts(
                opportunity_id=opp_id,
                amount=amount,
                status=status,
                close_date=close_date,
                products=tuple(products or ()),
                joint_solution=joint or "",
                partners=[engine.Involvement(r[1], r[2]) for r in links.take(opp_id)],
                touches=[engine.Touch(r[1], r[2], r[3], r[4], r[5], r[6]) for r in touch_rows],
                scores=[engine.Score(r[1], r[2], r[3], r[4]) for r in scores.take(opp_id)],
            )
            for model in model_names:
                for share in engine.credit(model, facts, params, rules):
                    batch.append(
                        (
                            org.id, opp_id, share.partnership_id, model, share.amount, currency, share.share,
                            share.rule_version, share.explanation, run.id, stamp, stamp,
                        )
                    )  # fmt: skip
            done += 1
            if done % RUN_CHUNK == 0:
                written += _ledger_insert(batch)
                batch = []
                AttributionRun.objects.for_org(org).filter(pk=run.pk).update(
                    progress=min(99, done * 100 // max(total, 1)), opportunities_count=done
                )
        if batch:
            written += _ledger_insert(batch)
        with transaction.atomic():
            # Readers use the rows of the newest finished run; a slower, older run never overwrites a newer one.
            newer = AttributionRun.objects.for_org(org).filter(status=AttributionRun.Status.DONE, id__gt=run.id)
            if newer.exists():
                CreditAllocation.objects.for_org(org).filter(run_id=run.id).delete()
                written = 0
            else:
                older = Q(run_id__lt=run.id) | Q(run_id__isnull=True)
                CreditAllocation.objects.for_org(org).filter(older).delete()
            AttributionRun.objects.for_org(org).filter(pk=run.pk).update(
                status=AttributionRun.Status.DONE,
                progress=100,
                opportunities_count=done,
                allocations_count=written,
                finished_at=timezone.now(),
            )
    except Exception as exc:  # noqa: BLE001 - the run row must say why it failed; the error is re-raised
        CreditAllocation.objects.for_org(org).filter(run_id=run.id).delete()
        AttributionRun.objects.for_org(org).filter(pk=run.pk).update(
            status=AttributionRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


@transaction.atomic
def attribution_run_start(*, org: Organization, actor: Actor, trigger: str = "manual") -> AttributionRun:
    """Queue a full recomputation now (the page's and the API's "Recompute" button)."""
    run = attribution_recompute_request(org=org, actor=actor, trigger=trigger)
    audit_action(org=org, actor=actor, obj=run, verb="attribution.run_requested")
    return run


@transaction.atomic
def influence_type_create(*, org: Organization, actor: Actor, name: str) -> InfluenceType:
    """Add a kind of touchpoint to the organization's list."""
    from django.utils.text import slugify

    name = (name or "").strip()
    slug = slugify(name)[:80]
    if not slug:
        raise ValidationError({"name": "Name the influence type."})
    if InfluenceType.objects.for_org(org).filter(slug=slug).exists():
        raise ValidationError({"name": f"“{name}” is already in the list."})
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
