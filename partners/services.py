"""Writes on partners, contacts, partnerships, their journeys and certifications.

Every write validates (`full_clean`), runs in one transaction and is audited through `pom.audit`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from partners.models import (
    Certification,
    Contact,
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Partner,
    Partnership,
    PartnerType,
    Program,
    StageEntry,
    StepCompletion,
    Tier,
)
from pom import hooks
from pom.audit import Actor, audit_action, audit_create, create_instance, delete_instance, update_fields
from pom.common import check_same_org
from pom.domains import domain_error, normalize_domain
from pom.models import Membership, Organization, User


def _check_member(org: Organization, user: User | None, field: str) -> None:
    if user is not None and not Membership.objects.for_org(org).filter(user=user).exists():
        raise ValidationError(
            {
                field: gettext("%(display_name)s is not a member of %(name)s.")
                % {"display_name": user.display_name, "name": org.name}
            }
        )


_check_same_org = check_same_org  # pom.common


def _check_domain_free(org: Organization, domain: str, exclude_pk: int | None = None) -> None:
    if not domain:
        return
    error = domain_error(domain)
    if error:
        raise ValidationError({"domain": error})
    clash = Partner.objects.for_org(org).filter(domain=domain).exclude(pk=exclude_pk).first()
    if clash is not None:
        raise ValidationError(
            {
                "domain": gettext("The domain %(domain)s is already used by the partner “%(name)s”.")
                % {"domain": domain, "name": clash.name}
            }
        )


def _set_types(partner: Partner, types: Iterable[PartnerType] | None, org: Organization) -> None:
    if types is None:
        return
    types = list(types)
    for partner_type in types:
        _check_same_org(org, types=partner_type)
    partner.types.set(types, through_defaults={"organization": org})


# Partners ---------------------------------------------------------------------------------------


@transaction.atomic
def partner_create(
    *,
    org: Organization,
    actor: Actor,
    name: str,
    domain: str = "",
    types: Iterable[PartnerType] | None = None,
    **fields: Any,
) -> Partner:
    """Create a partner with a normalised, unique domain. Audited; types are set after the row exists."""
    domain = normalize_domain(domain)
    _check_domain_free(org, domain)
    _check_member(org, fields.get("owner"), "owner")
    _check_same_org(org, archetype=fields.get("archetype"), segment=fields.get("segment"))
    partner = Partner(organization=org, name=(name or "").strip(), domain=domain, **fields)
    partner.full_clean()
    partner.save()
    audit_create(org=org, actor=actor, obj=partner)
    _set_types(partner, types, org)
    hooks.emit("partner.created", org=org, actor=actor, partner=partner)
    return partner


@transaction.atomic
def partner_update(
    *,
    org: Organization,
    actor: Actor,
    partner: Partner,
    data: dict[str, Any],
    types: Iterable[PartnerType] | None = None,
) -> Partner:
    """Change a partner's fields (and types when given). Audited with the changed fields."""
    data = dict(data)
    data.pop("organization", None)
    if "types" in data:
        types = data.pop("types")
    if "domain" in data:
        data["domain"] = normalize_domain(data["domain"])
        _check_domain_free(org, data["domain"], exclude_pk=partner.pk)
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    if "owner" in data:
        _check_member(org, data["owner"], "owner")
    if "logo" in data and data["logo"] is None:  # None keeps the current logo; "" clears it
        data.pop("logo")
    _check_same_org(org, archetype=data.get("archetype"), segment=data.get("segment"))
    if types is not None:
        before = sorted(partner.types.values_list("slug", flat=True))
        _set_types(partner, types, org)
        after = sorted(t.slug for t in types)
        if before != after:
            audit_action(org=org, actor=actor, obj=partner, verb="types changed", changes={"types": [before, after]})
    return update_fields(org=org, actor=actor, instance=partner, data=data)


@transaction.atomic
def partner_delete(*, org: Organization, actor: Actor, partner: Partner) -> None:
    """Delete a partner with its contacts, partnerships and certifications. Audited.

    Refused (ValidationError) while a higher app still needs one of its partnerships (a split rule).
    """
    hooks.partnerships_deleting(
        org=org, partnership_ids=Partnership.objects.for_org(org).filter(partner=partner).values_list("pk", flat=True)
    )
    delete_instance(org=org, actor=actor, instance=partner)


# Contacts ---------------------------------------------------------------------------------------


@transaction.atomic
def contact_create(*, org: Organization, actor: Actor, partner: Partner, name: str, **fields: Any) -> Contact:
    """Add a person at the partner. Audited."""
    _check_same_org(org, partner=partner)
    if fields.get("email"):
        fields["email"] = fields["email"].strip().lower()
    contact = Contact(organization=org, partner=partner, name=(name or "").strip(), **fields)
    return create_instance(org=org, actor=actor, instance=contact)


@transaction.atomic
def contact_update(*, org: Organization, actor: Actor, contact: Contact, data: dict[str, Any]) -> Contact:
    """Change a contact. Audited."""
    data = {k: v for k, v in data.items() if k not in ("organization", "partner")}
    if data.get("email"):
        data["email"] = data["email"].strip().lower()
    return update_fields(org=org, actor=actor, instance=contact, data=data)


@transaction.atomic
def contact_delete(*, org: Organization, actor: Actor, contact: Contact) -> None:
    """Remove a contact. Audited."""
    delete_instance(org=org, actor=actor, instance=contact)


# Partnerships -----------------------------------------------------------------------------------


def _check_tier(program: Program, tier: Tier | None) -> None:
    if tier is not None and tier.program_id != program.id:
        raise ValidationError(
            {
                "tier": gettext("The tier “%(name)s” is not a tier of the program %(name2)s.")
                % {"name": tier.name, "name2": program.name}
            }
        )


def default_journey_template(*, org: Organization) -> JourneyTemplate | None:
    """The organization's default journey template (created from the defaults if it has none)."""
    template = JourneyTemplate.objects.for_org(org).filter(is_default=True).first()
    if template is None:
        from partners.defaults import journey_template_seed_default

        template = journey_template_seed_default(org=org)
    return template


def partner_sync_journey_stage(*, partner: Partner) -> None:
    """Set `partner.journey_stage` to the furthest stage across its partnerships (by stage order)."""
    furthest = (
        JourneyStage.objects.for_org(partner.organization_id)
        .filter(pk__in=partner.partnerships.exclude(current_stage=None).values("current_stage"))
        .order_by("-order", "pk")
        .first()
    )
    if partner.journey_stage_id != (furthest.pk if furthest else None):
        Partner.objects.for_org(partner.organization_id).filter(pk=partner.pk).update(journey_stage=furthest)
        partner.journey_stage = furthest


@transaction.atomic
def partnership_create(
    *,
    org: Organization,
    actor: Actor,
    partner: Partner,
    program: Program,
    tier: Tier | None = None,
    journey_template: JourneyTemplate | None = None,
    **fields: Any,
) -> Partnership:
    """Put a partner in a program, on the default journey's first stage.

    Side effects: a stage entry for the first stage, the partner's journey stage re-computed, an
    audit event, and the "partnership.created" hook (workspaces create the shared workspace).
    """
    _check_same_org(org, partner=partner, program=program, tier=tier, journey_template=journey_template)
    _check_tier(program, tier)
    _check_member(org, fields.get("owner"), "owner")
    if Partnership.objects.for_org(org).filter(partner=partner, program=program).exists():
        raise ValidationError(
            {
                "program": gettext("%(name)s is already in the program %(name2)s.")
                % {"name": partner.name, "name2": program.name}
            }
        )
    template = journey_template or default_journey_template(org=org)
    first_stage = template.stages.order_by("order").first() if template else None
    now = timezone.now()
    partnership = Partnership(
        organization=org,
        partner=partner,
        program=program,
        tier=tier,
        journey_template=template,
        current_stage=first_stage,
        stage_entered_at=now if first_stage else None,
        **fields,
    )
    create_instance(org=org, actor=actor, instance=partnership)
    if first_stage is not None:
        StageEntry.objects.create(
            organization=org,
            partnership=partnership,
            stage=first_stage,
            entered_at=now,
            entered_by=actor if isinstance(actor, User) else None,
        )
        partner_sync_journey_stage(partner=partner)
    hooks.emit("partnership.created", org=org, actor=actor, partnership=partnership)
    return partnership


@transaction.atomic
def partnership_update(
    *, org: Organization, actor: Actor, partnership: Partnership, data: dict[str, Any]
) -> Partnership:
    """Change a partnership's status, dates, owner or notes (tier through `partnership_set_tier`). Audited."""
    data = {k: v for k, v in data.items() if k not in ("organization", "partner", "program")}
    tier = data.pop("tier", partnership.tier)
    if "owner" in data:
        _check_member(org, data["owner"], "owner")
    if "current_stage" in data:
        stage = data.pop("current_stage")
        if stage is not None and stage.pk != partnership.current_stage_id:
            partnership_move_stage(org=org, actor=actor, partnership=partnership, stage=stage)
    if tier != partnership.tier:
        partnership_set_tier(org=org, actor=actor, partnership=partnership, tier=tier)
    return update_fields(org=org, actor=actor, instance=partnership, data=data)


@transaction.atomic
def partnership_set_tier(
    *, org: Organization, actor: Actor, partnership: Partnership, tier: Tier | None
) -> Partnership:
    """Move a partnership to another tier of its program (or none). Audited as "tier changed"."""
    _check_same_org(org, tier=tier)
    _check_tier(partnership.program, tier)
    old = partnership.tier
    if old == tier:
        return partnership
    partnership.tier = tier
    partnership.full_clean()
    partnership.save(update_fields=["tier", "updated_at"])
    audit_action(
        org=org,
        actor=actor,
        obj=partnership,
        verb="tier changed",
        changes={"tier": [old.name if old else None, tier.name if tier else None]},
    )
    return partnership


@transaction.atomic
def partnership_delete(*, org: Organization, actor: Actor, partnership: Partnership) -> None:
    """Remove a partner from a program; the partner's journey stage is re-computed. Audited.

    Refused (ValidationError) while a higher app still needs the partnership (a split rule naming it).
    """
    hooks.partnerships_deleting(org=org, partnership_ids=[partnership.pk])
    partner = partnership.partner
    delete_instance(org=org, actor=actor, instance=partnership)
    partner_sync_journey_stage(partner=partner)


# Journey ----------------------------------------------------------------------------------------


def _check_stage(partnership: Partnership, stage: JourneyStage) -> None:
    if stage.organization_id != partnership.organization_id or (
        partnership.journey_template_id and stage.template_id != partnership.journey_template_id
    ):
        raise ValidationError(
            {"stage": gettext("“%(name)s” is not a stage of this partnership's journey.") % {"name": stage.name}}
        )


@transaction.atomic
def partnership_move_stage(
    *, org: Organization, actor: Actor, partnership: Partnership, stage: JourneyStage
) -> Partnership:
    """Move a partnership to a journey stage (forward or back).

    Side effects: a stage entry (history is kept), the partner's journey stage re-computed, an
    audit event "stage moved".
    """
    _check_same_org(org, partnership=partnership)
    _check_stage(partnership, stage)
    old = partnership.current_stage
    if old == stage:
        return partnership
    now = timezone.now()
    partnership.current_stage = stage
    partnership.stage_entered_at = now
    if partnership.journey_template_id is None:
        partnership.journey_template_id = stage.template_id
    partnership.save(update_fields=["current_stage", "stage_entered_at", "journey_template", "updated_at"])
    StageEntry.objects.create(
        organization=org,
        partnership=partnership,
        stage=stage,
        entered_at=now,
        entered_by=actor if isinstance(actor, User) else None,
    )
    partner_sync_journey_stage(partner=partnership.partner)
    audit_action(
        org=org,
        actor=actor,
        obj=partnership,
        verb="stage moved",
        changes={"stage": [old.name if old else None, stage.name]},
    )
    return partnership


def _check_step(partnership: Partnership, step: JourneyStep) -> None:
    if step.organization_id != partnership.organization_id or (
        partnership.journey_template_id and step.stage.template_id != partnership.journey_template_id
    ):
        raise ValidationError(
            {"step": gettext("“%(name)s” is not a step of this partnership's journey.") % {"name": step.name}}
        )


@transaction.atomic
def step_complete(
    *, org: Organization, actor: Actor, partnership: Partnership, step: JourneyStep, note: str = ""
) -> StepCompletion:
    """Tick a journey step: records who and when. Ticking it again changes nothing. Audited "step completed"."""
    _check_same_org(org, partnership=partnership)
    _check_step(partnership, step)
    existing = StepCompletion.objects.for_org(org).filter(partnership=partnership, step=step).first()
    if existing is not None:
        return existing
    completion = StepCompletion(
        organization=org,
        partnership=partnership,
        step=step,
        completed_at=timezone.now(),
        completed_by=actor if isinstance(actor, User) else None,
        note=note,
    )
    completion.full_clean()
    completion.save()
    audit_action(
        org=org, actor=actor, obj=partnership, verb="step completed", changes={"step": [step.stage.name, step.name]}
    )
    return completion


@transaction.atomic
def step_uncomplete(*, org: Organization, actor: Actor, partnership: Partnership, step: JourneyStep) -> None:
    """Untick a journey step. Audited "step reopened" when it was ticked."""
    _check_same_org(org, partnership=partnership)
    _check_step(partnership, step)
    deleted, _ = StepCompletion.objects.for_org(org).filter(partnership=partnership, step=step).delete()
    if deleted:
        audit_action(
            org=org, actor=actor, obj=partnership, verb="step reopened", changes={"step": [step.stage.name, step.name]}
        )


# Certifications ---------------------------------------------------------------------------------


def _check_cert_dates(issued_on: datetime.date | None, expires_on: datetime.date | None) -> None:
    if issued_on and expires_on and expires_on < issued_on:
        raise ValidationError({"expires_on": gettext("The expiry date is before the issue date.")})


@transaction.atomic
def certification_create(
    *,
    org: Organization,
    actor: Actor,
    partner: Partner,
    name: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None = None,
    contact: Contact | None = None,
) -> Certification:
    """Record a certification held by the partner (optionally by one of its contacts). Audited."""
    _check_same_org(org, partner=partner, contact=contact)
    if contact is not None and contact.partner_id != partner.id:
        raise ValidationError(
            {
                "contact": gettext("%(name)s is not a contact of %(name2)s.")
                % {"name": contact.name, "name2": partner.name}
            }
        )
    _check_cert_dates(issued_on, expires_on)
    certification = Certification(
        organization=org,
        partner=partner,
        contact=contact,
        name=(name or "").strip(),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    certification = create_instance(org=org, actor=actor, instance=certification)
    hooks.emit("certification.created", org=org, actor=actor, certification=certification)
    return certification


@transaction.atomic
def certification_update(
    *, org: Organization, actor: Actor, certification: Certification, data: dict[str, Any]
) -> Certification:
    """Change a certification (e.g. renewed: new expiry). Audited."""
    data = {k: v for k, v in data.items() if k not in ("organization", "partner")}
    contact = data.get("contact")
    if contact is not None and contact.partner_id != certification.partner_id:
        raise ValidationError(
            {"contact": gettext("%(name)s is not a contact of this partner.") % {"name": contact.name}}
        )
    _check_cert_dates(data.get("issued_on", certification.issued_on), data.get("expires_on", certification.expires_on))
    return update_fields(org=org, actor=actor, instance=certification, data=data)


@transaction.atomic
def certification_delete(*, org: Organization, actor: Actor, certification: Certification) -> None:
    """Remove a certification. Audited."""
    delete_instance(org=org, actor=actor, instance=certification)
