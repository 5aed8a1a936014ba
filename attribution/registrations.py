"""Deal registration: submission with conflict checks, review, information requests and expiry.

Every service is keyword-only, runs in one transaction, validates before saving, records an audit
event and a visible trail entry, and emits `registration.submitted` / `registration.decided`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attribution import selectors
from attribution.models import (
    Account,
    DealRegistration,
    Opportunity,
    OpportunityPartner,
    RegistrationEvent,
)
from attribution.normalize import normalise_name
from attribution.runs import attribution_recompute_request
from attribution.services import _money, _products, _same_org, _user, account_create
from partners.models import Partnership
from pom import hooks
from pom.audit import Actor, actor_label, audit_action, create_instance, update_fields
from pom.domains import normalize_domain
from pom.models import Organization

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
        raise ValidationError({"via": _("Use partner or vendor.")})
    domain = normalize_domain(customer_domain)
    config = selectors.attribution_config(org=org)
    if domain and any(domain == own or domain.endswith("." + own) for own in config.own_domains):
        raise ValidationError(
            {"customer_domain": _("%(domain)s is the vendor's own domain: register a customer.") % {"domain": domain}}
        )
    if not (customer_name or "").strip():
        raise ValidationError({"customer_name": _("Name the customer.")})
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
        raise ValidationError(
            {
                "status": _("This registration is already %(get_status_display)s.")
                % {"get_status_display": registration.get_status_display().lower()}
            }
        )


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
    registration = DealRegistration.objects.for_org(org).select_for_update().get(pk=registration.pk)
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
    registration = DealRegistration.objects.for_org(org).select_for_update().get(pk=registration.pk)
    _pending(registration)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the registration is rejected.")})
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
    registration = DealRegistration.objects.for_org(org).select_for_update().get(pk=registration.pk)
    if registration.status != DealRegistration.Status.SUBMITTED:
        raise ValidationError({"status": _("Information can only be requested on a submitted registration.")})
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Say what information is needed.")})
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
    registration = DealRegistration.objects.for_org(org).select_for_update().get(pk=registration.pk)
    if registration.status != DealRegistration.Status.INFO_REQUESTED:
        raise ValidationError({"status": _("No information was requested on this registration.")})
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Write your answer.")})
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
