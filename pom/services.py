"""Writes on organizations, memberships, invitations and API keys."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pom import rls
from pom.api.auth import hash_key
from pom.audit import (
    Actor,
    audit_action,
    audit_create,
    create_instance,
    delete_instance,
    update_fields,
)
from pom.common import hash_secret
from pom.l10n import in_language_of
from pom.models import ApiKey, Membership, Organization, OrgInvitation, Role, User, role_at_least

RESERVED_SLUGS = {"new", "admin", "api", "static", "media", "accounts", "w", "o"}


def email_send(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str | None = None,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
) -> None:
    """Queue an e-mail; it leaves once the current transaction commits (at once outside one).

    Side effect: enqueues `pom.tasks.send_email` via `transaction.on_commit`, so nothing is
    mailed for work that is rolled back. Every app sends mail through this function.
    """
    from pom.tasks import send_email as send_email_task

    kwargs = {
        "to": list(to),
        "subject": subject,
        "body": body,
        "html": html,
        "from_email": from_email,
        "reply_to": list(reply_to) if reply_to else None,
    }
    transaction.on_commit(lambda: send_email_task.delay(**kwargs))


hash_token = hash_secret  # the stored form of an invitation token (pom.common)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organization_create(*, user: User, name: str, **profile) -> Organization:
    """Create an organization with `user` as its owner. Seeds per-app defaults via `on_org_created`."""
    org = Organization(name=name.strip(), slug=_unique_slug(name), **profile)
    org.full_clean()
    org.save()
    rls.add_orgs([org.pk])  # its creator works in it from here on (row-level security)
    membership = Membership(user=user, organization=org, role=Role.OWNER)
    membership.full_clean()
    membership.save()
    audit_create(org=org, actor=user, obj=org)
    audit_create(org=org, actor=user, obj=membership)
    from pom.hooks import on_org_created

    on_org_created(org)
    return org


@transaction.atomic
def organization_update(*, org: Organization, actor: Actor, data: dict) -> Organization:
    """Edit the organization profile (name, bands, currency, fiscal year)."""
    return update_fields(org=org, actor=actor, instance=org, data=data)


def _check_can_manage(org: Organization, actor: User) -> Membership:
    membership = Membership.objects.for_org(org).filter(user=actor).first()
    if membership is None or not role_at_least(membership.role, Role.ADMIN):
        raise PermissionDenied(_("Only owners and admins manage members."))
    return membership


@transaction.atomic
def invitation_create(*, org: Organization, actor: User, email: str, role: str) -> tuple[OrgInvitation, str]:
    """Invite `email` into `org` with `role`. Returns the invitation and the raw token.

    Only owners and admins invite, only owners invite owners, members cannot be re-invited.
    Side effects: earlier pending invitations of the same address are revoked; the link is
    e-mailed through `email_send` after commit; the invitation is audited.
    """
    me = _check_can_manage(org, actor)
    email = email.strip().lower()
    if role == Role.OWNER and me.role != Role.OWNER:
        raise ValidationError({"role": _("Only an owner can invite another owner.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": repr(role)}})
    if Membership.objects.for_org(org).filter(user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("%(email)s is already a member of %(name)s.") % {"email": email, "name": org.name}}
        )
    OrgInvitation.objects.for_org(org).filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    raw = secrets.token_urlsafe(32)
    invitation = OrgInvitation(
        organization=org,
        email=email,
        role=role,
        token_hash=hash_token(raw),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.POM_ORG_INVITATION_DAYS),
    )
    create_instance(org=org, actor=actor, instance=invitation)
    url = settings.SITE_URL + reverse("org_invitation_accept", args=[raw])
    context = {
        "org": org,
        "inviter": actor,
        "url": url,
        "role": invitation.get_role_display(),
        "expires_at": invitation.expires_at,
    }
    with in_language_of(email):
        email_send(
            to=[email],
            subject=_("%(inviter)s invited you to %(org)s on POM") % {"inviter": actor.display_name, "org": org.name},
            body=render_to_string("pom/email/org_invitation.txt", context),
        )
    return invitation, raw


def invitation_by_token(raw: str) -> OrgInvitation | None:
    """The invitation behind a raw link token, in any state, or None."""
    with rls.all_organizations("an invitation is found by its token's hash"):
        invitation = (
            OrgInvitation.objects.select_related("organization", "invited_by")
            .filter(token_hash=hash_token(raw))
            .first()
        )
    return rls.admit(invitation)


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User) -> Membership:
    """Turn a pending invitation into a membership for `user`, whose e-mail must match."""
    with rls.all_organizations("accepting locks the invitation found by its token's hash"):
        invitation = OrgInvitation.objects.select_for_update().filter(token_hash=hash_token(raw_token)).first()
    rls.admit(invitation)
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    state = invitation.state
    if state != "pending":
        raise ValidationError(_("This invitation has been %(state)s. Ask for a new one.") % {"state": state})
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s; you are signed in as %(email2)s.")
            % {"email": invitation.email, "email2": user.email}
        )
    org = invitation.organization
    membership, created = Membership.objects.get_or_create(
        organization=org, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    if created:
        audit_create(org=org, actor=user, obj=membership)
    audit_action(org=org, actor=user, obj=invitation, verb="accepted")
    return membership


@transaction.atomic
def invitation_revoke(*, org: Organization, actor: User, invitation: OrgInvitation) -> None:
    """Cancel a pending invitation so its link stops working. Audited; admins and owners only."""
    _check_can_manage(org, actor)
    if invitation.state != "pending":
        raise ValidationError(_("This invitation is already %(state)s.") % {"state": invitation.state})
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_action(org=org, actor=actor, obj=invitation, verb="revoked")


@transaction.atomic
def membership_set_role(*, org: Organization, actor: User, membership: Membership, role: str) -> Membership:
    """Change a member's role. Only owners grant or remove ownership; the last owner stays."""
    me = _check_can_manage(org, actor)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": repr(role)}})
    if Role.OWNER in (role, membership.role) and me.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can grant or remove the owner role."))
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_other_owner(org, membership)
    return update_fields(org=org, actor=actor, instance=membership, data={"role": role})


def _ensure_other_owner(org: Organization, membership: Membership) -> None:
    others = Membership.objects.for_org(org).filter(role=Role.OWNER).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(_("An organization needs at least one owner."))


@transaction.atomic
def membership_remove(*, org: Organization, actor: User, membership: Membership) -> None:
    """Take a member out of the organization. Only owners remove owners; the last owner stays. Audited."""
    me = _check_can_manage(org, actor)
    if membership.role == Role.OWNER:
        if me.role != Role.OWNER:
            raise PermissionDenied(_("Only an owner can remove an owner."))
        _ensure_other_owner(org, membership)
    delete_instance(org=org, actor=actor, instance=membership)


@transaction.atomic
def api_key_create(
    *, org: Organization, actor: User, name: str, scope: str, expires_in_days: int | None = None
) -> tuple[ApiKey, str]:
    """Create a key for `org`; the raw value is returned once and only its hash and prefix are stored.

    `expires_in_days` makes it stop working after that many days. Audited; admins and owners only.
    """
    _check_can_manage(org, actor)
    if expires_in_days is not None and not 1 <= int(expires_in_days) <= 3660:
        raise ValidationError({"expires_in_days": _("Choose between 1 and 3,660 days, or no expiry.")})
    prefix = secrets.token_hex(4)
    raw = f"pom_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        organization=org,
        name=name.strip(),
        prefix=prefix,
        key_hash=hash_key(raw),
        scope=scope,
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=int(expires_in_days)) if expires_in_days else None,
    )
    create_instance(org=org, actor=actor, instance=key)
    return key, raw


@transaction.atomic
def api_key_rotate(*, org: Organization, actor: User, key: ApiKey) -> tuple[ApiKey, str]:
    """Replace a key by a new one (same name, scope and lifetime); the old one keeps working for
    POM_API_KEY_ROTATION_OVERLAP_HOURS so integrations switch without downtime. Audited.
    """
    _check_can_manage(org, actor)
    if not key.is_active:
        raise ValidationError(_("Only an active key can be rotated; create a new one instead."))
    lifetime = round((key.expires_at - key.created_at).total_seconds() / 86400) if key.expires_at else None
    new_key, raw = api_key_create(
        org=org, actor=actor, name=key.name, scope=key.scope, expires_in_days=lifetime or None
    )
    overlap_end = timezone.now() + timedelta(hours=settings.POM_API_KEY_ROTATION_OVERLAP_HOURS)
    before = key.expires_at
    key.expires_at = min(overlap_end, key.expires_at) if key.expires_at else overlap_end
    key.replaced_by = new_key
    key.save(update_fields=["expires_at", "replaced_by", "updated_at"])
    audit_action(
        org=org,
        actor=actor,
        obj=key,
        verb="rotated",
        changes={"expires_at": [before, key.expires_at], "replaced_by": new_key.pk},
    )
    return new_key, raw


@transaction.atomic
def api_key_revoke(*, org: Organization, actor: User, key: ApiKey) -> ApiKey:
    """Revoke a key: requests with it get 401 from now on. Revoking twice is a no-op. Audited."""
    _check_can_manage(org, actor)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        audit_action(org=org, actor=actor, obj=key, verb="revoked")
    return key


def api_key_touch(*, key: ApiKey, now) -> None:
    """Record the key's last use (called at most once a minute per key by authentication)."""
    with rls.all_organizations("authentication records the use of the key it just found"):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
