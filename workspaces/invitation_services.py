"""Workspace invitations: create (and e-mail), resend, revoke, accept by token.

Keyword-only, one transaction each, audited; callers pass the `WorkspaceAccess` they resolved and the
services re-check that only workspace owners invite.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from pom import rls
from pom import services as pom_services
from pom.audit import Actor, audit_action, audit_create, create_instance
from pom.common import hash_secret
from pom.l10n import in_language_of
from pom.models import Membership, User
from workspaces import selectors
from workspaces.models import Notification, Side, Update, WorkspaceInvitation, WorkspaceMember, WorkspaceRole
from workspaces.notification_services import notify
from workspaces.selectors import WorkspaceAccess
from workspaces.services import _require, _user_or_none, update_post, workspace_url

INVITATION_DAYS = getattr(settings, "POM_WORKSPACE_INVITATION_DAYS", 14)


def _invitation_context(invitation: WorkspaceInvitation, raw: str) -> dict:
    workspace = invitation.workspace
    return {
        "invitation": invitation,
        "workspace": workspace,
        "org": workspace.organization,
        "inviter": invitation.invited_by,
        "url": settings.SITE_URL + reverse("workspaces:invitation_accept", args=[raw]),
        "waiting": selectors.workspace_waiting_summary(workspace=workspace),
    }


def _send_invitation(invitation: WorkspaceInvitation, raw: str) -> None:
    context = _invitation_context(invitation, raw)
    inviter = invitation.invited_by.display_name if invitation.invited_by else invitation.workspace.organization.name
    with in_language_of(invitation.email):
        subject = _("%(inviter)s invited you to the %(workspace)s workspace") % {
            "inviter": inviter,
            "workspace": invitation.workspace.name,
        }
        body = render_to_string("workspaces/email/invitation.txt", context)
    pom_services.email_send(to=[invitation.email], subject=subject, body=body)


@transaction.atomic
def invitation_create(
    *, access: WorkspaceAccess, actor: Actor, email: str, role: str, side: str = Side.PARTNER, send: bool = True
) -> tuple[WorkspaceInvitation, str]:
    """Invite `email` into the workspace with `role` on `side`; e-mails the link after commit (unless
    `send` is False: demo data and imports that accept at once).

    A pending invitation to the same address is revoked so only the newest link works.
    """
    _require(access.can_manage, _("Only workspace owners invite people."))
    workspace = access.workspace
    org = workspace.organization
    email = (email or "").strip().lower()
    if role not in WorkspaceRole.values:
        raise ValidationError(
            {"role": gettext("Unknown role %(role)s: choose owner, editor or viewer.") % {"role": repr(role)}}
        )
    if side not in Side.values:
        raise ValidationError(
            {"side": gettext("Unknown side %(side)s: choose vendor or partner.") % {"side": repr(side)}}
        )
    if not email:
        raise ValidationError({"email": gettext("Enter an e-mail address.")})
    if selectors.member_list(workspace=workspace).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": gettext("%(email)s is already a member of this workspace.") % {"email": email}})
    is_org_member = Membership.objects.for_org(org).filter(user__email__iexact=email).exists()
    if side == Side.PARTNER and is_org_member:
        raise ValidationError(
            {
                "email": gettext("%(email)s works at %(name)s: they already have access through their role.")
                % {"email": email, "name": org.name}
            }
        )
    if side == Side.VENDOR and not is_org_member:
        raise ValidationError(
            {
                "side": gettext("%(email)s is not a member of %(name)s; invite them on the partner side.")
                % {"email": email, "name": org.name}
            }
        )
    WorkspaceInvitation.objects.for_org(org).filter(
        workspace=workspace, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    raw = secrets.token_urlsafe(32)
    invitation = WorkspaceInvitation(
        organization=org,
        workspace=workspace,
        email=email,
        role=role,
        side=side,
        token_hash=hash_secret(raw),
        invited_by=_user_or_none(actor),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    create_instance(org=org, actor=actor, instance=invitation)
    if send:
        _send_invitation(invitation, raw)
    return invitation, raw


def _pending_or_error(invitation: WorkspaceInvitation) -> None:
    if invitation.state != "pending":
        raise ValidationError(gettext("This invitation is %(state)s.") % {"state": invitation.state})


@transaction.atomic
def invitation_resend(*, access: WorkspaceAccess, actor: Actor, invitation: WorkspaceInvitation) -> str:
    """Send a fresh link with a new expiry; the previous link stops working at once."""
    _require(access.can_manage, _("Only workspace owners manage invitations."))
    invitation = WorkspaceInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(
            gettext("This invitation is %(state)s; it cannot be resent.") % {"state": invitation.state}
        )
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = hash_secret(raw)
    invitation.resent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "resent_at", "expires_at", "updated_at"])
    audit_action(org=invitation.workspace.organization, actor=actor, obj=invitation, verb="resent")
    _send_invitation(invitation, raw)
    return raw


@transaction.atomic
def invitation_revoke(*, access: WorkspaceAccess, actor: Actor, invitation: WorkspaceInvitation) -> None:
    """Kill a pending invitation's link."""
    _require(access.can_manage, _("Only workspace owners manage invitations."))
    _pending_or_error(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_action(org=invitation.workspace.organization, actor=actor, obj=invitation, verb="revoked")


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User) -> WorkspaceMember | None:
    """Turn a pending invitation into a workspace member row for `user` (whose e-mail must match).

    Posts "member joined" to the feed and notifies the inviter. A vendor-side invitation for someone
    whose organization role already gives them as much access creates no row and returns None.
    """
    with rls.all_organizations("accepting locks the invitation found by its token's hash"):
        invitation = (
            WorkspaceInvitation.objects.select_for_update(of=("self",))
            .select_related("workspace", "organization", "invited_by")
            .filter(token_hash=hash_secret(raw_token))
            .first()
        )
    rls.admit(invitation)
    if invitation is None:
        raise ValidationError(gettext("This invitation link is not valid (it may have been replaced by a newer one)."))
    if invitation.state != "pending":
        raise ValidationError(
            gettext("This invitation has been %(state)s. Ask the person who invited you for a new one.")
            % {"state": invitation.state}
        )
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            gettext("This invitation is for %(email)s; you are signed in as %(email2)s.")
            % {"email": invitation.email, "email2": user.email}
        )
    workspace, org = invitation.workspace, invitation.organization
    is_org_member = Membership.objects.for_org(org).filter(user=user).exists()
    if invitation.side == Side.PARTNER and is_org_member:
        raise ValidationError(
            gettext("You are a member of %(name)s: open the workspace from your organization.") % {"name": org.name}
        )
    member, created = WorkspaceMember.objects.get_or_create(
        organization=org,
        workspace=workspace,
        user=user,
        defaults={"side": invitation.side, "role": invitation.role},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_action(org=org, actor=user, obj=invitation, verb="accepted")
    if created:
        audit_create(org=org, actor=user, obj=member)
        side = "partner" if member.side == Side.PARTNER else "vendor"
        update_post(
            workspace=workspace,
            kind=Update.Kind.MEMBER_JOINED,
            actor=user,
            text=f"{user.display_name} joined the workspace ({side} {member.get_role_display().lower()}).",
        )
        if invitation.invited_by_id and invitation.invited_by_id != user.pk:
            notify(
                workspace=workspace,
                users=[invitation.invited_by],
                kind=Notification.Kind.MEMBER,
                text=f"{user.display_name} accepted your invitation to {workspace.name}.",
                url=workspace_url(workspace, "workspaces:members"),
            )
    return member
